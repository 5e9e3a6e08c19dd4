"""Drawable shapes of a plan in WGS84 (lon, lat, alt_m): routes and orbit circles, shared by all writers."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from planner.core import geo
from planner.layout.airspace import ZONE_STEP_DEG
from planner.layout.lanes import strip_area
from planner.model.plan import Orbit, Pattern, Sortie

__all__ = ["SORTIE_COLOURS", "imaged_area", "lonlat_edges", "orbit_ring", "pattern_coords", "route_coords",
           "sortie_colour"]


def lonlat_edges(geom: BaseGeometry) -> BaseGeometry:
    """``geom`` (WGS84) with its edges densified every 0.01°, as the planner reads them: edges of zones and
    areas are straight in longitude/latitude (GeoJSON), so a projection must bend them, not the chords."""
    return shapely.segmentize(geom, ZONE_STEP_DEG)

ORBIT_VERTICES = 72


def route_coords(sortie: Sortie) -> list[tuple[float, float, float]]:
    """The sortie's flight line: base, every turning point and pattern waypoint in order (orbits by their
    centre), base."""
    out: list[tuple[float, float, float]] = []
    for leg in sortie.legs:
        inner = leg.pattern.path if leg.pattern is not None else ()
        for p in (leg.start, *leg.via, *inner, leg.end):
            point = (p.lon, p.lat, p.alt_m)
            if not out or out[-1] != point:
                out.append(point)
    return out


def pattern_coords(pattern: Pattern, arc_vertices: int = 16) -> list[tuple[float, float, float]]:
    """The line a pattern flies: a racetrack as a closed oval (half circles drawn), a survey or patrol as
    its waypoints in order."""
    alt = pattern.path[0].alt_m
    if pattern.kind != "racetrack" or len(pattern.path) != 4:
        return [(p.lon, p.lat, p.alt_m) for p in pattern.path]
    lons = [p.lon for p in pattern.path]
    lats = [p.lat for p in pattern.path]
    frame = geo.LocalFrame.around(lons, lats)
    x, y = frame.to_local(lons, lats)
    a, b, c, d = (np.array([x[i], y[i]]) for i in range(4))
    pts = [a, b, *_half_circle(b, c, away_from=a, n=arc_vertices), c, d, *_half_circle(d, a, away_from=b, n=arc_vertices), a]
    arr = np.array(pts)
    lon, lat = frame.to_lonlat(arr[:, 0], arr[:, 1])
    return [(float(u), float(v), alt) for u, v in zip(lon, lat, strict=True)]


def _half_circle(p: np.ndarray, q: np.ndarray, *, away_from: np.ndarray, n: int) -> list[np.ndarray]:
    """Points strictly between ``p`` and ``q`` on the half circle over the chord pq, bulging away from
    ``away_from`` (local metres)."""
    centre = (p + q) / 2.0
    r = np.hypot(*(p - centre))
    start = np.arctan2(*(p - centre)[::-1])
    u, v = q - p, away_from - p
    side = -1.0 if u[0] * v[1] - u[1] * v[0] > 0 else 1.0  # turn the other way from where ``away_from`` lies
    angles = start + side * np.pi * np.arange(1, n) / n
    return [centre + r * np.array([np.cos(t), np.sin(t)]) for t in angles]


def imaged_area(pattern: Pattern) -> BaseGeometry:
    """What a pattern's sensor images, in WGS84 lon/lat: a survey's or patrol's strips beside its lanes
    (``Pattern.strips_m``), or the view of a racetrack's imaging legs (each leg joined to the target);
    empty when there is none."""
    lons = [p.lon for p in pattern.path]
    lats = [p.lat for p in pattern.path]
    frame = geo.LocalFrame.around(lons, lats)
    x, y = frame.to_local(lons, lats)
    xy = list(zip(map(float, x), map(float, y), strict=True))
    if pattern.kind == "racetrack":
        if pattern.roi is None:
            return Polygon()
        rx, ry = frame.to_local(pattern.roi.lon, pattern.roi.lat)
        views = [Polygon([xy[i], xy[j], (float(rx), float(ry))]) for i, j in pattern.lanes]
        local = shapely.union_all([v for v in views if v.is_valid and v.area > 0])
    elif pattern.strips_m:
        local = strip_area([xy[i:j + 1] for i, j in pattern.lanes], pattern.strips_m)
    else:
        return Polygon()
    return frame.geometry_to_lonlat(local)


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
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#882255", "#117733", "#332288", "#999933",
)
"""Colour of the n-th sortie (``#rrggbb``), the same on the map and in KML: Okabe and Ito's colour-blind-safe
palette (its yellow left out: too pale on white), then Paul Tol's darker ones, so no two of the first sorties
are a red and a green."""


def sortie_colour(index: int) -> str:
    """``#rrggbb`` colour of sortie number ``index`` (cycles through :data:`SORTIE_COLOURS`)."""
    return SORTIE_COLOURS[index % len(SORTIE_COLOURS)]
