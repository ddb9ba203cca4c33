"""Reading the dates and times users type (command line, web forms), one way everywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from abusedesk.domain.errors import InvalidInput


def parse_moment(value: str) -> datetime:
    """A date (midnight UTC) or an ISO 8601 time; naive times are UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD) or ISO 8601 time") from None
    if len(value) == 10:
        moment = datetime.combine(moment.date(), time(0))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_day(value: str) -> date:
    """A calendar date, YYYY-MM-DD."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)") from None
