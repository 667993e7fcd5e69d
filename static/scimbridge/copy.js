/* Copy controls: <button data-copy-target="ID"> copies the text of element ID.
   Without the clipboard API (plain http, an old browser, a denied permission) the text is
   selected instead and the button says to press Ctrl+C / Cmd+C. */
(function () {
  "use strict";

  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function say(button, text, state) {
    var label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = text;
    button.dataset.state = state;
    clearTimeout(button._copyTimer);
    button._copyTimer = setTimeout(function () {
      button.textContent = label;
      delete button.dataset.state;
    }, 4000);
  }

  function fallback(button, element) {
    select(element);
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
    if (copied) { say(button, "Copied", "copied"); }
    else { say(button, "Selected: press Ctrl+C", "selected"); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy-target]");
    if (!button) { return; }
    var element = document.getElementById(button.dataset.copyTarget);
    if (!element) { return; }
    var text = element.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { say(button, "Copied", "copied"); },
        function () { fallback(button, element); }
      );
    } else {
      fallback(button, element);
    }
  });
})();
