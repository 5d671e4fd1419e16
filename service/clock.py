"""Timestamps in the one form Canvas emits (decision 5): UTC, seconds, trailing Z."""

from __future__ import annotations

from datetime import datetime, timezone

CANVAS_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_now() -> str:
    """The current time as a Canvas timestamp string."""
    return datetime.now(timezone.utc).strftime(CANVAS_TIME_FORMAT)


def parse_time(text: str) -> datetime | None:
    """Parse an ISO 8601 time from a client; None when it does not parse (Canvas ignores it)."""
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(CANVAS_TIME_FORMAT)
