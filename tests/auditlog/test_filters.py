"""Every filter of the FilterSet, on a small log with one distinguishing entry per case."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from auditlog.filters import AuditEntryFilterSet
from auditlog.models import Operation
from auditlog.selectors import entries_count_upto, entries_filter, entries_page

pytestmark = pytest.mark.django_db

CREATE_BODY = json.dumps(
    {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "jdoe@example.com",
        "name": {"givenName": "gn_9x", "familyName": "fn_lk10fjjz"},
    }
)

# (filter name, query parameters, names of the entries expected). Every declared filter needs
# at least one case: test_every_filter_has_a_case fails otherwise.
CASES = [
    ("created", {"created_after": "{two_days_ago}"}, {"create", "conflict", "patch", "error",
                                                       "discovery", "delete"}),
    ("created", {"created_before": "{two_days_ago}"}, {"old"}),
    ("created", {"created_after": "{eleven_days_ago}", "created_before": "{two_days_ago}"},
     {"old"}),
    ("configuration", {"configuration": "{idp_b}"}, {"conflict", "error"}),
    ("method", {"method": "POST"}, {"create", "conflict"}),
    ("method", {"method": "PATCH"}, {"patch"}),
    ("status_class", {"status_class": "2xx"}, {"old", "create", "patch", "discovery"}),
    ("status_class", {"status_class": "4xx"}, {"conflict", "delete"}),
    ("status_class", {"status_class": "5xx"}, {"error"}),
    ("status", {"status": "409"}, {"conflict"}),
    ("operation", {"operation": "patch"}, {"patch"}),
    ("operation", {"operation": "discovery"}, {"discovery"}),
    ("resource_type", {"resource_type": "Group"}, {"patch"}),
    ("resource_id", {"resource_id": "u-created"}, {"create"}),
    ("request_id", {"request_id": "trace-1"}, {"patch"}),
    ("q", {"q": "fn_lk10fjjz"}, {"create"}),
    ("q", {"q": "FN_LK10FJJZ"}, {"create"}),
    ("q", {"q": "uniqueness"}, {"conflict"}),  # in the response body
    ("q", {"q": "100%"}, set()),  # LIKE wildcards are matched literally
]  # fmt: skip


@pytest.fixture
def log(make_entries, make_configuration):
    """Seven entries, each picked out by some filter."""
    idp_a, _ = make_configuration("idp-a")
    idp_b, _ = make_configuration("idp-b")
    now = timezone.now()
    entries = {
        "old": make_entries(start=now - timedelta(days=10), configuration=idp_a,
                            path="/scim/v2/Users", operation=Operation.LIST, resource_id=""),
        "create": make_entries(method="POST", status=201, operation=Operation.CREATE,
                               configuration=idp_a, resource_id="u-created",
                               request_body=CREATE_BODY, response_body=CREATE_BODY),
        "conflict": make_entries(method="POST", status=409, operation=Operation.CREATE,
                                 configuration=idp_b, resource_id="",
                                 response_body='{"scimType": "uniqueness", "detail": "100 users"}'),
        "patch": make_entries(method="PATCH", status=204, operation=Operation.PATCH,
                              resource_type="Group", resource_id="g-1", request_id="trace-1"),
        "error": make_entries(status=503, configuration=idp_b),
        "discovery": make_entries(operation=Operation.DISCOVERY,
                                  resource_type="ServiceProviderConfig", resource_id=""),
        "delete": make_entries(method="DELETE", status=404, operation=Operation.DELETE),
    }  # fmt: skip
    placeholders = {
        "two_days_ago": (now - timedelta(days=2)).isoformat(),
        "eleven_days_ago": (now - timedelta(days=11)).isoformat(),
        "idp_b": str(idp_b.pk),
    }
    return {name: batch[0].pk for name, batch in entries.items()}, placeholders


@pytest.mark.parametrize(("name", "params", "expected"), CASES)
def test_filter(log, name, params, expected):
    ids, placeholders = log
    data = {key: value.format(**placeholders) for key, value in params.items()}
    filterset = entries_filter(data)
    assert filterset.is_valid(), filterset.errors
    found = set(filterset.qs.values_list("pk", flat=True))
    assert found == {ids[entry] for entry in expected}


def test_every_filter_has_a_case():
    assert set(AuditEntryFilterSet.base_filters) == {name for name, _, _ in CASES}


def test_filters_combine(log):
    ids, _ = log
    filterset = entries_filter({"method": "POST", "status_class": "2xx"})
    assert set(filterset.qs.values_list("pk", flat=True)) == {ids["create"]}


@pytest.mark.parametrize(
    "params",
    [{"status": "abc"}, {"method": "TRACE"}, {"status_class": "9xx"}, {"created_after": "soon"},
     {"operation": "nap"}, {"configuration": "999999"}],
)  # fmt: skip
def test_invalid_values_are_errors(db, params):
    assert not entries_filter(params).is_valid()


def test_no_data_is_unbound_and_matches_everything(log):
    filterset = entries_filter({})
    assert not filterset.is_bound
    assert filterset.qs.count() == 7


class TestPaging:
    """Pages without a full count; counts bounded by a limit."""

    def test_pages_newest_first(self, make_entries):
        entries = make_entries(5)
        qs = entries_filter(None).qs
        first = entries_page(qs, number=1, size=2)
        assert [e.pk for e in first.entries] == [entries[4].pk, entries[3].pk]
        assert first.has_next
        assert not first.has_previous
        last = entries_page(qs, number=3, size=2)
        assert [e.pk for e in last.entries] == [entries[0].pk]
        assert not last.has_next
        assert last.has_previous

    def test_bounded_count(self, make_entries):
        make_entries(5)
        qs = entries_filter(None).qs
        assert entries_count_upto(qs, 3) == 3
        assert entries_count_upto(qs, 10) == 5
