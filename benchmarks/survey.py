"""Survey-pattern benchmark: coverage and sweep-angle quality on generated areas.

For seeded generated areas (convex, concave, with holes, thin, multi-part; 10 to 5,000 km2) it plans a
survey with the chosen sweep angle, and a brute-force one over every whole degree 0..179 with the same
lane and turn model (``survey_pattern(..., angle_deg=a)``). It prints one row per area: coverage of the
area by the swaths, chosen time / best brute-force time (1.000 = as good; < 1 = better than every whole
degree), and seconds for the search and for the brute force; then the worst coverage and ratio.

Run: ``python benchmarks/survey.py [--seed N] [--count N]`` from the repository root.
Aircraft numbers are an Anka-class assumption: 55 m/s, 600 m turn radius (about 30 degrees of bank).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Point, Polygon, box

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.layout.lanes import coverage_fraction, lanes_outside
from planner.layout.survey import survey_pattern

SPEED_MPS = 55.0
TURN_RADIUS_M = 600.0
SIZES_KM2 = (10.0, 100.0, 1000.0, 5000.0)


@dataclass(frozen=True)
class Case:
    name: str
    area: Polygon | MultiPolygon
    swath_m: float
    overlap: float


def _scale_to(poly: Polygon | MultiPolygon, km2: float) -> Polygon | MultiPolygon:
    f = math.sqrt(km2 * 1e6 / poly.area)
    return affinity.scale(poly, f, f, origin=(0, 0))


def _convex(rng: np.random.Generator) -> Polygon:
    pts = rng.normal(size=(40, 2)) * [1.0, rng.uniform(0.4, 1.0)]
    return shapely.MultiPoint(pts).convex_hull


def _star(rng: np.random.Generator) -> Polygon:
    k = int(rng.integers(7, 14))
    ang = np.sort(rng.uniform(0, 2 * math.pi, k))
    rad = rng.uniform(0.35, 1.0, k)
    return shapely.make_valid(Polygon(np.column_stack([rad * np.cos(ang), rad * np.sin(ang)]))).buffer(0)


def _u_shape(rng: np.random.Generator) -> Polygon:
    w, h = rng.uniform(2, 4), rng.uniform(2, 4)
    notch_w, notch_h = w * rng.uniform(0.3, 0.6), h * rng.uniform(0.4, 0.8)
    x0 = (w - notch_w) / 2
    return box(0, 0, w, h).difference(box(x0, h - notch_h, x0 + notch_w, h + 1))


def _l_shape(rng: np.random.Generator) -> Polygon:
    w, h = rng.uniform(2, 4), rng.uniform(2, 4)
    return box(0, 0, w, h).difference(box(w * rng.uniform(0.3, 0.6), h * rng.uniform(0.3, 0.6), w + 1, h + 1))


def _holes(rng: np.random.Generator) -> Polygon:
    outer = _convex(rng)
    minx, miny, maxx, maxy = outer.bounds
    size = min(maxx - minx, maxy - miny)
    for _ in range(int(rng.integers(1, 4))):
        c = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        hole = c.buffer(size * rng.uniform(0.08, 0.2), quad_segs=4)
        if outer.buffer(-size * 0.02).contains(hole):
            outer = outer.difference(hole)
    return outer


def _comb(rng: np.random.Generator) -> Polygon:
    teeth = int(rng.integers(3, 7))
    w = rng.uniform(0.3, 0.6)
    area = box(0, 0, teeth, 0.5)
    for i in range(teeth):
        area = area.union(box(i, 0.4, i + w, rng.uniform(1.5, 3.0)))
    return area


def _jagged(rng: np.random.Generator) -> Polygon:
    """A hand-digitised-looking outline: 600 vertices, lobes and 1 % radial noise, with holes."""
    ang = np.linspace(0, 2 * math.pi, 600, endpoint=False)
    rad = 1 + 0.15 * np.sin(int(rng.integers(3, 8)) * ang + rng.uniform(0, 6)) + 0.01 * rng.normal(size=ang.size)
    poly = Polygon(np.column_stack([rad * np.cos(ang), 0.6 * rad * np.sin(ang)]))
    for _ in range(int(rng.integers(2, 6))):
        hole = Point(rng.uniform(-0.5, 0.5), rng.uniform(-0.3, 0.3)).buffer(rng.uniform(0.03, 0.1), quad_segs=6)
        if poly.buffer(-0.02).contains(hole):
            poly = poly.difference(hole)
    return poly


def _thin(rng: np.random.Generator) -> Polygon:
    return box(0, 0, rng.uniform(8, 20), 1.0)


def _multi(rng: np.random.Generator) -> MultiPolygon:
    a = _convex(rng)
    b = _convex(rng)
    b = affinity.translate(b, a.bounds[2] - b.bounds[0] + rng.uniform(0.2, 2), rng.uniform(-1, 1))
    return MultiPolygon([a, b])


GENERATORS = {
    "convex": _convex,
    "star": _star,
    "U": _u_shape,
    "L": _l_shape,
    "holes": _holes,
    "comb": _comb,
    "jagged": _jagged,
    "thin": _thin,
    "multi": _multi,
}


def cases(seed: int, count: int) -> list[Case]:
    """``count`` areas per kind, sizes cycling 10, 100, 1,000, 5,000 km2, random rotation and sensor."""
    rng = np.random.default_rng(seed)
    out = []
    for kind, gen in GENERATORS.items():
        for i in range(count):
            km2 = SIZES_KM2[i % len(SIZES_KM2)]
            area = affinity.rotate(_scale_to(gen(rng), km2), float(rng.uniform(0, 180)), origin=(0, 0))
            swath = float(rng.uniform(2000, 5000))
            overlap = float(rng.choice([0.0, 0.1, 0.2, 0.5, 0.6]))
            out.append(Case(f"{kind}-{i}", area, swath, overlap))
    return out


def run(case: Case) -> dict[str, float]:
    kw = {"swath_m": case.swath_m, "side_overlap": case.overlap, "turn_radius_m": TURN_RADIUS_M, "speed_mps": SPEED_MPS}
    t0 = time.perf_counter()
    chosen = survey_pattern(case.area, **kw)
    t_search = time.perf_counter() - t0
    t0 = time.perf_counter()
    brute = min(survey_pattern(case.area, angle_deg=a, **kw).duration_s for a in range(180))
    t_brute = time.perf_counter() - t0
    return {
        "km2": case.area.area / 1e6,
        "lanes": len(chosen.lanes),
        "coverage": coverage_fraction(case.area, chosen.coverage()),
        "outside_m": lanes_outside(chosen.lanes, case.area, case.swath_m / 2 + 1e-6),
        "hours": chosen.duration_s / 3600,
        "ratio": chosen.duration_s / brute,
        "t_search": t_search,
        "t_brute": t_brute,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=4, help="areas per kind")
    args = parser.parse_args(argv)
    head = f"{'case':<10} {'km2':>7} {'swath':>6} {'ovl':>4} {'lanes':>5} {'cover%':>8} {'out_m':>6} {'hours':>6} {'ratio':>6} {'search_s':>8} {'brute_s':>7}"
    print(head)
    rows = []
    for case in cases(args.seed, args.count):
        r = run(case)
        rows.append(r)
        print(
            f"{case.name:<10} {r['km2']:7.0f} {case.swath_m:6.0f} {case.overlap:4.1f} {r['lanes']:5d} "
            f"{100 * r['coverage']:8.3f} {r['outside_m']:6.1f} {r['hours']:6.2f} {r['ratio']:6.3f} "
            f"{r['t_search']:8.2f} {r['t_brute']:7.2f}",
            flush=True,
        )
    print()
    print(f"areas: {len(rows)}")
    print(f"worst coverage: {100 * min(r['coverage'] for r in rows):.3f} %")
    print(f"worst lane length outside area+swath/2: {max(r['outside_m'] for r in rows):.3f} m")
    print(f"worst time ratio chosen / brute-force 1 deg: {max(r['ratio'] for r in rows):.4f}")
    print(f"mean time ratio: {np.mean([r['ratio'] for r in rows]):.4f}")
    print(
        f"search seconds: mean {np.mean([r['t_search'] for r in rows]):.2f}, max {max(r['t_search'] for r in rows):.2f}"
    )
    print(f"brute-force seconds: mean {np.mean([r['t_brute'] for r in rows]):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
