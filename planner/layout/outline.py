"""Segment tests against zones and keep-out outlines in the gnomonic plane, and the outline's corners.

:class:`planner.layout.airspace.Airspace` asks these: whether plane segments cross a geometry (bounding
discs first, then GEOS), whether the hull of two discs round a segment's ends meets one (a circle left on
its tangent), and where an outline is convex (the only corners a shortest path bends at). Plane metres.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

__all__ = ["convex_corners", "disc_hulls", "hits", "hull_hits", "part_discs"]

_CHUNK = 200_000  # segments per vectorised geometry call
_HULL_SIDES = 16  # sides of the polygon drawn round each end disc of a hull (outside the circle)


def part_discs(geom: BaseGeometry) -> np.ndarray:
    """(k, 3) discs (centre x, y, radius) enclosing each part of a geometry, with a little slack."""
    rows = []
    for part in shapely.get_parts(geom):
        xy = shapely.get_coordinates(part)
        if len(xy):
            centre = (xy.min(axis=0) + xy.max(axis=0)) / 2.0
            rows.append([*centre, float(np.hypot(*(xy - centre).T).max()) * (1 + 1e-9) + 1.0])
    return np.array(rows).reshape(-1, 3)


def _near(discs: np.ndarray, a: np.ndarray, b: np.ndarray, grow: np.ndarray | float = 0.0) -> np.ndarray:
    """Whether each segment a→b comes within a disc's radius (plus ``grow``) of its centre."""
    d = b - a
    dd = np.einsum("ij,ij->i", d, d)
    near = np.zeros(a.shape[0], bool)
    for cx, cy, r in discs:
        rel = np.array([cx, cy]) - a
        t = np.clip(np.einsum("ij,ij->i", rel, d) / np.where(dd > 0, dd, 1.0), 0.0, 1.0)
        gap = rel - t[:, None] * d
        near |= np.einsum("ij,ij->i", gap, gap) <= (r + grow) ** 2
    return near


def hits(geom: BaseGeometry, discs: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether each segment a→b (plane) intersects the prepared ``geom``.

    Segments farther from every part's bounding disc (``discs``: (k, 3) centre x, y and radius) than its
    radius are clear without asking GEOS.
    """
    m = a.shape[0]
    out = np.zeros(m, bool)
    if m == 0 or discs.size == 0:
        return out
    cand = np.flatnonzero(_near(discs, a, b))
    for s in range(0, cand.size, _CHUNK):
        idx = cand[s:s + _CHUNK]
        out[idx] = shapely.intersects(geom, shapely.linestrings(np.stack([a[idx], b[idx]], axis=1)))
    return out


def hull_hits(geom: BaseGeometry, discs: np.ndarray, a: np.ndarray, b: np.ndarray, ra: np.ndarray,
              rb: np.ndarray) -> np.ndarray:
    """Whether the convex hull of the discs of radius ``ra`` round ``a`` and ``rb`` round ``b`` meets ``geom``.

    That hull holds every straight line from a point of one disc to a point of the other: the tangent an
    aircraft leaves a circle on, toward the next waypoint, whichever way it circles. The discs are drawn
    as polygons outside the circles; ``discs`` filters as in :func:`hits`.
    """
    m = a.shape[0]
    out = np.zeros(m, bool)
    if m == 0 or discs.size == 0:
        return out
    cand = np.flatnonzero(_near(discs, a, b, np.maximum(ra, rb)))
    for s in range(0, cand.size, _CHUNK // _HULL_SIDES):
        idx = cand[s:s + _CHUNK // _HULL_SIDES]
        out[idx] = shapely.intersects(geom, disc_hulls(a[idx], b[idx], ra[idx], rb[idx]))
    return out


def disc_hulls(a: np.ndarray, b: np.ndarray, ra: np.ndarray, rb: np.ndarray) -> np.ndarray:
    """Polygons holding the convex hull of the disc of radius ``ra`` round each ``a`` and ``rb`` round ``b``
    ((m, 2) plane points, (m,) radii): each disc drawn as a polygon whose sides lie outside the circle."""
    ang = np.arange(_HULL_SIDES) * (2.0 * math.pi / _HULL_SIDES)
    ring = np.column_stack([np.cos(ang), np.sin(ang)]) / math.cos(math.pi / _HULL_SIDES)
    pts = np.concatenate([a[:, None, :] + ra[:, None, None] * ring[None],
                          b[:, None, :] + rb[:, None, None] * ring[None]], axis=1)
    return shapely.convex_hull(shapely.multipoints(pts))


def convex_corners(outline: BaseGeometry) -> np.ndarray:
    """(V, 2) vertices where the outline's obstacle is convex: the only corners a shortest path bends at."""
    corners = []
    for poly in shapely.get_parts(outline):
        if not isinstance(poly, Polygon):
            continue
        poly = shapely.geometry.polygon.orient(poly, sign=1.0)  # shell CCW, holes CW: obstacle on the left
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:-1, :2]
            if len(xy) < 3:
                continue
            prev = xy - np.roll(xy, 1, axis=0)
            nxt = np.roll(xy, -1, axis=0) - xy
            cross = prev[:, 0] * nxt[:, 1] - prev[:, 1] * nxt[:, 0]
            corners.append(xy[cross > 0])
    return np.vstack(corners) if corners else np.zeros((0, 2))
