"""Version switches of the fake Jira: which behaviour a given Jira version shows."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass


def parse_version(version: str) -> tuple[int, int, int]:
    """Turn ``"9.12.4"`` (or ``"10.3"``, ``"8.20.1-m0003"``) into ``(9, 12, 4)``."""
    numbers = [int(part) for part in re.findall(r"\d+", version.split("-", 1)[0])[:3]]
    if not numbers:
        raise ValueError(f"not a Jira version: {version!r}")
    while len(numbers) < 3:
        numbers.append(0)
    return numbers[0], numbers[1], numbers[2]


@dataclass(frozen=True)
class Features:
    """What the configured Jira version does differently; override fields to test edge cases."""

    version: str
    version_numbers: tuple[int, int, int]
    # PUT /user accepts "active" from 8.3; before that it is a 400.
    active_in_put: bool
    # New users get JIRAUSER10100-style keys from about 8.4; before, the key is the
    # lower-cased username at creation time.
    jirauser_keys: bool
    # Personal access tokens (Authorization: Bearer) exist from 8.14.
    personal_access_tokens: bool
    # Admins can switch Basic auth off from 8.16.
    basic_auth_switch: bool
    # user/search: largest page, and (Jira 10) largest number of results in total.
    search_page_cap: int
    search_total_cap: int | None
    # GET /user/list (cursor paging) exists from 10.3.
    user_list: bool
    user_list_default_page: int
    # group/member page-size ceiling (unverified: modelled low so paging is exercised).
    group_member_page_cap: int
    # The user bean carries lastLoginTime from 11.3.
    last_login_time: bool
    # Adding an existing member answers 400 with a plain-text body on older versions
    # (unverified where the switch lies; modelled as "before 9.0").
    plain_text_already_member: bool

    @classmethod
    def for_version(cls, version: str, **overrides: object) -> Features:
        """Build the switches for a version string, then apply ``overrides`` by field name."""
        v = parse_version(version)
        features = cls(
            version=version,
            version_numbers=v,
            active_in_put=v >= (8, 3, 0),
            jirauser_keys=v >= (8, 4, 0),
            personal_access_tokens=v >= (8, 14, 0),
            basic_auth_switch=v >= (8, 16, 0),
            search_page_cap=100 if v >= (10, 0, 0) else 1000,
            search_total_cap=100 if v >= (10, 0, 0) else None,
            user_list=v >= (10, 3, 0),
            user_list_default_page=2000,
            group_member_page_cap=50,
            last_login_time=v >= (11, 3, 0),
            plain_text_already_member=v < (9, 0, 0),
        )
        return dataclasses.replace(features, **overrides) if overrides else features
