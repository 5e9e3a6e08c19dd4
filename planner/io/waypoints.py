"""QGC WPL 110 (``.waypoints``) writer: Mission Planner, ArduPilot, MAVProxy.

Exactly 12 tab-separated fields per line, row 0 home (AMSL), indices contiguous, integers where the
format wants integers, lat/lon with 8 decimals, no NaN (see docs/formats.md).
"""

from __future__ import annotations

import math

from planner.missions.items import MissionItem
from planner.model.plan import Position

__all__ = ["format_waypoints"]

HEADER = "QGC WPL 110"


def _num(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"non-finite mission value {value}")
    text = f"{value:.8f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _row(index: int, current: int, item: MissionItem) -> str:
    fields = [
        str(index),
        str(current),
        str(item.frame),
        str(item.command),
        *(_num(p) for p in item.params),
        f"{item.lat:.8f}",
        f"{item.lon:.8f}",
        _num(round(item.alt, 3)),
        "1" if item.autocontinue else "0",
    ]
    return "\t".join(fields)


def format_waypoints(home: Position, items: list[MissionItem]) -> str:
    """The file text: header, home row 0 (AMSL), then ``items`` from index 1. ASCII, LF line ends."""
    home_item = MissionItem(16, 0, (0.0, 0.0, 0.0, 0.0), home.lat, home.lon, home.alt_m)
    lines = [HEADER, _row(0, 1, home_item)]
    lines.extend(_row(i, 0, item) for i, item in enumerate(items, start=1))
    return "\n".join(lines) + "\n"
