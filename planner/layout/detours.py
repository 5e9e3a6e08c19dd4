"""Shortest zone-avoiding routes on the visibility graph of the keep-out outline's convex corners.

:meth:`planner.layout.airspace.Airspace.network` finds which legs between route ends and corners are clear;
:class:`Network` prices them with a leg cost (length, or flight time in the wind) and :class:`Routes` holds
every pair's shortest route (all-pairs over the corners by min-plus products, then ends joined to them).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from planner.core.errors import InfeasibleError, InputError

__all__ = ["CornerGraph", "LegCost", "Network", "Routes", "Terminals"]

LegCost = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""Cost of legs from their geodesic length (m) and mean track (deg true), vectorised; inf: not flyable."""

_MINPLUS_CHUNK = 4_000_000  # elements per min-plus block


@dataclass(frozen=True)
class CornerGraph:
    """The keep-out outline's convex corners: (V, 2) plane and lon/lat positions, (V, V) which pairs see
    each other, their geodesic lengths (m) and mean tracks (deg)."""

    nodes_xy: np.ndarray
    nodes_lonlat: np.ndarray
    vis: np.ndarray
    dist: np.ndarray
    az: np.ndarray


@dataclass(frozen=True)
class Routes:
    """Shortest zone-avoiding routes between every ordered pair of ``n`` points.

    ``cost`` (n, n) is the route cost under the leg cost used (metres when none was given), ``dist_m``
    (n, n) the geodesic length of the same routes, ``detoured`` (n, n) whether a route is more than the
    straight leg. Unreachable pairs (an endpoint inside a zone, or walled in) cost ``inf``. The diagonal
    is 0. :meth:`path` gives a route's vertices.
    """

    lons: np.ndarray
    lats: np.ndarray
    cost: np.ndarray
    dist_m: np.ndarray
    detoured: np.ndarray
    _slot: np.ndarray = field(repr=False)  # (n, n, 2) int8: which terminal of each end (0 self, 1 escape)
    _terminal: np.ndarray = field(repr=False)  # (2, n) terminal index of each point's slots, -1 none
    _t_lonlat: np.ndarray = field(repr=False)  # (T, 2)
    _via: np.ndarray = field(repr=False)  # (T, T) last graph node before the far terminal, -1 direct
    _first: np.ndarray = field(repr=False)  # (T, V) first graph node on the way from a terminal to a node
    _next: np.ndarray = field(repr=False)  # (V, V) next node on the shortest node-to-node path
    _n_lonlat: np.ndarray = field(repr=False)  # (V, 2)

    @property
    def escapes(self) -> np.ndarray:
        """(n, 2) lon/lat where each point's routes may step out of the margin first (NaN: none)."""
        out = np.full((self.lons.size, 2), np.nan)
        has = np.flatnonzero(self._terminal[1] >= 0)
        out[has] = self._t_lonlat[self._terminal[1, has]]
        return out

    def path(self, i: int, j: int) -> list[tuple[float, float]]:
        """Vertices (lon, lat) of the route from point ``i`` to point ``j``, both ends included.

        Consecutive vertices are joined by geodesics. Raises InfeasibleError when no route exists.
        """
        start = (float(self.lons[i]), float(self.lats[i]))
        end = (float(self.lons[j]), float(self.lats[j]))
        if i == j:
            return [start]
        if not math.isfinite(self.cost[i, j]):
            raise InfeasibleError(
                f"no route from ({start[0]:.5f}, {start[1]:.5f}) to ({end[0]:.5f}, {end[1]:.5f}) avoids the "
                "no-fly zones"
            )
        sa, sb = (int(s) for s in self._slot[i, j])
        ta, tb = int(self._terminal[sa, i]), int(self._terminal[sb, j])
        out = [start]
        if sa == 1:
            out.append(_point(self._t_lonlat[ta]))
        w = int(self._via[ta, tb])
        if w >= 0:
            u = int(self._first[ta, w])
            nodes = [u]
            while u != w:
                u = int(self._next[u, w])
                nodes.append(u)
            out.extend(_point(self._n_lonlat[k]) for k in nodes)
        if sb == 1:
            out.append(_point(self._t_lonlat[tb]))
        out.append(end)
        return out


@dataclass(frozen=True)
class Network:
    """Which legs between ``n`` points (and the zone corners) are clear, with their geodesics.

    Made by :meth:`planner.layout.airspace.Airspace.network`; :meth:`routes` prices it.
    """

    lons: np.ndarray
    lats: np.ndarray
    _graph: CornerGraph = field(repr=False)
    _ends: Terminals = field(repr=False)
    _dist: np.ndarray = field(repr=False)  # (T, T) terminal geodesics (m) and mean tracks (deg)
    _az: np.ndarray = field(repr=False)
    _direct: np.ndarray = field(repr=False)  # (T, T) straight leg clear
    _seen: np.ndarray = field(repr=False)  # (T, V) terminal sees corner
    _to_node: np.ndarray = field(repr=False)  # (T, V) geodesics terminal -> corner
    _to_node_az: np.ndarray = field(repr=False)

    def routes(self, *, cost: LegCost | None = None) -> Routes:
        """Shortest zone-avoiding routes between all ordered pairs of the points.

        ``cost(length_m, track_deg)`` prices geodesic legs from their length and mean track (e.g. time
        in wind; vectorised over any shape, inf where a leg cannot be flown); by default a route costs
        its length in metres. It must be linear in length along a track and obey the triangle
        inequality (a straight leg is never dearer than a bend), as flight time in a constant wind does.
        Raises InputError for a cost that is negative, NaN or of the wrong shape.
        """
        price: LegCost = cost if cost is not None else _length
        ends, dist = self._ends, self._dist
        legs = _priced(price, dist, self._az)
        best = _Best(np.where(self._direct, legs, np.inf), np.where(self._direct, dist, np.inf),
                     np.full(dist.shape, -1, np.int32))
        v = len(self._graph.nodes_xy)
        first = np.full((ends.count, v), -1, np.int32)
        nxt = np.full((v, v), -1, np.int32)
        if v and ends.count:
            first, nxt = self._detours(price, best)
        return _gather(self.lons, self.lats, ends, best, legs, dist, first, nxt, self._graph.nodes_lonlat)

    def _detours(self, price: LegCost, best: _Best) -> tuple[np.ndarray, np.ndarray]:
        """Improve ``best`` in place with routes over the corner graph; returns (first hop, next hop)."""
        graph, ends = self._graph, self._ends
        v = len(graph.nodes_xy)
        node_cost = _priced(price, graph.dist, graph.az)
        node_cost, node_dist, nxt = _all_pairs(np.where(graph.vis, node_cost, np.inf),
                                               np.where(graph.vis, graph.dist, np.inf))
        dist, az = self._to_node, self._to_node_az
        out_cost = np.where(self._seen, _priced(price, dist, az), np.inf)  # terminal -> corner
        in_cost = np.where(self._seen, _priced(price, dist, np.mod(az + 180.0, 360.0)), np.inf)  # corner -> terminal
        reach, first = _min_plus(out_cost, node_cost)
        hop = np.maximum(first, 0)
        reach_dist = np.where(first >= 0, np.take_along_axis(dist, hop, axis=1) + node_dist[hop, np.arange(v)], np.inf)
        other = ends.owner[:, None] != ends.owner[None, :]
        pa, pb = np.nonzero((~self._direct | ends.near[:, None] | ends.near[None, :]) & other)
        step = max(1, _MINPLUS_CHUNK // v)
        for s in range(0, pa.size, step):
            a, b = pa[s:s + step], pb[s:s + step]
            total = reach[a] + in_cost[b]
            w = np.argmin(total, axis=1)
            val = total[np.arange(a.size), w]
            better = val < best.cost[a, b]
            a, b, w = a[better], b[better], w[better]
            best.cost[a, b] = val[better]
            best.dist[a, b] = reach_dist[a, w] + dist[b, w]
            best.via[a, b] = w
        return first, nxt


@dataclass(frozen=True)
class Terminals:
    """Route ends: (T, 2) plane and lon/lat positions, clip length, owning point, whether inside the
    margin, ``slots`` (2, n): each point's own terminal and escape terminal (-1: none), and ``radius`` (T,):
    the plane radius of the circle flown round each end (0: none)."""

    xy: np.ndarray
    lonlat: np.ndarray
    clip: np.ndarray
    owner: np.ndarray
    near: np.ndarray
    slots: np.ndarray
    radius: np.ndarray

    @property
    def count(self) -> int:
        return int(self.owner.size)


@dataclass(frozen=True)
class _Best:
    """Best known terminal-to-terminal routes: (T, T) cost, geodesic length, last corner (-1: direct)."""

    cost: np.ndarray
    dist: np.ndarray
    via: np.ndarray


def _length(dist_m: np.ndarray, _track_deg: np.ndarray) -> np.ndarray:
    return dist_m


def _priced(price: LegCost, dist_m: np.ndarray, track_deg: np.ndarray) -> np.ndarray:
    """``price`` applied and checked."""
    out = np.asarray(price(dist_m, track_deg), float)
    if out.shape != dist_m.shape or np.isnan(out).any() or (out < 0).any():
        raise InputError("leg cost must return numbers >= 0 (or inf) in the shape of its inputs")
    return out


def _gather(
    lon: np.ndarray, lat: np.ndarray, ends: Terminals, best: _Best, legs: np.ndarray, dist: np.ndarray,
    first: np.ndarray, nxt: np.ndarray, nodes_lonlat: np.ndarray,
) -> Routes:
    """Point-to-point routes: the best pair of terminals (own or escape) for each pair of points."""
    n = lon.size
    cost_m = np.full((n, n), np.inf)
    dist_m = np.full((n, n), np.inf)
    slot = np.zeros((n, n, 2), np.int8)
    own = ends.slots[0]
    step_cost = np.zeros(ends.count)  # own -> escape leg, both ways, for escape terminals
    back_cost = np.zeros(ends.count)
    step_dist = np.zeros(ends.count)
    has = np.flatnonzero(ends.slots[1] >= 0)
    e, o = ends.slots[1, has], own[has]
    step_cost[e], back_cost[e], step_dist[e] = legs[o, e], legs[e, o], dist[o, e]
    for sa in (0, 1):
        for sb in (0, 1):
            ra, rb = np.flatnonzero(ends.slots[sa] >= 0), np.flatnonzero(ends.slots[sb] >= 0)
            if not ra.size or not rb.size:
                continue
            ga, gb = ends.slots[sa, ra], ends.slots[sb, rb]
            block = np.ix_(ra, rb)
            c = step_cost[ga][:, None] + best.cost[np.ix_(ga, gb)] + back_cost[gb][None, :]
            d = step_dist[ga][:, None] + best.dist[np.ix_(ga, gb)] + step_dist[gb][None, :]
            better = c < cost_m[block]
            cost_m[block] = np.where(better, c, cost_m[block])
            dist_m[block] = np.where(better, d, dist_m[block])
            slot[..., 0][block] = np.where(better, sa, slot[..., 0][block])
            slot[..., 1][block] = np.where(better, sb, slot[..., 1][block])
    np.fill_diagonal(cost_m, 0.0)
    np.fill_diagonal(dist_m, 0.0)
    ok = np.flatnonzero(own >= 0)
    both = np.ix_(ok, ok)
    straight = np.zeros((n, n), bool)
    straight[both] = (best.via[np.ix_(own[ok], own[ok])] < 0) & (slot[..., 0][both] == 0) & (slot[..., 1][both] == 0)
    detoured = np.isfinite(cost_m) & ~straight
    np.fill_diagonal(detoured, False)
    return Routes(lons=lon, lats=lat, cost=cost_m, dist_m=dist_m, detoured=detoured, _slot=slot,
                  _terminal=ends.slots, _t_lonlat=ends.lonlat, _via=best.via, _first=first, _next=nxt,
                  _n_lonlat=nodes_lonlat)


def _point(row: np.ndarray) -> tuple[float, float]:
    return float(row[0]), float(row[1])


def _all_pairs(cost: np.ndarray, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Floyd–Warshall over a (V, V) edge-cost matrix (inf: no edge): costs, lengths, next-hop matrix."""
    v = cost.shape[0]
    c = cost.copy()
    d = dist.copy()
    np.fill_diagonal(c, 0.0)
    np.fill_diagonal(d, 0.0)
    nxt = np.where(np.isfinite(c), np.arange(v)[None, :], -1).astype(np.int32)
    through = np.empty_like(c)
    better = np.empty(c.shape, bool)
    for k in range(v):
        rows = np.flatnonzero(np.isfinite(c[:, k]))  # only rows that reach k can improve through it
        if rows.size == 0:
            continue
        sub = np.add(c[rows, k:k + 1], c[k:k + 1, :], out=through[:rows.size])
        hit = np.less(sub, c[rows], out=better[:rows.size])
        if hit.any():
            r, col = np.nonzero(hit)
            i = rows[r]
            c[i, col] = sub[r, col]
            d[i, col] = d[i, k] + d[k, col]
            nxt[i, col] = nxt[i, k]
    return c, d, nxt


def _min_plus(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(m, V) ⊗ (V, V) in the min-plus semiring: result and argmin over the middle index (-1: none)."""
    m, v = a.shape
    out = np.full((m, b.shape[1]), np.inf)
    arg = np.full((m, b.shape[1]), -1, np.int32)
    step = max(1, _MINPLUS_CHUNK // max(v * v, 1))
    for s in range(0, m, step):
        total = a[s:s + step, :, None] + b[None, :, :]
        k = np.argmin(total, axis=1)
        val = np.take_along_axis(total, k[:, None, :], axis=1)[:, 0, :]
        out[s:s + step] = val
        arg[s:s + step] = np.where(np.isfinite(val), k, -1)
    return out, arg
