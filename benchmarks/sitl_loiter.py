"""Loiter radius flown by ArduPlane SITL against the radius planned: the ways to make them equal, side by side.

One orbit of the ``tactical`` profile (140 m design radius) at three altitudes (1,600 and 3,000 m from a
1,000 m field; the Anka's 5,500 m from a 5,000 m field, as the simulated airframe climbs slowly), flown
four ways:

- ``before``: the mission as exported before issue 17 (speeds written as true airspeed), with only
  ``RTL_AUTOLAND`` set so that it arms;
- ``lim bank``: the same speeds, plus ``NAVL1_LIM_BANK`` = the aircraft's maximum bank;
- ``compensated``: the commanded radius shrunk by the standard atmosphere's (TAS/EAS)², speeds as before,
  no bank limit;
- ``ours``: the export as it is now (speeds as equivalent airspeed) with the plan folder's ``ardupilot.param``.

Every variant flies with the simulator's pitot corrected (``tests.sitl.sortie.pitot_ratio``: SITL's
airspeed sensor converts TAS to EAS twice); ``--raw-pitot`` flies without that correction.

Run from the repository root: ``python -m benchmarks.sitl_loiter`` (needs ../shared/sitl). Wall times are
noisy on a shared machine; radii are what the simulator flew (it is deterministic for a given input).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from planner.core.geo import distance_m
from planner.core.physics import eas_to_tas
from planner.io.param_file import PARAM_FILE
from tests.conftest import target
from tests.sitl.flight import loiter_flown
from tests.sitl.process import missing_reason
from tests.sitl.scenarios import Flight, plan_flight
from tests.sitl.sortie import fly_sortie

VARIANTS = ("before", "lim bank", "compensated", "ours")


def _rewrite(plan_dir: Path, variant: str, home_alt_m: float) -> None:
    """Edit the plan folder's .plan and ardupilot.param into ``variant`` (``ours`` leaves them)."""
    if variant == "ours":
        return
    params = {"RTL_AUTOLAND": 2.0}
    if variant == "lim bank":
        params["NAVL1_LIM_BANK"] = 35.0
    (plan_dir / PARAM_FILE).write_text("".join(f"{k},{v:g}\n" for k, v in params.items()))
    for path in plan_dir.glob("*.plan"):
        doc = json.loads(path.read_text())
        alt = home_alt_m
        for item in doc["mission"]["items"]:
            p = item["params"]
            if item["command"] in (16, 18, 19, 21, 22, 31):
                alt = p[6] + (home_alt_m if item["frame"] == 3 else 0.0)
            if item["command"] == 178 and p[0] == 0:
                p[1] = round(p[1] * float(eas_to_tas(alt)), 2)  # back to the true airspeed written before
            if item["command"] == 18 and variant == "compensated":
                p[2] = float(round(p[2] / float(eas_to_tas(alt)) ** 2))
        path.write_text(json.dumps(doc, indent=2))


def _field_m(alt_m: float) -> float:
    """The base's elevation (m AMSL) for an orbit at ``alt_m``."""
    return 1000.0 if alt_m <= 3000.0 else alt_m - 500.0


def _plan(variant: str, alt_m: float, root: Path) -> Path:
    flight = Flight(f"{variant}-{alt_m:.0f}", (target("O1", 73.39, 49.69, dwell_min=3, alt_m=alt_m, sensor="eo-ir"),),
                    elev_m=_field_m(alt_m))
    plan_dir = plan_flight(flight, root / f"{variant.replace(' ', '-')}-{alt_m:.0f}")
    _rewrite(plan_dir, variant, _field_m(alt_m))
    return plan_dir


def _one(variant: str, alt_m: float, plan_dir: Path, pitot_fix: bool) -> tuple[str, float, float, float, float, float, float]:
    flown = fly_sortie(plan_dir, heading_deg=90.0, try_defaults=False, pitot_fix=pitot_fix)
    orbit = next(leg["orbit"] for leg in flown.sortie["legs"] if leg.get("orbit"))
    item = next(it for it in flown.mission.items if it.command == 18)
    got = loiter_flown(flown.log, item.index, item.lat, item.lon)
    last = flown.log.final()
    landing = float(distance_m(last.lon, last.lat, flown.mission.home.lon, flown.mission.home.lat))
    return variant, alt_m, orbit["radius_m"], abs(item.params[2]), got.radius_m, landing, flown.wall_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alt", type=float, nargs="+", default=[1600.0, 3000.0, 5500.0], help="orbit altitudes, m AMSL")
    parser.add_argument("--jobs", type=int, default=2, help="flights at a time")
    parser.add_argument("--raw-pitot", action="store_true", help="fly without correcting the simulator's pitot")
    args = parser.parse_args(argv)
    reason = missing_reason()
    if reason:
        print(reason)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # planned first, in this thread: the optimiser forks worker processes
        jobs = [(v, a, _plan(v, a, root)) for a in args.alt for v in VARIANTS]
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            rows = list(pool.map(lambda job: _one(*job, not args.raw_pitot), jobs))
    print(f"{'variant':<12} {'alt m':>6} {'planned m':>10} {'commanded m':>12} {'flown m':>8} {'error':>7} "
          f"{'landing m':>10} {'wall s':>7}")
    for variant, alt, planned, commanded, flown, landing, wall in rows:
        print(f"{variant:<12} {alt:6.0f} {planned:10.0f} {commanded:12.0f} {flown:8.1f} {flown / planned - 1:+7.1%} "
              f"{landing:10.1f} {wall:7.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
