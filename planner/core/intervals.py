"""Time intervals: how much of a window a set of spans covers, and the gaps they leave."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["covered_s"]


def covered_s(spans: Iterable[tuple[float, float]], window: tuple[float, float]) -> tuple[float, list[tuple[float, float]]]:
    """Seconds of ``window`` (start, end) inside at least one of ``spans`` (start, end; they may overlap), and
    the gaps (start, end) left uncovered, in time order."""
    lo, hi = window
    covered = 0.0
    gaps: list[tuple[float, float]] = []
    t = lo
    for a, b in sorted(spans):
        a, b = max(a, lo), min(b, hi)
        if b <= a:
            continue
        if a > t:
            gaps.append((t, a))
        if b > t:
            covered += b - max(a, t)
            t = b
    if t < hi:
        gaps.append((t, hi))
    return covered, gaps
