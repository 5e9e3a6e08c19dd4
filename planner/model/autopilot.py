"""What each target autopilot accepts: item budget, loiter items, firmware codes (see docs/formats.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.core.errors import InputError

__all__ = ["AUTOPILOT_RULES", "LOITER_RADIUS_STEP_M", "AutopilotRules", "loiter_radius_m", "rules"]

LOITER_RADIUS_STEP_M = 10.0  # ArduPilot stores loiter radii above 255 m in 10 m steps


def loiter_radius_m(radius_m: float) -> float:
    """``radius_m`` rounded up to the :data:`LOITER_RADIUS_STEP_M` step: a radius every autopilot stores as is."""
    return math.ceil(radius_m / LOITER_RADIUS_STEP_M) * LOITER_RADIUS_STEP_M


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
    airspeed_is_eas: bool = False
    """Whether a DO_CHANGE_SPEED airspeed is flown as equivalent airspeed (what the pitot reads) rather than
    true airspeed; the mission then commands TAS / :func:`planner.core.physics.eas_to_tas`."""

    def stored_radius_m(self, radius_m: float) -> float:
        """A loiter radius as the autopilot stores it: whole metres, and with loiter-turns items (ArduPilot)
        10 m steps above 255 m."""
        if self.loiter_turns and radius_m > 255.0:
            return math.ceil(radius_m / LOITER_RADIUS_STEP_M - 1e-9) * LOITER_RADIUS_STEP_M
        return float(math.ceil(radius_m - 1e-9))


AUTOPILOT_RULES = {
    # ArduPilot: ~700 items on common boards; NAV_LOITER_TURNS up to 255 turns and a radius up to
    # 2 550 m (10 m steps above 255 m); NAV_LOITER_TIME up to 65 535 s; 100 DO_JUMPs. Airspeed targets are
    # equivalent airspeed (seen in ArduPlane SITL: 25.8 m/s commanded at 3,000 m flies ~30 m/s true).
    "ardupilot": AutopilotRules("ardupilot", 700, True, 255, 2550.0, 65535.0, 100, 3, airspeed_is_eas=True),
    # PX4: 500 items on flight controllers; no NAV_LOITER_TURNS; loiter time radius honoured. Its airspeed
    # semantics are not verified here (no PX4 SITL): speeds are written as the profile's true airspeeds.
    "px4": AutopilotRules("px4", 500, False, 0, 0.0, 65535.0, 100, 12),
}


def rules(name: str) -> AutopilotRules:
    """Rules for autopilot ``name`` (``ardupilot`` or ``px4``)."""
    try:
        return AUTOPILOT_RULES[name]
    except KeyError:
        raise InputError(f"unknown autopilot '{name}' (use ardupilot or px4)") from None
