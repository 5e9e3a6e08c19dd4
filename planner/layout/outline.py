"""The keep-out outline round no-fly zones, its corners, and segment tests against it in the gnomonic plane.

:class:`planner.layout.airspace.Airspace` asks these: the outline itself (zones grown by the margin,
merged, simplified within a tolerance capped by the margin, and verified to cover every zone plus the
margin), whether plane segments cross a geometry (bounding discs first, then GEOS), whether the hull of
two discs round a segment's ends meets one (a circle left on its tangent), and where an outline is convex
(the only corners a shortest path bends at). Plane metres.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from planner.core.errors import InfeasibleError, InputError

__all__ = ["MAX_CORNERS", "MAX_SIMPLIFY_FRACTION", "Outline", "convex_corners", "disc_hulls", "hits", "hull_hits",
           "keepout_outline", "part_discs"]

QUAD_SEGS = 3  # arc vertices per quarter circle where a buffered outline rounds a corner
SIMPLIFY_FRACTION = 0.05  # first outline simplification tolerance, as a fraction of the margin
MAX_SIMPLIFY_FRACTION = 1.0  # the tolerance doubles up to this fraction of the margin, never beyond
MIN_SIMPLIFY_M = 0.5
MAX_CORNERS = 1000  # corners the route graph may have (all-pairs shortest paths grow with their cube)
OUTLINE_STEP_M = 2000.0  # buffered outlines are densified before they move to the gnomonic plane
_CHECK_SLACK_M = 2.0  # the coverage check asks for the margin less this (its circles are polygons too)

_CHUNK = 200_000  # segments per vectorised geometry call
_MAX_FILTER_DISCS = 32  # above this many parts, segments go straight to GEOS
_HULL_SIDES = 16  # sides of the polygon drawn round each end disc of a hull (outside the circle)


@dataclass(frozen=True)
class Outline:
    """The keep-out outline in the plane, the buffer distance ``reach_m`` used and the simplification
    tolerance ``tol_m`` (metres)."""

    geometry: BaseGeometry
    reach_m: float
    tol_m: float


def keepout_outline(local: Sequence[BaseGeometry], names: Sequence[str], margin_m: float,
                    to_plane: Callable[[np.ndarray], np.ndarray]) -> Outline:
    """The merged keep-out outline of ``local`` zones (densified, in the metric frame) in the plane.

    Zones are buffered in the metric frame by ``margin / cos(π / (4·quad_segs)) + tol`` — round corners
    drawn with chords that stay outside the margin — then moved to the plane (``to_plane`` maps (k, 2)
    metric coordinates) and simplified by ``tol`` (plane metres are never shorter than true ones). ``tol``
    starts at 5 % of the margin and doubles while the outline has more than :data:`MAX_CORNERS` corners,
    up to the margin itself; an outline that still has too many is refused (InputError, naming the count).
    The result is verified: every zone grown by the margin must lie inside it (else the tolerance halves;
    InfeasibleError if even the finest outline does not cover, naming the zone).
    """
    if not local:
        return Outline(Polygon(), 0.0, 0.0)
    tol = max(SIMPLIFY_FRACTION * margin_m, MIN_SIMPLIFY_M)
    cap = max(MAX_SIMPLIFY_FRACTION * margin_m, MIN_SIMPLIFY_M)
    need = shapely.buffer(np.array(local, dtype=object), max(margin_m - _CHECK_SLACK_M, 0.0), quad_segs=16)
    need = shapely.transform(shapely.segmentize(need, OUTLINE_STEP_M / 4), to_plane)
    while True:
        outline, reach = _covering(local, margin_m, tol, to_plane, need)
        corners = len(convex_corners(outline))
        if corners <= MAX_CORNERS:
            break
        if tol >= cap:
            raise InputError(
                f"{len(local)} no-fly zones need a keep-out outline of {corners:,} corners even simplified by "
                f"{tol:,.0f} m (the most the {margin_m:,.0f} m margin allows); the planner routes round at most "
                f"{MAX_CORNERS:,}: merge zones that lie close together into fewer polygons, or plan a smaller area"
            )
        tol = min(2.0 * tol, cap)
    missing = _uncovered(outline, need)
    if missing is not None:
        raise InfeasibleError(f"internal: the keep-out outline does not cover no-fly zone '{names[missing]}' "
                              f"and its {margin_m:,.0f} m margin")
    return Outline(outline, reach, tol)


def _covering(local: Sequence[BaseGeometry], margin_m: float, tol: float, to_plane: Callable[[np.ndarray], np.ndarray],
              need: np.ndarray) -> tuple[BaseGeometry, float]:
    """The outline simplified by ``tol`` and the buffer distance used (m).

    Simplification moves an edge by about ``tol``, but not always within it (GEOS keeps topology, not a
    distance bound): every zone whose ``need`` (the zone grown by the margin, in the plane) the simplified
    outline does not cover gets its unsimplified outline back.
    """
    reach = margin_m / math.cos(math.pi / (4 * QUAD_SEGS)) + tol
    grown = shapely.union_all(
        shapely.buffer(np.array(local, dtype=object), reach, quad_segs=QUAD_SEGS, join_style="round")
    )
    on_plane = shapely.make_valid(shapely.transform(shapely.segmentize(grown, OUTLINE_STEP_M), to_plane))
    outline = shapely.make_valid(shapely.simplify(on_plane, tol, preserve_topology=True))
    outline = shapely.union_all([g for g in shapely.get_parts(outline) if isinstance(g, Polygon | MultiPolygon)])
    bad = _missing(outline, need)
    if bad.size:
        parts = shapely.get_parts(on_plane)
        back = parts[shapely.intersects(parts[:, None], need[None, bad]).any(axis=1)]
        outline = shapely.union_all([outline, *back])
    return shapely.normalize(outline), reach


def _uncovered(outline: BaseGeometry, need: np.ndarray) -> int | None:
    """Index of the first zone whose ``need`` (grown by the margin less a little, 16 chords a quarter turn,
    in the plane) the outline does not cover, or None."""
    bad = _missing(outline, need)
    return int(bad[0]) if bad.size else None


def _missing(outline: BaseGeometry, need: np.ndarray) -> np.ndarray:
    """Indices of the zones whose ``need`` the outline does not cover."""
    shapely.prepare(outline)
    return np.flatnonzero(~shapely.covers(outline, need))


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
    radius are clear without asking GEOS; with many parts the filter costs more than it saves (GEOS
    indexes a prepared geometry's edges itself) and every segment goes to GEOS.
    """
    m = a.shape[0]
    out = np.zeros(m, bool)
    if m == 0 or discs.size == 0:
        return out
    cand = np.flatnonzero(_near(discs, a, b)) if len(discs) <= _MAX_FILTER_DISCS else np.arange(m)
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
