"""The Jira seam: the applier protocol, its setting, and the SCIM write unit's order."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction

from provisioning.models import ScimUser
from provisioning.services import apply
from provisioning.services.changes import ChangeSet, GroupDeleted
from provisioning.services.users import user_delete
from provisioning.writethrough.applier import JiraApplier, apply_to_jira

from .conftest import RecordingApplier
from .factories import make_user


class OrderProbe:
    """An applier that notes, at each step, whether a transaction was open."""

    def __init__(self) -> None:
        self.events: list[tuple[str, bool]] = []

    @contextmanager
    def write_scope(self) -> Iterator[None]:
        self.events.append(("scope entered", connection.in_atomic_block))
        yield
        self.events.append(("scope left", connection.in_atomic_block))

    def __call__(self, change_set: ChangeSet) -> None:
        self.events.append(("applied", connection.in_atomic_block))


class TestProtocol:
    """What counts as an applier, and how the setting names one."""

    def test_the_jira_applier_is_a_change_applier(self) -> None:
        assert isinstance(apply_to_jira, apply.ChangeApplier)
        assert isinstance(JiraApplier(), apply.ChangeApplier)

    def test_a_plain_callable_is_wrapped_without_a_scope(self) -> None:
        def plain(change_set: Any) -> None:
            return None

        assert not isinstance(plain, apply.ChangeApplier)
        wrapped = apply.as_applier(plain)
        assert isinstance(wrapped, apply.ChangeApplier)
        with wrapped.write_scope() as scope:
            assert scope is None

    def test_what_is_not_callable_is_refused(self) -> None:
        with pytest.raises(TypeError, match="not a change applier"):
            apply.as_applier("provisioning.services.apply.log_changes")  # type: ignore[arg-type]

    def test_the_setting_is_declared_and_defaults_to_jira(self) -> None:
        assert settings.SCIM_CHANGE_APPLIER == "provisioning.writethrough.applier.apply_to_jira"
        assert apply._configured(settings.SCIM_CHANGE_APPLIER) is apply_to_jira

    def test_the_logging_applier_is_a_change_applier(self) -> None:
        assert isinstance(apply.log_changes, apply.ChangeApplier)


@pytest.mark.django_db
class TestWriteUnit:
    """A SCIM write opens the write scope, then its transaction; the wrong order fails."""

    def test_a_service_inside_an_outer_transaction_fails(
        self, scim_directory: Any, applier: RecordingApplier
    ) -> None:
        with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
            make_user(scim_directory, userName="ann")
        assert not ScimUser.objects.exists()
        assert applier.change_sets == []

    def test_units_do_not_nest(self, scim_directory: Any) -> None:
        with apply.write_unit(), pytest.raises(RuntimeError, match="nested"):
            make_user(scim_directory, userName="ann")

    def test_apply_changes_outside_a_unit_fails(
        self, scim_directory: Any, applier: RecordingApplier
    ) -> None:
        change_set = ChangeSet(directory=scim_directory)
        # A transaction is open (the test's), but no write unit: still refused.
        with transaction.atomic(), pytest.raises(RuntimeError, match="write unit"):
            apply.apply_changes(change_set)
        assert applier.change_sets == []

    def test_apply_changes_uses_the_units_applier(self, scim_directory: Any) -> None:
        first, second = RecordingApplier(), RecordingApplier()
        change_set = ChangeSet(directory=scim_directory)
        change_set.add(GroupDeleted(uuid.uuid4(), "g", None))
        # An override installed mid-unit does not redirect the unit's changes.
        with apply.applier_override(first), apply.write_unit(), apply.applier_override(second):
            apply.apply_changes(change_set)
        assert len(first.change_sets) == 1
        assert second.change_sets == []


@pytest.mark.django_db(transaction=True)
class TestOrder:
    """Outside any test transaction, the scope encloses the transaction exactly."""

    def test_scope_then_transaction_then_scope_ends_after_commit(self, scim_directory: Any) -> None:
        probe = OrderProbe()
        with apply.applier_override(probe):
            user = make_user(scim_directory, userName="ann")
            user_delete(user=user, hard=True)
        assert probe.events == [
            ("scope entered", False),
            ("applied", True),
            ("scope left", False),
        ] * 2
