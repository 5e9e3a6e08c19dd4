"""Our own search for the prize-collecting routing core: greedy starts, then iterated improvement.

No OR-Tools here. Tours and their schedules are :mod:`planner.solve.tour`'s. Window-free instances
(no task has a time window: nothing ever waits) run the compiled iterated local search of
:mod:`planner.solve.ils`; instances with windows run the destroy-and-repair search below, in Python
and numpy over compiled schedules and insertion prices.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from planner.core.errors import InputError
from planner.solve import ils, kernels, local_search
from planner.solve.tour import (
    TOL_S,
    Instance,
    Tour,
    copy_tour,
    insertion_costs,
    make_tour,
    pack,
    plan_key,
    schedule,
    unpack,
)

__all__ = ["Search", "SearchConfig"]

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
    ``destroy_cap``: most tasks removed per iteration of the compiled search (window-free instances).
    ``full_repair_rate``: share of its iterations that offer every unserved task, not only those
    near the change. ``route_rate``: share of its iterations that empty a whole route instead.
    ``late_acceptance``: when > 0, the compiled search accepts by late acceptance over that many
    iterations instead of simulated annealing.
    Raises :class:`~planner.core.errors.InputError` on values outside their range.
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
    destroy_cap: int = 30
    full_repair_rate: float = 0.1
    route_rate: float = 0.0
    late_acceptance: int = 0

    def __post_init__(self) -> None:
        if (self.destroy_cap < 2 or not 0 <= self.full_repair_rate <= 1 or not 0 <= self.route_rate <= 1
                or self.late_acceptance < 0):
            raise InputError("destroy_cap must be >= 2, full_repair_rate and route_rate in [0, 1], "
                             "late_acceptance >= 0")
        if not 0 < self.destroy_fraction <= 1 or not 0 <= self.noise < 1 or not 0 <= self.overfill_rate <= 1:
            raise InputError("destroy_fraction must be in (0, 1], noise in [0, 1), overfill_rate in [0, 1]")
        if self.overfill < 0 or self.duration_weight < 0 or self.workers < 1:
            raise InputError("overfill and duration_weight must be >= 0, workers >= 1")
        if not self.start_temperature >= self.end_temperature > 0:
            raise InputError("temperatures must satisfy start_temperature >= end_temperature > 0")


class Search:
    """Greedy construction plus simulated-annealing destroy-and-repair over :class:`Tour` lists."""

    def __init__(self, inst: Instance, config: SearchConfig, seed: int | tuple[int, int]) -> None:
        self.inst = inst
        self.config = config
        self.rng = np.random.default_rng(seed)
        n = inst.prize.shape[0]
        self.servable = inst.servable
        self.n = n
        self.alike = (inst.allowed[:, None, :] == inst.allowed[None, :, :]).all(axis=2)
        self.loose = replace(inst, v_max_s=inst.v_max_s * (1.0 + config.overfill))
        joinable = self.alike & (inst.v_end[:, None] == inst.v_end[None, :]) & (inst.v_class[:, None] == inst.v_class)
        np.fill_diagonal(joinable, False)
        self.joinable = joinable & config.tail_exchange  # 2-opt* between these vehicles' routes

    def compiled(self, tours: list[Tour]) -> bool:
        """Whether the compiled search applies: no windows, and no vehicle whose empty route is impossible."""
        return self.inst.plain and all(t.feasible or t.nodes for t in tours)

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
        weight = inst.prize[pool] ** self.config.prize_exponent
        if noise > 0:
            weight = weight * (1.0 + noise * (self.rng.random(pool.size) * 2.0 - 1.0))
        if self.compiled(tours):
            self._insert_compiled(inst, tours, np.ascontiguousarray(pool, dtype=np.int64), weight)
            return
        nv = len(tours)
        cost = np.full((nv, pool.size), np.inf)
        pos = np.zeros((nv, pool.size), dtype=int)
        for r, t in enumerate(tours):
            mask = inst.allowed[t.vehicle, pool]
            if mask.any():
                cost[r, mask], pos[r, mask] = insertion_costs(inst, t, pool[mask])
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

    def _insert_compiled(self, inst: Instance, tours: list[Tour], pool: np.ndarray, weight: np.ndarray) -> None:
        """:meth:`_insert_pass` on window-free tours: :func:`planner.solve.kernels.greedy_insert_plain`."""
        vehicles = np.array([t.vehicle for t in tours], dtype=np.int64)
        seqs, lens, dur = pack(tours, max(len(t.nodes) for t in tours) + 2 + pool.size)
        n = inst.prize.shape[0]
        raw, edge = np.empty((len(tours), n)), np.empty((len(tours), n), dtype=np.int64)
        for r, t in enumerate(tours):
            c = inst.v_class[t.vehicle]
            raw[r], edge[r] = kernels.cheapest_edges(t.seq, self.servable, inst.allowed[t.vehicle], inst.travel[c],
                                                     inst.travel_t[c], inst.service[c], n)
        if kernels.greedy_insert_plain(seqs, lens, dur, inst.v_max_s[vehicles], inst.v_class[vehicles],
                                       inst.allowed[vehicles], raw, edge, self.servable, pool, weight, inst.travel,
                                       inst.travel_t, inst.service):
            for r, t in enumerate(tours):
                if lens[r] != len(t.nodes) + 2:
                    t.nodes = seqs[r, 1 : lens[r] - 1].tolist()
                    schedule(inst, t)

    def _fixed(self, tours: list[Tour]) -> tuple:
        """The per-instance arguments of the compiled search for ``tours``' vehicles (see :func:`ils.ils_batch`)."""
        inst = self.inst
        v = np.array([t.vehicle for t in tours], dtype=np.int64)
        return (inst.v_max_s[v], inst.v_class[v], inst.v_start_s[v], inst.allowed[v], self.joinable[np.ix_(v, v)],
                inst.prize, inst.prize ** self.config.prize_exponent, inst.near, self.servable, inst.travel,
                inst.travel_t, inst.service, inst.symmetric)

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
        """Shorten tours (2-opt on ``touched`` or all, tail exchange, relocation) so repair finds room.

        Window-free tours get the compiled granular local search instead (which also inserts and
        swaps in unserved tasks).
        """
        if self.compiled(tours):
            self._local_search(tours)
            return
        for r, t in enumerate(tours):
            if touched is None or r in touched:
                self.two_opt(t)
        if self.config.tail_exchange:
            self.exchange_tails(tours)
        self.relocate(tours)

    def _local_search(self, tours: list[Tour]) -> None:
        """:func:`planner.solve.local_search.local_search` from every task, in a random order (in place)."""
        seqs, lens, dur = pack(tours, self.servable.size + 2)
        limit, cls, start_s, allowed, joinable, prize, _, near, _, travel, _, service, symmetric = self._fixed(tours)
        n = self.n
        route, pos = np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int64)
        for r in range(len(tours)):
            local_search.index_route(seqs, lens, route, pos, r)
        order = self.rng.permutation(self.servable)
        buffers = (np.empty(n, dtype=np.int64), np.zeros(n, dtype=bool), np.empty(seqs.shape[1], dtype=np.int64),
                   np.empty(seqs.shape[1], dtype=np.int64))
        if local_search.local_search(order, order.size, seqs, lens, dur, limit, cls, start_s, allowed, joinable, prize,
                                     near, travel, service, symmetric, route, pos, *buffers, 50 * n):
            for r, t in enumerate(tours):
                if lens[r] != len(t.seq) or not np.array_equal(seqs[r, : lens[r]], t.seq):
                    t.nodes = seqs[r, 1 : lens[r] - 1].tolist()
                    schedule(self.inst, t)

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
        if self.compiled(start):
            return self._run_compiled(start, max_iterations, time_used, on_best)
        inst = self.inst
        cfg = self.config
        rng = self.rng
        best = [copy_tour(t) for t in start]
        best_key = plan_key(inst, best)
        cur, cur_key = [copy_tour(t) for t in best], best_key
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
            trial = [copy_tour(t) for t in cur]
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
                best, best_key = [copy_tour(t) for t in trial], key
                cur, cur_key = trial, key
                on_best(best, it)
                continue
            diff = key[0] - cur_key[0] + (key[1] - cur_key[1]) * per_second
            if key >= cur_key or (diff > -50 * temp and rng.random() < math.exp(diff / temp)):
                cur, cur_key = trial, key
        return best, it

    def _run_compiled(self, start: list[Tour], max_iterations: int | None, time_used: Callable[[], float],
                      on_best: Callable[[list[Tour], int], None]) -> tuple[list[Tour], int]:
        """:meth:`run` on window-free instances: the compiled iterated local search (:func:`ils.run`)."""
        inst, cfg = self.inst, self.config
        vehicles = [t.vehicle for t in start]
        mean_prize = float(inst.prize[self.servable].mean()) if self.servable.size else 1.0
        params = np.zeros(ils.N_PARAMS)
        params[ils.P_DESTROY_FRAC], params[ils.P_DESTROY_CAP] = cfg.destroy_fraction, cfg.destroy_cap
        params[ils.P_NOISE], params[ils.P_FULL_RATE] = cfg.noise, cfg.full_repair_rate
        params[ils.P_ROUTE_RATE], params[ils.P_LATE] = cfg.route_rate, cfg.late_acceptance
        params[ils.P_T0], params[ils.P_T1] = cfg.start_temperature * mean_prize, cfg.end_temperature * mean_prize
        params[ils.P_PER_SECOND] = cfg.duration_weight * mean_prize / max(float(inst.v_max_s.mean()), 1e-9)
        seqs, lens, its = ils.run(pack(start, self.servable.size + 2), self._fixed(start), params,
                                  int(self.rng.integers(1, 2**63)), max_iterations, time_used,
                                  lambda s, n, it: on_best(unpack(inst, vehicles, s, n), it))
        return unpack(inst, vehicles, seqs, lens), its
