"""The optimiser: which vehicle serves which tasks in which order (the only module importing OR-Tools).

:func:`solve` takes a :class:`~planner.problem.Problem` and returns a :class:`~planner.problem.Result`.
The search has three phases:

1. Start: greedy parallel insertion by prize per added second (:mod:`planner._search`).
2. Destroy-and-repair with simulated-annealing acceptance, one seed per worker process.
3. Polish: OR-Tools routing (greedy descent with its swap-active, exchange-and-make-active and
   or-opt operators) from the best plan; kept only if it serves more.

Every route returned passes :func:`~planner.problem.evaluate_route`; a route that would not is
repaired by dropping tasks. With ``SolveParams.max_iterations`` set, the result depends only on the
problem and the seed (OR-Tools phases are then bounded by solution counts, the time limit only caps).

Two CP-SAT models live here too: :func:`solve_set_cover` (the fewest shared orbits seeing every
target, :mod:`planner.orbit_layout`) and :func:`solve_relief` (relief schedules on station,
:mod:`planner.relief`).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from planner.core.errors import InputError
from planner.solve.problem import Problem, Result, Route, SolveParams, evaluate_route
from planner.solve.search import Instance, Search, SearchConfig, Tour, make_tour, plan_key, plan_prize

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

    from planner.planning.relief import Launch, ReliefProblem

__all__ = ["Progress", "SearchConfig", "integer_scale", "ortools_baseline", "solve", "solve_relief", "solve_set_cover"]

MAX_SCALED = 2_000_000_000
"""Largest scaled time (horizon) we let OR-Tools see; keeps penalties far inside int64."""

_ORTOOLS_POLISH_SHARE = 0.05  # share of the time limit for the OR-Tools polish
_ORTOOLS_SOLUTIONS = 200  # solution limit of the OR-Tools polish when max_iterations is set
_POLISH_MAX_NODES = 600  # above this, building the OR-Tools model costs more than its polish gains
_FINISH_S = 0.05  # seconds kept back for verification
_RELIEF_DETERMINISTIC = 0.5  # most deterministic time a relief schedule gets (about 1 s of wall here)
_SET_COVER_S = 20.0  # CP-SAT budget of one orbit layout: half of it in deterministic time (a few s here)


@dataclass(frozen=True)
class Progress:
    """A report on the search: best prize so far, seconds since the start, iteration, busy routes."""

    best_prize: float
    elapsed_s: float
    iteration: int
    routes_used: int


def integer_scale(problem: Problem) -> float:
    """Factor from seconds to OR-Tools integers: a power of ten keeping the horizon below ``MAX_SCALED``.

    Travel and service times are rounded up and limits down after scaling, so an integer-feasible
    route is real-feasible up to the re-check. Warns when one scaled unit exceeds a millisecond.
    """
    horizon = _horizon_s(problem)
    exponent = math.floor(math.log10(MAX_SCALED / max(horizon, 1e-9)))
    scale = 10.0 ** min(exponent, 9)
    if scale < 1e3:
        warnings.warn(f"OR-Tools time resolution is {1 / scale:g} s for a {horizon:g} s horizon", stacklevel=2)
    return scale


def _horizon_s(problem: Problem) -> float:
    ends = [v.start_s + v.max_duration_s for v in problem.vehicles]
    return max(max(ends), 1.0)


def solve(problem: Problem, params: SolveParams, progress: Callable[[Progress], None] | None = None) -> Result:
    """Choose and order the tasks of every vehicle to maximise the prize served.

    ``params.time_limit_s`` bounds the wall time (seconds); ``params.max_iterations`` (if set) bounds
    the destroy-and-repair iterations and makes the result deterministic for ``params.seed``.
    ``progress`` is called with a :class:`Progress` on every new best plan and about every 0.5 s.
    Raises :class:`~planner.errors.InputError` when a vehicle's ``allowed_nodes`` names a node that
    is not a task.
    """
    tasks = set(problem.tasks)
    for i, v in enumerate(problem.vehicles):
        if v.allowed_nodes is not None and not v.allowed_nodes <= tasks:
            bad = sorted(v.allowed_nodes - tasks)[:5]
            raise InputError(f"vehicle {i}: allowed_nodes {bad} are not task nodes")
    return _solve(problem, params, SearchConfig(), progress)


def _solve(
    problem: Problem,
    params: SolveParams,
    config: SearchConfig,
    progress: Callable[[Progress], None] | None,
    *,
    use_ortools: bool = True,
) -> Result:
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

    tours = Search(inst, config, (params.seed, 0)).construct()
    report(tours, 0)

    polishing = use_ortools and bool(problem.tasks) and problem.n_nodes <= _POLISH_MAX_NODES
    polish_s = params.time_limit_s * _ORTOOLS_POLISH_SHARE if polishing else 0.0

    search_from = time.perf_counter()
    search_until = stop_at - polish_s

    def time_used() -> float:
        report(None, state["iteration"])
        return (time.perf_counter() - search_from) / max(search_until - search_from, 1e-9)

    tours, iterations = _search_workers(inst, config, params, tours, search_until, time_used, report)
    if polishing:
        budget = max(min(polish_s, stop_at - time.perf_counter()), 0.0)
        routes = _ortools_routes(
            problem, [t.nodes for t in tours], budget, _ORTOOLS_SOLUTIONS if deterministic else None
        )
        if routes is not None:
            other = [make_tour(inst, v, r) for v, r in enumerate(routes)]
            if all(t.feasible for t in other) and plan_key(inst, other) > plan_key(inst, tours):
                tours = other
                report(tours, iterations)
    routes_out = tuple(Route(v, tuple(_verified(problem, v, t.nodes))) for v, t in enumerate(tours))
    prize = float(sum(problem.prize[list(r.nodes)].sum() for r in routes_out if r.nodes))
    return Result(routes=routes_out, prize=prize, iterations=iterations, runtime_s=time.perf_counter() - t_start)


def _search_workers(
    inst: Instance,
    config: SearchConfig,
    params: SolveParams,
    start: list[Tour],
    until: float,
    time_used: Callable[[], float],
    on_best: Callable[[list[Tour], int], None],
) -> tuple[list[Tour], int]:
    """Run ``config.workers`` searches from ``start`` with seeds ``(seed, k)``; best plan, total iterations.

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
    else:
        for k in others:
            now = time.perf_counter()
            routes, its = _worker_run(inst, config, params, start, k, now + (final_until - now) / (config.workers - k))
            results.append([make_tour(inst, v, r) for v, r in enumerate(routes)])
            iterations += its
    keys = [plan_key(inst, r) for r in results]
    return results[max(range(len(results)), key=lambda i: (keys[i], -i))], iterations


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


def _verified(problem: Problem, vehicle: int, nodes: list[int]) -> list[int]:
    """``nodes`` if ``evaluate_route`` accepts them, else the route after dropping the fewest-prize tasks."""
    nodes = list(nodes)
    while nodes and not evaluate_route(problem, vehicle, nodes).feasible:
        options = [nodes[:k] + nodes[k + 1 :] for k in range(len(nodes))]
        feasible = [o for o in options if evaluate_route(problem, vehicle, o).feasible]
        if feasible:
            return max(feasible, key=lambda o: float(problem.prize[o].sum()) if o else 0.0)
        nodes.pop()
    return nodes


def ortools_baseline(problem: Problem, time_limit_s: float) -> Result:
    """The stock OR-Tools model (cheapest-arc start, guided local search), for benchmarks only.

    Same model as our polish; routes are repaired by dropping tasks if the real-valued
    re-check fails.
    """
    t_start = time.perf_counter()
    routes = _ortools_routes(problem, None, time_limit_s, None, metaheuristic="GUIDED_LOCAL_SEARCH", tuned=False) or [
        [] for _ in problem.vehicles
    ]
    out = tuple(Route(v, tuple(_verified(problem, v, r))) for v, r in enumerate(routes))
    prize = float(sum(problem.prize[list(r.nodes)].sum() for r in out if r.nodes))
    return Result(routes=out, prize=prize, iterations=0, runtime_s=time.perf_counter() - t_start)


def _ortools_routes(
    problem: Problem,
    initial: list[list[int]] | None,
    time_s: float,
    solutions: int | None,
    *,
    metaheuristic: str = "GREEDY_DESCENT",
    tuned: bool = True,
) -> list[list[int]] | None:
    """Solve (or improve ``initial``) with OR-Tools routing; task lists per vehicle, or ``None``.

    The model: arc cost = scaled travel of the vehicle's class; a disjunction per task with penalty
    = prize x a factor above any possible total travel; a time dimension (service + travel, waiting
    as slack) with windows on service start, ``start_s`` on the start cumul and the duration limit
    minus the end depot's service as the span bound.
    """
    if time_s <= 0.01:
        return None
    scale = integer_scale(problem)
    n = problem.n_nodes
    vehicles = problem.vehicles
    nv = len(vehicles)
    horizon = math.floor(_horizon_s(problem) * scale)
    big = horizon + 1
    manager = pywrapcp.RoutingIndexManager(n, nv, [v.start_node for v in vehicles], [v.end_node for v in vehicles])
    routing = pywrapcp.RoutingModel(manager)
    n_classes = problem.travel_s.shape[0]
    arc_cb: list[int] = []
    time_cb: list[int] = []
    for c in range(n_classes):
        travel = _to_int(problem.travel_s[c], scale, big)
        service = _to_int(problem.service_s[c], scale, big)
        arc_cb.append(routing.RegisterTransitMatrix(travel.tolist()))
        time_cb.append(routing.RegisterTransitMatrix(np.minimum(travel + service[:, None], big).tolist()))
    for i, v in enumerate(vehicles):
        routing.SetArcCostEvaluatorOfVehicle(arc_cb[v.cost_class], i)
    routing.AddDimensionWithVehicleTransits([time_cb[v.cost_class] for v in vehicles], horizon, horizon, False, "time")
    dim = routing.GetDimensionOrDie("time")
    for i, v in enumerate(vehicles):
        dim.CumulVar(routing.Start(i)).SetMin(math.ceil(v.start_s * scale))
        end_service = float(problem.service_s[v.cost_class, v.end_node])
        dim.SetSpanUpperBoundForVehicle(max(math.floor((v.max_duration_s - end_service) * scale), 0), i)
    positive = problem.prize[list(problem.tasks)] if problem.tasks else np.zeros(0)
    positive = positive[positive > 0]
    if positive.size == 0:
        return None
    factor = nv * (horizon + 1) / float(positive.min())
    if float(positive.max()) * factor * n >= 2**62:
        warnings.warn("prizes span too wide a range for OR-Tools penalties; skipping OR-Tools", stacklevel=2)
        return None
    depot_nodes = set(problem.depots)
    for node in range(n):
        if node in depot_nodes:
            if not any(node in (v.start_node, v.end_node) for v in vehicles):
                index = manager.NodeToIndex(node)
                routing.AddDisjunction([index], 0)
                routing.ActiveVar(index).SetValue(0)
            continue
        index = manager.NodeToIndex(node)
        prize = float(problem.prize[node])
        allowed = [i for i, v in enumerate(vehicles) if v.may_serve(node)]
        routing.AddDisjunction([index], math.ceil(prize * factor))
        if prize <= 0 or not allowed:
            routing.ActiveVar(index).SetValue(0)
            continue
        if len(allowed) < nv:
            routing.VehicleVar(index).SetValues([-1, *allowed])  # SetAllowedVehiclesForIndex binding is broken in 9.15
        early, late = problem.window_s[node]
        lo = math.ceil(early * scale)
        hi = horizon if not math.isfinite(late) else math.floor(late * scale)
        if lo > min(hi, horizon):
            routing.ActiveVar(index).SetValue(0)
            continue
        dim.CumulVar(index).SetRange(lo, min(hi, horizon))
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    search.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, metaheuristic)
    if tuned:
        ops = search.local_search_operators
        ops.use_extended_swap_active = pywrapcp.BOOL_TRUE
        ops.use_relocate_and_make_active = pywrapcp.BOOL_TRUE
        ops.use_exchange_and_make_active = pywrapcp.BOOL_TRUE
        ops.use_or_opt = pywrapcp.BOOL_TRUE
    search.time_limit.FromMilliseconds(max(int(time_s * 1000), 1))
    if solutions is not None:
        search.solution_limit = solutions
    if initial is None:
        solution = routing.SolveWithParameters(search)
    else:
        routing.CloseModelWithParameters(search)
        start = routing.ReadAssignmentFromRoutes([[manager.NodeToIndex(x) for x in r] for r in initial], True)
        if start is None:
            return None
        solution = routing.SolveFromAssignmentWithParameters(start, search)
    if solution is None:
        return None
    routes: list[list[int]] = []
    for i in range(nv):
        index = solution.Value(routing.NextVar(routing.Start(i)))
        nodes: list[int] = []
        while not routing.IsEnd(index):
            nodes.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        routes.append(nodes)
    return routes


def _to_int(seconds: np.ndarray, scale: float, big: int) -> np.ndarray:
    """Seconds to OR-Tools integers: scaled, rounded up, ``inf`` and overflow capped at ``big``."""
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.ceil(np.where(np.isfinite(seconds), seconds, 0.0) * scale)
    scaled = np.where(np.isfinite(seconds), np.minimum(scaled, big), big)
    return scaled.astype(np.int64)


def _cp_solver(seed: int, *, wall_s: float, deterministic_s: float | None = None,
               workers: int = 2) -> cp_model.CpSolver:
    """A CP-SAT solver with ``workers`` workers stopped after ``wall_s`` seconds; with ``deterministic_s``
    it stops on that deterministic time instead (several workers interleaved in a fixed order, so the
    answer does not depend on the machine's speed; ``wall_s`` is then only a cap for a slow machine)."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = wall_s
    if deterministic_s is not None:
        solver.parameters.interleave_search = workers > 1
        solver.parameters.max_deterministic_time = deterministic_s
    return solver


def solve_set_cover(sets: list[np.ndarray], n: int, start: list[int]) -> tuple[list[int], bool]:
    """The fewest of ``sets`` (arrays of element indices < ``n``) covering every element, by CP-SAT.

    ``start`` (a cover) is the hint. Elements no set links split into independent components (targets
    too far apart to share an orbit), each solved on its own with a share of the deterministic budget
    ``_SET_COVER_S`` by its size. Returns the chosen set indices and whether they are proved the fewest;
    a component keeps its part of ``start`` when CP-SAT finds nothing better within its budget.
    """
    label = _components(sets, n)
    if label is None:
        return list(start), False  # an element no set covers: nothing to prove
    of_set = np.array([label[int(members[0])] if len(members) else -1 for members in sets])
    per_comp = {int(c): [k for k in start if of_set[k] == c] for c in np.unique(label)}
    hard = {c: np.flatnonzero(label == c) for c, mine in per_comp.items() if len(mine) > 1}
    spread = sum(len(e) for e in hard.values())
    chosen = [k for c, mine in per_comp.items() if c not in hard for k in mine]
    proved = True
    for c, elements in hard.items():
        ks = np.flatnonzero(of_set == c)
        budget = max(0.05, _SET_COVER_S / 2 * len(elements) / spread)
        part, ok = _cover_component([sets[k] for k in ks], elements,
                                    [int(np.searchsorted(ks, k)) for k in per_comp[c]], budget)
        chosen.extend(int(ks[j]) for j in part)
        proved &= ok
    return sorted(chosen), proved


def _components(sets: list[np.ndarray], n: int) -> np.ndarray | None:
    """Component label of each element (elements sharing a set are linked); None if one is in no set."""
    if n == 0:
        return np.zeros(0, np.int64)
    elem = np.concatenate([np.asarray(m, np.int64) for m in sets]) if sets else np.zeros(0, np.int64)
    owner = np.repeat(np.arange(len(sets)), [len(m) for m in sets])
    if len(np.unique(elem)) < n:
        return None
    label = np.arange(n)
    while True:  # label propagation: each set takes its smallest member label, each element its sets' smallest
        per_set = np.full(len(sets), n)
        np.minimum.at(per_set, owner, label[elem])
        new = label.copy()
        np.minimum.at(new, elem, per_set[owner])
        if np.array_equal(new, label):
            return label
        label = new


def _cover_component(sets: list[np.ndarray], elements: np.ndarray, start: list[int],
                     budget: float) -> tuple[list[int], bool]:
    """CP-SAT set cover of ``elements`` by ``sets`` (all within one component), hinted with ``start``."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    pick = [model.NewBoolVar(f"s{k}") for k in range(len(sets))]
    covering: dict[int, list[int]] = {int(i): [] for i in elements}
    for k, members in enumerate(sets):
        for i in members:
            covering[int(i)].append(k)
    for i, ks in covering.items():
        model.AddBoolOr([pick[k] for k in ks]).WithName(f"cover{i}")
    model.Add(sum(pick) <= len(start))
    chosen = set(start)
    for k, b in enumerate(pick):
        model.AddHint(b, k in chosen)
    model.Minimize(sum(pick))
    solver = _cp_solver(0, wall_s=max(10.0, 8 * budget), deterministic_s=budget, workers=1)
    solver.parameters.linearization_level = 2  # the LP relaxation: strong bounds on set covers
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return list(start), False
    return [k for k, b in enumerate(pick) if solver.Value(b)], status == cp_model.OPTIMAL


def solve_relief(problem: ReliefProblem, params: SolveParams, *, hint: Sequence[Launch] = (),
                 coverage_only: bool = False) -> list[Launch]:
    """CP-SAT relief schedule: each aircraft's sorties (orbit and launch minute), priority-weighted coverage.

    Each aircraft has up to K sortie slots, K from the horizon over its shortest launch-to-relaunch cycle.
    A sortie flying option (aircraft, orbit) occupies the aircraft from launch to landing plus turnaround
    (no overlap per aircraft) and may credit the orbit with a span inside [arrival + handover, departure]
    and inside the window; credited spans of one orbit do not overlap, so their lengths add up to covered
    time (a lower bound of :func:`planner.relief.coverage_of`). Maximises priority-weighted credited
    minutes, then (unless ``coverage_only``) the fewest sorties. ``hint`` (e.g. the rotation) seeds the
    search. With ``params.max_iterations`` set the result is deterministic (two interleaved workers on a small
    deterministic-time budget, at most ``_RELIEF_DETERMINISTIC``); without it they run for the time limit.
    """
    from ortools.sat.python import cp_model

    from planner.planning.relief import STEP_S, Launch, busy_steps

    handover = math.ceil(problem.handover_s / STEP_S - 1e-9)
    windows = [(math.ceil(a / STEP_S - 1e-9), math.floor(b / STEP_S + 1e-9)) for a, b in problem.windows]
    horizon = max((w1 for _, w1 in windows), default=0)
    by_aircraft: dict[int, list[int]] = {}
    for i, opt in enumerate(problem.options):
        by_aircraft.setdefault(opt.aircraft, []).append(i)
    credit_hint = _credit_hints(problem, hint, windows, handover)
    model = cp_model.CpModel()
    credits: dict[int, list[cp_model.IntervalVar]] = {}
    objective = []
    sorties = []
    picks: list[tuple[int, cp_model.IntVar, cp_model.IntVar]] = []  # (option, chosen, launch)
    for a, options in sorted(by_aircraft.items()):
        k_max = horizon // max(1, min(busy_steps(problem.options[i]) for i in options)) + 1
        mine = sorted((x for x in hint if x.aircraft == a), key=lambda x: x.launch_s)
        busy: list[cp_model.IntervalVar] = []
        prev: tuple[cp_model.IntVar, cp_model.IntVar] | None = None
        for j in range(k_max):
            launch = model.NewIntVar(0, horizon, f"L{a}_{j}")
            used = model.NewBoolVar(f"u{a}_{j}")
            hinted = mine[j] if j < len(mine) else None
            model.AddHint(used, hinted is not None)
            if hinted is not None:
                model.AddHint(launch, round(hinted.launch_s / STEP_S))
            choice = []
            for i in options:
                opt = problem.options[i]
                w0, w1 = windows[opt.orbit]
                arrive = math.ceil(opt.out_s / STEP_S - 1e-9)
                depart = math.floor((opt.out_s + opt.station_s) / STEP_S + 1e-9)
                x = model.NewBoolVar(f"x{a}_{j}_{i}")
                c = model.NewBoolVar(f"c{a}_{j}_{i}")  # this sortie credits its orbit
                choice.append(x)
                model.AddImplication(c, x)
                busy.append(model.NewOptionalFixedSizeIntervalVar(launch, busy_steps(opt), x, f"b{a}_{j}_{i}"))
                start = model.NewIntVar(w0, w1, f"s{a}_{j}_{i}")
                end = model.NewIntVar(w0, w1, f"e{a}_{j}_{i}")
                length = model.NewIntVar(0, w1 - w0, f"n{a}_{j}_{i}")
                model.Add(start >= launch + arrive + handover).OnlyEnforceIf(c)
                model.Add(end <= launch + depart).OnlyEnforceIf(c)
                model.Add(length == 0).OnlyEnforceIf(c.Not())
                credits.setdefault(opt.orbit, []).append(model.NewOptionalIntervalVar(start, length, end, c, f"c{a}_{j}_{i}"))
                objective.append(max(1, round(problem.weights[opt.orbit] * 100)) * length)
                picks.append((i, x, launch))
                on = hinted is not None and hinted.orbit == opt.orbit
                span = credit_hint.get(hinted) if on and hinted is not None else None
                model.AddHint(x, on)
                model.AddHint(c, span is not None)
                s_h, e_h = span if span is not None else (w0, w0)
                model.AddHint(start, s_h)
                model.AddHint(end, e_h)
                model.AddHint(length, e_h - s_h)
            model.AddExactlyOne([used.Not(), *choice])
            sorties.append(used)
            if prev is not None:  # slots in launch order, used ones first
                model.Add(launch >= prev[0])
                model.AddImplication(used, prev[1])
            prev = (launch, used)
        model.AddNoOverlap(busy)
    for intervals in credits.values():
        model.AddNoOverlap(intervals)
    covered = sum(objective)
    model.Maximize(covered if coverage_only else covered * (len(sorties) + 1) - sum(sorties))
    if params.max_iterations is None:
        solver = _cp_solver(params.seed, wall_s=params.time_limit_s)
    else:  # deterministic: a small deterministic-time budget; interleaved workers overshoot it several-fold
        solver = _cp_solver(params.seed, wall_s=2 * params.time_limit_s + 5.0,
                            deterministic_s=min(params.time_limit_s / 8, _RELIEF_DETERMINISTIC))
    solver.parameters.repair_hint = True
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return []
    out = []
    for i, x, launch in picks:
        if solver.Value(x):
            opt = problem.options[i]
            t = solver.Value(launch) * STEP_S
            out.append(Launch(opt.aircraft, opt.orbit, t, t + opt.out_s, t + opt.out_s + opt.station_s,
                              t + opt.out_s + opt.station_s + opt.back_s))
    return sorted(out, key=lambda x: (x.launch_s, x.aircraft))


def _credit_hints(problem: ReliefProblem, launches: Sequence[Launch], windows: list[tuple[int, int]],
                  handover: int) -> dict[Launch, tuple[int, int]]:
    """Credited (start, end) steps of each hinted launch as :func:`solve_relief` models them: inside
    arrival + handover to departure and the window, after the orbit's previous credit; none if empty."""
    from planner.planning.relief import STEP_S

    out: dict[Launch, tuple[int, int]] = {}
    last: dict[int, int] = {}
    for x in sorted(launches, key=lambda x: (x.arrive_s, x.aircraft)):
        opt = next(o for o in problem.options if o.aircraft == x.aircraft and o.orbit == x.orbit)
        launch = round(x.launch_s / STEP_S)
        w0, w1 = windows[x.orbit]
        start = max(launch + math.ceil(opt.out_s / STEP_S - 1e-9) + handover, w0, last.get(x.orbit, w0))
        end = min(launch + math.floor((opt.out_s + opt.station_s) / STEP_S + 1e-9), w1)
        if end > start:
            out[x] = (start, end)
            last[x.orbit] = end
    return out
