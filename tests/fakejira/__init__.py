"""A stateful fake of Jira Data Center's REST API v2, served over real HTTP for tests."""

from .fake import FakeJira
from .faults import FaultRule
from .features import Features
from .models import FakeGroup, FakeRole, FakeUser
from .requestlog import LoggedRequest

__all__ = [
    "FakeGroup",
    "FakeJira",
    "FakeRole",
    "FakeUser",
    "FaultRule",
    "Features",
    "LoggedRequest",
]
