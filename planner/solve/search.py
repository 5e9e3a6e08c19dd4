"""Our own search for the prize-collecting routing core: greedy starts and destroy-and-repair.

Pure Python and numpy; no OR-Tools here. Tours and their schedules are :mod:`planner.solve.tour`'s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from planner.core.errors import InputError
from planner.solve.tour import (
    TOL_S,
    Instance,
    Tour,
    copy_tour,
    insertion_costs,
    make_tour,
    plan_key,
    schedule,
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
