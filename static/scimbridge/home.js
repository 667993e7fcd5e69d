/* Home page: sites whose health is unknown or old are checked in the background (short
   timeout on the server), so the page itself never waits for Jira. */
(function () {
  "use strict";
  document.querySelectorAll("tr[data-refresh]").forEach(function (row) {
    var cell = row.querySelector(".site-health");
    fetch(row.dataset.refresh, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) { cell.innerHTML = data.html; row.dataset.state = data.state; })
      .catch(function () { cell.querySelector(".sb-small").textContent = "Could not check now."; });
  });
})();
