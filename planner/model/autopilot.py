"""What each target autopilot accepts: item budget, loiter items, firmware codes (see docs/formats.md)."""

from __future__ import annotations

from dataclasses import dataclass

from planner.core.errors import InputError

__all__ = ["AUTOPILOT_RULES", "AutopilotRules", "rules"]


@dataclass(frozen=True)
class AutopilotRules:
    """Limits of one autopilot family for a planned mission."""

    name: str
    max_items: int
    loiter_turns: bool
    max_loiter_turns: int
    max_loiter_turns_radius_m: float
    max_loiter_time_s: float
    max_jumps: int
    qgc_firmware_type: int


AUTOPILOT_RULES = {
    # ArduPilot: ~700 items on common boards; NAV_LOITER_TURNS up to 255 turns and a radius up to
    # 2 550 m (10 m steps above 255 m); NAV_LOITER_TIME up to 65 535 s; 100 DO_JUMPs.
    "ardupilot": AutopilotRules("ardupilot", 700, True, 255, 2550.0, 65535.0, 100, 3),
    # PX4: 500 items on flight controllers; no NAV_LOITER_TURNS; loiter time radius honoured.
    "px4": AutopilotRules("px4", 500, False, 0, 0.0, 65535.0, 100, 12),
}


def rules(name: str) -> AutopilotRules:
    """Rules for autopilot ``name`` (``ardupilot`` or ``px4``)."""
    try:
        return AUTOPILOT_RULES[name]
    except KeyError:
        raise InputError(f"unknown autopilot '{name}' (use ardupilot or px4)") from None
