"""Shared-orbit layout benchmark: greedy set cover against CP-SAT on generated target sets.

Usage::

    python benchmarks/orbit_layout.py [--sizes 50,200,500,1000] [--reaches 8,13.4] [--seed N]

For each size it generates targets uniform on a square region and in Gaussian clusters (side
100 km + n/5 km, at most 300 km; one cluster per 40 targets, at least 3, spread 2-10 km), and for each
horizontal reach ρ (default 8 km and the Anka EO/IR reach, as ``planner.layout.shared_orbits.share_orbits``
computes it: √(S² − h²) − r for the eo-ir slant range S, the Anka default altitude h above ground at
0 m and its loiter turn radius r in a 10 m/s wind) lays out shared orbits twice with
``planner.layout.shared_orbits.layout_orbits``: greedy only, and improved by ``planner.solve.set_cover.solve_set_cover``
(CP-SAT) as the planner does. One row per case: targets, orbits one per target, greedy and CP-SAT
orbit counts, whether CP-SAT proved its count the fewest over the candidates, two lower bounds, seconds,
and orbits saved by CP-SAT against one per target.

Lower bounds: ``pack`` counts targets pairwise more than 2ρ apart (no orbit centre anywhere sees two
of them, so it holds over every centre, not only the candidates); ``LP`` is the rounded-up LP
relaxation over the candidates (GLOP). Greedy seconds include the candidate generation; CP-SAT
seconds are the ``solve_set_cover`` call alone (model building and solving). ``ok`` is an independent
numpy check of both layouts: every target is watched by exactly one orbit, within ρ (+1 mm) of its centre.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.io.profiles import load_aircraft, load_sensors
from planner.layout.shared_orbits import Cover, layout_orbits
from planner.solve.set_cover import solve_set_cover

SHORT_REACH_M = 8000.0
WIND_MPS = 10.0
TOLERANCE_M = 1e-3
DISTRIBUTIONS = ("uniform", "clustered")


@dataclass(frozen=True)
class Row:
    """One case's figures (counts, seconds)."""

    targets: int
    dist: str
    side_km: float
    reach_km: float
    greedy: int
    cpsat: int
    proved: bool
    lb_pack: int
    lb_lp: int | None
    greedy_s: float
    cpsat_s: float
    ok: bool
    worst: float  # largest target distance over ρ in either layout
    greedy_sets: int  # candidates the greedy cover picked (orbits left without targets are then dropped)
    cpsat_sets: int  # candidates solve_set_cover returned


def anka_eo_ir_reach_m() -> float:
    """Horizontal reach ρ (m) of the Anka with the eo-ir sensor over targets at 0 m, as planning computes it."""
    aircraft = load_aircraft("anka")
    slant = load_sensors()["eo-ir"].slant_range_m
    return math.sqrt(slant**2 - aircraft.default_alt_m**2) - aircraft.turn_radius_m(WIND_MPS)


def side_m(targets: int) -> float:
    """Region side (m) for ``targets`` targets: 100 km + n/5 km, at most 300 km."""
    return min(300.0, 100.0 + targets / 5.0) * 1000.0


def targets_xy(targets: int, dist: str, seed: int) -> np.ndarray:
    """Generated target positions (n, 2) in metres on a square of side :func:`side_m`."""
    rng = np.random.default_rng([seed, targets, DISTRIBUTIONS.index(dist)])
    side = side_m(targets)
    if dist == "uniform":
        return rng.uniform(0.0, side, size=(targets, 2))
    k = max(3, targets // 40)
    centres = rng.uniform(0.1 * side, 0.9 * side, size=(k, 2))
    spread = rng.uniform(2000.0, 10000.0, size=k)
    label = rng.integers(0, k, size=targets)
    return np.clip(centres[label] + rng.normal(size=(targets, 2)) * spread[label, None], 0.0, side)


def packing_bound(xy: np.ndarray, reach_m: float) -> int:
    """Size of a set of targets pairwise more than 2ρ apart (greedy, fewest conflicts first)."""
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    conflict = d <= 2.0 * reach_m + 2e-6
    alive = np.ones(len(xy), bool)
    count = 0
    while alive.any():
        degree = np.where(alive, (conflict & alive).sum(axis=1), len(xy) + 1)
        i = int(np.argmin(degree))
        alive &= ~conflict[i]
        count += 1
    return count


def lp_bound(sets: list[np.ndarray], n: int) -> int | None:
    """Rounded-up LP relaxation of the set cover (GLOP); None when GLOP fails."""
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    pick = [solver.NumVar(0.0, 1.0, f"s{k}") for k in range(len(sets))]
    rows = [solver.Constraint(1.0, solver.infinity()) for _ in range(n)]
    for k, members in enumerate(sets):
        for i in members:
            rows[int(i)].SetCoefficient(pick[k], 1.0)
    objective = solver.Objective()
    for b in pick:
        objective.SetCoefficient(b, 1.0)
    objective.SetMinimization()
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return math.ceil(objective.Value() - 1e-6)


def check(xy: np.ndarray, cover: Cover, reach_m: float) -> tuple[bool, float]:
    """Whether every target is in exactly one orbit within ρ (+1 mm) of its centre; the largest d/ρ."""
    seen = np.zeros(len(xy), int)
    worst = 0.0
    ok = True
    for orbit in cover.orbits:
        members = np.array(orbit.members, int)
        seen[members] += 1
        d = np.hypot(xy[members, 0] - orbit.x_m, xy[members, 1] - orbit.y_m)
        worst = max(worst, float(d.max()) / reach_m)
        ok &= bool((d <= reach_m + TOLERANCE_M).all())
    return ok and bool((seen == 1).all()), worst


def run_case(targets: int, dist: str, reach_m: float, seed: int) -> Row:
    """Lay out one generated case greedily and with CP-SAT, check both and bound the optimum."""
    xy = targets_xy(targets, dist, seed)
    t0 = time.perf_counter()
    greedy = layout_orbits(xy, reach_m)
    greedy_s = time.perf_counter() - t0
    calls: list[tuple[list[np.ndarray], float, int, int]] = []

    def exact(sets: list[np.ndarray], n: int, start: list[int]) -> tuple[list[int], bool]:
        t = time.perf_counter()
        out = solve_set_cover(sets, n, start)
        calls.append((sets, time.perf_counter() - t, len(start), len(out[0])))
        return out

    cpsat = layout_orbits(xy, reach_m, exact=exact)
    ok_g, worst_g = check(xy, greedy, reach_m)
    ok_c, worst_c = check(xy, cpsat, reach_m)
    lb_lp = lp_bound(calls[0][0], targets) if calls else len(cpsat.orbits)
    return Row(
        targets,
        dist,
        side_m(targets) / 1000.0,
        reach_m / 1000.0,
        len(greedy.orbits),
        len(cpsat.orbits),
        cpsat.optimal,
        packing_bound(xy, reach_m),
        lb_lp,
        greedy_s,
        calls[0][1] if calls else 0.0,
        ok_g and ok_c,
        max(worst_g, worst_c),
        calls[0][2] if calls else len(greedy.orbits),
        calls[0][3] if calls else len(cpsat.orbits),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,500,1000", help="comma-separated target counts")
    parser.add_argument("--reaches", help="comma-separated horizontal reaches in km (default 8 and Anka EO/IR)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.reaches:
        reaches = [float(r) * 1000.0 for r in args.reaches.split(",")]
    else:
        reaches = [SHORT_REACH_M, anka_eo_ir_reach_m()]
    print(
        f"{'targets':>7} {'dist':>9} {'side km':>7} {'ρ km':>5} {'1/tgt':>5} {'greedy':>6} {'CP-SAT':>6} "
        f"{'proved':>6} {'LB pack':>7} {'LB LP':>5} {'greedy s':>8} {'CP-SAT s':>8} {'saved %':>7} {'ok':>3}"
    )
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        for dist in DISTRIBUTIONS:
            for reach in reaches:
                row = run_case(size, dist, reach, args.seed)
                rows.append(row)
                lp = "-" if row.lb_lp is None else str(row.lb_lp)
                saved = 100.0 * (row.targets - row.cpsat) / row.targets
                print(
                    f"{row.targets:>7} {row.dist:>9} {row.side_km:>7.0f} {row.reach_km:>5.1f} {row.targets:>5} "
                    f"{row.greedy:>6} {row.cpsat:>6} {'y' if row.proved else 'n':>6} {row.lb_pack:>7} {lp:>5} "
                    f"{row.greedy_s:>8.2f} {row.cpsat_s:>8.2f} {saved:>7.1f} {'y' if row.ok else 'N':>3}",
                    flush=True,
                )
    better = sum(r.cpsat < r.greedy for r in rows)
    worst = max(r.worst for r in rows)
    fewer_sets = sum(r.cpsat_sets < r.greedy_sets for r in rows)
    print(
        f"CP-SAT fewer orbits than greedy in {better} of {len(rows)} cases ({fewer_sets} with a smaller cover "
        f"than greedy's{'; the rest by dropping orbits left without targets' if fewer_sets < better else ''}); "
        f"proved fewest in {sum(r.proved for r in rows)}"
    )
    print(
        f"geometric check: {'every' if all(r.ok for r in rows) else 'NOT every'} target within reach of its "
        f"orbit centre in every layout (largest distance {worst:.6f} ρ)"
    )
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
