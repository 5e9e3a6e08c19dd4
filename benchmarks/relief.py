"""Relief-on-station benchmark: fleet sizes against the closed form, and schedule quality by method.

Part 1, one persistent orbit (72 h) at several distances from Karaganda: time out, on station and
airborne per sortie, the closed form N = ⌈(E + T_g) / (T_os − T_h)⌉, the smallest fleet the planner
finds, and the covered share with N and with N − 1 aircraft.

Part 2, the bundled three-orbit sample (``areas/persistent_watch``: 72 h, priorities 5 / 3 / 1, four
Ankas, more orbit-hours than the fleet can fly): priority-weighted covered hours and each orbit's share
for the interleaved rotation, the by-priority rotation, and CP-SAT seeded with the better rotation at
several time limits (two workers, wall clock). Every schedule is re-measured by ``coverage_of``.

Run: ``python benchmarks/relief.py [--time-limits 5,20]`` from the repository root.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from shapely.geometry import Point

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.core.geo import destination  # noqa: E402
from planner.io.profiles import load_aircraft  # noqa: E402
from planner.io.scenario_file import read_scenario  # noqa: E402
from planner.model.fleet import airframes  # noqa: E402
from planner.model.scenario import FleetEntry, Scenario, Task  # noqa: E402
from planner.planning import relief  # noqa: E402
from planner.planning.pipeline import build_model  # noqa: E402
from planner.solve import relief_schedule as schedule  # noqa: E402
from planner.solve.problem import SolveParams  # noqa: E402

SAMPLE = ROOT / "areas" / "persistent_watch" / "scenario.toml"
HOURS = 72.0


def _one_orbit(base: Scenario, aircraft: str, payload: tuple[str, ...], km: float, count: int) -> Scenario:
    """``base`` with one persistent orbit ``km`` east of its first base and ``count`` aircraft."""
    home = base.bases[0]
    lon, lat = destination(home.lon, home.lat, 90.0, km * 1000.0)
    task = Task(name=f"spot-{km:g}km", kind="orbit", geometry=Point(float(lon), float(lat)), sensor="eo-ir",
                persistent_h=HOURS)
    fleet = (FleetEntry(aircraft=load_aircraft(aircraft), count=count, base=home.name, payload=payload),)
    return replace(base, tasks=(task,), fleet=fleet)


def part_one(base: Scenario) -> None:
    print(f"one orbit, {HOURS:g} h, handover {base.persistent.handover_min:g} min")
    print(f"{'aircraft':9} {'km':>5} {'out h':>6} {'station h':>9} {'airborne h':>10} {'closed form':>11} "
          f"{'found':>5} {'share N':>8} {'share N-1':>9} {'s':>5}")
    cases = [("anka", ("eo-ir", "satcom"), km) for km in (300, 800, 1200, 1700)] + [("tactical", ("eo-ir",), 100)]
    for aircraft, payload, km in cases:
        t0 = time.perf_counter()
        found = relief.plan_relief(_one_orbit(base, aircraft, payload, km, 1), time_limit_s=5)
        (cov,) = found.coverage
        n = cov.closed_form or 0
        full = relief.plan_relief(_one_orbit(base, aircraft, payload, km, n), time_limit_s=5, smallest_fleet=False)
        short = relief.plan_relief(_one_orbit(base, aircraft, payload, km, max(1, n - 1)), time_limit_s=5,
                                   smallest_fleet=False)
        seconds = time.perf_counter() - t0
        sortie = full.sorties[0]
        orbit = next(leg for leg in sortie.legs if leg.kind == "orbit")
        out_h = (orbit.start_s - sortie.legs[0].start_s) / 3600.0
        station_h = (orbit.end_s - orbit.start_s) / 3600.0
        airborne_h = (sortie.legs[-1].end_s - sortie.legs[0].start_s) / 3600.0
        print(f"{aircraft:9} {km:5g} {out_h:6.1f} {station_h:9.1f} {airborne_h:10.1f} {n:11d} "
              f"{cov.fleet_needed!s:>5} {full.coverage[0].share:8.1%} {short.coverage[0].share:9.1%} {seconds:5.1f}")


def part_two(scenario: Scenario, limits: list[float]) -> None:
    fleet = airframes(scenario)
    model = build_model(scenario, fleet, {}, persistent=True)
    problem = relief.relief_problem(model, fleet, scenario.persistent)
    names = [t.name for t in model.tasks]
    wanted = sum(w * (b - a) for w, (a, b) in zip(problem.weights, problem.windows, strict=True)) / 3600.0
    print(f"\n{scenario.name}: {len(fleet)} aircraft, {len(names)} orbits, priority-weighted orbit-hours "
          f"wanted {wanted:,.0f}")
    print(f"{'method':22} {'weighted h':>10} {'share':>6} " + " ".join(f"{n[:18]:>18}" for n in names) + f" {'s':>5}")

    def row(label: str, launches: list[schedule.Launch], seconds: float) -> None:
        shares = [schedule.coverage_of(launches, o, w, problem.handover_s)[0] / (w[1] - w[0])
                  for o, w in enumerate(problem.windows)]
        got = schedule.weighted_coverage(problem, launches) / 3600.0
        print(f"{label:22} {got:10,.1f} {got / wanted:6.1%} " + " ".join(f"{s:18.1%}" for s in shares)
              + f" {seconds:5.1f}")

    for label, by_priority in (("rotation, interleaved", False), ("rotation, by priority", True)):
        t0 = time.perf_counter()
        launches = schedule.rotation(problem, by_priority=by_priority)
        row(label, launches, time.perf_counter() - t0)
    hint = schedule.best_rotation(problem)
    for limit in limits:
        t0 = time.perf_counter()
        launches = schedule.solve_relief(problem, SolveParams(time_limit_s=limit, seed=0), hint=hint)
        row(f"CP-SAT {limit:g} s", launches, time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limits", default="5,20", help="CP-SAT time limits, s, comma-separated")
    args = parser.parse_args()
    sample = read_scenario(SAMPLE)
    part_one(sample)
    part_two(sample, [float(x) for x in args.time_limits.split(",")])


if __name__ == "__main__":
    main()
