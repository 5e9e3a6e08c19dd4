"""What the terrain costs a transit: the altitude it must fly at, and the climb and descent that takes.

A transit from node i (left at altitude aᵢ) to node j (joined at aⱼ) flies at
Hᵢⱼ = max(aᵢ, aⱼ, highest ground under its track + clearance) — over its detour when it goes round no-fly
zones. As everywhere in the time model (docs/concepts.md), climbs and descents are priced as flown in
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
                   rows: np.ndarray | None = None, cols: np.ndarray | None = None) -> np.ndarray:
    """(n, n) altitude (m AMSL) of the transit from each node's exit ``leave[i]`` (lon, lat) to each node's
    entry ``entry[j]``, given the nodes' altitudes ``alt``; detoured legs (``routing`` of ``aircraft``, route
    points ``rows``/``cols``) are judged along their detour. The diagonal is the node's altitude."""
    n = len(alt)
    clearance = terrain.clearance_m
    ex, ey = terrain.xy(leave[:, 0], leave[:, 1])
    nx, ny = terrain.xy(entry[:, 0], entry[:, 1])
    symmetric = np.array_equal(leave, entry)
    ii, jj = np.triu_indices(n, 1) if symmetric else np.nonzero(~np.eye(n, dtype=bool))
    floor = np.maximum(alt[ii], alt[jj]) - clearance
    top = np.empty((n, n))
    top[ii, jj] = terrain.peaks.highest(ex[ii], ey[ii], nx[jj], ny[jj], floor) + clearance
    if symmetric:
        top[jj, ii] = top[ii, jj]
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
            top[i, j] = max(alt[i], alt[j], high + clearance)
    return top


def rise_s(top: np.ndarray, alt: np.ndarray, aircraft: Aircraft) -> np.ndarray:
    """(n, n) climb and descent time (s) of transits flown at ``top`` between nodes at ``alt``; inf above
    the aircraft's ceiling or over unknown ground."""
    out = (top - alt[:, None]) / aircraft.climb_rate_mps + (top - alt[None, :]) / aircraft.descent_rate_mps
    return np.where(top > aircraft.ceiling_m + 1e-6, np.inf, out)
