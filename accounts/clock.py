"""Timestamps as the API writes them: UTC, to the second, ISO 8601 with a `Z`."""

from datetime import UTC, datetime, timedelta


def now_iso(after_seconds: int = 0) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=after_seconds)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
