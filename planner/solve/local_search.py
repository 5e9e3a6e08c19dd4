"""Compiled granular local search on window-free routes (numba): insert, replace, relocate, 2-opt, 2-opt*.

Routes are rows of ``seqs`` (routes x capacity): each route's nodes with its start depot first and its
end depot at ``lens[r] - 1``. Without windows nothing waits, so a route's duration is its services and
legs added up (``route_duration``, in the same order as :func:`planner.solve.kernels.schedule`) and a
change is feasible when the new duration is within the limit. Every move looks only at a task's
nearest tasks (``near``, granular neighbourhoods); a move is tried on its travel deltas, then the
changed route is rebuilt in a scratch row and its duration recomputed exactly before it is kept, so
what the search keeps is what ``schedule`` accepts. The objective is lexicographic: more prize first,
then less total duration. Times in seconds.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from planner.solve.kernels import TOL_S

Arr = np.ndarray
EPS_S = 1e-7
"""Smallest saving (s) a move must make to count as an improvement."""


@njit(cache=True)
def route_duration(seq: Arr, length: int, travel: Arr, service: Arr, start_s: float) -> float:
    """Duration (s) of the window-free route ``seq[:length]``, added up as ``schedule`` does."""
    s0 = seq[0]
    depart = start_s + service[s0]
    t = depart
    for k in range(1, length - 1):
        t += travel[seq[k - 1], seq[k]]
        t = t + service[seq[k]]
    t += travel[seq[length - 2], seq[length - 1]]
    return (t + service[seq[length - 1]]) - (depart - service[s0])


@njit(cache=True)
def index_route(seqs: Arr, lens: Arr, route: Arr, pos: Arr, r: int) -> None:
    """Record the route and position of every task of route ``r``."""
    for k in range(1, lens[r] - 1):
        route[seqs[r, k]] = r
        pos[seqs[r, k]] = k


@njit(cache=True)
def detour(tr: Arr, sv: Arr, a: int, u: int, b: int) -> float:
    """Seconds added by visiting ``u`` between ``a`` and ``b`` (travel detour plus service)."""
    return tr[a, u] + sv[u] + tr[u, b] - tr[a, b]


@njit(cache=True)
def commit(seqs: Arr, lens: Arr, dur: Arr, route: Arr, pos: Arr, r: int, new: Arr, length: int,
            duration: float) -> None:
    """Make ``new[:length]`` route ``r``."""
    seqs[r, :length] = new[:length]
    lens[r] = length
    dur[r] = duration
    index_route(seqs, lens, route, pos, r)


@njit(cache=True)
def with_insert(src: Arr, length: int, k: int, u: int, out: Arr) -> int:
    """``src[:length]`` with ``u`` placed at index ``k`` (before ``src[k]``), into ``out``; the new length."""
    out[:k] = src[:k]
    out[k] = u
    out[k + 1 : length + 1] = src[k:length]
    return length + 1


@njit(cache=True)
def with_removal(src: Arr, length: int, k: int, out: Arr) -> int:
    """``src[:length]`` without index ``k``, into ``out``; the new length."""
    out[:k] = src[:k]
    out[k : length - 1] = src[k + 1 : length]
    return length - 1


@njit(cache=True)
def insert_or_replace(u: int, seqs: Arr, lens: Arr, dur: Arr, limit: Arr, cls: Arr, start_s: Arr, allowed: Arr,
                       prize: Arr, near: Arr, travel: Arr, service: Arr, route: Arr, pos: Arr, buf: Arr) -> int:
    """Serve unserved ``u``: cheapest feasible insertion next to a served near task, else the best replacement."""
    best_cost, best_r, best_k = np.inf, -1, -1
    for w in near[u]:
        q = route[w]
        if q < 0 or not allowed[q, u]:
            continue
        c = cls[q]
        tr, sv = travel[c], service[c]
        j = pos[w]
        seq = seqs[q]
        for a_idx in (j - 1, j):  # the edges before and after w
            x = detour(tr, sv, seq[a_idx], u, seq[a_idx + 1])
            if x < best_cost and dur[q] + x <= limit[q] + TOL_S:
                best_cost, best_r, best_k = x, q, a_idx + 1
    if best_r >= 0:
        q = best_r
        length = with_insert(seqs[q], lens[q], best_k, u, buf)
        d = route_duration(buf, length, travel[cls[q]], service[cls[q]], start_s[q])
        if d <= limit[q] + TOL_S:
            commit(seqs, lens, dur, route, pos, q, buf, length, d)
            return 1
    # replace a served near task w (in route q) by u, at w's place or next to another near task of u
    best_gain, best_d, best_r, best_w, best_k = 0.0, np.inf, -1, -1, -1
    for w in near[u]:
        q = route[w]
        if q < 0 or not allowed[q, u] or prize[w] > prize[u]:
            continue
        gain = prize[u] - prize[w]
        c = cls[q]
        tr, sv = travel[c], service[c]
        seq = seqs[q]
        j = pos[w]
        base = dur[q] - detour(tr, sv, seq[j - 1], w, seq[j + 1])
        for v in near[u]:
            if v != w and route[v] != q:
                continue
            # edges next to v in the route without w (v == w: the gap w leaves)
            jv = j if v == w else pos[v]
            for side in range(2):
                if v == w:
                    if side == 1:
                        break
                    a, b = seq[j - 1], seq[j + 1]
                    k = j
                else:
                    ai = jv - 1 if side == 0 else jv
                    a, b = seq[ai], seq[ai + 1]
                    if a == w or b == w:
                        continue
                    k = ai + 1 if ai + 1 < j else ai  # index in the route once w is out
                d = base + detour(tr, sv, a, u, b)
                if d > limit[q] + TOL_S:
                    continue
                if gain > best_gain or (gain == best_gain and d < best_d and (gain > 0 or d < dur[q] - EPS_S)):
                    best_gain, best_d, best_r, best_w, best_k = gain, d, q, w, k
    if best_r < 0:
        return 0
    q = best_r
    length = with_removal(seqs[q], lens[q], pos[best_w], buf)
    length = with_insert(buf.copy(), length, best_k, u, buf)
    d = route_duration(buf, length, travel[cls[q]], service[cls[q]], start_s[q])
    if d > limit[q] + TOL_S or (best_gain == 0 and not d < dur[q] - EPS_S):
        return 0
    route[best_w] = -1
    commit(seqs, lens, dur, route, pos, q, buf, length, d)
    return 1


@njit(cache=True)
def relocate(u: int, seqs: Arr, lens: Arr, dur: Arr, limit: Arr, cls: Arr, start_s: Arr, allowed: Arr, near: Arr,
              travel: Arr, service: Arr, route: Arr, pos: Arr, buf_a: Arr, buf_b: Arr) -> int:
    """Move served ``u`` next to a near task (same or another route) when that shortens the total."""
    r = route[u]
    i = pos[u]
    cr = cls[r]
    seq_r = seqs[r]
    saving = detour(travel[cr], service[cr], seq_r[i - 1], u, seq_r[i + 1])
    best_gain, best_q, best_k = EPS_S, -1, -1
    for w in near[u]:
        q = route[w]
        if q < 0 or not allowed[q, u]:
            continue
        c = cls[q]
        tr, sv = travel[c], service[c]
        seq = seqs[q]
        j = pos[w]
        for ai in (j - 1, j):
            a, b = seq[ai], seq[ai + 1]
            if a == u or b == u:
                continue
            x = detour(tr, sv, a, u, b)
            gain = saving - x
            if gain <= best_gain:
                continue
            if q != r and dur[q] + x > limit[q] + TOL_S:
                continue
            best_gain, best_q, best_k = gain, q, ai + 1
    if best_q < 0:
        return 0
    q = best_q
    if q == r:
        length = with_removal(seq_r, lens[r], i, buf_a)
        k = best_k if best_k < i else best_k - 1
        length = with_insert(buf_a.copy(), length, k, u, buf_a)
        d = route_duration(buf_a, length, travel[cr], service[cr], start_s[r])
        if not d < dur[r] - EPS_S or d > limit[r] + TOL_S:
            return 0
        commit(seqs, lens, dur, route, pos, r, buf_a, length, d)
        return 1
    len_r = with_removal(seq_r, lens[r], i, buf_a)
    len_q = with_insert(seqs[q], lens[q], best_k, u, buf_b)
    d_r = route_duration(buf_a, len_r, travel[cr], service[cr], start_s[r])
    d_q = route_duration(buf_b, len_q, travel[cls[q]], service[cls[q]], start_s[q])
    if d_q > limit[q] + TOL_S or d_r > limit[r] + TOL_S or not d_r + d_q < dur[r] + dur[q] - EPS_S:
        return 0
    commit(seqs, lens, dur, route, pos, r, buf_a, len_r, d_r)
    commit(seqs, lens, dur, route, pos, q, buf_b, len_q, d_q)
    return 1


@njit(cache=True)
def two_opt(u: int, seqs: Arr, lens: Arr, dur: Arr, limit: Arr, cls: Arr, start_s: Arr, joinable: Arr, near: Arr,
            travel: Arr, service: Arr, symmetric: bool, route: Arr, pos: Arr, buf_a: Arr, buf_b: Arr) -> int:
    """The 2-opt (same route, segment reversed) or 2-opt* (tails exchanged) move joining ``u`` to a near task."""
    r = route[u]
    i = pos[u]
    seq_r = seqs[r]
    for w in near[u]:
        q = route[w]
        if q < 0:
            continue
        j = pos[w]
        if q == r:
            if abs(i - j) < 2:
                continue
            lo, hi = (i, j) if i < j else (j, i)
            # edges (s[lo], s[lo+1]) and (s[hi], s[hi+1]) -> (s[lo], s[hi]) and (s[lo+1], s[hi+1])
            c = cls[r]
            tr = travel[c]
            a, a1, b, b1 = seq_r[lo], seq_r[lo + 1], seq_r[hi], seq_r[hi + 1]
            delta = tr[a, b] + tr[a1, b1] - tr[a, a1] - tr[b, b1]
            if not symmetric:  # the reversed segment's own legs change too
                for k in range(lo + 1, hi):
                    delta += tr[seq_r[k + 1], seq_r[k]] - tr[seq_r[k], seq_r[k + 1]]
            if not delta < -EPS_S:
                continue
            length = lens[r]
            buf_a[:length] = seq_r[:length]
            buf_a[lo + 1 : hi + 1] = seq_r[lo + 1 : hi + 1][::-1]
            d = route_duration(buf_a, length, tr, service[c], start_s[r])
            if d < dur[r] - EPS_S and d <= limit[r] + TOL_S:
                commit(seqs, lens, dur, route, pos, r, buf_a, length, d)
                return 1
            continue
        if not joinable[r, q]:
            continue
        # r keeps ..u and takes w.. ; q keeps ..pred(w) and takes succ(u)..
        c = cls[r]
        tr, sv = travel[c], service[c]
        seq_q = seqs[q]
        len_r = i + 1 + lens[q] - j
        len_q = j + lens[r] - i - 1
        if len_r > buf_a.size or len_q > buf_b.size:
            continue
        delta = tr[u, w] + tr[seq_q[j - 1], seq_r[i + 1]] - tr[u, seq_r[i + 1]] - tr[seq_q[j - 1], w]
        if not delta < -EPS_S:
            continue
        buf_a[: i + 1] = seq_r[: i + 1]
        buf_a[i + 1 : len_r] = seq_q[j : lens[q]]
        buf_b[:j] = seq_q[:j]
        buf_b[j:len_q] = seq_r[i + 1 : lens[r]]
        buf_a[len_r - 1] = seq_r[lens[r] - 1]  # each keeps its own end depot (the same node)
        buf_b[len_q - 1] = seq_q[lens[q] - 1]
        d_r = route_duration(buf_a, len_r, tr, sv, start_s[r])
        d_q = route_duration(buf_b, len_q, tr, sv, start_s[q])
        if d_r <= limit[r] + TOL_S and d_q <= limit[q] + TOL_S and d_r + d_q < dur[r] + dur[q] - EPS_S:
            commit(seqs, lens, dur, route, pos, r, buf_a, len_r, d_r)
            commit(seqs, lens, dur, route, pos, q, buf_b, len_q, d_q)
            return 1
    return 0


@njit(cache=True)
def _push(u: int, queue: Arr, inq: Arr, tail: int) -> int:
    if not inq[u]:
        inq[u] = True
        queue[tail % queue.size] = u
        tail += 1
    return tail


@njit(cache=True)
def local_search(start: Arr, nstart: int, seqs: Arr, lens: Arr, dur: Arr, limit: Arr, cls: Arr, start_s: Arr,
                 allowed: Arr, joinable: Arr, prize: Arr, near: Arr, travel: Arr, service: Arr, symmetric: bool,
                 route: Arr, pos: Arr, queue: Arr, inq: Arr, buf_a: Arr, buf_b: Arr, max_moves: int) -> int:
    """Improve the routes in place from the tasks ``start[:nstart]``; the number of moves made.

    Each queued task ``u``, if unserved, is inserted next to a served near task, or replaces a served
    near task of smaller prize (or of equal prize, when that shortens the route); if served, it is
    relocated next to a near task (any route), or the 2-opt (same route) or 2-opt* (routes ``joinable``
    allows: same end depot, cost class and allowed tasks) move making it a neighbour of a near task
    is applied when that shortens the total. Every move queues the moved task and its near tasks;
    ``route``/``pos`` (task -> route, index; -1: unserved) are kept up to date. Every move improves
    (prize, then total duration) strictly, so the search ends; ``max_moves`` is a safety cap.
    """
    head = tail = 0
    for i in range(nstart):
        tail = _push(start[i], queue, inq, tail)
    moves = 0
    while head < tail and moves < max_moves:
        u = queue[head % queue.size]
        head += 1
        inq[u] = False
        if route[u] < 0:
            m = insert_or_replace(u, seqs, lens, dur, limit, cls, start_s, allowed, prize, near, travel, service,
                                   route, pos, buf_a)
        else:
            m = relocate(u, seqs, lens, dur, limit, cls, start_s, allowed, near, travel, service, route, pos,
                          buf_a, buf_b)
            if route[u] >= 0:
                m += two_opt(u, seqs, lens, dur, limit, cls, start_s, joinable, near, travel, service, symmetric,
                             route, pos, buf_a, buf_b)
        if m:
            moves += m
            tail = _push(u, queue, inq, tail)
            for w in near[u]:
                tail = _push(w, queue, inq, tail)
    while head < tail:  # leave the flags clean
        inq[queue[head % queue.size]] = False
        head += 1
    return moves
