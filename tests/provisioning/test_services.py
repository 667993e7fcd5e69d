"""Write services and the Jira seam: change sets, rollback, hidden users, uniqueness."""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings

from configurations.services import directory_get_or_create
from provisioning import selectors
from provisioning.models import ScimGroup, ScimMembership, ScimUser, ScimUserValue
from provisioning.scim.errors import ScimError
from provisioning.scim.etag import Preconditions
from provisioning.scim.mapping import MemberRef
from provisioning.scim.patch import parse_patch
from provisioning.scim.schema import GroupResource, UserResource
from provisioning.services import apply
from provisioning.services.changes import (
    ChangeSet,
    GroupRenamed,
    MemberAdded,
    MemberRemoved,
    UserCreated,
    UserDeleted,
    UserEmailChanged,
    UserPasswordSet,
    UserRenamed,
)
from provisioning.services.groups import (
    group_delete,
    group_members_add,
    group_members_remove,
    group_members_replace,
    group_patch,
    group_replace,
)
from provisioning.services.users import user_create, user_delete, user_patch, user_replace

from .conftest import RecordingApplier, make_site
from .factories import (
    LOCATOR,
    GroupPayloadFactory,
    UserPayloadFactory,
    group_resource,
    make_group,
    make_user,
    user_resource,
)

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def user_patch_ops(*operations: dict[str, Any]) -> Any:
    """A validated User PatchOp."""
    return parse_patch(
        {"schemas": [PATCH], "Operations": list(operations)}, UserResource, locator=LOCATOR
    )


def group_patch_ops(*operations: dict[str, Any]) -> Any:
    """A validated Group PatchOp."""
    return parse_patch(
        {"schemas": [PATCH], "Operations": list(operations)}, GroupResource, locator=LOCATOR
    )


@pytest.mark.django_db
class TestSeam:
    """Every write hands its change set to the applier inside its transaction."""

    def test_create_hands_over_the_change_set(
        self, scim_directory: Any, scim_configuration: Any, applier: RecordingApplier
    ) -> None:
        configuration, _ = scim_configuration
        user = user_create(
            directory=scim_directory,
            resource=user_resource(UserPayloadFactory(userName="ann", password="pw")),
            configuration=configuration,
        )
        [change_set] = applier.change_sets
        assert change_set.directory == scim_directory
        assert change_set.configuration == configuration
        [created] = change_set.of_type(UserCreated)
        assert created.user == user
        assert created.password == "pw"
        assert created.state.email == "ann@example.com"
        assert "pw" not in repr(change_set)

    @pytest.mark.parametrize("status", [503, 409, 400])
    def test_a_failing_applier_rolls_every_write_back(
        self, scim_directory: Any, applier: RecordingApplier, status: int
    ) -> None:
        user = make_user(scim_directory, userName="ann")
        other = make_user(scim_directory, userName="bob")
        group = make_group(scim_directory, displayName="g", members=[user])
        before = (
            ScimUser.objects.count(),
            ScimMembership.objects.count(),
            ScimUserValue.objects.count(),
        )
        applier.fail(status)
        writes = [
            lambda: make_user(scim_directory, userName="carl"),
            lambda: user_patch(
                user=user,
                patch=user_patch_ops(
                    {"op": "replace", "value": {"userName": "ann2", "emails": []}}
                ),
            ),
            lambda: user_delete(user=user, hard=False),
            lambda: user_delete(user=user, hard=True),
            lambda: group_members_add(group=group, members=[MemberRef(other.pk)]),
            lambda: group_patch(
                group=group, patch=group_patch_ops({"op": "remove", "path": "members"})
            ),
            lambda: group_delete(group=group),
            lambda: make_group(scim_directory, displayName="h", members=[other]),
        ]
        for write in writes:
            with pytest.raises(ScimError) as caught:
                write()
            assert caught.value.status == status
        assert (
            ScimUser.objects.count(),
            ScimMembership.objects.count(),
            ScimUserValue.objects.count(),
        ) == before
        user.refresh_from_db()
        assert (user.user_name, user.version, user.hidden_at) == ("ann", 1, None)
        assert ScimGroup.objects.get().version == 1
        assert len(applier.change_sets) == len(writes) + 3

    @pytest.mark.django_db(transaction=True)
    def test_apply_outside_a_transaction_is_refused(self, scim_directory: Any) -> None:
        with pytest.raises(RuntimeError):
            apply.apply_changes(ChangeSet(directory=scim_directory))

    def test_empty_change_sets_are_not_applied(
        self, scim_directory: Any, applier: RecordingApplier
    ) -> None:
        user = make_user(scim_directory, userName="ann", title="T")
        user_patch(
            user=user, patch=user_patch_ops({"op": "replace", "path": "title", "value": "T"})
        )
        user.refresh_from_db()
        assert user.version == 1
        assert applier.kinds == [["user_created"]]

    def test_the_logging_applier_logs_without_passwords(
        self, scim_directory: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        with (
            apply.applier_override(apply.log_changes),
            caplog.at_level(logging.INFO, logger="scimbridge.changes"),
        ):
            make_user(scim_directory, userName="ann", password="s3cret")
        assert "user_created" not in caplog.text  # the repr names the class
        assert "UserCreated" in caplog.text
        assert "ann" in caplog.text
        assert "s3cret" not in caplog.text

    def test_the_applier_is_a_setting(self, scim_directory: Any) -> None:
        overrides = list(apply._override)  # without test overrides, the setting rules
        apply._override.clear()
        try:
            with override_settings(SCIM_CHANGE_APPLIER=f"{__name__}.RECORDED"):
                make_user(scim_directory, userName="ann")
        finally:
            apply._override.extend(overrides)
        assert RECORDED.kinds[-1] == ["user_created"]


RECORDED = RecordingApplier()


@pytest.mark.django_db
class TestUserChanges:
    """What Jira needs to know about each user write."""

    def test_patch_changes(self, scim_directory: Any, applier: RecordingApplier) -> None:
        user = make_user(scim_directory, userName="ann")
        user_patch(
            user=user,
            patch=user_patch_ops(
                {"op": "replace", "path": "userName", "value": "anna"},
                {"op": "replace", "path": 'emails[type eq "work"].value', "value": "anna@x.org"},
                {"op": "replace", "path": "displayName", "value": "Anna A"},
                {"op": "replace", "path": "active", "value": False},
                {"op": "replace", "path": "password", "value": "new"},
            ),
        )
        assert applier.last.kinds == [
            "user_renamed",
            "user_email_changed",
            "user_display_name_changed",
            "user_deactivated",
            "user_password_set",
        ]
        [renamed] = applier.last.of_type(UserRenamed)
        assert (renamed.old_user_name, renamed.new_user_name) == ("ann", "anna")
        [email] = applier.last.of_type(UserEmailChanged)
        assert (email.old_email, email.new_email) == ("ann@example.com", "anna@x.org")
        assert applier.last.of_type(UserPasswordSet)[0].password == "new"
        user.refresh_from_db()
        assert user.version == 2
        assert "password" not in str(user.resource)
        assert list(user.values.values_list("value", flat=True)) == ["anna@x.org"]

    def test_replace_keeps_read_only_and_drops_the_rest(
        self, scim_directory: Any, applier: RecordingApplier
    ) -> None:
        user = make_user(scim_directory, userName="ann", title="T")
        user_replace(user=user, resource=user_resource({"userName": "ann", "active": True}))
        user.refresh_from_db()
        assert "title" not in user.resource
        assert not user.values.exists()
        assert applier.last.kinds == ["user_email_changed", "user_display_name_changed"]

    def test_preconditions(self, scim_directory: Any, applier: RecordingApplier) -> None:
        user = make_user(scim_directory, userName="ann")
        with pytest.raises(ScimError) as caught:
            user_patch(
                user=user,
                patch=user_patch_ops({"op": "replace", "path": "title", "value": "x"}),
                preconditions=Preconditions(if_match='W/"7"'),
            )
        assert caught.value.status == 412
        user_patch(
            user=user,
            patch=user_patch_ops({"op": "replace", "path": "title", "value": "x"}),
            preconditions=Preconditions(if_match='W/"1"'),
        )


@pytest.mark.django_db
class TestHiddenUsers:
    """With "delete users" off, DELETE disables and hides; a re-create relinks."""

    def test_hide_then_relink(self, scim_directory: Any, applier: RecordingApplier) -> None:
        user = make_user(scim_directory, userName="Ann")
        ScimUser.objects.filter(pk=user.pk).update(jira_user_key="JIRAUSER10100")
        group = make_group(scim_directory, displayName="g", members=[user])
        user.refresh_from_db()
        user_delete(user=user, hard=False)
        [deleted] = applier.last.of_type(UserDeleted)
        assert (deleted.hard, deleted.removed_from, deleted.jira_user_key) == (
            False,
            (group.pk,),
            "JIRAUSER10100",
        )
        with pytest.raises(ScimError) as caught:
            selectors.user_get(directory=scim_directory, user_id=str(user.pk))
        assert caught.value.status == 404
        assert not ScimMembership.objects.exists()
        hidden = ScimUser.objects.get(pk=user.pk)
        assert hidden.is_hidden
        assert hidden.active is False

        again = make_user(scim_directory, userName="ANN", title="Back")
        assert again.pk == user.pk
        [created] = applier.last.of_type(UserCreated)
        assert created.restored
        assert created.user.jira_user_key == "JIRAUSER10100"
        assert again.resource["title"] == "Back"
        assert again.active is True
        assert not again.is_hidden

    def test_a_hidden_user_name_is_still_taken(self, scim_directory: Any) -> None:
        hidden = make_user(scim_directory, userName="ann")
        user_delete(user=hidden, hard=False)
        other = make_user(scim_directory, userName="bob")
        with pytest.raises(ScimError) as caught:
            user_patch(
                user=other,
                patch=user_patch_ops({"op": "replace", "path": "userName", "value": "ANN"}),
            )
        assert (caught.value.status, caught.value.scim_type) == (409, "uniqueness")
        assert "deleted" in caught.value.detail

    def test_hard_delete(self, scim_directory: Any, applier: RecordingApplier) -> None:
        user = make_user(scim_directory, userName="ann")
        user_delete(user=user, hard=True)
        assert not ScimUser.objects.exists()
        assert applier.last.of_type(UserDeleted)[0].hard


@pytest.mark.django_db
class TestUniqueness:
    """userName and group displayName are unique per directory, case-insensitively."""

    def test_user_names(self, scim_directory: Any) -> None:
        make_user(scim_directory, userName="Ann")
        with pytest.raises(ScimError) as caught:
            make_user(scim_directory, userName="aNN")
        assert (caught.value.status, caught.value.scim_type) == (409, "uniqueness")
        other_directory = directory_get_or_create(name="other", jira_site=make_site("o"))
        make_user(other_directory, userName="ann")

    def test_database_constraint_backs_the_check(
        self, scim_directory: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from provisioning.services import users

        make_user(scim_directory, userName="ann")
        # As if a concurrent create committed between our check and our insert.
        monkeypatch.setattr(users, "_same_user_name", lambda *_: ScimUser.objects.none())
        with pytest.raises(ScimError) as caught:
            make_user(scim_directory, userName="ANN")
        assert caught.value.status == 409

    def test_group_names(self, scim_directory: Any) -> None:
        group = make_group(scim_directory, displayName="Admins")
        make_group(scim_directory, displayName="Other")
        with pytest.raises(ScimError) as caught:
            make_group(scim_directory, displayName="ADMINS")
        assert caught.value.status == 409
        with pytest.raises(ScimError) as caught:
            group_replace(group=group, resource=group_resource({"displayName": "other"}))
        assert caught.value.status == 409


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_give_one_user(scim_directory: Any) -> None:
    """Identical creates racing each other: one succeeds, the others get 409."""
    outcomes: list[Any] = []
    barrier = threading.Barrier(4)

    def create() -> None:
        barrier.wait()
        try:
            outcomes.append(make_user(scim_directory, userName="race").pk)
        except ScimError as error:
            outcomes.append(error.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcome for outcome in outcomes if outcome == 409) == [409, 409, 409]
    assert ScimUser.objects.filter(user_name="race").count() == 1


@pytest.mark.django_db
class TestGroupChanges:
    """Group writes and membership changes."""

    def test_rename_and_the_okta_no_op(
        self, scim_directory: Any, applier: RecordingApplier
    ) -> None:
        group = make_group(scim_directory, displayName="g")
        group_patch(
            group=group,
            patch=group_patch_ops(
                {"op": "replace", "value": {"id": str(group.pk), "displayName": "g"}}
            ),
        )
        assert applier.kinds == [["group_created"]]
        group_patch(
            group=group,
            patch=group_patch_ops({"op": "replace", "path": "displayName", "value": "h"}),
        )
        [renamed] = applier.last.of_type(GroupRenamed)
        assert (renamed.old_display_name, renamed.new_display_name) == ("g", "h")

    def test_member_services(self, scim_directory: Any, applier: RecordingApplier) -> None:
        ann, bob, cid = (make_user(scim_directory, userName=name) for name in ("a", "b", "c"))
        group = make_group(scim_directory, displayName="g", members=[ann])
        group_members_add(group=group, members=[MemberRef(ann.pk), MemberRef(bob.pk)])
        assert [(c.kind, c.user_name) for c in applier.last] == [("member_added", "b")]
        group_members_replace(group=group, members=[MemberRef(bob.pk), MemberRef(cid.pk)])
        assert sorted((c.kind, c.user_name) for c in applier.last) == [
            ("member_added", "c"),
            ("member_removed", "a"),
        ]
        group_members_remove(group=group, user_ids=[cid.pk, uuid.uuid4()])
        assert applier.last.of_type(MemberRemoved)[0].user_name == "c"
        assert list(group.memberships.values_list("user__user_name", flat=True)) == ["b"]
        group.refresh_from_db()
        assert group.version == 4

    @pytest.mark.parametrize("members", ["stranger", "hidden", "other-directory"])
    def test_members_must_be_visible_users_of_the_directory(
        self, scim_directory: Any, members: str
    ) -> None:
        group = make_group(scim_directory, displayName="g")
        user_id = uuid.uuid4()
        if members == "hidden":
            hidden = make_user(scim_directory, userName="h")
            user_delete(user=hidden, hard=False)
            user_id = hidden.pk
        elif members == "other-directory":
            other = directory_get_or_create(name="other", jira_site=make_site("o"))
            user_id = make_user(other, userName="o").pk
        with pytest.raises(ScimError) as caught:
            group_members_add(group=group, members=[MemberRef(user_id)])
        assert (caught.value.status, caught.value.scim_type) == (400, "invalidValue")
        assert str(user_id) in caught.value.detail

    def test_patch_members_three_ways_and_in_order(
        self, scim_directory: Any, applier: RecordingApplier
    ) -> None:
        users = [make_user(scim_directory, userName=f"u{n}") for n in range(4)]
        group = make_group(scim_directory, displayName="g", members=users)
        group_patch(
            group=group,
            patch=group_patch_ops(
                {"op": "remove", "path": "members", "value": [{"value": str(users[0].pk)}]},
                {"op": "remove", "path": f'members[value eq "{users[1].pk}"]'},
            ),
        )
        group_patch(
            group=group,
            patch=parse_patch(
                {"members": [{"value": str(users[2].pk), "operation": "delete"}]},
                GroupResource,
                locator=LOCATOR,
            ),
        )
        assert [c.user_name for c in applier.change_sets[-2].of_type(MemberRemoved)] == ["u0", "u1"]
        assert [c.user_name for c in applier.last.of_type(MemberRemoved)] == ["u2"]
        group_patch(
            group=group,
            patch=group_patch_ops(
                {"op": "remove", "path": "members"},
                {"op": "add", "path": "members", "value": [{"value": str(users[0].pk)}]},
            ),
        )
        assert applier.last.kinds == ["member_removed", "member_added"]
        assert [c.user_name for c in applier.last.of_type(MemberAdded)] == ["u0"]

    def test_patch_is_atomic(self, scim_directory: Any) -> None:
        user = make_user(scim_directory, userName="u")
        group = make_group(scim_directory, displayName="g")
        with pytest.raises(ScimError):
            group_patch(
                group=group,
                patch=group_patch_ops(
                    {"op": "add", "path": "members", "value": [{"value": str(user.pk)}]},
                    {"op": "replace", "path": "displayName", "value": "h"},
                    {"op": "add", "path": "members", "value": [{"value": str(uuid.uuid4())}]},
                ),
            )
        group.refresh_from_db()
        assert group.display_name == "g"
        assert not group.memberships.exists()

    def test_member_display(self, scim_directory: Any) -> None:
        user = make_user(scim_directory, userName="u")
        group = make_group(scim_directory, displayName="g", members=[user])
        group_patch(
            group=group,
            patch=group_patch_ops(
                {"op": "replace", "path": f'members[value eq "{user.pk}"].display', "value": "U"}
            ),
        )
        assert group.memberships.get().display == "U"
        with pytest.raises(ScimError) as caught:
            group_patch(
                group=group,
                patch=group_patch_ops(
                    {"op": "replace", "path": 'members[display eq "nobody"].display', "value": "x"}
                ),
            )
        assert caught.value.scim_type == "noTarget"
        with pytest.raises(ScimError) as caught:
            group_patch(
                group=group,
                patch=group_patch_ops({"op": "replace", "path": "members.value", "value": "x"}),
            )
        assert caught.value.scim_type == "mutability"


def test_services_are_atomic() -> None:
    """Every public write service is one SCIM write unit (write scope, then transaction)."""
    from provisioning.services import groups, users

    checked = []
    for module in (users, groups):
        for name in dir(module):
            if name.startswith(("user_", "group_")) and callable(getattr(module, name)):
                function = getattr(module, name)
                if function.__module__ == module.__name__:
                    assert getattr(function, "scim_write", False) is True, name
                    checked.append(name)
    assert len(checked) == 11, checked


def test_payload_factories_are_valid() -> None:
    """The factories give bodies the validators accept."""
    assert user_resource(UserPayloadFactory()).user_name.startswith("user")
    assert group_resource(GroupPayloadFactory()).display_name.startswith("group")
