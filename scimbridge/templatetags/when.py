"""`when` and `age`: the admin's one way to show a moment (a template builtin, see settings)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import formats, timezone
from django.utils.timesince import timesince

register = template.Library()

NEVER = "—"


def format_moment(value: datetime | None) -> str:
    """Local time (TIME_ZONE) with seconds and the zone, e.g. "2026-12-02 06:43:10 UTC"."""
    if value is None:
        return NEVER
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")


@register.filter
def when(value: datetime | None) -> str:
    """Format a moment the admin's one way; "—" for none."""
    return format_moment(value)


@register.filter
def age(value: datetime | None) -> str:
    """How long ago, in words ("3 days, 2 hours"); "—" for none."""
    if value is None:
        return NEVER
    return timesince(value, depth=1)
