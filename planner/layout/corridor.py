"""Corridor patrol: parallel passes along a line (pipeline, road, border) joined by Dubins turns.

Frame and units: a local planar frame in metres, x east, y north; the caller projects to it. Headings
(in :class:`~planner.dubins.Pose`) are radians COUNTER-CLOCKWISE FROM +x (east), the maths convention.
Speeds are m/s, durations seconds.

The corridor is the line buffered by ``width_m / 2`` with flat caps. It is flown in
``n = max(1, ceil(width_m / spacing_m))`` passes, ``spacing_m = swath_m * (1 - side_overlap)`` apart,
centred on the line: pass ``i`` is the line offset by ``(i - (n - 1) / 2) * spacing_m`` (positive to
the left of the line's direction; shapely ``offset_curve`` with round joins). Passes are flown end to
end, alternately in direction, in skip order when ``spacing_m < 2 * turn_radius_m`` (as in
:mod:`planner.survey`), joined by shortest Dubins paths. Within a pass the polyline is followed vertex
to vertex: its corners are left to the autopilot's waypoint turns and its length is the polyline's.

Limits: on the inside of a sharp bend the passes' swaths pivot around their vertices and can leave
small gaps when the overlap is small (a 90 degree bend with 10 % overlap leaves about 0.04 % of the
corridor); a pass whose offset exceeds the line's bend radius on the inside vanishes (GEOS returns an
empty curve) and is dropped, so a corridor wider than its own bends is not fully covered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon

from planner.core.dubins import DubinsPath, Pose, Straight, shortest_path
from planner.core.errors import InputError
from planner.layout.lanes import Point2, entry_point, lane_order, positive, strip_area, valid_overlap

__all__ = ["CorridorPattern", "corridor_area", "corridor_pattern"]

Leg = Straight | DubinsPath


@dataclass(frozen=True)
class CorridorPattern:
    """A flyable corridor patrol in the local metric frame.

    ``passes`` are the offset polylines in flying order and direction (each a tuple of (x, y) vertices,
    metres); ``offsets_m`` their signed offsets from the line (positive: left of the line's direction).
    ``path`` is every leg flown in order: straights along the passes and Dubins turns between passes
    (``radius_m == turn_radius_m``). ``length_m`` is the sum of the legs, ``duration_s = length_m /
    speed_mps``; ``entry``/``exit`` are the first and last poses flown. ``offset_m``: how far the imaged
    strip lies to the right of each pass (a side-looking sensor): ``offsets_m`` are the strips' centre
    lines, each pass is flown ``offset_m`` to the left of its strip in the direction it is flown.
    """

    passes: tuple[tuple[Point2, ...], ...]
    offsets_m: tuple[float, ...]
    path: tuple[Leg, ...]
    length_m: float
    duration_s: float
    width_m: float
    spacing_m: float
    swath_m: float
    turn_radius_m: float
    speed_mps: float
    entry: Pose
    exit: Pose
    offset_m: float = 0.0

    @property
    def turns(self) -> tuple[DubinsPath, ...]:
        """The Dubins legs between passes, in order."""
        return tuple(leg for leg in self.path if isinstance(leg, DubinsPath))

    def coverage(self) -> Polygon | MultiPolygon:
        """Ground imaged: the strip ``swath_m`` wide centred ``offset_m`` to the right of each pass as flown
        (flat ends); for ``offset_m`` 0 the passes buffered by ``swath_m / 2``."""
        return strip_area(self.passes, ((self.offset_m - self.swath_m / 2.0, self.offset_m + self.swath_m / 2.0),))


def corridor_area(line: LineString, width_m: float) -> Polygon:
    """The corridor to cover: ``line`` buffered by ``width_m / 2`` with flat caps (metres)."""
    return line.buffer(width_m / 2, cap_style="flat")


def _pass_vertices(geom: shapely.Geometry, line: LineString) -> np.ndarray | None:
    """One polyline ``(k, 2)`` for an offset curve, or None when it is empty.

    GEOS may return a MultiLineString (pieces touching at near-straight vertices, or split at a tight
    inner bend); the pieces are ordered along ``line`` and joined end to start by straight segments.
    """
    pieces = [g for g in shapely.get_parts(shapely.line_merge(geom)) if not g.is_empty and g.length > 0]
    if not pieces:
        return None
    pieces.sort(key=lambda g: line.project(shapely.Point(g.coords[0])))
    xy = np.concatenate([np.asarray(g.coords)[:, :2] for g in pieces])
    keep = np.r_[True, np.any(np.diff(xy, axis=0) != 0, axis=1)]
    xy = xy[keep]
    return xy if len(xy) >= 2 else None


def _offset(line: LineString, offset_m: float) -> shapely.Geometry:
    """``line`` offset by ``offset_m`` metres (positive: left), round joins; the line itself for 0."""
    return line if offset_m == 0 else line.offset_curve(offset_m, quad_segs=16, join_style="round")


def _straights(vertices: np.ndarray) -> list[Straight]:
    d = np.diff(vertices, axis=0)
    keep = np.hypot(d[:, 0], d[:, 1]) > 0
    return [
        Straight.between(float(a[0]), float(a[1]), float(b[0]), float(b[1]))
        for a, b, k in zip(vertices[:-1], vertices[1:], keep, strict=True)
        if k
    ]


def corridor_pattern(
    line: LineString,
    *,
    width_m: float,
    swath_m: float,
    side_overlap: float = 0.0,
    turn_radius_m: float,
    speed_mps: float,
    entry_hint: Point2 | Pose | None = None,
    offset_m: float = 0.0,
) -> CorridorPattern:
    """Plan passes along ``line`` covering a corridor ``width_m`` wide, joined by Dubins turns.

    Of the four ways to fly it (start at either end of the line, outermost left or right pass first)
    the one with the shortest length is chosen; ``entry_hint`` (e.g. the base) adds the straight
    distance from the hint to the entry to that choice. ``offset_m`` puts the imaged strip that far to
    the right of each pass as flown (a side-looking sensor). Raises InputError for a line that is not a
    non-empty finite LineString, non-positive or non-finite width, swath, radius or speed, an overlap
    outside [0, 1), or a non-finite hint.
    """
    if not isinstance(line, LineString) or line.is_empty or line.length <= 0:
        raise InputError("corridor line must be a LineString of positive length")
    if not np.isfinite(shapely.get_coordinates(line)).all():
        raise InputError("corridor line has non-finite coordinates")
    width = positive("width_m", width_m)
    swath = positive("swath_m", swath_m)
    radius = positive("turn_radius_m", turn_radius_m)
    speed = positive("speed_mps", speed_mps)
    overlap = valid_overlap(side_overlap)
    hint = entry_point(entry_hint)
    if not math.isfinite(offset_m):
        raise InputError(f"offset_m must be finite, got {offset_m!r}")

    spacing = swath * (1.0 - overlap)
    n = max(1, math.ceil(width / spacing - 1e-9))
    offsets = [(i - (n - 1) / 2) * spacing for i in range(n)]
    # a pass flown along the line sits offset_m left of its strip; flown back, offset_m right of it
    ahead = [_pass_vertices(_offset(line, o + offset_m), line) for o in offsets]
    back = [_pass_vertices(_offset(line, o - offset_m), line) for o in offsets] if offset_m else ahead
    usable = [i for i in range(n) if ahead[i] is not None or back[i] is not None]
    min_gap = max(1, math.ceil(2 * radius / spacing - 1e-9))
    base_order = [usable[i] for i in lane_order(len(usable), min_gap)]

    best: tuple[float, list[Leg], list[tuple[Point2, ...]], list[float]] | None = None
    for order in (base_order, base_order[::-1]):
        for forward_first in (True, False):
            legs: list[Leg] = []
            flown: list[tuple[Point2, ...]] = []
            for k, i in enumerate(order):
                forward = forward_first == (k % 2 == 0)
                verts = ahead[i] if forward else back[i]
                if verts is None:  # offset past a bend on its inside: this way round cannot be flown
                    legs = []
                    break
                if not forward:
                    verts = verts[::-1]
                straights = _straights(verts)
                if legs:
                    legs.append(shortest_path(legs[-1].end_pose(), straights[0].start, radius))
                legs.extend(straights)
                flown.append(tuple((float(x), float(y)) for x, y in verts))
            if not legs:
                continue
            total = float(sum(leg.length_m for leg in legs))
            key = total
            if hint is not None:
                key += math.hypot(legs[0].start.x_m - hint[0], legs[0].start.y_m - hint[1])
            if best is None or key < best[0]:
                best = (key, legs, flown, [offsets[i] for i in order])
    if best is None:
        raise InputError(f"no pass of the corridor can be flown: the line bends tighter than the "
                         f"{abs(offset_m):.0f} m its passes sit beside their strips")
    _, legs, flown, flown_offsets = best
    length = float(sum(leg.length_m for leg in legs))
    return CorridorPattern(
        passes=tuple(flown),
        offsets_m=tuple(flown_offsets),
        path=tuple(legs),
        length_m=length,
        duration_s=length / speed,
        width_m=width,
        spacing_m=spacing,
        swath_m=swath,
        turn_radius_m=radius,
        speed_mps=speed,
        entry=legs[0].start,
        exit=legs[-1].end_pose(),
        offset_m=float(offset_m),
    )
