"""An independent check of a mission file: strict format rules, then a flight on paper.

Pure computation on a parsed :class:`~planner.missions.file_model.Mission` (``planner.io.mission_file``
reads the files); it does not use the planner's own model of a sortie, so it can judge our exports as well
as other tools'. Model and rules are in docs/check.md: the format rules are :mod:`planner.missions.rules`',
the flight :mod:`planner.missions.flight`'s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from planner.core.errors import InputError
from planner.core.units import hours_minutes
from planner.missions.clearance import Clearance, judge_clearance
from planner.missions.commands import DO_JUMP
from planner.missions.file_model import Finding, Mission, Zone
from planner.missions.findings import Findings
from planner.missions.flight import PaperFlight, check_return, fly
from planner.missions.parameters import landing_parameter_findings
from planner.missions.rules import format_rules, jump_targets
from planner.missions.track import Track
from planner.model.aircraft import Aircraft
from planner.model.autopilot import rules
from planner.model.scenario import Reserve, Wind
from planner.model.terrain import Terrain

__all__ = ["CheckReport", "check_mission"]


@dataclass(frozen=True)
class CheckReport:
    """What the check found for one mission. Times in seconds (``math.inf`` when the flight cannot end).

    Flight figures are None without an aircraft; ``distance_m`` is the ground track of the legs plus
    the laps of loiter-turns circles.
    """

    source: str
    format: str
    autopilot: str
    aircraft: str | None
    payload_kg: float | None
    items: int
    jumps: int
    distance_m: float
    flight_s: float | None
    endurance_s: float | None
    reserve_s: float | None
    margin_s: float | None
    sharpest_turn_deg: float | None
    faults: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()
    clearance: Clearance | None = None

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return not self.faults

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (infinite times become None)."""

        def num(x: float | None, nd: int = 3) -> float | None:
            return None if x is None or not math.isfinite(x) else round(x, nd)

        return {
            "file": self.source,
            "format": self.format,
            "autopilot": self.autopilot,
            "aircraft": self.aircraft,
            "payload_kg": self.payload_kg,
            "items": self.items,
            "jumps": self.jumps,
            "distance_m": num(self.distance_m),
            "flight_s": num(self.flight_s),
            "endurance_s": num(self.endurance_s),
            "reserve_s": num(self.reserve_s),
            "margin_s": num(self.margin_s),
            "sharpest_turn_deg": num(self.sharpest_turn_deg, 1),
            **({"clearance": self.clearance.as_dict()} if self.clearance is not None else {}),
            "ok": self.ok,
            "faults": [f.as_dict() for f in self.faults],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def check_mission(
    mission: Mission,
    *,
    aircraft: Aircraft | None = None,
    wind: Wind | None = None,
    reserve: Reserve | None = None,
    payload_kg: float | None = None,
    autopilot: str = "ardupilot",
    nofly: Sequence[BaseGeometry | Zone] = (),
    track: Track | None = None,
    parameters: Mapping[str, float] | None = None,
    terrain: Terrain | None = None,
) -> CheckReport:
    """Check ``mission``: format rules for ``autopilot``, then the paper flight with ``aircraft``.

    Without an aircraft, the checks that need no performance figures still run (format, item count,
    loops, return, no-fly, terrain). On ArduPilot, ``parameters`` (name -> value, e.g. the plan's
    ``ardupilot.param``) are what the vehicle will have; without them every parameter the mission
    relies on is a warning. With ``terrain`` every leg and loiter circle must keep its ``clearance_m``
    above the ground (:mod:`planner.missions.clearance`). ``payload_kg`` defaults to the profile's
    reference payload, with a warning. ``track``, when given, records where the flight went and when its
    sensor items ran (for the coverage sweep). Raises InputError for an unknown autopilot or a payload
    above the profile's maximum.
    """
    r = rules(autopilot)
    wind = wind or Wind()
    reserve = reserve or Reserve()
    out = Findings()
    for fnd in mission.faults:
        out.faults.append(fnd)
    for fnd in mission.warnings:
        out.warnings.append(fnd)
    format_rules(mission, r.name, out)
    targets = jump_targets(mission, out)
    zones = [z if isinstance(z, Zone) else Zone(f"zone #{k + 1}", z) for k, z in enumerate(nofly)]
    zones += list(mission.fences)
    zones = [Zone(z.name, shapely.make_valid(z.geometry)) for z in zones]
    if r.name == "ardupilot":
        landing_parameter_findings(mission, parameters, out)
    flight = PaperFlight(mission, aircraft, wind, zones, r.name, out, parameters, track, terrain)
    fly(mission, flight, targets, out)
    f = flight.f
    check_return(mission, f, out)
    clearance = judge_clearance(flight.pieces, terrain, aircraft, wind, out) if terrain is not None else None
    endurance = reserve_s = margin = flight_s = None
    payload = None
    if aircraft is not None:
        payload = aircraft.reference_payload_kg if payload_kg is None else payload_kg
        if payload_kg is None:
            out.warn("payload", f"no payload given (--payload-kg) or recorded by the planner for this file: assumed "
                     f"the {aircraft.name} reference payload {payload:g} kg")
        if payload < 0:
            raise InputError(f"payload must be >= 0 kg, got {payload:g}")
        endurance = aircraft.endurance_s(payload)
        reserve_s = reserve.reserve_s(endurance)
        flight_s = f.time_s
        margin = endurance - reserve_s - flight_s
        if margin < 0:
            out.fault("endurance", f"flight {hours_minutes(flight_s)} exceeds the endurance {hours_minutes(endurance)} at {payload:g} kg "
                      f"less the reserve {hours_minutes(reserve_s)} (margin {hours_minutes(margin)})")
    return CheckReport(
        source=mission.source,
        format=mission.format,
        autopilot=r.name,
        aircraft=aircraft.name if aircraft else None,
        payload_kg=payload,
        items=len(mission.items),
        jumps=sum(1 for it in mission.items if it.command == DO_JUMP),
        distance_m=f.distance_m,
        flight_s=flight_s,
        endurance_s=endurance,
        reserve_s=reserve_s,
        margin_s=margin,
        sharpest_turn_deg=f.sharpest_deg,
        faults=tuple(out.faults),
        warnings=tuple(out.warnings),
        clearance=clearance,
    )
