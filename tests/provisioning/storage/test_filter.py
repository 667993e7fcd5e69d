"""Filter → Q: examples, errors, and property tests against scim2-models' own evaluation."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisioning.models import ScimGroup, ScimUser
from provisioning.scim.errors import ScimError
from provisioning.scim.filter import parse_filter
from provisioning.scim.mapping import group_resource, user_resource
from provisioning.scim.schema import GroupResource, UserResource
from provisioning.selectors import group_members, user_groups
from provisioning.storage.columns import GROUP_STORAGE, USER_STORAGE
from provisioning.storage.filter import filter_q, filter_qs
from tests.provisioning.factories import LOCATOR, make_group, make_user

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
# Strings the seeded data is made of, so that generated filters match some users.
WORDS = ["alice", "Alice", "ALI", "bob", "b", "carol", "x%_", "a\\b", 'q"t', "", "Dev", "dev", "e"]


def seed(directory: Any) -> tuple[list[ScimUser], list[ScimGroup]]:
    """Users and groups with every kind of attribute, absent, empty and repeated values."""
    specs: list[dict[str, Any]] = [
        {"userName": "alice", "title": "Dev", "externalId": "A-1", "displayName": "Alice"},
        {"userName": "ALICE2", "title": "", "active": False, "nickName": "x%_"},
        {"userName": "bob", "name": {"givenName": "Bob", "familyName": "b"}, "active": None},
        {"userName": "carol", "emails": [], "title": "dev", "userType": "a\\b"},
        {
            "userName": "dave",
            "emails": [
                {"value": "dave@home.org", "type": "home"},
                {"value": "Dave@Work.example", "type": "work", "primary": True},
            ],
            "phoneNumbers": [{"value": "+1 555", "type": "mobile"}],
            "addresses": [{"locality": "Berlin", "type": "work"}, {"locality": "bonn"}],
        },
        {
            "userName": "erin",
            "displayName": 'q"t',
            "externalId": "a-1",
            ENTERPRISE: {"employeeNumber": "7", "department": "Dev", "manager": {"value": "alice"}},
        },
        {
            "userName": "frank",
            "name": {"formatted": "Frank B"},
            "emails": [{"value": "frank@b.example", "type": "other", "primary": False}],
        },
        {"userName": "x%_", "title": "ALI", "roles": [{"value": "admin", "primary": True}]},
        {
            "userName": "a\\b",
            "locale": "e",
            "emails": [{"value": "ab@example.com", "display": "a\\b"}],
            "entitlements": [{"value": "e"}, {"display": "Dev"}],
        },
        {"userName": "grace", "x509Certificates": [{"value": "aGVsbG8="}]},
    ]
    users = [make_user(directory, **spec) for spec in specs]
    groups = [
        make_group(directory, displayName="Dev", members=users[:3]),
        make_group(directory, displayName="dev-ops", members=[users[0], users[4]]),
        make_group(directory, displayName="Empty"),
        make_group(directory, displayName="ALI", externalId="g-1", members=users[7:]),
    ]
    return users, groups


@pytest.fixture
def data(scim_directory: Any) -> tuple[list[ScimUser], list[ScimGroup]]:
    """The seeded users and groups."""
    return seed(scim_directory)


def sql_users(text: str) -> set[Any]:
    """Ids of the users the SQL translation selects."""
    return set(
        ScimUser.objects.filter(filter_q(text, UserResource, USER_STORAGE)).values_list(
            "pk", flat=True
        )
    )


def memory_users(text: str) -> set[Any]:
    """Ids of the users scim2-models' in-memory evaluation selects."""
    scim_filter = parse_filter(text, UserResource)
    users = list(ScimUser.objects.all())
    groups = user_groups(user_ids=[user.pk for user in users])
    return {
        user.pk
        for user in users
        if scim_filter.match(user_resource(user, locator=LOCATOR, groups=groups.get(user.pk)))
    }


def sql_groups(text: str) -> set[Any]:
    """Ids of the groups the SQL translation selects."""
    return set(
        ScimGroup.objects.filter(filter_q(text, GroupResource, GROUP_STORAGE)).values_list(
            "pk", flat=True
        )
    )


def memory_groups(text: str) -> set[Any]:
    """Ids of the groups scim2-models' in-memory evaluation selects."""
    scim_filter = parse_filter(text, GroupResource)
    groups = list(ScimGroup.objects.all())
    members = group_members(group_ids=[group.pk for group in groups])
    return {
        group.pk
        for group in groups
        if scim_filter.match(group_resource(group, locator=LOCATOR, members=members.get(group.pk)))
    }


def names(ids: set[Any]) -> set[str]:
    """userNames of user ids (readable assertions)."""
    return set(ScimUser.objects.filter(pk__in=ids).values_list("user_name", flat=True))


@pytest.mark.django_db
class TestExamples:
    """Filters IdPs send, and the RFC's examples, give the expected users."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ('userName eq "ALICE"', {"alice"}),
            ('username Eq "alice"', {"alice"}),  # Ping: attribute and operator in any case
            ('externalId eq "A-1"', {"alice"}),  # caseExact
            ('externalId eq "a-1"', {"erin"}),
            ('emails.value eq "dave@work.example"', {"dave"}),
            ('emails[type eq "work"].value eq "dave@work.example"', {"dave"}),  # Entra
            ('emails[type eq "work" and value co "WORK"]', {"dave"}),
            ('emails[type eq "home"] and userName sw "d"', {"dave"}),
            ('emails co "home" or emails.value ew "b.example"', {"dave", "frank"}),
            ("title pr", {"alice", "carol", "x%_"}),  # "" is not present
            ("not (title pr)", {"ALICE2", "bob", "dave", "erin", "frank", "a\\b", "grace"}),
            ('title eq "dev"', {"alice", "carol"}),
            ('nickName co "%"', {"ALICE2"}),  # no LIKE wildcards leak through
            ('userName co "_"', {"x%_"}),
            ('userType eq "a\\\\b"', {"carol"}),
            ('displayName eq "q\\"t"', {"erin"}),
            ("active eq false", {"ALICE2"}),
            ("active ne true", {"ALICE2", "bob"}),  # absent is unequal to true
            ('name.givenName sw "b" or name.formatted ew "b"', {"bob", "frank"}),
            ("name.formatted pr", {"frank"}),
            (f'{ENTERPRISE}:employeeNumber eq "7"', {"erin"}),
            (f'{ENTERPRISE}:manager.value eq "alice"', {"erin"}),
            ('addresses[locality eq "BONN"]', {"dave"}),
            ('x509Certificates.value eq "aGVsbG8="', {"grace"}),
            ("roles[primary eq true]", {"x%_"}),
            ('entitlements.display eq "dev"', {"a\\b"}),
            ('groups.display eq "dev-ops"', {"alice", "dave"}),
            ('groups[display eq "ALI"]', {"x%_", "a\\b", "grace"}),
            ('userName gt "x" and userName le "x%_"', {"x%_"}),
            (
                '(userName eq "bob" or userName eq "carol") and not (active eq false)',
                {"bob", "carol"},
            ),
            (
                'meta.resourceType eq "User"',
                {
                    "alice",
                    "ALICE2",
                    "bob",
                    "carol",
                    "dave",
                    "erin",
                    "frank",
                    "x%_",
                    "a\\b",
                    "grace",
                },
            ),
        ],
    )
    def test_users(self, data: Any, text: str, expected: set[str]) -> None:
        ids = sql_users(text)
        assert names(ids) == expected
        assert ids == memory_users(text)

    def test_unknown_value_matches_nobody(self, data: Any) -> None:
        assert sql_users('userName eq "7d2b3c18-8a09-4b38-a7bb-ec5b4f8e2c44"') == set()

    def test_id_and_members(self, data: Any) -> None:
        users, groups = data
        assert sql_users(f'id eq "{users[3].pk}"') == {users[3].pk}
        assert sql_users(f'id eq "{str(users[3].pk).upper()}"') == set()  # ids are caseExact
        assert sql_users(f'groups.value eq "{groups[0].pk}"') == {u.pk for u in users[:3]}
        text = f'members[value eq "{users[4].pk}"] or displayName eq "EMPTY"'
        assert sql_groups(text) == {groups[1].pk, groups[2].pk} == memory_groups(text)
        assert sql_groups("not (members pr)") == {groups[2].pk}

    def test_dates_compare_as_dates(self, data: Any) -> None:
        users, _ = data
        moment = users[5].created
        text = f'meta.created ge "{moment.isoformat()}"'
        assert sql_users(text) == {user.pk for user in users[5:]} == memory_users(text)
        before = (moment - timedelta(microseconds=1)).isoformat().replace("+00:00", "Z")
        assert sql_users(f'meta.lastModified gt "{before}"') >= {users[5].pk}

    def test_translation_loads_no_rows(self, data: Any) -> None:
        with CaptureQueriesContext(connection) as queries:
            condition = filter_q(
                'emails[type eq "work"] or groups.display pr', UserResource, USER_STORAGE
            )
        assert len(queries) == 0
        assert isinstance(condition, type(condition))

    def test_root_search_filters_each_type(self, data: Any) -> None:
        user_q, group_q = filter_qs(
            'userName eq "bob" or displayName eq "empty"',
            [(UserResource, USER_STORAGE), (GroupResource, GROUP_STORAGE)],
        )
        assert names(set(ScimUser.objects.filter(user_q).values_list("pk", flat=True))) == {"bob"}
        assert list(ScimGroup.objects.filter(group_q).values_list("display_name", flat=True)) == [
            "Empty"
        ]


@pytest.mark.django_db
class TestInvalidFilters:
    """Bad syntax, unknown attributes and impossible comparisons answer 400 invalidFilter."""

    @pytest.mark.parametrize(
        ("text", "detail"),
        [
            ("RANDOMCAPS", "column 1"),  # Okta's spec test
            ('userName eq "x', "column"),
            ('userName eq "x" and', "column"),
            ('userName xx "x"', "column"),
            ("userName eq bob", "column"),
            ('(userName eq "x"', "column"),
            ('foo eq "x"', "foo"),
            ('name.nothing eq "x"', "nothing"),
            ('emails[nothing eq "x"]', "nothing"),
            ("userName eq 1", "userName"),
            ('active eq "maybe"', "active"),
            ("active gt true", "active"),
            ('meta.created eq "yesterday"', "created"),
            ('password eq "x"', "password"),
            ('meta.location eq "x"', "meta.location"),
            ('groups.$ref eq "x"', "$ref"),
            ('id gt "a"', "eq"),
            ('x509Certificates.value co "a"', "binary"),
            ('title[value eq "x"]', "title"),
            (f"{ENTERPRISE}:nothing eq 1", "nothing"),
            ("", "empty"),
            ('userName eq "\x00"', "NUL"),
        ],
    )
    def test_refused(self, data: Any, text: str, detail: str) -> None:
        with pytest.raises(ScimError) as caught:
            filter_q(text, UserResource, USER_STORAGE)
        error = caught.value
        assert (error.status, error.scim_type) == (400, "invalidFilter")
        assert detail in error.detail

    def test_unknown_to_every_type(self, data: Any) -> None:
        with pytest.raises(ScimError) as caught:
            filter_qs(
                'nothing eq "x"', [(UserResource, USER_STORAGE), (GroupResource, GROUP_STORAGE)]
            )
        assert caught.value.scim_type == "invalidFilter"


# ---------------------------------------------------------------------------------------------
# Property tests: a grammar of filters over every filterable User attribute.

STRING_OPS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]
TEXT_ATTRIBUTES = [
    "userName",
    "displayName",
    "title",
    "nickName",
    "userType",
    "locale",
    "externalId",
    "name.givenName",
    "name.familyName",
    "name.formatted",
    f"{ENTERPRISE}:employeeNumber",
    f"{ENTERPRISE}:department",
    f"{ENTERPRISE}:manager.value",
    "emails.value",
    "emails.type",
    "emails.display",
    "phoneNumbers.value",
    "addresses.locality",
    "roles.value",
    "entitlements.value",
    "entitlements.display",
    "groups.display",
    "meta.resourceType",
]
BOOL_ATTRIBUTES = ["active", "emails.primary", "roles.primary"]
MULTI = {
    "emails": ["value", "type", "primary", "display"],
    "addresses": ["locality", "type"],
    "entitlements": ["value", "display"],
    "groups": ["display", "type"],
}
PRESENT_ATTRIBUTES = [
    *TEXT_ATTRIBUTES,
    *BOOL_ATTRIBUTES,
    "emails",
    "name",
    "addresses",
    "groups",
    "id",
    "meta.created",
    f"{ENTERPRISE}:manager",
    "x509Certificates",
]


def recase(name: str, flags: list[bool]) -> str:
    """Attribute names and operators are case-insensitive: vary their case."""
    return "".join(
        c.upper() if flag else c for c, flag in zip(name, flags * len(name), strict=False)
    )


def quoted(value: Any) -> str:
    """A JSON literal as the filter grammar wants it."""
    return json.dumps(value)


def leaf(draw: Any, attributes: list[str], dates: list[str]) -> str:
    """One comparison or presence test."""
    kind = draw(st.sampled_from(["text", "text", "text", "bool", "pr", "date"]))
    flags = draw(st.lists(st.booleans(), min_size=1, max_size=3))
    if kind == "pr":
        return f"{recase(draw(st.sampled_from(attributes)), flags)} {recase('pr', flags)}"
    if kind == "bool":
        attribute = draw(st.sampled_from(BOOL_ATTRIBUTES))
        op = draw(st.sampled_from(["eq", "ne"]))
        return f"{attribute} {recase(op, flags)} {quoted(draw(st.booleans()))}"
    if kind == "date":
        attribute = draw(st.sampled_from(["meta.created", "meta.lastModified"]))
        op = draw(st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le"]))
        return f"{attribute} {op} {quoted(draw(st.sampled_from(dates)))}"
    attribute = draw(st.sampled_from([a for a in TEXT_ATTRIBUTES if a in attributes]))
    op = draw(st.sampled_from(STRING_OPS))
    return f"{recase(attribute, flags)} {recase(op, flags)} {quoted(draw(st.sampled_from(WORDS)))}"


def value_path(draw: Any) -> str:
    """`attr[inner filter]` over one multi-valued attribute."""
    attribute = draw(st.sampled_from(list(MULTI)))
    subs = MULTI[attribute]
    terms = []
    for _ in range(draw(st.integers(1, 3))):
        sub = draw(st.sampled_from(subs))
        if sub == "primary":
            terms.append(f"primary eq {quoted(draw(st.booleans()))}")
        elif draw(st.booleans()):
            terms.append(f"{sub} pr")
        else:
            op = draw(st.sampled_from(STRING_OPS))
            terms.append(f"{sub} {op} {quoted(draw(st.sampled_from(WORDS)))}")
    joiner = draw(st.sampled_from([" and ", " or "]))
    inner = joiner.join(terms)
    if draw(st.booleans()):
        inner = f"not ({inner})"
    return f"{attribute}[{inner}]"


def expression(draw: Any, dates: list[str], depth: int = 0) -> str:
    """A random filter: leaves, value paths, and/or/not, parentheses."""
    choice = draw(st.integers(0, 5 if depth < 3 else 1))
    if choice == 0:
        return leaf(draw, PRESENT_ATTRIBUTES, dates)
    if choice == 1:
        return value_path(draw) if draw(st.booleans()) else leaf(draw, TEXT_ATTRIBUTES, dates)
    if choice == 2:
        return f"not ({expression(draw, dates, depth + 1)})"
    if choice == 3:
        return f"({expression(draw, dates, depth + 1)})"
    joiner = " and " if choice == 4 else " or "
    return joiner.join(expression(draw, dates, depth + 1) for _ in range(draw(st.integers(2, 3))))


PROPERTY_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
class TestProperties:
    """The SQL translation and scim2-models' evaluation agree on every generated filter."""

    @PROPERTY_SETTINGS
    @given(choices=st.data())
    def test_sql_equals_in_memory(self, data: Any, choices: Any) -> None:
        users, _ = data
        dates = sorted(
            {moment.isoformat() for user in users for moment in (user.created, user.last_modified)}
        )
        text = choices.draw(st.composite(lambda draw: expression(draw, dates))())
        try:
            expected = memory_users(text)
        except ScimError:
            # scim2-models refuses it too (e.g. `emails.value eq "x"`: not an email address).
            with pytest.raises(ScimError) as refused:
                sql_users(text)
            assert refused.value.scim_type == "invalidFilter"
            return
        assert sql_users(text) == expected, text

    @PROPERTY_SETTINGS
    @given(
        text=st.one_of(
            st.text(max_size=40),
            st.lists(
                st.sampled_from(
                    [
                        "userName",
                        "emails",
                        "[",
                        "]",
                        "(",
                        ")",
                        "eq",
                        "pr",
                        "and",
                        "or",
                        "not",
                        '"x"',
                        "1",
                        "true",
                        "null",
                        ".",
                        "value",
                        "type",
                        " ",
                        "co",
                        "gt",
                        "meta.created",
                        "nothing",
                        '"2020-01-01T00:00:00Z"',
                        "id",
                    ]
                ),
                max_size=12,
            ).map("".join),
            st.lists(
                st.sampled_from(
                    [
                        "userName",
                        "emails",
                        "[",
                        "]",
                        "(",
                        ")",
                        "eq",
                        "pr",
                        "and",
                        "not",
                        '"x"',
                        "1",
                        "true",
                        "null",
                        "value",
                        "gt",
                        "id",
                    ]
                ),
                max_size=10,
            ).map(" ".join),
        )
    )
    def test_any_input_gives_a_query_or_invalid_filter(self, data: Any, text: str) -> None:
        outcome = _translate(text)
        if isinstance(outcome, ScimError):
            assert (outcome.status, outcome.scim_type) == (400, "invalidFilter")
            assert outcome.detail
        else:
            list(ScimUser.objects.filter(outcome).values_list("pk", flat=True))


def _translate(text: str) -> Any:
    """The Q for a filter, or the ScimError it raised (anything else propagates)."""
    try:
        return filter_q(text, UserResource, USER_STORAGE)
    except ScimError as error:
        return error
