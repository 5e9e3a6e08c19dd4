"""The optimiser's problem and result types: our own seam around OR-Tools.

A :class:`Problem` is the team-orienteering core of a plan: nodes (depots and tasks), one travel-time
matrix per cost class (aircraft type / wind / altitude), service times, prizes, time windows and
vehicles with a route-duration limit. It carries no geometry and no OR-Tools types; ``planner.optimise``
turns it into a :class:`Result`. All times are in seconds from the mission start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from planner.core.errors import InputError

__all__ = ["Problem", "Result", "Route", "RouteEval", "SolveParams", "Vehicle", "evaluate_route"]


@dataclass(frozen=True)
class Vehicle:
    """One aircraft sortie.

    ``max_duration_s`` bounds the route from leaving ``start_node`` to arriving at ``end_node``,
    service and waiting included. ``allowed_nodes`` are the task nodes it may serve (``None``: all).
    ``start_s`` is the earliest time it may leave its start node.
    """

    start_node: int
    end_node: int
    max_duration_s: float
    cost_class: int = 0
    allowed_nodes: frozenset[int] | None = None
    start_s: float = 0.0

    def __post_init__(self) -> None:
        if not (self.max_duration_s >= 0 and math.isfinite(self.max_duration_s)):
            raise InputError(f"vehicle max_duration_s must be finite and >= 0, got {self.max_duration_s}")
        if self.start_s < 0 or not math.isfinite(self.start_s):
            raise InputError(f"vehicle start_s must be finite and >= 0, got {self.start_s}")

    def may_serve(self, node: int) -> bool:
        """Whether this vehicle may serve task ``node``."""
        return self.allowed_nodes is None or node in self.allowed_nodes


@dataclass(frozen=True, eq=False)
class Problem:
    """Prize-collecting multi-vehicle routing problem with duration limits and time windows.

    Shapes: ``travel_s`` (classes, n, n) seconds, ``inf`` where a move is impossible;
    ``service_s`` (classes, n) seconds; ``prize`` (n,) >= 0; ``window_s`` (n, 2) earliest and latest
    start of service in seconds (``0, inf`` for none). Nodes in ``depots`` are route ends, never tasks.
    """

    travel_s: np.ndarray
    service_s: np.ndarray
    prize: np.ndarray
    window_s: np.ndarray
    vehicles: tuple[Vehicle, ...]
    depots: frozenset[int]
    tasks: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        travel = np.asarray(self.travel_s, dtype=float)
        if travel.ndim == 2:
            travel = travel[None, :, :]
        n = travel.shape[1]
        service = np.asarray(self.service_s, dtype=float)
        if service.ndim == 1:
            service = service[None, :]
        prize = np.asarray(self.prize, dtype=float)
        window = np.asarray(self.window_s, dtype=float)
        if travel.ndim != 3 or travel.shape[2] != n:
            raise InputError(f"travel_s must be (classes, n, n), got {travel.shape}")
        if service.shape != (travel.shape[0], n):
            raise InputError(f"service_s must be {(travel.shape[0], n)}, got {service.shape}")
        if prize.shape != (n,) or window.shape != (n, 2):
            raise InputError(f"prize must be ({n},) and window_s ({n}, 2)")
        if np.isnan(travel).any() or (travel < 0).any():
            raise InputError("travel_s must be >= 0 (inf for impossible), without NaN")
        if not np.isfinite(service).all() or (service < 0).any():
            raise InputError("service_s must be finite and >= 0")
        if not np.isfinite(prize).all() or (prize < 0).any():
            raise InputError("prize must be finite and >= 0")
        if np.isnan(window).any() or (window[:, 0] > window[:, 1]).any():
            raise InputError("every window_s row must be (earliest <= latest)")
        if not self.vehicles:
            raise InputError("a problem needs at least one vehicle")
        for v in self.vehicles:
            if v.start_node not in self.depots or v.end_node not in self.depots:
                raise InputError("vehicle start and end nodes must be depots")
            if not 0 <= v.cost_class < travel.shape[0]:
                raise InputError(f"vehicle cost_class {v.cost_class} out of range")
        if any(not 0 <= d < n for d in self.depots):
            raise InputError("depot index out of range")
        for name, arr in (("travel_s", travel), ("service_s", service), ("prize", prize), ("window_s", window)):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "tasks", tuple(i for i in range(n) if i not in self.depots))

    @property
    def n_nodes(self) -> int:
        """Number of nodes, depots included."""
        return int(self.prize.shape[0])


@dataclass(frozen=True)
class SolveParams:
    """How long and how the optimiser searches.

    ``max_iterations`` (when set) makes the result depend only on inputs and ``seed``; the time
    limit is then a safety cap only.
    """

    time_limit_s: float = 30.0
    seed: int = 0
    max_iterations: int | None = None

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            raise InputError(f"solver time limit must be > 0 s, got {self.time_limit_s}")
        if self.max_iterations is not None and self.max_iterations < 0:
            raise InputError("solver max_iterations must be >= 0")


@dataclass(frozen=True)
class Route:
    """Task nodes one vehicle serves, in visit order (depots not listed)."""

    vehicle: int
    nodes: tuple[int, ...]


@dataclass(frozen=True)
class Result:
    """What the optimiser returns: one route per vehicle, in vehicle order.

    ``cut_short`` is True when ``max_iterations`` was set but the time limit stopped the search (or
    the OR-Tools polish) before it finished: the routes then depend on the machine's speed.
    """

    routes: tuple[Route, ...]
    prize: float
    iterations: int
    runtime_s: float
    cut_short: bool = False


@dataclass(frozen=True)
class RouteEval:
    """Timing of a route flown as early as windows allow. Times in seconds from mission start."""

    feasible: bool
    reason: str
    arrival_s: tuple[float, ...]
    service_start_s: tuple[float, ...]
    end_s: float
    duration_s: float
    prize: float


def evaluate_route(problem: Problem, vehicle_index: int, nodes: tuple[int, ...] | list[int]) -> RouteEval:
    """Fly ``nodes`` with vehicle ``vehicle_index`` on paper: earliest-start schedule and feasibility.

    The route leaves its start depot at ``start_s`` (later if waiting there lets it meet the first
    window without idling: departure is pushed as late as the first window needs).
    """
    v = problem.vehicles[vehicle_index]
    travel = problem.travel_s[v.cost_class]
    service = problem.service_s[v.cost_class]
    seen: set[int] = set()
    for node in nodes:
        if node in problem.depots:
            return RouteEval(False, f"node {node} is a depot", (), (), math.inf, math.inf, 0.0)
        if node in seen:
            return RouteEval(False, f"node {node} visited twice", (), (), math.inf, math.inf, 0.0)
        if not v.may_serve(node):
            return RouteEval(False, f"vehicle may not serve node {node}", (), (), math.inf, math.inf, 0.0)
        seen.add(node)
    depart = v.start_s + float(service[v.start_node])
    if nodes:
        first = nodes[0]
        depart = max(depart, float(problem.window_s[first, 0]) - float(travel[v.start_node, first]))
    t = depart
    arrivals: list[float] = []
    starts: list[float] = []
    prev = v.start_node
    for node in nodes:
        t += float(travel[prev, node])
        arrivals.append(t)
        begin = max(t, float(problem.window_s[node, 0]))
        if begin > problem.window_s[node, 1] + 1e-6:
            return RouteEval(False, f"window of node {node} missed", tuple(arrivals), tuple(starts), math.inf, math.inf, 0.0)
        starts.append(begin)
        t = begin + float(service[node])
        prev = node
    t += float(travel[prev, v.end_node]) + float(service[v.end_node])
    end = t
    duration = end - (depart - float(service[v.start_node]))
    prize = float(sum(problem.prize[n] for n in nodes))
    if not math.isfinite(end):
        return RouteEval(False, "a leg is impossible", tuple(arrivals), tuple(starts), end, duration, 0.0)
    if duration > v.max_duration_s + 1e-6:
        return RouteEval(False, "duration over limit", tuple(arrivals), tuple(starts), end, duration, prize)
    return RouteEval(True, "", tuple(arrivals), tuple(starts), end, duration, prize)
