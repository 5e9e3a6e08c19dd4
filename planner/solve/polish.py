"""OR-Tools routing: the polish of our search's best plan, and the stock model as a benchmark baseline.

OR-Tools needs integers: :func:`integer_scale` is the one place seconds become integers (rounded up, limits
down), and warns when the resolution gets coarse.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from planner.solve.problem import Problem, Result, Route, evaluate_route

__all__ = ["MAX_SCALED", "horizon_s", "integer_scale", "ortools_baseline", "ortools_routes", "verified"]

MAX_SCALED = 2_000_000_000


def integer_scale(problem: Problem) -> float:
    """Factor from seconds to OR-Tools integers: a power of ten keeping the horizon below ``MAX_SCALED``.

    Travel and service times are rounded up and limits down after scaling, so an integer-feasible
    route is real-feasible up to the re-check. Warns when one scaled unit exceeds a millisecond.
    """
    horizon = horizon_s(problem)
    exponent = math.floor(math.log10(MAX_SCALED / max(horizon, 1e-9)))
    scale = 10.0 ** min(exponent, 9)
    if scale < 1e3:
        warnings.warn(f"OR-Tools time resolution is {1 / scale:g} s for a {horizon:g} s horizon", stacklevel=2)
    return scale


def horizon_s(problem: Problem) -> float:
    ends = [v.start_s + v.max_duration_s for v in problem.vehicles]
    return max(max(ends), 1.0)


def verified(problem: Problem, vehicle: int, nodes: list[int]) -> list[int]:
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
    routes = ortools_routes(problem, None, time_limit_s, None, metaheuristic="GUIDED_LOCAL_SEARCH", tuned=False) or [
        [] for _ in problem.vehicles
    ]
    out = tuple(Route(v, tuple(verified(problem, v, r))) for v, r in enumerate(routes))
    prize = float(sum(problem.prize[list(r.nodes)].sum() for r in out if r.nodes))
    return Result(routes=out, prize=prize, iterations=0, runtime_s=time.perf_counter() - t_start)


def ortools_routes(
    problem: Problem,
    initial: list[list[int]] | None,
    time_s: float,
    solutions: int | None,
    *,
    metaheuristic: str = "GREEDY_DESCENT",
    tuned: bool = True,
    timed_out: list[bool] | None = None,
) -> list[list[int]] | None:
    """Solve (or improve ``initial``) with OR-Tools routing; task lists per vehicle, or ``None``.

    ``timed_out``, when given, gets whether the search ran into ``time_s`` (rather than stopping on
    ``solutions`` or a local optimum).

    The model: arc cost = scaled travel of the vehicle's class; a disjunction per task with penalty
    = prize x a factor above any possible total travel; a time dimension (service + travel, waiting
    as slack) with windows on service start, ``start_s`` on the start cumul and the duration limit
    minus the end depot's service as the span bound.
    """
    if time_s <= 0.01:
        if timed_out is not None:
            timed_out.append(True)
        return None
    scale = integer_scale(problem)
    n = problem.n_nodes
    vehicles = problem.vehicles
    nv = len(vehicles)
    horizon = math.floor(horizon_s(problem) * scale)
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
    began = time.perf_counter()
    if initial is None:
        solution = routing.SolveWithParameters(search)
    else:
        routing.CloseModelWithParameters(search)
        start = routing.ReadAssignmentFromRoutes([[manager.NodeToIndex(x) for x in r] for r in initial], True)
        if start is None:
            return None
        solution = routing.SolveFromAssignmentWithParameters(start, search)
    if timed_out is not None:
        timed_out.append(time.perf_counter() - began >= 0.98 * time_s)
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
