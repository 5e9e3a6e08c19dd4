"""Compiled iterated local search for window-free problems (numba): small perturbations, granular repair.

One iteration: copy the current plan; remove a few served tasks (related, random, or a stretch of one
route); greedily insert, by jittered prize per added second, the unserved tasks near the change
(the removed ones are held back until last); every few iterations a full greedy insertion of every
unserved task instead (:func:`planner.solve.kernels.greedy_insert_plain`); then the granular local
search of :mod:`planner.solve.local_search` around what changed; accept by simulated annealing on prize minus a
small price per second flown. The random numbers come from a xorshift generator whose state is an
array, so a batch of iterations depends only on that state: the same seed and iteration count give
the same plan whatever the batch sizes. Times in seconds; a plan is the arrays ``seqs``, ``lens``,
``dur`` of :mod:`planner.solve.local_search`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numba import njit

from planner.solve.kernels import TOL_S, cheapest_edges, greedy_insert_plain
from planner.solve.local_search import (
    EPS_S,
    commit,
    detour,
    index_route,
    local_search,
    route_duration,
    with_insert,
    with_removal,
)

Arr = np.ndarray

BATCH_S = 0.02
"""Seconds a batch of iterations aims at between two looks at the clock (and progress reports)."""

# what ils_batch's ``params`` array holds, by index
P_DESTROY_FRAC, P_DESTROY_CAP, P_NOISE, P_T0, P_T1, P_PER_SECOND, P_FULL_RATE, P_ROUTE_RATE, P_LATE = range(9)
N_PARAMS = 9


@njit(cache=True)
def rand_u64(state: Arr) -> np.uint64:
    """Next number of the xorshift64* generator kept in ``state[0]`` (never 0)."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * np.uint64(2685821657736338717)


@njit(cache=True)
def rand_float(state: Arr) -> float:
    """Uniform in [0, 1)."""
    return float(rand_u64(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def rand_int(state: Arr, m: int) -> int:
    """Uniform integer in [0, m)."""
    return int(rand_u64(state) % np.uint64(m))


@njit(cache=True)
def _remove(u: int, seqs: Arr, lens: Arr, dur: Arr, route: Arr, pos: Arr, cls: Arr, start_s: Arr, travel: Arr,
            service: Arr, buf: Arr) -> None:
    """Take served task ``u`` out of its route."""
    r = route[u]
    length = with_removal(seqs[r], lens[r], pos[u], buf)
    d = route_duration(buf, length, travel[cls[r]], service[cls[r]], start_s[r])
    route[u] = -1
    commit(seqs, lens, dur, route, pos, r, buf, length, d)


@njit(cache=True)
def _perturb(state: Arr, seqs: Arr, lens: Arr, dur: Arr, route: Arr, pos: Arr, cls: Arr, start_s: Arr, near: Arr,
             travel: Arr, service: Arr, tasks: Arr, destroy_frac: float, destroy_cap: float, route_rate: float,
             removed: Arr, buf: Arr) -> tuple[int, bool]:
    """Remove 1..k served tasks (k: ``destroy_frac`` of the served, at least 2, at most ``destroy_cap``):
    a random task and its nearest served neighbours, random tasks, or a stretch of one route; or, in a
    share ``route_rate`` of the calls, every task of one route. Returns the count and whether a whole
    route was emptied."""
    served = 0
    for u in tasks:
        if route[u] >= 0:
            served += 1
    if served == 0:
        return 0, False
    cap = min(max(2, int(served * destroy_frac)), max(2, int(destroy_cap)))
    k = 1 + rand_int(state, min(cap, served))
    whole = rand_float(state) < route_rate
    kind = 2 if whole else rand_int(state, 3)
    if whole:
        k = served
    count = 0
    if kind == 0:  # random tasks
        while count < k:
            u = tasks[rand_int(state, tasks.size)]
            if route[u] >= 0:
                removed[count] = u
                count += 1
                _remove(u, seqs, lens, dur, route, pos, cls, start_s, travel, service, buf)
    elif kind == 1:  # a random task and its nearest served neighbours
        u = tasks[rand_int(state, tasks.size)]
        while route[u] < 0:
            u = tasks[rand_int(state, tasks.size)]
        removed[0] = u
        count = 1
        _remove(u, seqs, lens, dur, route, pos, cls, start_s, travel, service, buf)
        for w in near[u]:  # each taken out at once, so it is unserved if listed again
            if count >= k:
                break
            if route[w] >= 0:
                removed[count] = w
                count += 1
                _remove(w, seqs, lens, dur, route, pos, cls, start_s, travel, service, buf)
    else:  # a stretch of one route
        u = tasks[rand_int(state, tasks.size)]
        while route[u] < 0:
            u = tasks[rand_int(state, tasks.size)]
        r = route[u]
        inner = lens[r] - 2
        length = min(k, inner)
        first = 1 + rand_int(state, inner - length + 1)
        for i in range(length):
            removed[i] = seqs[r, first + i]
        count = length
        for i in range(count):
            _remove(removed[i], seqs, lens, dur, route, pos, cls, start_s, travel, service, buf)
    return count, whole


@njit(cache=True)
def _best_granular(u: int, seqs: Arr, lens: Arr, dur: Arr, limit: Arr, cls: Arr, allowed: Arr, near: Arr,
                   travel: Arr, service: Arr, route: Arr, pos: Arr) -> tuple[float, int, int]:
    """Cheapest feasible insertion of ``u`` on an edge next to one of its served near tasks: (s, route, index)."""
    best, br, bk = np.inf, -1, -1
    for w in near[u]:
        q = route[w]
        if q < 0 or not allowed[q, u]:
            continue
        tr, sv = travel[cls[q]], service[cls[q]]
        j = pos[w]
        for ai in (j - 1, j):
            x = detour(tr, sv, seqs[q, ai], u, seqs[q, ai + 1])
            if x < best and dur[q] + x <= limit[q] + TOL_S:
                best, br, bk = x, q, ai + 1
    return best, br, bk


@njit(cache=True)
def _granular_repair(state: Arr, cand: Arr, ncand: int, weight_of: Arr, noise: float, seqs: Arr, lens: Arr,
                     dur: Arr, limit: Arr, cls: Arr, start_s: Arr, allowed: Arr, near: Arr, travel: Arr,
                     service: Arr, route: Arr, pos: Arr, buf: Arr) -> int:
    """Greedy insertion of the unserved ``cand[:ncand]`` by jittered ``weight / added s`` at granular positions."""
    w = np.empty(ncand)
    for i in range(ncand):
        w[i] = weight_of[cand[i]] * (1.0 + noise * (2.0 * rand_float(state) - 1.0))
    live = np.ones(ncand, dtype=np.bool_)
    done = 0
    while True:
        best, bi, br, bk = -np.inf, -1, -1, -1
        for i in range(ncand):
            u = cand[i]
            if not live[i] or route[u] >= 0:
                continue
            x, q, k = _best_granular(u, seqs, lens, dur, limit, cls, allowed, near, travel, service, route, pos)
            if q < 0:
                live[i] = False
                continue
            score = w[i] / ((x if x > 0.0 else 0.0) + 1e-9)
            if score > best:
                best, bi, br, bk = score, i, q, k
        if bi < 0:
            return done
        u = cand[bi]
        live[bi] = False
        length = with_insert(seqs[br], lens[br], bk, u, buf)
        d = route_duration(buf, length, travel[cls[br]], service[cls[br]], start_s[br])
        if d <= limit[br] + TOL_S:
            commit(seqs, lens, dur, route, pos, br, buf, length, d)
            done += 1


@njit(cache=True)
def _full_repair(state: Arr, noise: float, seqs: Arr, lens: Arr, dur: Arr, limit: Arr, cls: Arr, allowed: Arr,
                 weight_of: Arr, tasks: Arr, travel: Arr, travel_t: Arr, service: Arr, route: Arr, pos: Arr) -> int:
    """Greedy insertion of every unserved task over every edge (:func:`greedy_insert_plain`)."""
    nv = seqs.shape[0]
    n = route.size
    npool = 0
    for u in tasks:
        if route[u] == -1:  # -2: held back
            npool += 1
    if npool == 0:
        return 0
    pool = np.empty(npool, dtype=np.int64)
    weight = np.empty(npool)
    i = 0
    for u in tasks:
        if route[u] == -1:
            pool[i] = u
            weight[i] = weight_of[u] * (1.0 + noise * (2.0 * rand_float(state) - 1.0))
            i += 1
    raw = np.empty((nv, n))
    edge = np.empty((nv, n), dtype=np.int64)
    for r in range(nv):
        c = cls[r]
        raw[r], edge[r] = cheapest_edges(seqs[r, : lens[r]], tasks, allowed[r], travel[c], travel_t[c], service[c], n)
    done = greedy_insert_plain(seqs, lens, dur, limit, cls, allowed, raw, edge, tasks, pool, weight, travel,
                               travel_t, service)
    if done:
        for r in range(nv):
            index_route(seqs, lens, route, pos, r)
    return done


@njit(cache=True)
def _prize_of(route: Arr, prize: Arr, tasks: Arr) -> float:
    total = 0.0
    for u in tasks:
        if route[u] >= 0:
            total += prize[u]
    return total


@njit(cache=True)
def ils_batch(state: Arr, params: Arr, it0: int, n_iter: int, used: float, total: int,
              cur_seqs: Arr, cur_lens: Arr, cur_dur: Arr, best_seqs: Arr, best_lens: Arr, best_dur: Arr,
              limit: Arr, cls: Arr, start_s: Arr, allowed: Arr, joinable: Arr, prize: Arr, weight_of: Arr,
              near: Arr, tasks: Arr, travel: Arr, travel_t: Arr, service: Arr, symmetric: bool, history: Arr,
              hist_at: Arr) -> int:
    """Run ``n_iter`` iterations from the current plan (updated in place, as is the best plan).

    The share of the run done is iteration / ``total`` (the iteration bound), or ``used`` (share of
    the time budget spent) when ``total`` is 0; the temperature falls geometrically with it from
    ``params[P_T0]`` to ``params[P_T1]`` (in prize units). Returns the
    iteration (counted from ``it0 + 1``) of the last new best in this batch, 0 if none.
    """
    nv, cap = cur_seqs.shape
    n = prize.size
    route = np.full(n, -1, dtype=np.int64)
    pos = np.zeros(n, dtype=np.int64)
    for r in range(nv):
        index_route(cur_seqs, cur_lens, route, pos, r)
    cur_prize = _prize_of(route, prize, tasks)
    cur_total = cur_dur.sum()
    best_prize = _prize_of_seqs(best_seqs, best_lens, prize, tasks)
    best_total = best_dur.sum()
    seqs, lens, dur = cur_seqs.copy(), cur_lens.copy(), cur_dur.copy()
    t_route, t_pos = route.copy(), pos.copy()
    removed = np.empty(n, dtype=np.int64)
    cand = np.empty(n, dtype=np.int64)
    mark = np.zeros(n, dtype=np.bool_)
    queue = np.empty(n, dtype=np.int64)
    inq = np.zeros(n, dtype=np.bool_)
    buf_a = np.empty(cap, dtype=np.int64)
    buf_b = np.empty(cap, dtype=np.int64)
    t0, t1, per_second = params[P_T0], params[P_T1], params[P_PER_SECOND]
    late_acceptance = params[P_LATE] > 0
    last_best = 0
    for step in range(n_iter):
        frac = (it0 + step) / total if total > 0 else used  # per iteration, whatever the batch sizes
        temp = t0 * (t1 / t0) ** frac
        seqs[:] = cur_seqs
        lens[:] = cur_lens
        dur[:] = cur_dur
        t_route[:] = route
        t_pos[:] = pos
        k, whole = _perturb(state, seqs, lens, dur, t_route, t_pos, cls, start_s, near, travel, service, tasks,
                            params[P_DESTROY_FRAC], params[P_DESTROY_CAP], params[P_ROUTE_RATE], removed, buf_a)
        # the unserved tasks near the change, the removed ones last
        ncand = 0
        for i in range(k):
            mark[removed[i]] = True
        for i in range(k):
            for w in near[removed[i]]:
                if t_route[w] < 0 and not mark[w]:
                    mark[w] = True
                    cand[ncand] = w
                    ncand += 1
        if whole or rand_float(state) < params[P_FULL_RATE]:  # an empty route has no near tasks to go by
            for i in range(k):  # held back: every other unserved task first
                t_route[removed[i]] = -2
            _full_repair(state, params[P_NOISE], seqs, lens, dur, limit, cls, allowed, weight_of, tasks, travel,
                         travel_t, service, t_route, t_pos)
            for i in range(k):
                t_route[removed[i]] = -1
        else:
            _granular_repair(state, cand, ncand, weight_of, params[P_NOISE], seqs, lens, dur, limit, cls, start_s,
                             allowed, near, travel, service, t_route, t_pos, buf_a)
        for i in range(ncand):
            mark[cand[i]] = False
        for i in range(k):
            mark[removed[i]] = False
            cand[ncand + i] = removed[i]
        local_search(cand, ncand + k, seqs, lens, dur, limit, cls, start_s, allowed, joinable, prize, near, travel,
                     service, symmetric, t_route, t_pos, queue, inq, buf_a, buf_b, 50 * n)
        t_prize = _prize_of(t_route, prize, tasks)
        t_total = dur.sum()
        better = t_prize > best_prize or (t_prize == best_prize and t_total < best_total - EPS_S)
        diff = t_prize - cur_prize + (cur_total - t_total) * per_second
        not_worse = t_prize > cur_prize or (t_prize == cur_prize and t_total <= cur_total)
        if late_acceptance:  # Burke and Bykov's late acceptance, both enhancements of their section 4.2
            value = t_prize - t_total * per_second
            slot = hist_at[0] % history.size
            accept = better or not_worse or value >= history[slot]
            now = value if accept else cur_prize - cur_total * per_second
            if now > history[slot]:
                history[slot] = now
            hist_at[0] += 1
        else:
            accept = better or not_worse or (diff > -50.0 * temp and rand_float(state) < np.exp(diff / temp))
        if accept:
            cur_seqs[:] = seqs
            cur_lens[:] = lens
            cur_dur[:] = dur
            route[:] = t_route
            pos[:] = t_pos
            cur_prize, cur_total = t_prize, t_total
        if better:
            best_seqs[:] = seqs
            best_lens[:] = lens
            best_dur[:] = dur
            best_prize, best_total = t_prize, t_total
            last_best = it0 + step + 1
    return last_best


@njit(cache=True)
def _prize_of_seqs(seqs: Arr, lens: Arr, prize: Arr, tasks: Arr) -> float:
    """The prize of the packed plan, added up in the order of :func:`_prize_of` (so the two compare exactly)."""
    served = np.zeros(prize.size, dtype=np.bool_)
    for r in range(seqs.shape[0]):
        for k in range(1, lens[r] - 1):
            served[seqs[r, k]] = True
    total = 0.0
    for u in tasks:
        if served[u]:
            total += prize[u]
    return total


def run(cur: tuple[Arr, Arr, Arr], fixed: tuple, params: Arr, seed: int, max_iterations: int | None,
        time_used: Callable[[], float], on_best: Callable[[Arr, Arr, int], None]) -> tuple[Arr, Arr, int]:
    """Iterate from the packed plan ``cur`` until ``max_iterations`` or ``time_used() >= 1``.

    ``fixed`` is the rest of :func:`ils_batch`'s arguments. Iterations run in batches of about ``BATCH_S``
    with ``time_used()`` checked between them. The temperature follows ``time_used()`` when
    ``max_iterations`` is None, else the iteration count; the random state goes on from batch to
    batch, so with ``max_iterations`` the batch sizes do not change the result. ``on_best(seqs, lens,
    iteration)`` is called after a batch that found a new best. Returns the best rows, their lengths
    and the iterations done.
    """
    best = tuple(a.copy() for a in cur)
    state = np.array([seed], dtype=np.uint64)
    prize, per_second = fixed[5], params[P_PER_SECOND]
    start = float(sum(prize[cur[0][r, 1 : cur[1][r] - 1]].sum() for r in range(len(cur[1])))) - cur[2].sum() * per_second
    history = np.full(max(int(params[P_LATE]), 1), start)  # late acceptance: the values of earlier plans
    hist_at = np.zeros(1, dtype=np.int64)
    it, batch = 0, 1
    while max_iterations is None or it < max_iterations:
        used = time_used()
        if used >= 1.0:
            break
        size = batch if max_iterations is None else min(batch, max_iterations - it)
        began = time.perf_counter()
        last = ils_batch(state, params, it, size, used, max_iterations or 0, *cur, *best, *fixed, history, hist_at)
        took = time.perf_counter() - began
        it += size
        if last:
            on_best(best[0], best[1], last)
        batch = int(min(max(batch * BATCH_S / max(took, 1e-6), 1), 2 * batch + 1, 10_000))
    return best[0], best[1], it
