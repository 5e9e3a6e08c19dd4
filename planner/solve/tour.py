"""Routes as the search sees them: an instance's arrays, a tour with its schedule, insertion costs.

Real-valued seconds with the same schedule rules as :func:`planner.solve.problem.evaluate_route` (waiting
allowed, departure pushed for the first window, start and end depot service counted in the duration), so a
route accepted here is a route ``evaluate_route`` accepts. Insertion checks use the "max shift" bookkeeping
of Savelsbergh (the latest amount a visit may be delayed without breaking a later window or the duration
limit), made conservative where the departure moves; every change is re-scheduled exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from planner.solve.problem import Problem

__all__ = ["TOL_S", "Instance", "Tour", "copy_tour", "insertion_costs", "make_tour", "plan_key", "plan_prize",
           "schedule"]

TOL_S = 1e-9


@dataclass(frozen=True, eq=False)
class Instance:
    """Arrays of a :class:`Problem` in the shape the search wants. Seconds throughout."""

    travel: np.ndarray  # (classes, n, n)
    service: np.ndarray  # (classes, n)
    early: np.ndarray  # (n,)
    late: np.ndarray  # (n,)
    prize: np.ndarray  # (n,)
    v_start: np.ndarray  # (V,) start node
    v_end: np.ndarray  # (V,) end node
    v_class: np.ndarray  # (V,)
    v_max_s: np.ndarray  # (V,) duration limit
    v_start_s: np.ndarray  # (V,) earliest departure
    allowed: np.ndarray  # (V, n) bool: vehicle may serve node (depots and zero-prize tasks False)
    plain: bool  # no windows (earliest <= 0, latest inf): no waiting ever
    symmetric: bool  # plain and symmetric travel: 2-opt may reverse segments
    near: np.ndarray  # (n, k) nearest tasks of each node by first-class travel time

    @classmethod
    def from_problem(cls, problem: Problem, near_k: int = 20) -> Instance:
        """Extract the arrays of ``problem``; tasks with zero prize are never served."""
        n = problem.n_nodes
        vehicles = problem.vehicles
        allowed = np.zeros((len(vehicles), n), dtype=bool)
        tasks = np.array(problem.tasks, dtype=int)
        useful = tasks[problem.prize[tasks] > 0] if tasks.size else tasks
        for i, v in enumerate(vehicles):
            nodes = (
                useful if v.allowed_nodes is None else np.array([t for t in useful if t in v.allowed_nodes], dtype=int)
            )
            allowed[i, nodes] = True
        travel = problem.travel_s
        plain = bool(np.all(problem.window_s[:, 0] <= 0) and np.all(np.isinf(problem.window_s[:, 1])))
        symmetric = plain and all(np.array_equal(t, t.T) for t in travel)
        k = min(near_k, max(len(tasks) - 1, 0))
        near = np.zeros((n, k), dtype=int)
        if k and tasks.size:
            d = travel[0][:, tasks] + travel[0][tasks, :].T
            d[tasks, np.arange(len(tasks))] = np.inf
            near = tasks[np.argsort(d, axis=1, kind="stable")[:, :k]]
        return cls(
            travel=travel,
            service=problem.service_s,
            early=problem.window_s[:, 0],
            late=problem.window_s[:, 1],
            prize=problem.prize,
            v_start=np.array([v.start_node for v in vehicles], dtype=int),
            v_end=np.array([v.end_node for v in vehicles], dtype=int),
            v_class=np.array([v.cost_class for v in vehicles], dtype=int),
            v_max_s=np.array([v.max_duration_s for v in vehicles], dtype=float),
            v_start_s=np.array([v.start_s for v in vehicles], dtype=float),
            allowed=allowed,
            plain=plain,
            symmetric=symmetric,
            near=near,
        )


@dataclass
class Tour:
    """One vehicle's route with its exact schedule. Arrays are per position of ``seq`` (depots at both ends)."""

    vehicle: int
    nodes: list[int]
    seq: np.ndarray = field(init=False)
    arrive: np.ndarray = field(init=False)  # arrival time; at the start depot, departure minus its service
    leave: np.ndarray = field(init=False)  # time of leaving the position (service done)
    wait: np.ndarray = field(init=False)  # waiting before service
    max_shift: np.ndarray = field(init=False)  # latest delay of the arrival that keeps the route feasible
    depart: float = field(init=False)  # departure from the start depot, service there done
    duration: float = field(init=False)  # seconds, as evaluate_route counts them
    feasible: bool = field(init=False)


def schedule(inst: Instance, tour: Tour) -> Tour:
    """Fill in ``tour``'s schedule in place (earliest start, departure pushed for the first window)."""
    v = tour.vehicle
    c = inst.v_class[v]
    travel = inst.travel[c]
    service = inst.service[c]
    early, late = inst.early, inst.late
    s0, e0 = int(inst.v_start[v]), int(inst.v_end[v])
    nodes = tour.nodes
    m = len(nodes) + 2
    seq = np.empty(m, dtype=int)
    seq[0], seq[-1] = s0, e0
    seq[1:-1] = nodes
    depart = inst.v_start_s[v] + service[s0]
    if nodes:
        depart = max(depart, early[nodes[0]] - travel[s0, nodes[0]])
    limit = inst.v_max_s[v]
    # fast path: no waiting anywhere, so times are cumulative sums
    svc = service[seq]
    leave = np.empty(m)
    leave[0] = depart
    np.cumsum(travel[seq[:-1], seq[1:]] + svc[1:], out=leave[1:])
    leave[1:] += depart
    arrive = leave - svc
    arrive[0] = depart - svc[0]
    inner = seq[1:-1]
    duration = leave[-1] - arrive[0]
    if not math.isfinite(duration):  # an impossible leg
        tour.seq, tour.arrive, tour.leave, tour.wait, tour.max_shift = (
            seq,
            arrive,
            leave,
            np.zeros(m),
            np.full(m, -np.inf),
        )
        tour.depart, tour.duration, tour.feasible = depart, math.inf, False
        return tour
    if not np.any(early[inner] > arrive[1:-1]):
        own = np.empty(m - 1)
        own[:-1] = late[inner] - arrive[1:-1]
        own[-1] = limit - duration
        feasible = bool(own.min() >= -TOL_S)
        max_shift = np.empty(m)
        max_shift[1:] = np.minimum.accumulate(own[::-1])[::-1]
        max_shift[0] = max_shift[1]
        tour.seq, tour.arrive, tour.leave, tour.wait, tour.max_shift = seq, arrive, leave, np.zeros(m), max_shift
        tour.depart, tour.duration, tour.feasible = depart, duration, feasible
        return tour
    arrive = np.empty(m)
    leave = np.empty(m)
    wait = np.zeros(m)
    arrive[0] = depart - service[s0]
    leave[0] = depart
    feasible = True
    t = depart
    prev = s0
    for k, node in enumerate(nodes, start=1):
        t += travel[prev, node]
        arrive[k] = t
        begin = t if t >= early[node] else early[node]
        if begin > late[node] + TOL_S:
            feasible = False
        wait[k] = begin - t
        t = begin + service[node]
        leave[k] = t
        prev = node
    t += travel[prev, e0]
    arrive[-1] = t
    leave[-1] = t + service[e0]
    duration = leave[-1] - arrive[0]
    if not duration <= limit + TOL_S:
        feasible = False
    max_shift = np.empty(m)
    max_shift[-1] = limit - duration
    for k in range(m - 2, 0, -1):
        node = seq[k]
        begin = arrive[k] + wait[k]
        room = wait[k + 1] + max_shift[k + 1]
        own = late[node] - begin
        max_shift[k] = own if own < room else room
    max_shift[0] = wait[1] + max_shift[1] if m > 1 else max_shift[-1]
    tour.seq, tour.arrive, tour.leave, tour.wait, tour.max_shift = seq, arrive, leave, wait, max_shift
    tour.depart, tour.duration, tour.feasible = depart, duration, feasible
    return tour


def make_tour(inst: Instance, vehicle: int, nodes: list[int]) -> Tour:
    """A scheduled tour of ``vehicle`` over ``nodes``."""
    return schedule(inst, Tour(vehicle, list(nodes)))


def insertion_costs(inst: Instance, tour: Tour, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best feasible insertion of each candidate task into ``tour``.

    Returns (added seconds, position) per candidate; added is ``inf`` where no position is feasible.
    Position ``p`` means inserting before ``tour.nodes[p]``.
    """
    if cand.size == 0:
        return np.empty(0), np.empty(0, dtype=int)
    v = tour.vehicle
    if not tour.feasible and not tour.nodes:  # the empty route itself is impossible: try each task alone
        alone = [make_tour(inst, v, [int(u)]) for u in cand]
        return np.array([t.duration if t.feasible else np.inf for t in alone]), np.zeros(cand.size, dtype=int)
    c = inst.v_class[v]
    travel = inst.travel[c]
    service = inst.service[c]
    seq = tour.seq
    a, b = seq[:-1], seq[1:]
    if inst.plain:  # no windows: no waiting, the added time is the detour
        cost = travel[a][:, cand].T + travel[cand][:, b] + (service[cand][:, None] - travel[a, b][None, :])
        cost[~(cost <= tour.max_shift[1:][None, :] + TOL_S)] = np.inf
        pos = np.argmin(cost, axis=1)
        return cost[np.arange(cand.size), pos], pos
    u = cand[:, None]
    early_u = inst.early[cand][:, None]
    late_u = inst.late[cand][:, None]
    with np.errstate(invalid="ignore"):
        to_u = travel[a[None, :], u]
        arr_u = tour.leave[:-1][None, :] + to_u
        # position 0: departure may move with the new first window (evaluate_route's rule)
        s0 = seq[0]
        dep0 = np.maximum(inst.v_start_s[v] + service[s0], inst.early[cand] - travel[s0, cand])
        arr_u[:, 0] = dep0 + to_u[:, 0]
        start_u = np.maximum(arr_u, early_u)
        arr_b = start_u + service[cand][:, None] + travel[u, b[None, :]]
        shift = arr_b - tour.arrive[1:][None, :]
        delta = np.maximum(tour.depart - dep0, 0.0)
        shift[:, 0] = np.maximum(shift[:, 0], 0.0) + delta
        room = (tour.wait[1:] + tour.max_shift[1:])[None, :]
        ok = (start_u <= late_u + TOL_S) & (shift <= room + TOL_S) & np.isfinite(shift)
        ok[:, 0] &= delta <= tour.max_shift[-1] + TOL_S
        cost = np.where(ok, shift, np.inf)
    pos = np.argmin(cost, axis=1)
    best = cost[np.arange(cand.size), pos]
    return best, pos


def plan_prize(inst: Instance, tours: list[Tour]) -> float:
    """Total prize served by ``tours``."""
    return float(sum(inst.prize[t.nodes].sum() for t in tours if t.nodes))


def plan_key(inst: Instance, tours: list[Tour]) -> tuple[float, float]:
    """Lexicographic quality: more prize first, then less total duration."""
    return plan_prize(inst, tours), -sum(t.duration for t in tours if t.nodes)


def copy_tour(t: Tour) -> Tour:
    c = Tour(t.vehicle, list(t.nodes))
    c.seq, c.arrive, c.leave, c.wait, c.max_shift = t.seq, t.arrive, t.leave, t.wait, t.max_shift
    c.depart, c.duration, c.feasible = t.depart, t.duration, t.feasible
    return c
