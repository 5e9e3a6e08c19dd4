"""The ArduPilot parameters a mission relies on, and what ArduPlane flies without them.

Seen in ArduPlane SITL (docs/autopilot.md has the figures):

- A mission holding DO_LAND_START does not arm while ``RTL_AUTOLAND`` is 0 ("PreArm: DO_LAND_START set and
  RTL_AUTOLAND disabled"). 2 sends an RTL straight to the landing sequence.
- A commanded loiter radius r is widened at altitude (``AP_L1_Control::loiter_radius``): with
  ``NAVL1_LIM_BANK`` 0 (the default) to r·k², k = TAS/EAS; with a bank limit φ to the larger of r and the
  circle the commanded equivalent airspeed V needs at φ, V²·k²/(g·tan φ), unless that circle is wider
  than r at sea level, V²/(g·tan φ) > r, when it falls back to r·k². Our orbits are never tighter than
  the aircraft's turn radius at its loiter true airspeed and maximum bank, and our speeds are commanded as
  equivalent airspeed, so ``NAVL1_LIM_BANK`` = the maximum bank makes the flown radius the designed one.
- NAV_LOITER_TIME keeps only the sign of its radius and flies ``WP_LOITER_RAD``.

Radii in metres, speeds in m/s (equivalent airspeed where named ``eas``), altitudes metres AMSL.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from planner.core import physics
from planner.missions.commands import (
    DO_CHANGE_SPEED,
    DO_LAND_START,
    DO_SET_CAM_TRIGG_DIST,
    DO_SET_ROI_LOCATION,
    FRAME_GLOBAL,
    FRAME_TERRAIN,
    LOITERS,
    NAV_LOITER_TIME,
)
from planner.missions.file_model import Mission
from planner.missions.findings import Findings, label
from planner.missions.items import MissionItem
from planner.model.aircraft import Aircraft

__all__ = [
    "RTL_AUTOLAND_TO_LAND_START",
    "Parameter",
    "ParameterSet",
    "ardupilot_parameters",
    "landing_parameter_findings",
    "loiter_radius_flown_m",
]

RTL_AUTOLAND_TO_LAND_START = 2.0  # RTL_AUTOLAND: on RTL, fly straight to the DO_LAND_START sequence
_MAX_LIM_BANK_DEG = 89.0  # ArduPilot's own clamp


def loiter_radius_flown_m(radius_m: float, *, eas_mps: float, alt_m: float, lim_bank_deg: float) -> float:
    """The radius (m) ArduPlane flies for a commanded loiter radius at ``alt_m`` with the target equivalent
    airspeed ``eas_mps`` and ``NAVL1_LIM_BANK`` = ``lim_bank_deg`` (0: not set), per
    ``AP_L1_Control::loiter_radius`` with the standard atmosphere's TAS/EAS ratio."""
    k2 = float(physics.eas_to_tas(alt_m)) ** 2
    bank = min(max(lim_bank_deg, 0.0), _MAX_LIM_BANK_DEG)
    if bank <= 0.0 or eas_mps <= 0.0:
        return radius_m * k2
    sea_level = eas_mps**2 / (physics.G_MPS2 * math.tan(math.radians(bank)))
    if sea_level > radius_m:
        return radius_m * k2
    return max(sea_level * k2, radius_m)


@dataclass(frozen=True)
class Parameter:
    """One ArduPilot parameter the missions rely on, with the reason (written as a comment)."""

    name: str
    value: float
    why: str


@dataclass(frozen=True)
class ParameterSet:
    """The parameters to set, and notes on the airframe's own set-up the missions assume (not set here)."""

    parameters: tuple[Parameter, ...]
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, float]:
        """Name -> value."""
        return {p.name: p.value for p in self.parameters}


def _commands(items: Iterable[MissionItem]) -> set[int]:
    return {it.command for it in items}


def ardupilot_parameters(sorties: Sequence[tuple[Aircraft, Sequence[MissionItem]]], *,
                         geofence: bool = False) -> ParameterSet:
    """What the missions of ``sorties`` (each aircraft with its mission items) need on an ArduPilot vehicle.

    One set serves every sortie: ``NAVL1_LIM_BANK`` is the steepest maximum bank among the aircraft (a
    gentler aircraft's orbits are still never tighter than its turn radius, so none is widened) and
    ``WP_LOITER_RAD`` the widest hold circle. ``geofence``: the plan carries no-fly zones as a fence.
    """
    items = [it for _, its in sorties for it in its]
    commands = _commands(items)
    out: list[Parameter] = []
    if DO_LAND_START in commands:
        out.append(Parameter("RTL_AUTOLAND", RTL_AUTOLAND_TO_LAND_START,
                             "the missions hold DO_LAND_START: with 0 ArduPlane refuses to arm ('PreArm: "
                             "DO_LAND_START set and RTL_AUTOLAND disabled'); 2 makes an RTL fly the landing sequence"))
    if commands & LOITERS and sorties:
        bank = max(a.max_bank_deg for a, its in sorties if _commands(its) & LOITERS)
        craft = ", ".join(sorted({f"{a.name} {a.max_bank_deg:g}°" for a, _ in sorties}))
        top = max((it.alt for it in items if it.command in LOITERS and it.frame == FRAME_GLOBAL), default=0.0)
        factor = float(physics.eas_to_tas(top)) ** 2
        out.append(Parameter("NAVL1_LIM_BANK", round(bank, 1),
                             f"the maximum bank ({craft}): with 0 ArduPlane widens every loiter by (TAS/EAS)², "
                             f"×{factor:.2f} at the highest loiter ({top:,.0f} m AMSL); with the bank limit it flies "
                             "the designed radius"))
    if any(it.navigates and it.frame == FRAME_TERRAIN for it in items):
        out.append(Parameter("TERRAIN_ENABLE", 1.0,
                             "the missions hold terrain-frame (10) items: ArduPlane flies them above its own terrain "
                             "database (SRTM tiles from the ground station or the SD card), refusing them without it"))
    holds = sorted({math.ceil(abs(it.params[2])) for it in items if it.command == NAV_LOITER_TIME and abs(it.params[2]) > 1.0})
    notes = _notes(items, geofence)
    if holds:
        out.append(Parameter("WP_LOITER_RAD", float(holds[-1]),
                             "NAV_LOITER_TIME (holds) keeps only the sign of its radius and flies WP_LOITER_RAD: "
                             "the hold circle of the plan"))
        if len(holds) > 1:
            notes.append(f"NAV_LOITER_TIME items of {', '.join(f'{r:,} m' for r in holds)} radius: ArduPlane flies "
                         f"every one at WP_LOITER_RAD, set to the widest ({holds[-1]:,} m)")
    return ParameterSet(tuple(out), tuple(notes))


def _notes(items: list[MissionItem], geofence: bool) -> list[str]:
    """Advice on the airframe's own set-up that the missions assume; nothing here is set by the file."""
    notes = []
    speeds = sorted({it.params[1] for it in items if it.command == DO_CHANGE_SPEED and it.params[1] > 0})
    if speeds:
        notes.append(f"DO_CHANGE_SPEED commands {speeds[0]:g}-{speeds[-1]:g} m/s equivalent airspeed: ArduPlane "
                     "ignores a speed outside AIRSPEED_MIN..AIRSPEED_MAX (the airframe's limits, not set here)")
    commands = _commands(items)
    if DO_SET_CAM_TRIGG_DIST in commands:
        notes.append("DO_SET_CAM_TRIGG_DIST triggers a camera by distance: the airframe needs one configured "
                     "(CAM1_TYPE and its output)")
    if DO_SET_ROI_LOCATION in commands:
        notes.append("DO_SET_ROI_LOCATION points a gimbal at the target: the airframe needs a mount (MNT1_TYPE)")
    if geofence:
        notes.append("the .plan's geofence holds the no-fly zones (planner upload sends it); ArduPlane enforces "
                     "it only with FENCE_ENABLE 1 and FENCE_TYPE including 4 (polygons); FENCE_ACTION 1 (RTL) "
                     "then lands through DO_LAND_START")
    return notes


def landing_parameter_findings(mission: Mission, parameters: Mapping[str, float] | None, out: Findings) -> None:
    """A DO_LAND_START needs RTL_AUTOLAND: a warning when the vehicle's value is unknown, a fault when the
    ``parameters`` given set it to 0 (ArduPlane will not arm)."""
    start = next((it for it in mission.items if it.command == DO_LAND_START), None)
    if start is None:
        return
    value = None if parameters is None else parameters.get("RTL_AUTOLAND")
    if value is not None and value != 0:
        return
    if value == 0:
        out.fault("parameter", f"{label(start)}: DO_LAND_START with RTL_AUTOLAND 0: ArduPlane refuses to arm "
                  "('PreArm: DO_LAND_START set and RTL_AUTOLAND disabled'); set RTL_AUTOLAND 2", start)
        return
    given = "the parameters given do not set it" if parameters is not None else "unless the vehicle has it set"
    out.warn("parameter", f"{label(start)}: DO_LAND_START needs RTL_AUTOLAND 2 (or 1) or ArduPlane refuses to arm; "
             f"{given} (ardupilot.param does)", start)
