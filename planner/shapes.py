"""Drawable shapes of a plan in WGS84 (lon, lat, alt_m): routes and orbit circles, shared by all writers."""

from __future__ import annotations

import numpy as np

from planner import geo
from planner.plan import Orbit, Sortie

__all__ = ["SORTIE_COLOURS", "orbit_ring", "route_coords", "sortie_colour"]

ORBIT_VERTICES = 72


def route_coords(sortie: Sortie) -> list[tuple[float, float, float]]:
    """The sortie's flight line: base, each leg's end point in order (orbits by their centre), base."""
    out: list[tuple[float, float, float]] = []
    for leg in sortie.legs:
        for p in (leg.start, leg.end):
            point = (p.lon, p.lat, p.alt_m)
            if not out or out[-1] != point:
                out.append(point)
    return out


def orbit_ring(orbit: Orbit, vertices: int = ORBIT_VERTICES) -> list[tuple[float, float, float]]:
    """The orbit circle as a closed ring of geodesic points at ``radius_m`` from the centre.

    Vertices run in the direction flown (clockwise seen from above when ``orbit.clockwise``).
    """
    az = np.linspace(0.0, 360.0, vertices, endpoint=False)
    if not orbit.clockwise:
        az = -az
    lon, lat = geo.destination(
        np.full(vertices, orbit.centre.lon), np.full(vertices, orbit.centre.lat), az % 360.0,
        np.full(vertices, orbit.radius_m),
    )
    ring = [(float(x), float(y), orbit.centre.alt_m) for x, y in zip(lon, lat, strict=True)]
    return [*ring, ring[0]]


SORTIE_COLOURS = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)
"""Colour of the n-th sortie (``#rrggbb``), the same on the map and in KML."""


def sortie_colour(index: int) -> str:
    """``#rrggbb`` colour of sortie number ``index`` (cycles through :data:`SORTIE_COLOURS`)."""
    return SORTIE_COLOURS[index % len(SORTIE_COLOURS)]
