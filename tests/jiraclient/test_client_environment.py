"""The proxy and CA-bundle environment is read once per client, as requests would per call."""

from __future__ import annotations

import pytest

from jiraclient import JiraClient


def test_proxy_environment_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = JiraClient("https://jira.example.com", token="t")
    session = client._http.session
    assert session.proxies.get("https") == "http://proxy.example:3128"
    assert session.trust_env is False  # nothing re-read per request


def test_no_proxy_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "jira.example.com")
    client = JiraClient("https://jira.example.com", token="t")
    assert "https" not in client._http.session.proxies


def test_ca_bundle_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert JiraClient("https://jira.example.com", token="t")._http.verify == str(bundle)
    # verify_tls=False stays off whatever the environment says.
    insecure = JiraClient("https://jira.example.com", token="t", verify_tls=False)
    assert insecure._http.verify is False
