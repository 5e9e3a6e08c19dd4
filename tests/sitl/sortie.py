"""Fly one sortie of a plan folder in SITL as an operator would, and keep what happened.

Start ArduPlane at the sortie's base (heading along its landing direction) at a low speed-up, upload the sortie's ``.plan``
with the product's own upload (``planner.io.mavlink``: mission, geofence, rally points, each read back
and compared), try the pre-arm checks with the simulator's default parameters (to see what refuses), set
the plan folder's ``ardupilot.param``, arm with every arming check on, switch to AUTO and follow the flight
until the aircraft has landed and stopped. Only the simulated airframe's own set-up is added: a camera on
servo 9 (``SIM_CAMERA``), the scenario's wind (``SIM_WIND_*``, the simulator's weather) and a correction of
the simulated pitot (``SIM_ARSPD_RATIO``, see :func:`pitot_ratio`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.core.geo import distance_m
from planner.core.physics import eas_to_tas
from planner.io.mavlink import UploadReport, WireItem, mission_items_of, set_parameters, upload_mission
from planner.io.mission_file import read_mission
from planner.io.param_file import PARAM_FILE, read_param_file
from tests.sitl.flight import FlightLog, fly, loiter_flown
from tests.sitl.process import SPEEDUP, UPLOAD_SPEEDUP, SitlHome, running_sitl
from tests.sitl.vehicle import MODE_AUTO, Vehicle

__all__ = ["SIM_CAMERA", "Flown", "fly_sortie", "nav_sequence", "pitot_ratio", "summary"]

SIM_CAMERA = "CAM1_TYPE 1\nSERVO9_FUNCTION 10\n"  # a servo-triggered camera: CAMERA_FEEDBACK per picture


@dataclass
class Flown:
    """A sortie flown: the plan (``plan.json`` as a dict), its mission, what went up, the upload's report,
    the parameters set and the flight log. ``refused`` holds the PreArm reasons seen before the plan's
    parameters were set (empty when the default parameters armed)."""

    plan_dir: Path
    plan: dict[str, Any]
    sortie: dict[str, Any]
    mission: Any
    sent: list[WireItem]
    upload: UploadReport
    params: dict[str, float]
    log: FlightLog
    refused: list[str] = field(default_factory=list)
    wall_s: float = 0.0


def pitot_ratio(arspd_ratio: float, alt_m: float) -> float:
    """``SIM_ARSPD_RATIO`` that makes the simulated pitot read equivalent airspeed at ``alt_m`` (m AMSL).

    The simulator converts its true airspeed to equivalent airspeed twice (``Aircraft::update_eas_airspeed``
    divides by EAS2TAS, then ``SITL_State::_update_airspeed`` divides its "true_airspeed" argument by it
    again), so its pitot reads TAS/k² instead of TAS/k (k = TAS/EAS): the autopilot, holding a commanded
    equivalent airspeed, flies k times too fast (+33 % at 5,500 m). A real pitot has no such error; the
    sensor's pressure scale ``SIM_ARSPD_RATIO`` = ``ARSPD_RATIO``/k² cancels it at ``alt_m``.
    """
    return arspd_ratio / float(eas_to_tas(alt_m)) ** 2


def _loiter_alt_m(mission: Any) -> float:
    """The altitude (m AMSL) of the mission's highest loiter, else of its highest item."""
    def amsl(it: Any) -> float:
        return it.alt + (mission.home.alt_m if it.frame in (3, 6) else 0.0)  # relative to home, else AMSL

    loiters = [amsl(it) for it in mission.items if it.command in (18, 19, 31)]
    return max(loiters or [amsl(it) for it in mission.items])


def fly_sortie(plan_dir: Path, *, sortie: int = 0, heading_deg: float = 0.0, wind: tuple[float, float] | None = None,
               try_defaults: bool = True, sim_timeout_s: float | None = None, pitot_fix: bool = True) -> Flown:
    """Fly sortie number ``sortie`` of the plan in ``plan_dir`` with the folder's ``ardupilot.param`` set.

    The aircraft starts facing ``heading_deg``. ``wind`` (from degrees, m/s) is set in the simulator.
    ``try_defaults`` first tries to arm with the default parameters and records the refusal. ``pitot_fix``
    corrects the simulator's pitot at the highest loiter (:func:`pitot_ratio`). AssertionError when the
    autopilot will not arm or does not land in time; the product's
    VehicleRefused / NoVehicle when the upload fails.
    """
    wall0 = time.monotonic()
    doc = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    s = doc["sorties"][sortie]
    mission = read_mission(plan_dir / s["files"]["plan"])
    params = read_param_file(plan_dir / PARAM_FILE)
    home = SitlHome(mission.home.lat, mission.home.lon, mission.home.alt_m, heading_deg)
    planned_s = float(s["landing_s"]) - float(s["takeoff_s"])
    limit = sim_timeout_s if sim_timeout_s is not None else 2.0 * planned_s + 900.0
    with running_sitl(home, defaults=SIM_CAMERA, speedup=UPLOAD_SPEEDUP) as sitl:
        vehicle = Vehicle(sitl.link)
        vehicle.set_rates()
        report = upload_mission(sitl.link, mission)
        vehicle.set_params({"SIM_SPEEDUP": SPEEDUP})  # the upload done, fly as fast as the CPU allows
        refused = vehicle.refusals(expect="RTL_AUTOLAND") if try_defaults else []
        if wind is not None:
            vehicle.set_params({"SIM_WIND_DIR": wind[0], "SIM_WIND_SPD": wind[1]})
        if pitot_fix:
            vehicle.set_params({"SIM_ARSPD_RATIO": pitot_ratio(vehicle.get_param("ARSPD_RATIO"), _loiter_alt_m(mission))})
        problems = set_parameters(sitl.link, params)
        if problems:
            raise AssertionError(f"{PARAM_FILE} not taken: {problems}")
        if vehicle.get_param("ARMING_CHECK") != 1.0:
            raise AssertionError("ARMING_CHECK is not 1: the flight must arm with every arming check on")
        vehicle.wait_prearm()
        vehicle.arm()
        vehicle.set_mode(MODE_AUTO)
        log = fly(vehicle, sim_timeout_s=limit)
        if not (log.landed or log.disarmed):
            raise AssertionError(f"no landing within {limit:.0f} simulated s; last texts {vehicle.recent_texts()}\n"
                                 f"{sitl.log_tail(800)}")
    return Flown(plan_dir, doc, s, mission, mission_items_of(mission), report, params, log, refused,
                 time.monotonic() - wall0)


def nav_sequence(items: list[WireItem], nav_commands: frozenset[int]) -> list[int]:
    """The NAV items the autopilot should make current, in order, with DO_JUMP loops unrolled as ArduPilot
    counts them (each DO_JUMP repeats ``p2`` times; its counter is never reset)."""
    jumps_done: dict[int, int] = {}
    out: list[int] = []
    seq = 1
    visits = 0
    while seq < len(items) and visits < 100_000:
        visits += 1
        item = items[seq]
        if item.command == 177:
            repeat = int(item.params[1])
            if jumps_done.get(seq, 0) < repeat or repeat < 0:
                jumps_done[seq] = jumps_done.get(seq, 0) + 1
                seq = int(item.params[0])
                continue
        elif item.command in nav_commands:
            out.append(seq)
            if item.command in (20, 21):
                break
        seq += 1
    return out


def summary(flown: Flown) -> list[str]:
    """One line per loiter item (commanded radius, the radius the plan means, flown mean) and the landing."""
    orbit_radius = {(round(leg["orbit"]["centre"][0], 6), round(leg["orbit"]["centre"][1], 6)): leg["orbit"]["radius_m"]
                    for leg in flown.sortie["legs"] if leg.get("orbit")}
    names = {18: "NAV_LOITER_TURNS", 19: "NAV_LOITER_TIME", 31: "NAV_LOITER_TO_ALT"}
    lines = []
    for it in flown.mission.items:
        if it.command not in names:
            continue
        commanded = abs(it.params[1] if it.command == 31 else it.params[2])
        planned = orbit_radius.get((round(it.lon, 6), round(it.lat, 6)), commanded)
        if it.command == 19:
            commanded = flown.params.get("WP_LOITER_RAD", 80.0)  # what ArduPlane flies
        try:
            got = loiter_flown(flown.log, it.index, it.lat, it.lon)
            flown_text = f"flown {got.radius_m:6.1f} m ({got.radius_m / planned - 1:+.1%}) over {got.turns:.1f} turns"
        except AssertionError:
            flown_text = "not flown round (reached its altitude on the way)"
        lines.append(f"#{it.index:<3} {names[it.command]:<17} at {it.alt:5.0f} m: commanded {commanded:5.0f} m, "
                     f"planned {planned:5.0f} m, {flown_text}")
    land = next(it for it in flown.mission.items if it.command == 21)
    last = flown.log.final()
    lines.append(f"landed {float(distance_m(last.lon, last.lat, land.lon, land.lat)):.1f} m from the landing point; "
                 f"{flown.log.sim_minutes:.1f} simulated min (planned {float(flown.sortie['flight_s']) / 60:.1f}) "
                 f"in {flown.wall_s:.0f} s")
    return lines
