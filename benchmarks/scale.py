"""How the optimiser's time and memory grow with the number of targets.

Usage::

    python benchmarks/scale.py [--sizes 200,500,1000,2000] [--time-limit S] [--seed N] [--jsonl]

Each size runs in its own process (so peak memory is per size) on a generated scenario: targets
uniform on a 1,500 km square, three bases, ten aircraft (4/3/3 per base) flying at 60 m/s for at
most 30 h, loiters of 0.5-2 h, priorities 1-5, a time window on one target in ten. The table gives
the time to the first feasible plan (first progress report with a prize > 0), the runtime, iterations, prize served
and the peak resident memory of the solver process and its workers.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.solve.problem import Problem, SolveParams, Vehicle, evaluate_route
from planner.solve.solver import Progress, solve

SPEED_MPS = 60.0
SIDE_M = 1_500_000.0
MAX_DURATION_S = 30 * 3600.0
FLEET = (4, 3, 3)  # aircraft per base


@dataclass(frozen=True)
class Row:
    """One size's figures (seconds, MiB)."""

    targets: int
    first_plan_s: float
    runtime_s: float
    iterations: int
    prize: float
    served: int
    feasible: bool
    peak_mib: float


def scenario(targets: int, seed: int) -> Problem:
    """A generated scenario with ``targets`` targets; nodes 0-2 are the bases."""
    rng = np.random.default_rng(seed)
    bases = np.array([[0.2, 0.2], [0.8, 0.3], [0.5, 0.85]]) * SIDE_M
    points = np.vstack([bases, rng.uniform(0, SIDE_M, size=(targets, 2))])
    n = len(points)
    travel = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)) / SPEED_MPS
    service = np.r_[np.full(3, 1800.0), rng.uniform(0.5, 2.0, targets) * 3600.0]
    prize = np.r_[np.zeros(3), rng.integers(1, 6, targets)].astype(float)
    early = np.where(rng.random(n) < 0.1, rng.uniform(0, 20 * 3600.0, n), 0.0)
    early[:3] = 0.0
    window = np.column_stack([early, np.where(early > 0, early + 4 * 3600.0, np.inf)])
    vehicles = tuple(Vehicle(b, b, MAX_DURATION_S) for b, count in enumerate(FLEET) for _ in range(count))
    return Problem(travel, service, prize, window, vehicles, frozenset({0, 1, 2}))


def run_one(targets: int, time_limit: float, seed: int) -> Row:
    """Solve one size in this process and measure it."""
    problem = scenario(targets, seed)
    first: list[float] = []

    def on_progress(p: Progress) -> None:
        if p.best_prize > 0 and not first:  # the first plan that serves something
            first.append(p.elapsed_s)

    t0 = time.perf_counter()
    result = solve(problem, SolveParams(time_limit_s=time_limit, seed=seed), on_progress)
    runtime = time.perf_counter() - t0
    feasible = all(evaluate_route(problem, r.vehicle, r.nodes).feasible for r in result.routes)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    served = sum(len(r.nodes) for r in result.routes)
    peak = (own + kids) / 1024.0  # ru_maxrss is in KiB on Linux; workers counted at their peak
    return Row(
        targets, first[0] if first else runtime, runtime, result.iterations, result.prize, served, feasible, peak
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,500,1000,2000", help="comma-separated target counts")
    parser.add_argument("--time-limit", type=float, default=120.0, help="optimiser seconds per size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jsonl", action="store_true", help="one JSON line per size")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: run one size here
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(run_one(args.one, args.time_limit, args.seed).__dict__))
        return 0
    if not args.jsonl:
        print(
            f"{'targets':>7} {'first s':>8} {'total s':>8} {'iters':>6} {'prize':>7} {'served':>6} {'ok':>3} {'peak MiB':>9}"
        )
    for size in (int(s) for s in args.sizes.split(",")):
        cmd = [
            sys.executable,
            __file__,
            "--one",
            str(size),
            "--time-limit",
            str(args.time_limit),
            "--seed",
            str(args.seed),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        row = Row(**json.loads(out.stdout.strip().splitlines()[-1]))
        if args.jsonl:
            print(json.dumps(row.__dict__), flush=True)
        else:
            print(
                f"{row.targets:>7} {row.first_plan_s:>8.2f} {row.runtime_s:>8.1f} {row.iterations:>6} "
                f"{row.prize:>7.0f} {row.served:>6} {'y' if row.feasible else 'N':>3} {row.peak_mib:>9.0f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
