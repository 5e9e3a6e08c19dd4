"""Format rules of a mission for a target autopilot: frames, NaN, limits, item and jump budgets, jump targets."""

from __future__ import annotations

import math

from planner.missions.commands import (
    DO_JUMP,
    NAN_P4_OK,
    NAV_LOITER_TIME,
    NAV_LOITER_TURNS,
    NAV_POSITIONAL,
    NAV_WAYPOINT,
)
from planner.missions.file_model import Mission
from planner.missions.findings import Findings, label
from planner.model.autopilot import rules

__all__ = ["format_rules", "jump_targets"]

_FRAMES_POSITIONAL = {0: "AMSL", 3: "relative to home", 10: "terrain"}

_FRAMES_OTHER = frozenset({0, 2, 3, 10})


def format_rules(mission: Mission, autopilot: str, out: Findings) -> None:
    r = rules(autopilot)
    px4 = r.name == "px4"
    for it in mission.items:
        where = label(it)
        cmd = it.command
        positional = cmd in NAV_POSITIONAL
        if positional:
            if it.frame not in _FRAMES_POSITIONAL:
                out.fault("frame", f"{where}: frame {it.frame} for a positional item (use 0 AMSL or 3 relative)",
                          it, "format")
            elif it.frame == 10 and px4:
                out.fault("frame", f"{where}: terrain frame 10 is not supported by PX4", it, "format")
        elif it.frame != 2 and px4:
            out.fault("frame", f"{where}: command {cmd} must be in frame 2 for PX4 (got {it.frame})", it, "format")
        elif it.frame not in _FRAMES_OTHER:
            out.fault("frame", f"{where}: frame {it.frame} for command {cmd} (use 2)", it, "format")
        values = [*it.params, it.lat, it.lon, it.alt]
        names = ["p1", "p2", "p3", "p4", "latitude", "longitude", "altitude"]
        for k, (name, value) in enumerate(zip(names, values, strict=True)):
            if math.isinf(value):
                out.fault("nan", f"{where}: {name} is infinite", it, "format")
            elif math.isnan(value) and not (k == 3 and cmd in NAN_P4_OK):
                out.fault("nan", f"{where}: {name} is NaN (only p4 of commands 16, 21, 22 may be; write 0)",
                          it, "format")
        if positional and math.isfinite(it.lat) and math.isfinite(it.lon) and (abs(it.lat) > 90 or abs(it.lon) > 180):
            out.fault("position", f"{where}: latitude/longitude ({it.lat}, {it.lon}) out of range", it, "format")
        p1, p2, p3 = it.params[0], it.params[1], it.params[2]
        if cmd == NAV_WAYPOINT and r.name == "ardupilot" and abs(p2) > 255:
            out.fault("limit", f"{where}: acceptance radius {p2:g} m exceeds ArduPilot's 255 m", it, "format")
        if cmd == NAV_LOITER_TURNS:
            if not r.loiter_turns:
                out.fault("unsupported", f"{where}: NAV_LOITER_TURNS is not supported by {r.name}", it, "format")
            else:
                if not 0 <= p1 <= r.max_loiter_turns:
                    out.fault("limit", f"{where}: {p1:g} turns outside 0–{r.max_loiter_turns}", it, "format")
                if abs(p3) > r.max_loiter_turns_radius_m:
                    out.fault("limit", f"{where}: loiter radius {abs(p3):g} m exceeds {r.max_loiter_turns_radius_m:g} m",
                              it, "format")
                elif abs(p3) > 255 and abs(p3) % 10:
                    out.warn("limit", f"{where}: radius {abs(p3):g} m is stored by ArduPilot in 10 m steps above "
                             "255 m", it, "format")
        if cmd == NAV_LOITER_TIME and not 0 <= p1 <= r.max_loiter_time_s:
            out.fault("limit", f"{where}: loiter time {p1:g} s outside 0–{r.max_loiter_time_s:g} s", it, "format")
        if cmd == DO_JUMP and math.isfinite(p2) and p2 != round(p2):
            out.fault("jump", f"{where}: DO_JUMP repeat count {p2:g} is not a whole number", it, "format")
    if len(mission.items) > r.max_items:
        out.fault("too_many_items", f"{len(mission.items)} items (home excluded) exceed the {r.name} limit of "
                  f"{r.max_items}", None, "format")
    jumps = sum(1 for it in mission.items if it.command == DO_JUMP)
    if jumps > r.max_jumps:
        out.fault("too_many_jumps", f"{jumps} DO_JUMP items exceed the {r.name} limit of {r.max_jumps}", None, "format")
    if mission.firmware is not None and mission.firmware != r.name:
        out.warn("firmware", f"the plan was made for {mission.firmware}, checked against {r.name}", None, "format")


def jump_targets(mission: Mission, out: Findings) -> dict[int, int | None]:
    """Position (in ``mission.items``) each DO_JUMP goes to; None for a bad target (a fault)."""
    by_key = {(it.jump_id if mission.jump_by_id else it.index): pos for pos, it in enumerate(mission.items)}
    targets: dict[int, int | None] = {}
    for pos, it in enumerate(mission.items):
        if it.command != DO_JUMP:
            continue
        p1 = it.params[0]
        key = int(p1) if math.isfinite(p1) and p1 == round(p1) else None
        target = by_key.get(key) if key is not None else None
        what = "doJumpId" if mission.jump_by_id else "index"
        if target is None:
            out.fault("jump", f"{label(it)}: DO_JUMP to {what} {p1:g}, which is no item of the mission", it, "format")
        elif target == pos:
            out.fault("jump", f"{label(it)}: DO_JUMP jumps to itself", it, "format")
            target = None
        targets[pos] = target
    return targets
