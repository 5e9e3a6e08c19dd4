"""Team Orienteering benchmark: our optimiser against PyVRP and stock OR-Tools on the Chao sets.

Usage::

    python benchmarks/top.py PATH... [--time-limit S] [--solver ours,pyvrp,ortools] [--refs FILE]
                             [--subset] [--seed N] [--jsonl]

PATH is an instance file (``p4.2.a.txt``) or a folder of them. Every solver gets the same time
limit per instance; every route is re-checked with real-valued Euclidean lengths before its
score counts. PyVRP is a benchmark-only extra (``pip install planner[bench]``).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.solve.polish import ortools_baseline
from planner.solve.problem import Problem, SolveParams, Vehicle
from planner.solve.solver import solve

SOLVERS = ("ours", "pyvrp", "ortools")
PYVRP_SCALE = 100_000
"""Distance units to PyVRP integers (rounded up, so PyVRP's own check is never looser than ours)."""


@dataclass(frozen=True)
class TopInstance:
    """One Chao instance: points (N, 2), scores (N,), vehicles, length limit. First row start, last end."""

    name: str
    points: np.ndarray
    scores: np.ndarray
    vehicles: int
    tmax: float

    def distances(self) -> np.ndarray:
        """Real-valued Euclidean distance matrix (N, N)."""
        diff = self.points[:, None, :] - self.points[None, :, :]
        return np.sqrt((diff**2).sum(axis=2))


@dataclass(frozen=True)
class Outcome:
    """What one solver did on one instance: routes as point indices (depots excluded)."""

    instance: str
    solver: str
    routes: tuple[tuple[int, ...], ...]
    seconds: float


def read_instance(path: Path) -> TopInstance:
    """Read a Chao-format file (``n N``, ``m M``, ``tmax T``, then ``x y score`` rows)."""
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    header = {ln[0]: ln[1] for ln in lines[:3]}
    rows = np.array([[float(x) for x in ln[:3]] for ln in lines[3:]])
    n = int(header["n"])
    if rows.shape[0] != n:
        raise ValueError(f"{path}: expected {n} points, found {rows.shape[0]}")
    name = path.name.removesuffix(".txt")
    return TopInstance(name, rows[:, :2], rows[:, 2], int(header["m"]), float(header["tmax"]))


def to_problem(inst: TopInstance) -> Problem:
    """The instance as our :class:`Problem`: travel = distance, no service, no windows."""
    n = len(inst.scores)
    start, end = 0, n - 1
    vehicles = tuple(Vehicle(start_node=start, end_node=end, max_duration_s=inst.tmax) for _ in range(inst.vehicles))
    window = np.column_stack([np.zeros(n), np.full(n, np.inf)])
    return Problem(inst.distances(), np.zeros(n), inst.scores, window, vehicles, frozenset({start, end}))


def check(inst: TopInstance, routes: Sequence[Sequence[int]]) -> tuple[float, bool]:
    """Score and feasibility with real lengths: at most m routes, no repeats, length <= tmax.

    Empty routes are vehicles that stay at the start: not counted, not checked.
    """
    d = inst.distances()
    n = len(inst.scores)
    seen: set[int] = set()
    feasible = len([r for r in routes if r]) <= inst.vehicles
    for r in (r for r in routes if r):
        path = [0, *r, n - 1]
        length = float(sum(d[a, b] for a, b in itertools.pairwise(path)))
        feasible &= length <= inst.tmax + 1e-9
        feasible &= all(0 < x < n - 1 for x in r) and not seen.intersection(r) and len(set(r)) == len(r)
        seen.update(r)
    return float(inst.scores[sorted(seen)].sum()), bool(feasible)


def run_ours(inst: TopInstance, time_limit: float, seed: int) -> Outcome:
    """Our optimiser through ``planner.solve.solver.solve``, the same path ``planner plan`` uses."""
    t0 = time.perf_counter()
    result = solve(to_problem(inst), SolveParams(time_limit_s=time_limit, seed=seed))
    return Outcome(inst.name, "ours", tuple(r.nodes for r in result.routes), time.perf_counter() - t0)


def run_ortools(inst: TopInstance, time_limit: float, seed: int) -> Outcome:
    """Stock OR-Tools routing model (cheapest arc, guided local search)."""
    t0 = time.perf_counter()
    result = ortools_baseline(to_problem(inst), time_limit)
    return Outcome(inst.name, "ortools", tuple(r.nodes for r in result.routes), time.perf_counter() - t0)


def run_pyvrp(inst: TopInstance, time_limit: float, seed: int) -> Outcome:
    """PyVRP as a prize-collecting VRP: prize = score x a factor above any route length."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    t0 = time.perf_counter()
    n = len(inst.scores)
    dist = np.ceil(inst.distances() * PYVRP_SCALE).astype(np.int64)
    factor = math.ceil(inst.tmax * PYVRP_SCALE) * inst.vehicles + 1
    model = Model()
    locs = [model.add_location(x=float(x), y=float(y)) for x, y in inst.points]
    start = model.add_depot(locs[0])
    end = model.add_depot(locs[n - 1])
    model.add_vehicle_type(
        num_available=inst.vehicles,
        start_depot=start,
        end_depot=end,
        max_distance=math.floor(inst.tmax * PYVRP_SCALE),
    )
    for i in range(1, n - 1):
        model.add_client(locs[i], prize=int(inst.scores[i]) * factor, required=False)
    for a in range(n):
        for b in range(n):
            if a != b:
                model.add_edge(locs[a], locs[b], distance=int(dist[a, b]), duration=int(dist[a, b]))
    result = model.solve(stop=MaxRuntime(time_limit), seed=seed, display=False)
    routes = tuple(tuple(int(a.idx) + 1 for a in route if a.is_client()) for route in result.best.routes())
    return Outcome(inst.name, "pyvrp", routes, time.perf_counter() - t0)


RUNNERS: dict[str, Callable[[TopInstance, float, int], Outcome]] = {
    "ours": run_ours,
    "pyvrp": run_pyvrp,
    "ortools": run_ortools,
}


def instance_files(paths: Sequence[Path], subset: bool) -> list[Path]:
    """Instance files under ``paths`` (sorted); with ``subset``, every 6th file."""
    files: list[Path] = []
    for p in paths:
        files += sorted(f for f in p.glob("p*.txt")) if p.is_dir() else [p]
    return files[::6] if subset else files


def read_refs(path: Path) -> dict[str, float]:
    """``instance -> reference score`` from a ``refs.csv``."""
    with path.open(newline="") as fh:
        return {row["instance"]: float(row["ref"]) for row in csv.DictReader(fh)}


def gap_pct(score: float, ref: float | None) -> float | None:
    """Percent below the reference (negative when better); ``None`` without a reference."""
    if ref is None:
        return None
    return 0.0 if ref == 0 else 100.0 * (ref - score) / ref


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="instance files or folders")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance and solver")
    parser.add_argument("--solver", default=",".join(SOLVERS), help="comma-separated: ours,pyvrp,ortools")
    parser.add_argument("--refs", type=Path, help="refs.csv (default: refs.csv beside the first folder)")
    parser.add_argument("--subset", action="store_true", help="every 6th instance, a quick representative run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jsonl", action="store_true", help="one JSON line per instance and solver")
    args = parser.parse_args(argv)
    solvers = [s.strip() for s in args.solver.split(",") if s.strip()]
    if unknown := [s for s in solvers if s not in RUNNERS]:
        parser.error(f"unknown solver(s): {', '.join(unknown)}")
    files = instance_files(args.paths, args.subset)
    refs_path = args.refs or next((p / "refs.csv" for p in args.paths if (p / "refs.csv").exists()), None)
    if refs_path is None and args.paths[0].is_file():
        candidate = args.paths[0].parent / "refs.csv"
        refs_path = candidate if candidate.exists() else None
    refs = read_refs(refs_path) if refs_path else {}
    gaps: dict[str, list[float]] = {s: [] for s in solvers}
    infeasible: dict[str, int] = dict.fromkeys(solvers, 0)
    if not args.jsonl:
        cols = "".join(f" | {s:>7} {'gap%':>6} {'ok':>3} {'s':>5}" for s in solvers)
        print(f"{'instance':<10} {'ref':>6}{cols}")
    for f in files:
        inst = read_instance(f)
        ref = refs.get(inst.name)
        cells = []
        for s in solvers:
            out = RUNNERS[s](inst, args.time_limit, args.seed)
            score, ok = check(inst, out.routes)
            counted = score if ok else 0.0
            if not ok:
                infeasible[s] += 1
            gap = gap_pct(counted, ref)
            if gap is not None:
                gaps[s].append(gap)
            if args.jsonl:
                line = {
                    "instance": inst.name,
                    "solver": s,
                    "score": counted,
                    "feasible": ok,
                    "seconds": round(out.seconds, 3),
                }
                print(json.dumps(line), flush=True)
            else:
                cells.append(
                    f" | {counted:>7.0f} {gap if gap is not None else math.nan:>6.2f} {'y' if ok else 'N':>3} {out.seconds:>5.1f}"
                )
        if not args.jsonl:
            print(f"{inst.name:<10} {ref if ref is not None else math.nan:>6.0f}{''.join(cells)}", flush=True)
    summary = {s: (float(np.mean(g)) if g else math.nan) for s, g in gaps.items()}
    stream = sys.stderr if args.jsonl else sys.stdout
    for s in solvers:
        print(
            f"mean gap {s}: {summary[s]:.2f} % over {len(gaps[s])} instances, infeasible {infeasible[s]}", file=stream
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
