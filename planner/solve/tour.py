"""Routes as the search sees them: an instance's arrays, a tour with its schedule, insertion costs.

Real-valued seconds with the same schedule rules as :func:`planner.solve.problem.evaluate_route` (waiting
allowed, departure pushed for the first window, start and end depot service counted in the duration), so a
route accepted here is a route ``evaluate_route`` accepts. Insertion checks use the "max shift" bookkeeping
of Savelsbergh (the latest amount a visit may be delayed without breaking a later window or the duration
limit), made conservative where the departure moves; every change is re-scheduled exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.solve import kernels
from planner.solve.problem import Problem

__all__ = ["TOL_S", "Instance", "Tour", "copy_tour", "insertion_costs", "make_tour", "pack", "plan_key", "plan_prize",
           "schedule", "unpack"]

TOL_S = kernels.TOL_S


@dataclass(frozen=True, eq=False)
class Instance:
    """Arrays of a :class:`Problem` in the shape the search wants. Seconds throughout."""

    travel: np.ndarray  # (classes, n, n)
    travel_t: np.ndarray  # (classes, n, n): travel transposed, contiguous (row b = times into b)
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
    near: np.ndarray  # (n, k) nearest other tasks of each node by first-class travel time (there and back)
    servable: np.ndarray  # tasks some vehicle may serve

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
        near = np.zeros((n, k), dtype=np.int64)
        if k and tasks.size:
            d = travel[0][:, tasks] + travel[0][tasks, :].T
            # a task is never its own near task: impossible legs rank just below +inf, the task itself at +inf
            d[~(d < np.inf)] = np.finfo(float).max
            d[tasks, np.arange(len(tasks))] = np.inf
            part = np.argpartition(d, k - 1, axis=1)[:, :k]  # k < len(tasks); ties at the k-th time: any of them
            order = np.lexsort((part, np.take_along_axis(d, part, axis=1)), axis=1)  # by time, then index
            near = tasks[np.take_along_axis(part, order, axis=1)].astype(np.int64)
        return cls(
            travel=_frozen(travel),
            travel_t=_frozen(travel.transpose(0, 2, 1)),
            service=_frozen(problem.service_s),
            early=_frozen(problem.window_s[:, 0]),
            late=_frozen(problem.window_s[:, 1]),
            prize=_frozen(problem.prize),
            v_start=np.array([v.start_node for v in vehicles], dtype=int),
            v_end=np.array([v.end_node for v in vehicles], dtype=int),
            v_class=np.array([v.cost_class for v in vehicles], dtype=int),
            v_max_s=np.array([v.max_duration_s for v in vehicles], dtype=float),
            v_start_s=np.array([v.start_s for v in vehicles], dtype=float),
            allowed=allowed,
            plain=plain,
            symmetric=symmetric,
            near=near,
            servable=np.flatnonzero(allowed.any(axis=0)).astype(np.int64),
        )


def _frozen(a: np.ndarray) -> np.ndarray:
    """``a`` as a contiguous read-only float array: one memory layout whatever the caller passed, so the
    compiled functions meet one argument type (a new layout would compile them again)."""
    out = np.ascontiguousarray(a, dtype=float)
    out.setflags(write=False)
    return out


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
    seq = np.empty(len(tour.nodes) + 2, dtype=np.int64)
    seq[0], seq[-1] = inst.v_start[v], inst.v_end[v]
    seq[1:-1] = tour.nodes
    tour.seq = seq
    (tour.arrive, tour.leave, tour.wait, tour.max_shift, tour.depart, tour.duration,
     tour.feasible) = kernels.schedule(seq, inst.travel[c], inst.service[c], inst.early, inst.late,
                                       inst.v_start_s[v], inst.v_max_s[v])
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
    return kernels.insertion_prices(tour.seq, tour.arrive, tour.leave, tour.wait, tour.max_shift, tour.depart,
                                    np.ascontiguousarray(cand, dtype=np.int64), inst.travel[c], inst.travel_t[c],
                                    inst.service[c], inst.early, inst.late, inst.v_start_s[v])


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


def pack(tours: list[Tour], width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tours as the compiled search's arrays: rows of ``width`` nodes (depots at both ends), lengths, durations (s)."""
    lens = np.array([len(t.nodes) + 2 for t in tours], dtype=np.int64)
    seqs = np.zeros((len(tours), width), dtype=np.int64)
    for r, t in enumerate(tours):
        seqs[r, : lens[r]] = t.seq
    return seqs, lens, np.array([t.duration for t in tours], dtype=float)


def unpack(inst: Instance, vehicles: list[int], seqs: np.ndarray, lens: np.ndarray) -> list[Tour]:
    """The tours of packed rows, scheduled exactly."""
    return [make_tour(inst, v, seqs[r, 1 : lens[r] - 1].tolist()) for r, v in enumerate(vehicles)]
