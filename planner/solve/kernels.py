"""Compiled hot loops of the tour model (numba): schedules, insertion prices, greedy insertion.

Plain functions of numpy arrays (seconds; node indices), compiled to machine code on first use and
cached on disk beside this file (or in numba's user cache when that is not writable), so only the
first run after an install or an edit pays the compilation (:func:`planner.solve.solver.warm_up`). They follow the schedule rules of
:func:`planner.solve.problem.evaluate_route` step for step: leave the start depot after its service, or
later when that avoids waiting at the first task's window; start each service as early as its window
allows; the duration runs from the start depot's service to the end of the end depot's service. No
``fastmath``: every operation is IEEE-exact in the order written, so results are the same on any
machine.
"""

from __future__ import annotations

import numpy as np
from numba import njit

TOL_S = 1e-9
"""Slack in seconds allowed on windows and durations; far below ``evaluate_route``'s 1e-6."""

INF = np.inf
STALE = -1
"""Edge index marking a cached detour as a lower bound only (its cheapest edge was split since)."""
Arr = np.ndarray


@njit(cache=True)
def schedule(seq: Arr, travel: Arr, service: Arr, early: Arr, late: Arr, start_s: float,
             limit: float) -> tuple[Arr, Arr, Arr, Arr, float, float, bool]:
    """Earliest schedule of ``seq`` (depots at both ends) and each position's max shift.

    Returns ``(arrive, leave, wait, max_shift, depart, duration, feasible)``: arrival (at the start
    depot, departure minus its service), time of leaving, waiting before service, how much later the
    arrival could be without breaking a later window or ``limit``; departure, duration (s).
    """
    m = seq.size
    arrive = np.empty(m)
    leave = np.empty(m)
    wait = np.zeros(m)
    max_shift = np.empty(m)
    s0 = seq[0]
    depart = start_s + service[s0]
    if m > 2:
        pushed = early[seq[1]] - travel[s0, seq[1]]
        if pushed > depart:
            depart = pushed
    arrive[0] = depart - service[s0]
    leave[0] = depart
    feasible = True
    t = depart
    for k in range(1, m - 1):
        node = seq[k]
        t += travel[seq[k - 1], node]
        arrive[k] = t
        begin = t if t >= early[node] else early[node]
        if begin > late[node] + TOL_S:
            feasible = False
        wait[k] = begin - t
        t = begin + service[node]
        leave[k] = t
    t += travel[seq[m - 2], seq[m - 1]]
    arrive[m - 1] = t
    leave[m - 1] = t + service[seq[m - 1]]
    duration = leave[m - 1] - arrive[0]
    if not np.isfinite(duration):  # an impossible leg
        max_shift[:] = -INF
        return arrive, leave, wait, max_shift, depart, INF, False
    if not duration <= limit + TOL_S:
        feasible = False
    max_shift[m - 1] = limit - duration
    for k in range(m - 2, 0, -1):
        room = wait[k + 1] + max_shift[k + 1]
        own = late[seq[k]] - (arrive[k] + wait[k])
        max_shift[k] = own if own < room else room
    max_shift[0] = wait[1] + max_shift[1]
    return arrive, leave, wait, max_shift, depart, duration, feasible


@njit(cache=True)
def insertion_prices(seq: Arr, arrive: Arr, leave: Arr, wait: Arr, max_shift: Arr, depart: float, cand: Arr,
                      travel: Arr, travel_t: Arr, service: Arr, early: Arr, late: Arr,
                      start_s: float) -> tuple[Arr, Arr]:
    """Cheapest feasible position of each candidate in a route (Savelsbergh's max shift; windows or not).

    Inserting ``u`` between ``a`` and ``b`` is feasible when ``u``'s window is met and the delay at
    ``b`` is within ``b``'s waiting plus max shift. At the first position the departure may move to
    meet ``u``'s window; there the check is stricter than needed, never looser. Returns (added s at
    the next position, position); ``inf`` where nothing fits.
    """
    s0 = seq[0]
    cost = np.full(cand.size, INF)
    pos = np.zeros(cand.size, dtype=np.int64)
    slack_end = max_shift[seq.size - 1] + TOL_S
    for p in range(seq.size - 1):
        out_a, into_b = travel[seq[p]], travel_t[seq[p + 1]]
        room = wait[p + 1] + max_shift[p + 1] + TOL_S
        for j in range(cand.size):
            u = cand[j]
            eu = early[u]
            if p == 0:  # the departure moves to meet u's window
                dep0 = start_s + service[s0]
                if eu - out_a[u] > dep0:
                    dep0 = eu - out_a[u]
                delta = depart - dep0 if depart > dep0 else 0.0
                if not delta <= slack_end:
                    continue
                arr_u = dep0 + out_a[u]
            else:
                arr_u = leave[p] + out_a[u]
            start_u = arr_u if arr_u >= eu else eu
            shift = start_u + service[u] + into_b[u] - arrive[p + 1]
            if p == 0:
                shift = (shift if shift > 0.0 else 0.0) + delta
            if start_u <= late[u] + TOL_S and shift <= room and shift < cost[j]:
                cost[j], pos[j] = shift, p
    return cost, pos


@njit(cache=True)
def _cheapest_edge(seq: Arr, length: int, u: int, travel: Arr, travel_t: Arr, service: Arr) -> tuple[float, int]:
    """Smallest detour (plus service) of ``u`` over the edges of ``seq[:length]``, and its edge."""
    best, where = INF, 0
    su = service[u]
    into, out = travel_t[u], travel[u]
    for p in range(length - 1):
        c = into[seq[p]] + out[seq[p + 1]] + su - travel[seq[p], seq[p + 1]]
        if c < best:
            best, where = c, p
    return best, where


@njit(cache=True)
def cheapest_edges(seq: Arr, nodes: Arr, allowed: Arr, travel: Arr, travel_t: Arr, service: Arr,
                   n: int) -> tuple[Arr, Arr]:
    """For every node of ``nodes`` the route may serve: its smallest detour (plus service) over the
    edges of ``seq``, and that edge (``p``: between ``seq[p]`` and ``seq[p + 1]``). Arrays of length
    ``n``; ``inf`` for the other nodes. Window-free routes: any edge fits when the detour fits the slack.
    """
    raw = np.full(n, INF)
    edge = np.zeros(n, dtype=np.int64)
    for p in range(seq.size - 1):
        out_a, into_b = travel[seq[p]], travel_t[seq[p + 1]]
        base = travel[seq[p], seq[p + 1]]
        for u in nodes:
            if allowed[u]:
                x = out_a[u] + into_b[u] + service[u] - base
                if x < raw[u]:
                    raw[u], edge[u] = x, p
    return raw, edge


@njit(cache=True)
def greedy_insert_plain(seqs: Arr, lens: Arr, dur: Arr, limit: Arr, cls: Arr, allowed: Arr, raw: Arr, edge: Arr,
                        nodes: Arr, pool: Arr, weight: Arr, travel: Arr, travel_t: Arr, service: Arr) -> int:
    """Greedy insertion on window-free routes: repeatedly the best ``weight / added s`` that fits.

    ``seqs`` (routes x capacity) holds each route's nodes, depots at both ends, in its first
    ``lens[r]`` entries; ``dur`` the durations (s), ``limit`` the limits; ``raw``/``edge`` (routes x
    n) each node's cheapest detour and edge in each route (:func:`cheapest_edges`). Without windows
    every position of a route has the same slack (limit minus duration), so an insertion only
    compares, in its own route, each node's cheapest detour with the two new edges; a node whose
    cheapest edge it split keeps a lower bound (edge ``STALE``), priced exactly only when it could fit. Tasks come from ``pool`` (with ``weight``); every node of ``nodes`` is kept priced.
    Updates ``seqs``, ``lens``, ``dur``, ``raw`` and ``edge`` in place; returns the number inserted.
    """
    nv, npool = seqs.shape[0], pool.size
    alive = np.ones(npool, dtype=np.bool_)
    top_score = np.full(nv, -INF)  # per route: the best score and its pool index
    top_j = np.full(nv, -1, dtype=np.int64)
    for r in range(nv):
        top_score[r], top_j[r] = _best_of_route(r, seqs, lens, cls, raw, edge, pool, alive, weight,
                                                limit[r] - dur[r] + TOL_S, travel, travel_t, service)
    done = 0
    while True:
        best, br = -INF, -1
        for r in range(nv):
            if top_j[r] >= 0 and top_score[r] > best:
                best, br = top_score[r], r
        if br < 0:
            return done
        r, bj = br, top_j[br]
        c, u, p = cls[r], pool[bj], edge[r, pool[bj]]
        n = lens[r]
        seq = seqs[r]
        for k in range(n, p + 1, -1):
            seq[k] = seq[k - 1]
        seq[p + 1] = u
        lens[r] = n + 1
        dur[r] += raw[r, u]
        alive[bj] = False
        done += 1
        tr, tt, sv = travel[c], travel_t[c], service[c]
        a, b = seq[p], seq[p + 2]
        row, erow, may = raw[r], edge[r], allowed[r]
        from_a, into_u, from_u, into_b = tr[a], tt[u], tr[u], tt[b]  # rows: read in order below
        base1, base2 = tr[a, u], tr[u, b]
        for w in nodes:
            if not may[w] or w == u:
                continue
            x1 = from_a[w] + into_u[w] + sv[w] - base1
            x2 = from_u[w] + into_b[w] + sv[w] - base2
            if erow[w] == p:  # its cheapest edge was split: the rest are no cheaper, so min is a lower bound
                erow[w] = STALE
            elif erow[w] > p:
                erow[w] += 1
            if erow[w] == STALE:  # a lower bound stays one; priced exactly once it could fit (_best_of_route)
                row[w] = min(row[w], x1, x2)
                continue
            if x1 < row[w]:
                row[w], erow[w] = x1, p
            if x2 < row[w]:
                row[w], erow[w] = x2, p + 1
        for q in range(nv):  # the changed route, and the routes whose best task was just taken
            if q == r or top_j[q] == bj:
                top_score[q], top_j[q] = _best_of_route(q, seqs, lens, cls, raw, edge, pool, alive, weight,
                                                        limit[q] - dur[q] + TOL_S, travel, travel_t, service)


@njit(cache=True)
def _best_of_route(r: int, seqs: Arr, lens: Arr, cls: Arr, raw: Arr, edge: Arr, pool: Arr, alive: Arr, weight: Arr,
                   room: float, travel: Arr, travel_t: Arr, service: Arr) -> tuple[float, int]:
    """The best ``weight / added s`` in route ``r`` among alive pool tasks whose detour fits ``room``;
    its pool index (-1: none). A stale entry (a lower bound) that could fit is priced exactly first."""
    best, bj = -INF, -1
    row, erow = raw[r], edge[r]
    for j in range(pool.size):
        u = pool[j]
        if not alive[j] or not row[u] <= room:
            continue
        if erow[u] == STALE:
            c = cls[r]
            row[u], erow[u] = _cheapest_edge(seqs[r], lens[r], u, travel[c], travel_t[c], service[c])
            if not row[u] <= room:
                continue
        x = row[u]
        score = weight[j] / ((x if x > 0.0 else 0.0) + 1e-9)
        if score > best:
            best, bj = score, j
    return best, bj
