"""Many no-fly zones: the keep-out outline and ``planner plan`` with 200 and 1,000 small zones.

Usage::

    python benchmarks/many_zones.py [--sizes 200,1000] [--targets 40] [--time-limit S] [--seed N]

Zones are 800 m squares placed uniformly over a 400 × 400 km square (issue 20); one base at the centre
(kept 5 km clear of any zone) with three Ankas; ``--targets`` orbit targets uniform over the square
(dwell 30 min). Each size runs in its own process, twice: ``before`` is the old outline rule (the
simplification tolerance doubled without limit until at most 600 corners, nothing checked), ``now``
the current one (tolerance capped by the margin, at most ``MAX_CORNERS`` corners, coverage verified,
or the input refused). Columns: seconds to build the airspace, corners, tolerance and keep-out reach
(buffer distance, m), the smallest and largest clearance from a zone to the outline (m, metric frame;
the margin is 1,000 m), area of zones left outside the outline (m²), probe routes between 12 points
that enter a zone (of 132), seconds to read the scenario and plan it (``plan()``), tasks served — or the
refusal message.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HALF_M = 200_000.0
SIDE_M = 800.0
CENTRE = (71.0, 48.5)


def _zones(n: int, seed: int) -> list[tuple[float, float]]:
    """Zone centres (metres round CENTRE), none within 5 km of the base at the centre."""
    rng = np.random.default_rng(seed)
    out: list[tuple[float, float]] = []
    while len(out) < n:
        x, y = rng.uniform(-HALF_M, HALF_M, 2)
        if np.hypot(x, y) > 5000.0:
            out.append((float(x), float(y)))
    return out


def run_one(n: int, targets: int, limit: float, seed: int, mode: str) -> dict[str, object]:
    """Build the airspace and plan, in this process; the figures as a dict."""
    import shapely
    from shapely.geometry import LineString, Polygon

    from planner.core import geo
    from planner.core.errors import PlannerError
    from planner.layout import outline
    from planner.layout.airspace import Airspace

    if mode == "before":
        outline.MAX_SIMPLIFY_FRACTION = float("inf")
        outline.MAX_CORNERS = 600
        outline._missing = lambda *_args: np.zeros(0, int)  # the old rule checked and repaired nothing
    frame = geo.LocalFrame(*CENTRE)
    h = SIDE_M / 2
    zones = []
    for x, y in _zones(n, seed):
        lon, lat = frame.to_lonlat([x - h, x + h, x + h, x - h], [y - h, y - h, y + h, y + h])
        zones.append(Polygon(zip(lon.tolist(), lat.tolist(), strict=True)))
    row: dict[str, object] = {"zones": n, "mode": mode}
    t = time.perf_counter()
    try:
        space = Airspace.from_zones(zones, frame)
    except PlannerError as e:
        row.update(build_s=time.perf_counter() - t, refused=str(e))
        return row
    row["build_s"] = time.perf_counter() - t
    row["corners"] = len(space.corners)
    row["tol_m"] = space.tolerance_m
    keep_local = frame.geometry_to_local(space.keepout)
    zones_local = [frame.geometry_to_local(z) for z in zones]
    clear = shapely.distance(np.array(zones_local, dtype=object), keep_local.boundary)
    inside = shapely.covered_by(np.array(zones_local, dtype=object), keep_local)
    row["min_clear_m"] = float(np.where(inside, clear, 0.0).min())
    row["max_clear_m"] = float(clear.max())
    row["outside_m2"] = float(shapely.difference(shapely.union_all(zones_local), keep_local).area)
    rng = np.random.default_rng(seed + 1)
    probes = [tuple(float(v) for v in frame.to_lonlat(*rng.uniform(-HALF_M, HALF_M, 2))) for _ in range(12)]
    probes = [p for p in probes if space.zone_of(*p) is None]
    routes = space.routes([p[0] for p in probes], [p[1] for p in probes])
    union = shapely.union_all(zones)
    entered = 0
    for i, j in itertools.permutations(range(len(probes)), 2):
        if not np.isfinite(routes.cost[i, j]):
            continue
        pts = routes.path(i, j)
        line = []
        for a, b in itertools.pairwise(pts):
            k = int(geo.distance_m(a[0], a[1], b[0], b[1]) // 100.0)
            line += [a, *geo.GEOD.npts(a[0], a[1], b[0], b[1], k)]
        entered += bool(LineString([*line, pts[-1]]).intersects(union))
    row["probes_entered"] = f"{entered}/{len(probes) * (len(probes) - 1)}"
    row["plan_s"], row["served"] = _plan(zones, targets, limit, seed)
    return row


def _plan(zones: list, targets: int, limit: float, seed: int) -> tuple[float, int]:
    """Seconds to read and plan (``plan()``) the zones with ``targets`` orbit targets, and tasks served."""
    from planner.core import geo
    from planner.io.scenario_file import read_scenario
    from planner.planning.pipeline import plan

    rng = np.random.default_rng(seed + 2)
    frame = geo.LocalFrame(*CENTRE)
    features = []
    for i in range(targets):
        lon, lat = frame.to_lonlat(*rng.uniform(-HALF_M, HALF_M, 2))
        features.append({"type": "Feature", "properties": {"task": "orbit", "name": f"T{i:03d}", "sensor": "eo-ir",
                                                           "dwell_min": 30},
                         "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]}})
    for i, z in enumerate(zones):
        features.append({"type": "Feature", "properties": {"task": "nofly", "name": f"Z{i:04d}"},
                         "geometry": {"type": "Polygon", "coordinates": [list(z.exterior.coords)]}})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.toml"
        (Path(tmp) / "areas.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        path.write_text(f'name = "many zones"\nstart = "2026-12-01T00:00:00Z"\nareas = ["areas.geojson"]\n'
                        f'[[base]]\nname = "C"\nlon = {CENTRE[0]}\nlat = {CENTRE[1]}\n'
                        f'[[fleet]]\naircraft = "anka"\ncount = 3\nbase = "C"\npayload = ["eo-ir"]\n'
                        f'[solver]\ntime_limit_s = {limit}\nseed = {seed}\n')
        t = time.perf_counter()
        result = plan(read_scenario(path))
    return time.perf_counter() - t, len(result.served)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,1000")
    parser.add_argument("--targets", type=int, default=40)
    parser.add_argument("--time-limit", type=float, default=10.0, help="optimiser time limit, s")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(int(args.child[0]), args.targets, args.time_limit, args.seed, args.child[1])))
        return
    print(f"{'zones':>5} {'rule':>6} {'build s':>7} {'corners':>7} {'tol m':>6} {'min clr m':>9} {'max clr m':>9} "
          f"{'outside m2':>10} {'probes in':>9} {'plan s':>6} {'served':>6}")
    for n in (int(x) for x in args.sizes.split(",")):
        for mode in ("before", "now"):
            done = subprocess.run([sys.executable, __file__, "--child", str(n), mode, "--targets", str(args.targets),
                                   "--time-limit", str(args.time_limit), "--seed", str(args.seed)],
                                  capture_output=True, text=True, check=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            if "refused" in r:
                print(f"{n:5d} {mode:>6} {r['build_s']:7.1f}  refused: {r['refused']}")
                continue
            print(f"{n:5d} {mode:>6} {r['build_s']:7.1f} {r['corners']:7d} {r['tol_m']:6.0f} {r['min_clear_m']:9.0f} "
                  f"{r['max_clear_m']:9.0f} {r['outside_m2']:10.0f} {r['probes_entered']:>9} {r['plan_s']:6.1f} "
                  f"{r['served']:6d}")


if __name__ == "__main__":
    main()
