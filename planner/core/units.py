"""Units as people read them: durations in h:mm, counts of things."""

from __future__ import annotations

import math

__all__ = ["count", "hours_minutes"]


def hours_minutes(seconds: float) -> str:
    """``h:mm`` of a duration in seconds, rounded to the minute and signed; 'never' for an infinite time."""
    if not math.isfinite(seconds):
        return "never" if seconds > 0 else "-never"
    sign = "-" if seconds < 0 else ""
    minutes = round(abs(seconds) / 60.0)
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 sortie``, ``2 sorties``: ``n`` and ``noun`` in the number it takes (``plural`` when not noun + s)."""
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"
