"""End-to-end scale: ``planner plan`` on generated scenarios of 200 to 2,000 orbit targets.

Usage::

    python benchmarks/plan_scale.py [--sizes 200,500,1000,2000] [--time-limit S] [--seed N]

Where ``scale.py`` times the optimiser core alone, this runs the whole path a user runs: reading the
scenario and its GeoJSON, laying out shared orbits, the cost model (vectorised geodesics, radio reach),
the optimiser, the sorties, and every export (mission files, plan.json, GeoJSON, KML, map and
timeline pictures). Targets are uniform on a 1,500 km square over central Kazakhstan, EO/IR, dwell 30 to
120 min, priorities 1 to 5; ten Ankas with EO/IR and SATCOM at three bases (4 / 3 / 3). Each size runs
in its own process. Columns (seconds): to read; ``model s``, from the start of ``plan`` until the
optimiser starts (layout, costs, loadouts: the first progress event of the optimise stage, which
carries no plan yet); ``first s``, from the start of ``plan`` to the first progress event carrying a
plan that serves something (prize > 0), and ``+model s``, the same counted from the model being
built; the whole plan; the exports. Then peak resident memory of the process and its solver workers
(MiB); orbits (after sharing), tasks served, priority.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCENARIO = """name = "scale {n}"
start = "2026-12-01T00:00:00Z"
areas = ["targets.geojson"]

[[base]]
name = "Karaganda"
lon = 73.334
lat = 49.670

[[base]]
name = "Zhezkazgan"
lon = 67.734
lat = 47.708

[[base]]
name = "Astana"
lon = 71.45
lat = 51.17
{fleet}
[solver]
time_limit_s = {limit}
seed = {seed}
"""
FLEET = '\n[[fleet]]\naircraft = "anka"\ncount = {count}\nbase = "{base}"\npayload = ["eo-ir", "satcom"]\n'


def write_case(folder: Path, n: int, limit: float, seed: int) -> Path:
    """Write ``scenario.toml`` and ``targets.geojson`` for ``n`` targets into ``folder``."""
    from planner.core.geo import LocalFrame

    rng = np.random.default_rng(seed)
    xy = rng.uniform(-750e3, 750e3, (n, 2))
    lon, lat = LocalFrame(71.0, 48.5).to_lonlat(xy[:, 0], xy[:, 1])
    features = [{"type": "Feature",
                 "properties": {"task": "orbit", "name": f"T{i:04d}", "priority": int(rng.integers(1, 6)),
                                "sensor": "eo-ir", "dwell_min": int(rng.integers(30, 121))},
                 "geometry": {"type": "Point", "coordinates": [round(float(lon[i]), 6), round(float(lat[i]), 6)]}}
                for i in range(n)]
    (folder / "targets.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    fleet = "".join(FLEET.format(count=c, base=b) for c, b in ((4, "Karaganda"), (3, "Zhezkazgan"), (3, "Astana")))
    path = folder / "scenario.toml"
    path.write_text(SCENARIO.format(n=n, fleet=fleet, limit=limit, seed=seed))
    return path


def run_one(path: Path, out: Path) -> dict[str, float]:
    """Plan and export ``path`` in this process; the figures as a dict (seconds, MiB)."""
    from planner.io.export import export_plan
    from planner.io.scenario_file import read_scenario
    from planner.model.fleet import airframes
    from planner.planning.pipeline import Progress, build_model, plan

    t0 = time.perf_counter()
    scenario = read_scenario(path)
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    solver_start: list[float] = []
    first: list[float] = []

    def progress(p: Progress) -> None:
        if p.stage != "optimise":
            return
        if not solver_start:  # sent once the model is built and the loadouts chosen, before the solver runs
            solver_start.append(time.perf_counter() - t0)
        if p.best_prize > 0 and not first:  # the first plan that serves something
            first.append(time.perf_counter() - t0)

    result = plan(scenario, progress=progress)
    plan_s = time.perf_counter() - t0
    t = time.perf_counter()
    export_plan(result, out)
    export_s = time.perf_counter() - t
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    orbits = len(build_model(scenario, airframes(scenario), {}).tasks)  # after the peak is taken
    model_s = solver_start[0] if solver_start else plan_s
    first_s = first[0] if first else math.nan
    return {"read_s": read_s, "model_s": model_s, "first_s": first_s, "after_model_s": first_s - model_s,
            "plan_s": plan_s, "export_s": export_s, "peak_mib": peak / 1024.0, "orbits": orbits,
            "served": len(result.served), "priority": sum(t.priority for t in scenario.work if t.name in result.served)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,500,1000,2000")
    parser.add_argument("--time-limit", type=float, default=60.0, help="optimiser time limit per size, s")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(Path(args.child[0]), Path(args.child[1]))))
        return
    print(f"time limit {args.time_limit:g} s; {_load()}")
    print(f"{'targets':>7} {'read s':>6} {'model s':>7} {'first s':>7} {'+model s':>8} {'plan s':>6} {'export s':>8} "
          f"{'peak MiB':>8} {'orbits':>6} {'served':>6} {'priority':>8}")
    for n in (int(x) for x in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            path = write_case(Path(tmp), n, args.time_limit, args.seed)
            done = subprocess.run([sys.executable, __file__, "--child", str(path), str(Path(tmp) / "out")],
                                  capture_output=True, text=True, check=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{n:7d} {r['read_s']:6.1f} {r['model_s']:7.1f} {r['first_s']:7.1f} {r['after_model_s']:8.2f} {r['plan_s']:6.1f} "
              f"{r['export_s']:8.1f} {r['peak_mib']:8.0f} {r['orbits']:6d} {r['served']:6d} {r['priority']:8.0f}",
              flush=True)
    print(_load())


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


if __name__ == "__main__":
    main()
