"""Fault injection of the fake Jira: 5xx, latency, timeouts, 429, applied-then-500, resets."""

from __future__ import annotations

import time

import pytest
import requests

from tests.fakejira import FakeJira
from tests.fakejira.httpapi import Api, new_user


class TestErrors:
    """5xx answers matched by method, path, query, count, skip and probability."""

    def test_count_limits_the_fault(self, fake_jira, api):
        rule = fake_jira.fail("GET", "/rest/api/2/myself", status=503, count=2)
        assert [api.get("/myself").status_code for _ in range(3)] == [503, 503, 200]
        assert (rule.matched, rule.fired, rule.exhausted) == (3, 2, True)
        assert [e.fault for e in fake_jira.requests()] == ["error", "error", None]

    def test_method_path_pattern_and_query_must_match(self, fake_jira, api):
        fake_jira.seed_user("fred")
        fake_jira.fail("GET", "/rest/api/2/user*", query={"username": "fred"})
        assert api.get("/user", username="fred").status_code == 500
        assert api.get("/user", username="admin").status_code == 200
        assert api.get("/user/search", username="fr").status_code == 200  # query differs
        assert api.put("/user", {"displayName": "F"}, username="fred").status_code == 200

    def test_skip_lets_the_first_requests_through(self, fake_jira, api):
        fake_jira.fail("*", "/rest/api/2/myself", skip=1, count=1)
        assert [api.get("/myself").status_code for _ in range(3)] == [200, 500, 200]

    def test_probability_replays_with_the_same_seed(self):
        def run() -> list[int]:
            with FakeJira(seed=42) as fake:
                fake.fail("GET", "*", probability=0.5)
                api = Api(fake)
                return [api.get("/serverInfo").status_code for _ in range(20)]

        first, second = run(), run()
        assert first == second
        assert {200, 500} == set(first)

    def test_custom_body(self, fake_jira, api):
        fake_jira.fail("GET", "*", status=502, body="<html>Bad Gateway</html>")
        response = api.get("/myself")
        assert (response.status_code, response.text) == (502, "<html>Bad Gateway</html>")

    def test_clear_faults(self, fake_jira, api):
        fake_jira.fail("GET", "*")
        fake_jira.clear_faults()
        assert api.get("/myself").status_code == 200


class TestRateLimit:
    """429 with Retry-After and the X-RateLimit headers."""

    def test_429_headers(self, fake_jira, api):
        fake_jira.rate_limit("POST", "/rest/api/2/group", retry_after=2, count=1)
        response = api.post("/group", {"name": "team"})
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "2"
        assert response.headers["X-RateLimit-Remaining"] == "0"
        assert {"X-RateLimit-Limit", "X-RateLimit-Interval-Seconds", "X-RateLimit-FillRate"} <= set(
            response.headers
        )
        assert fake_jira.group("team") is None  # a rate-limited request is not applied
        assert api.post("/group", {"name": "team"}).status_code == 201

    def test_fractional_retry_after_for_fast_tests(self, fake_jira, api):
        fake_jira.rate_limit("GET", "*", retry_after=0.05)
        assert api.get("/myself").headers["Retry-After"] == "0.05"


class TestSlowness:
    """Latency and timeouts, with or without the change applied."""

    def test_latency(self, fake_jira, api):
        fake_jira.delay("GET", "/rest/api/2/myself", 0.2, count=1)
        started = time.monotonic()
        assert api.get("/myself").status_code == 200
        assert time.monotonic() - started >= 0.2

    def test_timeout_without_applying(self, fake_jira):
        fake_jira.timeout("POST", "/rest/api/2/group", seconds=1.0)
        with pytest.raises(requests.ReadTimeout):
            requests.post(
                fake_jira.url + "/rest/api/2/group",
                json={"name": "team"},
                headers={"Authorization": "Bearer admin-pat"},
                timeout=(2, 0.2),
            )
        assert fake_jira.group("team") is None

    def test_timeout_after_applying(self, fake_jira):
        fake_jira.timeout("POST", "/rest/api/2/group", seconds=1.0, apply=True)
        with pytest.raises(requests.ReadTimeout):
            requests.post(
                fake_jira.url + "/rest/api/2/group",
                json={"name": "team"},
                headers={"Authorization": "Bearer admin-pat"},
                timeout=(2, 0.2),
            )
        assert fake_jira.group("team") is not None

    def test_stop_interrupts_a_sleeping_fault(self):
        fake = FakeJira().start()
        fake.timeout("GET", "*", seconds=30)
        with pytest.raises(requests.ReadTimeout):
            requests.get(fake.url + "/rest/api/2/serverInfo", timeout=(2, 0.1))
        started = time.monotonic()
        fake.stop()
        assert time.monotonic() - started < 2


class TestAppliedThenFailed:
    """The change is made, but the answer says otherwise."""

    def test_applied_then_500(self, fake_jira, api):
        fake_jira.apply_then_fail("POST", "/rest/api/2/user", count=1)
        response = api.post("/user", new_user("fred"))
        assert response.status_code == 500
        assert fake_jira.user("fred") is not None
        assert fake_jira.requests("POST")[0].extra["applied_status"] == 201
        assert api.post("/user", new_user("fred")).status_code == 400  # now a duplicate

    @pytest.mark.parametrize("apply", [False, True])
    def test_disconnect(self, fake_jira, api, apply):
        fake_jira.disconnect("POST", "/rest/api/2/group", apply=apply, count=1)
        with pytest.raises(requests.ConnectionError):
            api.post("/group", {"name": "team"})
        assert (fake_jira.group("team") is not None) is apply
        assert fake_jira.requests("POST")[0].status is None
