"""Our own search for the prize-collecting routing core: greedy starts and destroy-and-repair.

Pure Python and numpy; no OR-Tools here. The search works on real-valued seconds with the same
schedule rules as :func:`planner.problem.evaluate_route` (waiting allowed, departure pushed for the
first window, start and end depot service counted in the duration), so a route it accepts is a
route ``evaluate_route`` accepts. Insertion checks use the "max shift" bookkeeping of Savelsbergh
(the latest amount a visit may be delayed without breaking a later window or the duration limit),
made conservative where the departure moves; every change is re-scheduled exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from planner.core.errors import InputError
from planner.solve.problem import Problem

__all__ = ["Instance", "Search", "SearchConfig", "Tour", "make_tour", "plan_key", "plan_prize"]

TOL_S = 1e-9
"""Slack in seconds allowed on windows and durations; far below ``evaluate_route``'s 1e-6."""


@dataclass(frozen=True)
class SearchConfig:
    """Tunables of the destroy-and-repair search (defaults tuned on the Chao TOP sets).

    ``destroy_fraction``: most served tasks removed per iteration, as a fraction (at least 2).
    ``noise``: relative random spread of insertion scores during repair (0 = pure greedy).
    ``prize_exponent``: insertion score is ``prize**prize_exponent / added_seconds``.
    ``start_temperature``/``end_temperature``: simulated-annealing temperatures as a fraction of
    the mean task prize, decaying geometrically over the run.
    ``duration_weight``: in acceptance, a plan is worth its prize minus this many mean prizes per
    mean duration limit flown (keeps slack, so new tasks fit).
    ``overfill``/``overfill_rate``: how far over the duration limits (fraction) the overfill repair
    inserts, and in which share of iterations it runs.
    ``workers``: independent searches with seeds ``(seed, k)``, in forked processes.
    ``tail_exchange``: try 2-opt* (swapping route ends) between alike vehicles.
    Raises :class:`~planner.errors.InputError` on values outside their range.
    """

    destroy_fraction: float = 0.4
    noise: float = 0.5
    prize_exponent: float = 1.0
    start_temperature: float = 2.0
    end_temperature: float = 0.05
    duration_weight: float = 0.5
    overfill: float = 0.1
    overfill_rate: float = 0.8
    workers: int = 2
    tail_exchange: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.destroy_fraction <= 1 or not 0 <= self.noise < 1 or not 0 <= self.overfill_rate <= 1:
            raise InputError("destroy_fraction must be in (0, 1], noise in [0, 1), overfill_rate in [0, 1]")
        if self.overfill < 0 or self.duration_weight < 0 or self.workers < 1:
            raise InputError("overfill and duration_weight must be >= 0, workers >= 1")
        if not self.start_temperature >= self.end_temperature > 0:
            raise InputError("temperatures must satisfy start_temperature >= end_temperature > 0")


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


class Search:
    """Greedy construction plus simulated-annealing destroy-and-repair over :class:`Tour` lists."""

    def __init__(self, inst: Instance, config: SearchConfig, seed: int | tuple[int, int]) -> None:
        self.inst = inst
        self.config = config
        self.rng = np.random.default_rng(seed)
        n = inst.prize.shape[0]
        self.servable = np.flatnonzero(inst.allowed.any(axis=0))
        self.n = n
        self.alike = (inst.allowed[:, None, :] == inst.allowed[None, :, :]).all(axis=2)
        self.loose = replace(inst, v_max_s=inst.v_max_s * (1.0 + config.overfill))

    # ---- construction and repair -------------------------------------------------------------
    def repair(self, tours: list[Tour], tabu: set[int] | None = None, noise: float = 0.0) -> None:
        """Insert unserved tasks greedily by prize per added second until nothing fits (in place).

        Tasks in ``tabu`` are held back for a first pass and offered afterwards.
        """
        served = np.zeros(self.n, dtype=bool)
        for t in tours:
            served[t.nodes] = True
        pool = self.servable[~served[self.servable]]
        if tabu:
            held = np.array(sorted(tabu), dtype=int)
            first = pool[~np.isin(pool, held)]
            self._insert_pass(tours, first, noise)
            served[:] = False
            for t in tours:
                served[t.nodes] = True
            pool = self.servable[~served[self.servable]]
        self._insert_pass(tours, pool, noise)

    def _insert_pass(self, tours: list[Tour], pool: np.ndarray, noise: float, inst: Instance | None = None) -> None:
        """Insert from ``pool`` by best jittered ``prize / added seconds`` until nothing fits (in place)."""
        inst = inst or self.inst
        if pool.size == 0:
            return
        nv = len(tours)
        cost = np.full((nv, pool.size), np.inf)
        pos = np.zeros((nv, pool.size), dtype=int)
        for r, t in enumerate(tours):
            mask = inst.allowed[t.vehicle, pool]
            if mask.any():
                cost[r, mask], pos[r, mask] = insertion_costs(inst, t, pool[mask])
        weight = inst.prize[pool] ** self.config.prize_exponent
        if noise > 0:
            weight = weight * (1.0 + noise * (self.rng.random(pool.size) * 2.0 - 1.0))
        alive = np.ones(pool.size, dtype=bool)
        while True:
            score = np.where(np.isfinite(cost), weight[None, :] / (np.maximum(cost, 0.0) + 1e-9), -np.inf)
            flat = int(np.argmax(score))
            r, j = divmod(flat, pool.size)
            if not np.isfinite(score[r, j]):
                return
            t = tours[r]
            t.nodes.insert(int(pos[r, j]), int(pool[j]))
            schedule(inst, t)
            alive[j] = False
            cost[:, j] = np.inf
            mask = alive & inst.allowed[t.vehicle, pool]
            cost[r, :] = np.inf
            if mask.any():
                cost[r, mask], pos[r, mask] = insertion_costs(inst, t, pool[mask])

    def overfill(self, tours: list[Tour], removed: set[int]) -> None:
        """Insert beyond the duration limit, shorten, then drop the worst prize per second until feasible."""
        inst = self.inst
        for t in tours:
            schedule(self.loose, t)
        served = np.zeros(self.n, dtype=bool)
        for t in tours:
            served[t.nodes] = True
        pool = self.servable[~served[self.servable]]
        if removed:
            pool = pool[~np.isin(pool, np.fromiter(removed, dtype=int))]
        self._insert_pass(tours, pool, self.config.noise, self.loose)
        for t in tours:
            schedule(inst, t)
            self.two_opt(t)
            while not t.feasible and t.nodes:
                ratio = inst.prize[t.nodes] / np.maximum(self._detours(t), 1e-9)
                t.nodes.pop(int(np.argmin(ratio)))
                schedule(inst, t)

    # ---- route shortening ----------------------------------------------------------------------
    def two_opt(self, tour: Tour) -> None:
        """Reverse segments while that shortens the tour (symmetric, window-free instances only)."""
        inst = self.inst
        if not inst.symmetric or len(tour.nodes) < 3:
            return
        d = inst.travel[inst.v_class[tour.vehicle]]
        while True:
            s = tour.seq
            a, b = s[:-1], s[1:]
            gain = d[a[:, None], a[None, :]] + d[b[:, None], b[None, :]] - d[a, b][:, None] - d[a, b][None, :]
            gain = np.triu(gain, 2)
            i, j = np.unravel_index(int(np.argmin(gain)), gain.shape)
            if gain[i, j] >= -1e-9:
                return
            nodes = tour.nodes
            # edges (i, i+1) and (j, j+1) of seq; nodes index = seq index - 1
            tour.nodes = nodes[:i] + nodes[i:j][::-1] + nodes[j:]
            schedule(inst, tour)

    def relocate(self, tours: list[Tour], max_moves: int = 50) -> None:
        """Move single tasks to another tour while that shortens the total (in place).

        Savings are estimated from the detour the task causes (exact without waiting); each move
        is re-scheduled exactly and kept only if both tours stay feasible and the total shrinks.
        """
        inst = self.inst
        rejected: set[tuple[int, int]] = set()
        for _ in range(max_moves):
            nodes = np.array([n for t in tours for n in t.nodes], dtype=int)
            if nodes.size == 0 or len(tours) < 2:
                return
            owner = np.array([r for r, t in enumerate(tours) for _ in t.nodes], dtype=int)
            saving = np.concatenate([self._detours(t) for t in tours if t.nodes])
            best_gain, move = 1e-7, None
            for q, host in enumerate(tours):
                mask = (owner != q) & inst.allowed[host.vehicle, nodes]
                if not mask.any():
                    continue
                cost, pos = insertion_costs(inst, host, nodes[mask])
                gain = saving[mask] - cost
                for j in np.argsort(-gain)[:3]:
                    node = int(nodes[mask][j])
                    if gain[j] > best_gain and (node, q) not in rejected:
                        best_gain, move = float(gain[j]), (node, int(owner[mask][j]), q, int(pos[j]))
                        break
            if move is None:
                return
            node, r, q, p = move
            src, dst = tours[r], tours[q]
            new_src = make_tour(inst, src.vehicle, [x for x in src.nodes if x != node])
            new_dst = make_tour(inst, dst.vehicle, [*dst.nodes[:p], node, *dst.nodes[p:]])
            if (
                new_src.feasible
                and new_dst.feasible
                and (new_src.duration + new_dst.duration < src.duration + dst.duration - 1e-9)
            ):
                tours[r], tours[q] = new_src, new_dst
            else:
                rejected.add((node, q))

    def _detours(self, tour: Tour) -> np.ndarray:
        """Seconds each task of ``tour`` adds (travel detour plus its service), waiting ignored."""
        inst = self.inst
        c = inst.v_class[tour.vehicle]
        travel, service = inst.travel[c], inst.service[c]
        s = tour.seq
        with np.errstate(invalid="ignore"):
            return travel[s[:-2], s[1:-1]] + service[s[1:-1]] + travel[s[1:-1], s[2:]] - travel[s[:-2], s[2:]]

    def improve(self, tours: list[Tour], touched: set[int] | None = None) -> None:
        """Shorten tours (2-opt on ``touched`` or all, tail exchange, relocation) so repair finds room."""
        for r, t in enumerate(tours):
            if touched is None or r in touched:
                self.two_opt(t)
        if self.config.tail_exchange:
            self.exchange_tails(tours)
        self.relocate(tours)

    def exchange_tails(self, tours: list[Tour]) -> None:
        """2-opt*: swap the ends of two tours when that shortens the pair (window-free, alike vehicles)."""
        inst = self.inst
        if not inst.plain:
            return
        for r in range(len(tours)):
            for q in range(r + 1, len(tours)):
                a, b = tours[r], tours[q]
                va, vb = a.vehicle, b.vehicle
                if not (
                    inst.v_end[va] == inst.v_end[vb]
                    and inst.v_class[va] == inst.v_class[vb]
                    and self.alike[va, vb]
                    and (a.nodes or b.nodes)
                ):
                    continue
                d = inst.travel[inst.v_class[va]]
                head_a = a.leave[:-1] - a.arrive[0]  # time until leaving position i
                head_b = b.leave[:-1] - b.arrive[0]
                tail_a = a.leave[-1] - a.arrive[1:]  # time from arriving at position i+1 to the end
                tail_b = b.leave[-1] - b.arrive[1:]
                with np.errstate(invalid="ignore"):
                    new_a = head_a[:, None] + d[a.seq[:-1][:, None], b.seq[1:][None, :]] + tail_b[None, :]
                    new_b = head_b[None, :] + d[b.seq[:-1][None, :], a.seq[1:][:, None]] + tail_a[:, None]
                    gain = a.duration + b.duration - new_a - new_b
                ok = (new_a <= inst.v_max_s[va] + TOL_S) & (new_b <= inst.v_max_s[vb] + TOL_S) & (gain > 1e-7)
                ok[-1, -1] = False
                if not ok.any():
                    continue
                i, j = np.unravel_index(int(np.argmax(np.where(ok, gain, -np.inf))), gain.shape)
                na = make_tour(inst, va, a.nodes[:i] + b.nodes[j:])
                nb = make_tour(inst, vb, b.nodes[:j] + a.nodes[i:])
                if na.feasible and nb.feasible and na.duration + nb.duration < a.duration + b.duration:
                    tours[r], tours[q] = na, nb

    # ---- destroy ------------------------------------------------------------------------------
    def destroy(self, tours: list[Tour]) -> set[int]:
        """Remove a few served tasks (random, related or a segment); returns the removed tasks."""
        inst = self.inst
        rng = self.rng
        served = [(r, n) for r, t in enumerate(tours) for n in t.nodes]
        if not served:
            return set()
        cap = max(2, int(len(served) * self.config.destroy_fraction))
        k = int(rng.integers(1, cap + 1))
        kind = int(rng.integers(0, 3))
        removed: set[int] = set()
        if kind == 0:
            picks = rng.choice(len(served), size=min(k, len(served)), replace=False)
            removed = {served[int(i)][1] for i in picks}
        elif kind == 1:
            seed_node = served[int(rng.integers(len(served)))][1]
            on = {n for _, n in served}
            removed = {seed_node}
            for nb in inst.near[seed_node]:
                if len(removed) >= k:
                    break
                if int(nb) in on:
                    removed.add(int(nb))
        else:
            busy = [t for t in tours if t.nodes]
            t = busy[int(rng.integers(len(busy)))]
            length = min(k, len(t.nodes))
            first = int(rng.integers(0, len(t.nodes) - length + 1))
            removed = set(t.nodes[first : first + length])
        for r, t in enumerate(tours):
            if any(n in removed for n in t.nodes):
                keep = [n for n in t.nodes if n not in removed]
                trial = make_tour(inst, t.vehicle, keep)
                if trial.feasible:
                    tours[r] = trial
                else:  # removal broke the route (no triangle inequality): keep it whole
                    removed.difference_update(t.nodes)
        return removed

    # ---- driver -------------------------------------------------------------------------------
    def construct(self) -> list[Tour]:
        """Greedy parallel insertion from empty tours, then shortening and a second fill."""
        tours = [make_tour(self.inst, v, []) for v in range(len(self.inst.v_start))]
        self.repair(tours)
        self.improve(tours)
        self.repair(tours)
        return tours

    def run(
        self,
        start: list[Tour],
        max_iterations: int | None,
        time_used: Callable[[], float],
        on_best: Callable[[list[Tour], int], None],
    ) -> tuple[list[Tour], int]:
        """Destroy-and-repair from ``start`` until ``max_iterations`` or ``time_used() >= 1``.

        ``time_used()`` is the fraction of the time budget spent; the annealing temperature follows
        it when ``max_iterations`` is ``None``, else the iteration count. ``on_best(tours, iteration)``
        is called on every new best. Returns the best tours and the number of iterations done.
        """
        inst = self.inst
        cfg = self.config
        rng = self.rng
        best = [_copy(t) for t in start]
        best_key = plan_key(inst, best)
        cur, cur_key = [_copy(t) for t in best], best_key
        mean_prize = float(inst.prize[self.servable].mean()) if self.servable.size else 1.0
        t0, t1 = cfg.start_temperature * mean_prize, cfg.end_temperature * mean_prize
        per_second = cfg.duration_weight * mean_prize / max(float(inst.v_max_s.mean()), 1e-9)
        it = 0
        while max_iterations is None or it < max_iterations:
            used = time_used()
            if used >= 1.0:
                break
            frac = used if max_iterations is None else it / max(max_iterations, 1)
            temp = t0 * (t1 / t0) ** frac
            trial = [_copy(t) for t in cur]
            removed = self.destroy(trial)
            touched = {r for r, t in enumerate(trial) if t.nodes != cur[r].nodes}
            for r in touched:
                self.two_opt(trial[r])
            if rng.random() < cfg.overfill_rate:
                self.overfill(trial, removed)
            self.repair(trial, tabu=removed, noise=cfg.noise)
            self.improve(trial, {r for r, t in enumerate(trial) if t.nodes != cur[r].nodes})
            self.repair(trial)
            key = plan_key(inst, trial)
            it += 1
            if key > best_key:
                best, best_key = [_copy(t) for t in trial], key
                cur, cur_key = trial, key
                on_best(best, it)
                continue
            diff = key[0] - cur_key[0] + (key[1] - cur_key[1]) * per_second
            if key >= cur_key or (diff > -50 * temp and rng.random() < math.exp(diff / temp)):
                cur, cur_key = trial, key
        return best, it


def _copy(t: Tour) -> Tour:
    c = Tour(t.vehicle, list(t.nodes))
    c.seq, c.arrive, c.leave, c.wait, c.max_shift = t.seq, t.arrive, t.leave, t.wait, t.max_shift
    c.depart, c.duration, c.feasible = t.depart, t.duration, t.feasible
    return c
