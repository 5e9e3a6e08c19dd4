"""What the terrain costs a transit: the altitude it must fly at, and the climb and descent that takes.

A transit from node i (left at altitude aᵢ) to node j (joined at aⱼ) flies at
Hᵢⱼ = max(aᵢ, aⱼ, highest ground under its track + clearance) — over its detour when it goes round no-fly
zones, and from the tangent where it leaves a circle (an orbit, the climb over a base). As everywhere in the time model (docs/concepts.md), climbs and descents are priced as flown in
circles on top of the horizontal time: (H − aᵢ) / climb rate + (H − aⱼ) / descent rate, which without
terrain is the old rise / climb or fall / descent. A transit that must fly above the aircraft's ceiling, or
over unknown ground, cannot be flown (inf). Every candidate leg is judged by
:meth:`planner.core.raster.MaxPyramid.highest` (coarse bounds first, exact only where the ground matters);
the assembled sortie draws its climbs from the same canonical samples (:mod:`planner.layout.transit`).
"""

from __future__ import annotations

import itertools

import numpy as np

from planner.costs.routing import Routing
from planner.model.aircraft import Aircraft
from planner.model.terrain import Terrain

__all__ = ["rise_s", "transit_tops_m"]


def transit_tops_m(terrain: Terrain, leave: np.ndarray, entry: np.ndarray, alt: np.ndarray,
                   routing: Routing | None = None, aircraft: str | None = None,
                   rows: np.ndarray | None = None, cols: np.ndarray | None = None,
                   radius_m: np.ndarray | None = None, slack_m: float = 0.0) -> np.ndarray:
    """(n, n) altitude (m AMSL) of the transit from each node's exit ``leave[i]`` (lon, lat) to each node's
    entry ``entry[j]``, given the nodes' altitudes ``alt``; detoured legs (``routing`` of ``aircraft``, route
    points ``rows``/``cols``) are judged along their detour. A node left from a circle (``radius_m`` > 0: the
    climb over a base, an orbit) is left on its tangent: its line is judged over the ground within the widest
    circle's radius of it (its first segment on a detour), which holds the tangent line. With ``slack_m`` > 0 an altitude may be up to that much higher than the ground needs (never
    lower), which is faster (:meth:`planner.core.raster.MaxPyramid.highest`). The diagonal is the node's
    altitude."""
    n = len(alt)
    clearance = terrain.clearance_m
    ex, ey = terrain.xy(leave[:, 0], leave[:, 1])
    nx, ny = terrain.xy(entry[:, 0], entry[:, 1])
    radius = np.zeros(n) if radius_m is None else np.asarray(radius_m, float)
    # a leg out of a circle strays up to its radius from the centre line: judged on the ground within that
    # much of the line (one wider pyramid, the widest circle's), which bounds the tangent line
    wide = terrain.peaks_within(float(radius.max())) if n and radius.max() > 0 else terrain.peaks
    symmetric = np.array_equal(leave, entry)  # the line i → j is the line j → i
    ii, jj = np.triu_indices(n, 1) if symmetric else np.nonzero(~np.eye(n, dtype=bool))
    floor = np.maximum(alt[ii], alt[jj]) - clearance
    out_ij, out_ji = radius[ii] > 0, (radius[jj] > 0) if symmetric else np.zeros(ii.size, bool)
    high_w = np.full(ii.size, np.nan)
    high_n = np.full(ii.size, np.nan)
    w, k = out_ij | out_ji, ~out_ij | (~out_ji if symmetric else False)
    high_w[w] = wide.highest(ex[ii[w]], ey[ii[w]], nx[jj[w]], ny[jj[w]], floor[w], slack=slack_m)
    high_n[k] = terrain.peaks.highest(ex[ii[k]], ey[ii[k]], nx[jj[k]], ny[jj[k]], floor[k], slack=slack_m)
    top = np.empty((n, n))
    top[ii, jj] = np.where(out_ij, high_w, high_n) + clearance
    if symmetric:
        top[jj, ii] = np.where(out_ji, high_w, high_n) + clearance
    np.fill_diagonal(top, alt)
    if routing is not None and aircraft is not None and rows is not None and cols is not None:
        routes = routing.routes[aircraft]
        detoured = routes.detoured[np.ix_(rows, cols)] & np.isfinite(routes.cost[np.ix_(rows, cols)])
        np.fill_diagonal(detoured, False)
        seen: dict[tuple[tuple[float, float], tuple[float, float]], float] = {}
        for i, j in zip(*np.nonzero(detoured), strict=True):
            path = routes.path(int(rows[i]), int(cols[j]))
            high = -np.inf
            for a, b in itertools.pairwise(path):
                if (a, b) not in seen:
                    seen[a, b] = float(terrain.highest_m(a[0], a[1], b[0], b[1])[0])
                high = max(high, seen[a, b])
            if radius[i] > 0 and len(path) > 1:  # the first segment, flown from the circle's tangent
                (ax, bx), (ay, by) = terrain.xy([path[0][0], path[1][0]], [path[0][1], path[1][1]])
                high = max(high, float(terrain.peaks_within(float(radius[i])).highest(ax, ay, bx, by)[0]))
            top[i, j] = max(alt[i], alt[j], high + clearance)
    return top


def rise_s(top: np.ndarray, alt: np.ndarray, aircraft: Aircraft) -> np.ndarray:
    """(n, n) climb and descent time (s) of transits flown at ``top`` between nodes at ``alt``; inf above
    the aircraft's ceiling or over unknown ground."""
    out = (top - alt[:, None]) / aircraft.climb_rate_mps + (top - alt[None, :]) / aircraft.descent_rate_mps
    return np.where(top > aircraft.ceiling_m + 1e-6, np.inf, out)
