"""Team Orienteering benchmark: our optimiser against PyVRP and stock OR-Tools, at equal CPU.

Usage::

    python benchmarks/top.py PATH... [--time-limit S[,S...]] [--workers N] [--solver ours,pyvrp,ortools]
                             [--refs FILE] [--subset] [--seed N] [--jsonl] [--rescore FILE]

PATH is an instance file (``p4.2.a.txt``) or a folder of them (Chao format; ``top_instances.py``
writes large ones). Our search runs on ``--workers`` processes for S seconds; PyVRP and OR-Tools run
on one thread for ``workers x S`` seconds, so every solver gets the same CPU-seconds. Every route is
re-checked with real-valued Euclidean lengths before its score counts. Several time limits give a
head-to-head table (score ratio ours / PyVRP per limit). PyVRP is a benchmark-only extra
(``pip install planner[bench]``).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.solve.polish import ortools_baseline
from planner.solve.problem import Problem, SolveParams, Vehicle
from planner.solve.solver import SearchConfig, solve, warm_up

SOLVERS = ("ours", "pyvrp", "ortools")
PYVRP_SCALE = 1_000
"""Distance units to PyVRP integers: PyVRP's own convention for real-valued data (``pyvrp.read``'s
``round_func="exact"`` scales by 1,000). Distances are rounded *up* and ``tmax`` *down*, so a route
PyVRP accepts is never longer than the real-valued re-check allows."""


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
    """What one solver did on one instance: routes as point indices (depots excluded), wall and CPU seconds."""

    instance: str
    solver: str
    routes: tuple[tuple[int, ...], ...]
    seconds: float
    cpu_s: float
    warnings: int = 0


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


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (forked search workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_ours(inst: TopInstance, time_limit: float, seed: int, workers: int) -> Outcome:
    """Our optimiser on ``workers`` processes for ``time_limit`` s, the same path ``planner plan`` uses."""
    t0, c0 = time.perf_counter(), _cpu_s()
    result = solve(to_problem(inst), SolveParams(time_limit_s=time_limit, seed=seed), config=SearchConfig(workers=workers))
    routes = tuple(r.nodes for r in result.routes)
    return Outcome(inst.name, "ours", routes, time.perf_counter() - t0, _cpu_s() - c0)


def run_ortools(inst: TopInstance, time_limit: float, seed: int, workers: int) -> Outcome:
    """Stock OR-Tools routing model (cheapest arc, guided local search), one thread, ``workers x`` the time."""
    t0, c0 = time.perf_counter(), _cpu_s()
    result = ortools_baseline(to_problem(inst), time_limit * workers)
    routes = tuple(r.nodes for r in result.routes)
    return Outcome(inst.name, "ortools", routes, time.perf_counter() - t0, _cpu_s() - c0)


def run_pyvrp(inst: TopInstance, time_limit: float, seed: int, workers: int) -> Outcome:
    """PyVRP (one thread, ``workers x`` the time) as a prize-collecting VRP.

    Prize = score x a factor above the longest possible total distance, so no distance saving
    outweighs a point of score (the team-orienteering objective, ties broken by distance).
    """
    import warnings

    from pyvrp import Model, solve
    from pyvrp.stop import MaxRuntime

    t0, c0 = time.perf_counter(), _cpu_s()
    n = len(inst.scores)
    dist = np.ceil(inst.distances() * PYVRP_SCALE).astype(np.int64)
    np.fill_diagonal(dist, 0)
    limit = math.floor(inst.tmax * PYVRP_SCALE)
    factor = limit * inst.vehicles + 1
    model = Model()
    locs = [model.add_location(x=float(x), y=float(y)) for x, y in inst.points]
    start = model.add_depot(locs[0])
    end = model.add_depot(locs[n - 1])
    model.add_vehicle_type(num_available=inst.vehicles, start_depot=start, end_depot=end, max_distance=limit)
    for i in range(1, n - 1):
        model.add_client(locs[i], prize=int(inst.scores[i]) * factor, required=False)
    # the matrix in one piece (``Model.add_edge`` per pair takes minutes at 2,000 points)
    data = model.data().replace(distance_matrices=[dist], duration_matrices=[dist])
    with warnings.catch_warnings(record=True) as caught:  # counted: e.g. PenaltyBoundWarning on bad scaling
        warnings.simplefilter("always")
        result = solve(data, stop=MaxRuntime(time_limit * workers), seed=seed, display=False)
    routes = tuple(
        tuple(int(data.client(a.idx).location) for a in route if a.is_client()) for route in result.best.routes()
    )
    return Outcome(inst.name, "pyvrp", routes, time.perf_counter() - t0, _cpu_s() - c0, len(caught))


RUNNERS: dict[str, Callable[[TopInstance, float, int, int], Outcome]] = {
    "ours": run_ours,
    "pyvrp": run_pyvrp,
    "ortools": run_ortools,
}


def instance_files(paths: Sequence[Path], subset: bool) -> list[Path]:
    """Instance files under ``paths`` (sorted; a folder's ``*.txt`` files that start with ``n``)."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.glob("*.txt") if f.read_text()[:2] == "n ")
        else:
            files.append(p)
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


def _refs_for(paths: Sequence[Path], given: Path | None) -> dict[str, float]:
    """The references: ``given``, else a ``refs.csv`` beside the first folder or file that has one."""
    if given is not None:
        return read_refs(given)
    for p in paths:
        candidate = (p if p.is_dir() else p.parent) / "refs.csv"
        if candidate.exists():
            return read_refs(candidate)
    return {}


def rescore(jsonl: Path, files: Sequence[Path]) -> int:
    """Re-check every line of a ``--jsonl`` run against the instance files; 0 if every score agrees."""
    by_name = {f.name.removesuffix(".txt"): f for f in files}
    cache: dict[str, TopInstance] = {}
    bad = 0
    for line in jsonl.read_text().splitlines():
        rec = json.loads(line)
        if rec["instance"] not in by_name:
            print(f"{rec['instance']}: no instance file given", file=sys.stderr)
            bad += 1
            continue
        inst = cache.setdefault(rec["instance"], read_instance(by_name[rec["instance"]]))
        score, ok = check(inst, rec["routes"])
        agree = (score if ok else 0.0) == rec["score"] and ok == rec["feasible"]
        bad += not agree
        print(f"{rec['instance']:<14} {rec['solver']:<8} {rec['time_limit']:>5g} s  claimed {rec['score']:>7g}  "
              f"re-scored {score if ok else 0.0:>7g}  {'ok' if agree else 'DIFFERENT'}")
    return 1 if bad else 0


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="instance files or folders")
    parser.add_argument("--time-limit", default="10", help="seconds per instance for our search; several: 10,30")
    parser.add_argument("--workers", type=int, default=1, help="our worker processes; the others get N x the time")
    parser.add_argument("--solver", default=",".join(SOLVERS), help="comma-separated: ours,pyvrp,ortools")
    parser.add_argument("--refs", type=Path, help="refs.csv (default: refs.csv beside the first folder)")
    parser.add_argument("--subset", action="store_true", help="every 6th instance, a quick representative run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jsonl", action="store_true", help="one JSON line per instance, limit and solver")
    parser.add_argument("--rescore", type=Path, help="re-check the routes of a --jsonl output instead of solving")
    args = parser.parse_args(argv)
    solvers = [s.strip() for s in args.solver.split(",") if s.strip()]
    if unknown := [s for s in solvers if s not in RUNNERS]:
        parser.error(f"unknown solver(s): {', '.join(unknown)}")
    if args.workers < 1:
        parser.error("--workers must be >= 1")
    limits = [float(x) for x in args.time_limit.split(",") if x.strip()]
    files = instance_files(args.paths, args.subset)
    if args.rescore:
        return rescore(args.rescore, files)
    refs = _refs_for(args.paths, args.refs)
    if "ours" in solvers:
        warm_up()  # load the compiled search now, outside every instance's seconds
    runs = [(lim, s) for lim in limits for s in solvers]
    head_to_head = "ours" in solvers and "pyvrp" in solvers
    gaps: dict[tuple[float, str], list[float]] = {r: [] for r in runs}
    infeasible: dict[tuple[float, str], int] = dict.fromkeys(runs, 0)
    warned: dict[tuple[float, str], int] = dict.fromkeys(runs, 0)
    ratios: dict[float, list[float]] = {lim: [] for lim in limits}
    stream = sys.stderr if args.jsonl else sys.stdout
    print(f"ours {args.workers} worker(s) x S s; PyVRP and OR-Tools 1 thread x {args.workers} S s; seed {args.seed}; "
          f"{_load()}", file=stream)
    if not args.jsonl:
        cols = "".join(f" | {s[:7]:>7}@{lim:<3g} {'gap%':>6} {'ok':>2}" for lim, s in runs)
        ratio_cols = "".join(f" | {'ratio@' + format(lim, 'g'):>9}" for lim in limits) if head_to_head else ""
        print(f"{'instance':<14} {'n':>5} {'m':>2} {'ref':>6}{cols}{ratio_cols}")
    for f in files:
        inst = read_instance(f)
        ref = refs.get(inst.name)
        cells, scores = [], {}
        for lim, s in runs:
            out = RUNNERS[s](inst, lim, args.seed, args.workers)
            score, ok = check(inst, out.routes)
            counted = score if ok else 0.0
            scores[lim, s] = counted
            infeasible[lim, s] += not ok
            warned[lim, s] += out.warnings > 0
            gap = gap_pct(counted, ref)
            if gap is not None:
                gaps[lim, s].append(gap)
            if args.jsonl:
                line = {"instance": inst.name, "solver": s, "time_limit": lim, "workers": args.workers,
                        "cpu_budget_s": lim * args.workers, "score": counted, "feasible": ok,
                        "seconds": round(out.seconds, 3), "cpu_s": round(out.cpu_s, 3), "warnings": out.warnings,
                        "routes": [list(r) for r in out.routes if r]}
                print(json.dumps(line), flush=True)
            else:
                cells.append(f" | {counted:>11.0f} {gap if gap is not None else math.nan:>6.2f} {'y' if ok else 'N':>2}")
        ratio_cells = []
        for lim in limits if head_to_head else ():
            theirs = scores[lim, "pyvrp"]
            ratio = scores[lim, "ours"] / theirs if theirs > 0 else (1.0 if scores[lim, "ours"] == 0 else math.inf)
            ratios[lim].append(ratio)
            ratio_cells.append(f" | {ratio:>9.4f}")
        if not args.jsonl:
            print(f"{inst.name:<14} {len(inst.scores):>5} {inst.vehicles:>2} {ref if ref is not None else math.nan:>6.0f}"
                  f"{''.join(cells)}{''.join(ratio_cells)}", flush=True)
    for lim, s in runs:
        mean = f"mean gap {float(np.mean(gaps[lim, s])):.2f} % over {len(gaps[lim, s])} instances, " if gaps[lim, s] else ""
        print(f"{lim:g} s {s}: {mean}infeasible {infeasible[lim, s]}, runs with warnings {warned[lim, s]}", file=stream)
    for lim in limits if head_to_head else ():
        r = ratios[lim]
        print(f"{lim:g} s ours/PyVRP: mean ratio {float(np.mean(r)):.4f}, lowest {min(r):.4f}, "
              f"ours >= PyVRP on {sum(x >= 1 for x in r)} of {len(r)}", file=stream)
    print(_load(), file=stream)
    return 0


if __name__ == "__main__":
    sys.exit(main())
