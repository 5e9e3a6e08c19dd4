"""The optimiser: which vehicle serves which tasks in which order.

:func:`solve` takes a :class:`~planner.solve.problem.Problem` and returns a
:class:`~planner.solve.problem.Result`. The search has three phases:

1. Start: greedy parallel insertion by prize per added second, then local search
   (:mod:`planner.solve.search`).
2. Improvement, one seed per worker process: on window-free problems the compiled iterated local
   search (:mod:`planner.solve.ils`), on problems with time windows destroy-and-repair in Python;
   both accept by simulated annealing.
3. Polish, after the Python search only: OR-Tools routing (greedy descent with its swap-active,
   exchange-and-make-active and or-opt operators) from the best plan; kept only if it serves more
   (:mod:`planner.solve.polish`).

Every route returned passes :func:`~planner.solve.problem.evaluate_route`; a route that would not is
repaired by dropping tasks. With ``SolveParams.max_iterations`` set, the result depends only on the
problem and the seed: the searches stop on their iteration count and the polish on a solution count;
the time limit only caps them, and ``Result.cut_short`` says when it did.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from multiprocessing.connection import Connection

import numpy as np

from planner.core.errors import InputError
from planner.solve.polish import ortools_routes, verified
from planner.solve.problem import Problem, Result, Route, SolveParams, Vehicle
from planner.solve.search import Search, SearchConfig
from planner.solve.tour import Instance, Tour, make_tour, plan_key, plan_prize

__all__ = ["Progress", "SearchConfig", "solve"]

_ORTOOLS_POLISH_SHARE = 0.05  # share of the time limit for the OR-Tools polish

_ORTOOLS_SOLUTIONS = 200  # solution limit of the OR-Tools polish when max_iterations is set

_POLISH_MAX_NODES = 600  # above this, building the OR-Tools model costs more than its polish gains

_FINISH_S = 0.05  # seconds kept back for verification


@dataclass(frozen=True)
class Progress:
    """A report on the search: best prize so far, seconds since the start, iteration, busy routes."""

    best_prize: float
    elapsed_s: float
    iteration: int
    routes_used: int


def solve(problem: Problem, params: SolveParams, progress: Callable[[Progress], None] | None = None, *,
          config: SearchConfig | None = None, polish: bool = True) -> Result:
    """Choose and order the tasks of every vehicle to maximise the prize served.

    ``params.time_limit_s`` bounds the wall time (seconds); ``params.max_iterations`` (if set) bounds
    the search's iterations and makes the result deterministic for ``params.seed``. ``progress`` is
    called with a :class:`Progress` on every new best plan and about every 0.5 s. ``config`` holds
    the search's tunables (default :class:`SearchConfig`: two worker processes); ``polish=False``
    skips the OR-Tools polish. The compiled parts are loaded (compiled, the first time after an
    install) before the clock starts.
    Raises :class:`~planner.core.errors.InputError` when a vehicle's ``allowed_nodes`` names a node
    that is not a task.
    """
    tasks = set(problem.tasks)
    for i, v in enumerate(problem.vehicles):
        if v.allowed_nodes is not None and not v.allowed_nodes <= tasks:
            bad = sorted(v.allowed_nodes - tasks)[:5]
            raise InputError(f"vehicle {i}: allowed_nodes {bad} are not task nodes")
    return _solve(problem, params, config or SearchConfig(), progress, use_ortools=polish)


@cache
def warm_up() -> None:
    """Load (the first time after an install or an edit: compile) the compiled search, once per process.

    Runs both search paths on two four-task problems built like real ones, so that every compiled
    function meets the argument types it will meet later.
    """
    points = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    travel = np.sqrt(((points[:, None] - points[None]) ** 2).sum(axis=2))
    free = np.column_stack([np.zeros(5), np.full(5, np.inf)])
    timed = free.copy()
    timed[2] = (3.0, 4.0)
    for window in (free, timed):
        problem = Problem(travel, np.zeros(5), np.array([0.0, 1, 2, 3, 4]), window,
                          (Vehicle(0, 0, 5.0), Vehicle(0, 0, 5.0)), frozenset({0}))
        inst = Instance.from_problem(problem)
        search = Search(inst, SearchConfig(workers=1), 0)
        search.run(search.construct(), 3, lambda: 0.0, lambda *_: None)


def _solve(
    problem: Problem,
    params: SolveParams,
    config: SearchConfig,
    progress: Callable[[Progress], None] | None,
    *,
    use_ortools: bool = True,
) -> Result:
    warm_up()
    t_start = time.perf_counter()
    stop_at = t_start + params.time_limit_s - _FINISH_S
    inst = Instance.from_problem(problem)
    deterministic = params.max_iterations is not None
    state = {"best": -1.0, "reported": t_start, "iteration": 0, "used": 0}

    def report(tours: list[Tour] | None, iteration: int) -> None:
        """Record ``tours`` if they are a new best; call ``progress`` on a new best or after 0.5 s."""
        now = time.perf_counter()
        better = tours is not None and plan_prize(inst, tours) > state["best"]
        if better:
            state.update(best=plan_prize(inst, tours), used=sum(1 for t in tours if t.nodes), iteration=iteration)
        if progress is not None and (better or now - state["reported"] >= 0.5):
            state["reported"] = now
            progress(Progress(state["best"], now - t_start, iteration, state["used"]))

    start = Search(inst, config, (params.seed, 0))
    tours = start.construct()
    report(tours, 0)

    # the polish only follows the Python search (windows): after the compiled one it never found more
    polishing = use_ortools and bool(problem.tasks) and problem.n_nodes <= _POLISH_MAX_NODES and not start.compiled(tours)
    polish_s = params.time_limit_s * _ORTOOLS_POLISH_SHARE if polishing else 0.0

    search_from = time.perf_counter()
    search_until = stop_at - polish_s

    def time_used() -> float:
        report(None, state["iteration"])
        return (time.perf_counter() - search_from) / max(search_until - search_from, 1e-9)

    tours, iterations, finished = _search_workers(inst, config, params, tours, search_until, time_used, report)
    cut_short = deterministic and not finished
    if polishing:
        # with max_iterations the polish stops on its solution count; the time left is only a cap
        left = max(stop_at - time.perf_counter(), 0.0)
        budget = left if deterministic else min(polish_s, left)
        capped: list[bool] = []
        routes = ortools_routes(
            problem, [t.nodes for t in tours], budget, _ORTOOLS_SOLUTIONS if deterministic else None, timed_out=capped
        )
        cut_short |= deterministic and any(capped)
        if routes is not None:
            other = [make_tour(inst, v, r) for v, r in enumerate(routes)]
            if all(t.feasible for t in other) and plan_key(inst, other) > plan_key(inst, tours):
                tours = other
                report(tours, iterations)
    routes_out = tuple(Route(v, tuple(verified(problem, v, t.nodes))) for v, t in enumerate(tours))
    prize = float(sum(problem.prize[list(r.nodes)].sum() for r in routes_out if r.nodes))
    return Result(routes=routes_out, prize=prize, iterations=iterations, runtime_s=time.perf_counter() - t_start,
                  cut_short=cut_short)


def _search_workers(
    inst: Instance,
    config: SearchConfig,
    params: SolveParams,
    start: list[Tour],
    until: float,
    time_used: Callable[[], float],
    on_best: Callable[[list[Tour], int], None],
) -> tuple[list[Tour], int, bool]:
    """Run ``config.workers`` searches from ``start`` with seeds ``(seed, k)``; best plan, total iterations,
    and whether every search ran its ``params.max_iterations`` (always True without it).

    Worker 0 runs here and reports progress; the others run in forked processes (or, where fork is
    unavailable or this is a daemonic worker process, one after another on a share of the time). Ties go to the lowest worker, so with
    ``max_iterations`` the outcome does not depend on timing or on the number of cores.
    """
    others = list(range(1, config.workers))
    forked = bool(others) and "fork" in mp.get_all_start_methods() and not mp.current_process().daemon
    final_until = until
    if not forked and others:
        until = time.perf_counter() + (until - time.perf_counter()) / config.workers
    jobs = []
    if forked:
        ctx = mp.get_context("fork")
        for k in others:
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker, args=(send, inst, config, params, start, k, until), daemon=True)
            proc.start()
            send.close()
            jobs.append((recv, proc))
    best, iterations = Search(inst, config, (params.seed, 0)).run(start, params.max_iterations, time_used, on_best)
    wanted = params.max_iterations
    finished = wanted is None or iterations >= wanted
    results = [best]
    if forked:
        for recv, proc in jobs:
            try:
                routes, its = recv.recv()
            except EOFError as exc:
                raise RuntimeError("a search worker process died") from exc
            proc.join()
            results.append([make_tour(inst, v, r) for v, r in enumerate(routes)])
            iterations += its
            finished &= wanted is None or its >= wanted
    else:
        for k in others:
            now = time.perf_counter()
            routes, its = _worker_run(inst, config, params, start, k, now + (final_until - now) / (config.workers - k))
            results.append([make_tour(inst, v, r) for v, r in enumerate(routes)])
            iterations += its
            finished &= wanted is None or its >= wanted
    keys = [plan_key(inst, r) for r in results]
    return results[max(range(len(results)), key=lambda i: (keys[i], -i))], iterations, finished


def _worker_run(
    inst: Instance, config: SearchConfig, params: SolveParams, start: list[Tour], k: int, until: float
) -> tuple[list[list[int]], int]:
    t0 = time.perf_counter()

    def used() -> float:
        return (time.perf_counter() - t0) / max(until - t0, 1e-9)

    best, its = Search(inst, config, (params.seed, k)).run(start, params.max_iterations, used, lambda *_: None)
    return [t.nodes for t in best], its


def _worker(
    conn: Connection, inst: Instance, config: SearchConfig, params: SolveParams, start: list[Tour], k: int, until: float
) -> None:
    conn.send(_worker_run(inst, config, params, start, k, until))
    conn.close()
