"""Area survey: boustrophedon lanes over a polygon, joined by Dubins turns, with the sweep angle chosen.

Frame and units: a local planar frame in metres, x east, y north; the caller projects to it. Headings
(in :class:`~planner.dubins.Pose`) are radians COUNTER-CLOCKWISE FROM +x (east), the maths convention.
``angle_deg`` is the lane direction in degrees, also counter-clockwise from +x, in [0, 180): 0 means
east-west lanes, 90 north-south lanes. Speeds are m/s, durations seconds.

How the lanes are made (for an angle): in a frame rotated so that lanes run along +x, lane centre lines
are ``spacing_m = swath_m * (1 - side_overlap)`` apart and centred on the area. Each lane owns the strip
of height ``spacing_m`` around it; the area is intersected with that strip, and every connected piece
of the intersection gives one lane segment spanning the piece's x-extent (overlapping segments merged).

For a side-looking sensor (``offset_m``, the imaged strip's centre to the right of the track) the lanes
above are the strips' centre lines and each is flown ``offset_m`` to its left on whichever heading it is
flown; the lane rule and the coverage argument below hold for the strips.

Lane rule (tested): **every point of every lane lies within ``spacing_m / 2`` (<= ``swath_m / 2``) of the
area**, i.e. lanes are inside ``area.buffer(swath_m / 2)``. A lane never leaves the area by more than
half a swath; it may cross a notch or hole that is narrower than one lane spacing (in the direction
across the lanes), because its swath has to cover both sides anyway. Coverage is complete by
construction: each point of the area lies in some lane's strip, and that lane spans the point's
x-coordinate, so the lane's swath (flat-capped, half-width ``swath_m / 2`` >= ``spacing_m / 2``)
covers it. Unlike QGroundControl, which keeps the two farthest crossings of each transect, a concave
area or a hole splits a transect into several segments.

Segments are grouped into cells (runs of rows with exactly one segment each, joined to the next row's
segment) that are flown boustrophedon; when ``spacing_m < 2 * turn_radius_m`` lanes are flown in
skip-lane order (:func:`lane_order`) so that consecutive lanes are at least ``2 * turn_radius_m``
apart and no turn needs a reversal tighter than the aircraft can fly (with lane ends abreast, a turn is
a half circle plus a straight). Turns and transits between cells are shortest Dubins paths; the cells'
order and direction come from a multi-start greedy tour improved by moving single cells (or-opt). The sweep
angle (when not given) minimises the flight time including turns: candidate angles from the convex
hull's edges (the minimum-width direction is one of them) and a 15 degree grid, the best few refined by
golden-section search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from planner.core.dubins import DubinsPath, Pose, Straight, shortest_length, shortest_path
from planner.core.errors import InputError
from planner.layout.lanes import Point2, entry_point, lane_order, positive, strip_area, valid_overlap

__all__ = ["SurveyPattern", "survey_pattern"]

Leg = Straight | DubinsPath

_GRID_DEG = 15.0  # coarse scan step of the angle search
_REFINE = 3  # how many of the best coarse angles are refined
_GOLDEN_ITERS = 9  # golden-section iterations per refinement (bracket shrinks by 0.618 each)
_MAX_EDGE_CANDIDATES = 16  # longest convex-hull edges used as candidate directions
_EXACT_TRANSITS = 160  # up to this many cell variants (4 per cell) transits are exact Dubins lengths
_MANY_CELLS = 60  # above this many cells the cell tour search is cut down (fewer starts, two or-opt rounds)
_SLIVER = 1e-6  # strip pieces smaller than this times spacing**2 (m2) are ignored: a turn is not worth it


@dataclass(frozen=True)
class SurveyPattern:
    """A flyable survey of an area, in the local metric frame.

    ``lanes`` are ((x0, y0), (x1, y1)) in flying order and direction; ``path`` is every leg flown, in
    order: lane straights (:class:`~planner.dubins.Straight`) and turns or transits between lanes
    (:class:`~planner.dubins.DubinsPath` with ``radius_m == turn_radius_m``). ``length_m`` is the sum of
    the legs' lengths and ``duration_s = length_m / speed_mps``. ``entry`` is the start of the first
    lane, ``exit`` the end of the last. ``angle_deg`` is the lane direction, degrees counter-clockwise
    from +x (east), in [0, 180). ``offset_m`` is how far the imaged strip lies to the right of each lane
    (a side-looking sensor; 0 for one looking down): lanes are flown that far to the left of the strip
    centre lines, which obey the lane rule.
    """

    lanes: tuple[tuple[Point2, Point2], ...]
    path: tuple[Leg, ...]
    length_m: float
    duration_s: float
    angle_deg: float
    spacing_m: float
    swath_m: float
    turn_radius_m: float
    speed_mps: float
    entry: Pose
    exit: Pose
    offset_m: float = 0.0

    @property
    def turns(self) -> tuple[DubinsPath, ...]:
        """The Dubins legs between lanes, in order."""
        return tuple(leg for leg in self.path if isinstance(leg, DubinsPath))

    def coverage(self) -> Polygon | MultiPolygon:
        """Ground imaged on the lanes: the strip ``swath_m`` wide centred ``offset_m`` to the right of each
        lane (flat ends); for ``offset_m`` 0 the lane buffered by ``swath_m / 2``."""
        return strip_area(self.lanes, ((self.offset_m - self.swath_m / 2.0, self.offset_m + self.swath_m / 2.0),))


def _area(area: BaseGeometry) -> Polygon | MultiPolygon:
    if not isinstance(area, Polygon | MultiPolygon):
        raise InputError(f"survey area must be a Polygon or MultiPolygon, got {type(area).__name__}")
    if not np.isfinite(shapely.get_coordinates(area)).all():
        raise InputError("survey area has non-finite coordinates")
    if area.is_empty or area.area <= 0:
        raise InputError("survey area is empty")
    if not area.is_valid:
        raise InputError(f"survey area is not a valid polygon: {shapely.is_valid_reason(area)}")
    return area


@dataclass(frozen=True)
class _Cell:
    """Consecutive rows of lane segments in the rotated frame: ``y`` row ordinates, ``a``/``b`` x-extents."""

    y: np.ndarray
    a: np.ndarray
    b: np.ndarray


@dataclass(frozen=True)
class _Layout:
    """Lanes of one angle in flying order (rotated frame) with the cost of flying them."""

    angle_deg: float
    length_m: float
    starts: np.ndarray  # (k, 3) rotated-frame lane start poses in flying order
    ends: np.ndarray  # (k, 3)


class _Surveyor:
    """Everything fixed for one survey problem; evaluates sweep angles."""

    def __init__(
        self,
        area: Polygon | MultiPolygon,
        spacing_m: float,
        turn_radius_m: float,
        hint: np.ndarray | None,
        offset_m: float = 0.0,
    ) -> None:
        self.area = area
        self.spacing = spacing_m
        self.radius = turn_radius_m
        self.offset = offset_m
        c = area.centroid
        self.origin = np.array([c.x, c.y])
        self.hint = hint
        self.min_gap = max(1, math.ceil(2 * turn_radius_m / spacing_m - 1e-9))
        self.cache: dict[float, _Layout] = {}

    # frame helpers
    def _to_rotated(self, angle_deg: float) -> BaseGeometry:
        t = math.radians(angle_deg)
        c, s = math.cos(t), math.sin(t)
        ox, oy = self.origin
        return affinity.affine_transform(self.area, [c, s, -s, c, -(c * ox + s * oy), s * ox - c * oy])

    def to_world(self, xy: np.ndarray, angle_deg: float) -> np.ndarray:
        """Rotated-frame points ``(k, 2)`` back to the local frame."""
        t = math.radians(angle_deg)
        c, s = math.cos(t), math.sin(t)
        x, y = xy[:, 0], xy[:, 1]
        return np.column_stack([c * x - s * y + self.origin[0], s * x + c * y + self.origin[1]])

    def cells(self, angle_deg: float, sliver_m2: float) -> list[_Cell]:
        """Lane segments for ``angle_deg`` grouped into boustrophedon cells (rotated frame).

        Pieces of a strip smaller than ``sliver_m2`` are ignored.
        """
        rot = self._to_rotated(angle_deg)
        xmin, ymin, xmax, ymax = rot.bounds
        s = self.spacing
        height = ymax - ymin
        n = max(1, math.ceil(height / s - 1e-9))
        ys = ymin + (height - (n - 1) * s) / 2 + s * np.arange(n)
        strips = shapely.box(xmin - 1.0, ys - s / 2, xmax + 1.0, ys + s / 2)
        pieces = shapely.intersection(rot, strips)
        rows: list[list[tuple[float, float]]] = []
        for geom in pieces:
            parts = shapely.get_parts(geom)
            parts = parts[shapely.area(parts) > sliver_m2] if len(parts) else parts
            if len(parts) == 0:
                rows.append([])
                continue
            bounds = shapely.bounds(parts)
            iv = sorted(zip(bounds[:, 0].tolist(), bounds[:, 2].tolist(), strict=True))
            merged = [list(iv[0])]
            for a, b in iv[1:]:
                if a <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], b)
                else:
                    merged.append([a, b])
            rows.append([(a, b) for a, b in merged if b > a])
        # Group into cells: a segment continues the cell of the single segment it overlaps in the row
        # below, if that one overlaps nothing else in this row.
        cells: list[list[tuple[float, float, float]]] = []
        prev: list[tuple[float, float, int]] = []  # (a, b, cell index) of the previous row
        for k, row in enumerate(rows):
            cur: list[tuple[float, float, int]] = []
            ups = [[j for j, (pa, pb, _) in enumerate(prev) if a < pb and pa < b] for a, b in row]
            for (a, b), up in zip(row, ups, strict=True):
                if len(up) == 1 and sum(up[0] in u for u in ups) == 1:
                    ci = prev[up[0]][2]
                else:
                    ci = len(cells)
                    cells.append([])
                cells[ci].append((float(ys[k]), a, b))
                cur.append((a, b, ci))
            prev = cur
        return [_Cell(*(np.array(col) for col in zip(*cell, strict=True))) for cell in cells if cell]

    def _variants(self, cell: _Cell) -> list[tuple[np.ndarray, np.ndarray]]:
        """The four ways to fly a cell (from its bottom or top row, first lane +x or -x).

        Each is (start poses (k, 3), end poses (k, 3)) of the lanes in flying order, rotated frame.
        """
        m = len(cell.y)
        base = lane_order(m, self.min_gap)
        alternate = np.where(np.arange(m) % 2 == 0, 1.0, -1.0)
        out = []
        for reverse in (False, True):
            idx = np.array([m - 1 - i for i in base] if reverse else base)
            y, a, b = cell.y[idx], cell.a[idx], cell.b[idx]
            for first in (1.0, -1.0):
                east = first * alternate > 0
                head = np.where(east, 0.0, math.pi)
                track = y + self.offset * np.where(east, 1.0, -1.0)  # the strip lies offset to the right
                starts = np.column_stack([np.where(east, a, b), track, head])
                ends = np.column_stack([np.where(east, b, a), track, head])
                out.append((starts, ends))
        return out

    def layout(self, angle_deg: float) -> _Layout:
        """Lanes, flying order and length for one sweep angle (cached)."""
        angle_deg = round(angle_deg % 180.0, 9)
        if angle_deg >= 180.0:
            angle_deg = 0.0
        if angle_deg in self.cache:
            return self.cache[angle_deg]
        cells = self.cells(angle_deg, _SLIVER * self.spacing**2) or self.cells(angle_deg, 0.0)
        variants = [v for cell in cells for v in self._variants(cell)]  # 4 per cell
        # Internal length of each variant: its lanes plus its turns, all turns in one vectorised call.
        lanes_len = np.array([float(np.abs(ends[:, 0] - starts[:, 0]).sum()) for starts, ends in variants])
        turn_from = np.concatenate([ends[:-1] for _, ends in variants])
        turn_to = np.concatenate([starts[1:] for starts, _ in variants])
        owner = np.repeat(np.arange(len(variants)), [len(starts) - 1 for starts, _ in variants])
        turns = np.bincount(
            owner, weights=shortest_length(turn_from, turn_to, self.radius, paired=True), minlength=len(variants)
        )
        internal = lanes_len + turns
        entries = np.array([starts[0] for starts, _ in variants])
        exits = np.array([ends[-1] for _, ends in variants])
        start_cost = np.zeros(len(variants))
        if self.hint is not None:
            t = math.radians(angle_deg)
            c, s = math.cos(t), math.sin(t)
            hx, hy = self.hint - self.origin
            hint_rot = np.array([c * hx + s * hy, -s * hx + c * hy])
            start_cost = np.hypot(entries[:, 0] - hint_rot[0], entries[:, 1] - hint_rot[1])
        seq, total = _order_cells(internal, entries, exits, start_cost, self.radius)
        starts = np.concatenate([variants[i][0] for i in seq])
        ends = np.concatenate([variants[i][1] for i in seq])
        result = _Layout(angle_deg, total, starts, ends)
        self.cache[angle_deg] = result
        return result

    def cost(self, angle_deg: float) -> float:
        """Flown length in metres for a sweep angle (the objective of the angle search)."""
        return self.layout(angle_deg).length_m

    # angle search
    def candidate_angles(self) -> list[float]:
        """Coarse angles: a 15 degree grid plus the directions of the longest convex-hull edges."""
        hull = self.area.convex_hull
        xy = shapely.get_coordinates(hull.exterior if isinstance(hull, Polygon) else hull)
        d = np.diff(xy, axis=0)
        lengths = np.hypot(d[:, 0], d[:, 1])
        angles = np.degrees(np.arctan2(d[:, 1], d[:, 0])) % 180.0
        keep = np.argsort(-lengths)[:_MAX_EDGE_CANDIDATES]
        cand = [float(a) for a in angles[keep]]
        cand.append(_min_width_angle(xy))
        cand += [float(a) for a in np.arange(0.0, 180.0, _GRID_DEG)]
        out: list[float] = []
        for a in cand:
            if all(abs((a - b + 90.0) % 180.0 - 90.0) > 0.25 for b in out):
                out.append(a)
        return out

    def best_angle(self) -> float:
        """Sweep angle (degrees) minimising the flown length: coarse scan, then golden-section refinement."""
        cand = self.candidate_angles()
        scored = sorted((self.cost(a), a) for a in cand)
        best_cost, best = scored[0]
        for _, a in scored[:_REFINE]:
            lo, hi = a - _GRID_DEG / 2, a + _GRID_DEG / 2
            g = (math.sqrt(5) - 1) / 2
            x1, x2 = hi - g * (hi - lo), lo + g * (hi - lo)
            f1, f2 = self.cost(x1), self.cost(x2)
            for _ in range(_GOLDEN_ITERS):
                if f1 <= f2:
                    hi, x2, f2 = x2, x1, f1
                    x1 = hi - g * (hi - lo)
                    f1 = self.cost(x1)
                else:
                    lo, x1, f1 = x1, x2, f2
                    x2 = lo + g * (hi - lo)
                    f2 = self.cost(x2)
            for f, x in ((f1, x1), (f2, x2)):
                if f < best_cost:
                    best_cost, best = f, x
        return best % 180.0


def _min_width_angle(hull_xy: np.ndarray) -> float:
    """Lane direction (degrees) parallel to the hull edge that gives the hull its minimum width."""
    d = np.diff(hull_xy, axis=0)
    ln = np.hypot(d[:, 0], d[:, 1])
    ok = ln > 0
    if not ok.any():
        return 0.0
    d, ln = d[ok], ln[ok]
    normals = np.column_stack([-d[:, 1], d[:, 0]]) / ln[:, None]
    proj = hull_xy @ normals.T  # (points, edges)
    widths = proj.max(axis=0) - proj.min(axis=0)
    e = int(np.argmin(widths))
    return float(math.degrees(math.atan2(d[e, 1], d[e, 0])) % 180.0)


def _order_cells(
    internal: np.ndarray, entries: np.ndarray, exits: np.ndarray, start_cost: np.ndarray, radius_m: float
) -> tuple[list[int], float]:
    """Choose one variant per cell and an order: multi-start greedy on transit lengths, then or-opt.

    Transit lengths are exact Dubins lengths for up to ``_EXACT_TRANSITS`` variants, else straight
    distance plus a half circle for a reversal; the length returned always uses exact Dubins transits.

    Variants come in groups of four per cell. Returns (variant indices in order, flown length in metres);
    ``start_cost`` (e.g. distance from the entry hint) steers the choice but is not part of the length.
    """
    nv = len(internal)
    n_cells = nv // 4
    if n_cells == 1:
        i = int(np.argmin(internal + start_cost))
        return [i], float(internal[i])
    if nv <= _EXACT_TRANSITS:
        trans = shortest_length(exits, entries, radius_m)  # (nv, nv)
    else:  # many cells: straight distance, plus a half circle when the heading reverses (lanes run 0 or pi)
        trans = np.hypot(exits[:, None, 0] - entries[None, :, 0], exits[:, None, 1] - entries[None, :, 1])
        east_out, east_in = np.cos(exits[:, 2]) > 0, np.cos(entries[:, 2]) > 0
        trans += (math.pi * radius_m) * (east_out[:, None] != east_in[None, :])
    cell_of = np.arange(nv) // 4
    # Greedy tours from every variant of the first and last cells and of the cell cheapest to start
    # from, run side by side (one row per start).
    first_cells = {int(cell_of[np.argmin(start_cost + internal)]), 0}
    if n_cells <= _MANY_CELLS:
        first_cells.add(n_cells - 1)
    starts = np.array([v for v in range(nv) if cell_of[v] in first_cells])
    k = len(starts)
    seqs = np.empty((k, n_cells), dtype=int)
    seqs[:, 0] = starts
    visited = np.zeros((k, n_cells), dtype=bool)
    visited[np.arange(k), cell_of[starts]] = True
    totals = internal[starts].copy()
    cur = starts
    for step in range(1, n_cells):
        rows = trans[cur] + internal[None, :]
        rows[visited[:, cell_of]] = np.inf
        cur = np.argmin(rows, axis=1)
        totals += rows[np.arange(k), cur]
        visited[np.arange(k), cell_of[cur]] = True
        seqs[:, step] = cur
    best = int(np.argmin(totals + start_cost[starts]))
    seq = _relocate(seqs[best].tolist(), trans, internal, start_cost, rounds=4 if n_cells <= _MANY_CELLS else 2)
    s = np.asarray(seq)
    exact = shortest_length(exits[s[:-1]], entries[s[1:]], radius_m, paired=True)
    return seq, float(internal[s].sum() + exact.sum())


def _relocate(
    seq: list[int], trans: np.ndarray, internal: np.ndarray, start_cost: np.ndarray, rounds: int = 4
) -> list[int]:
    """Improve a cell tour by moving one cell at a time to its best position and variant (or-opt).

    The tour's cost is ``start_cost[first] + sum(internal) + sum(trans between consecutive)``.
    """
    seq = list(seq)
    if len(seq) < 3:
        return seq
    for _ in range(rounds):
        improved = False
        for x in list(seq):
            p = seq.index(x)
            prev = seq[p - 1] if p > 0 else None
            nxt = seq[p + 1] if p + 1 < len(seq) else None
            saved = internal[x] + (start_cost[x] if prev is None else trans[prev, x])
            if nxt is not None:
                saved += trans[x, nxt] - (start_cost[nxt] if prev is None else trans[prev, nxt])
            rest = np.asarray(seq[:p] + seq[p + 1 :])
            cell = x - x % 4
            v = np.arange(cell, cell + 4)[:, None]  # (4, 1) candidate variants
            head = start_cost[v] + trans[v, rest[0]] - start_cost[rest[0]]
            mid = trans[rest[:-1], v] + trans[v, rest[1:]] - trans[rest[:-1], rest[1:]]
            tail = trans[rest[-1], v]
            add = internal[v] + np.concatenate([head, mid, tail], axis=1)  # (4, len(rest) + 1)
            k = int(np.argmin(add))
            vi, q = divmod(k, add.shape[1])
            if saved - add[vi, q] > 1e-6:
                seq = rest.tolist()
                seq.insert(q, cell + vi)
                improved = True
        if not improved:
            break
    return seq


# --- public entry point ----------------------------------------------------------------------------


def survey_pattern(
    area: Polygon | MultiPolygon,
    *,
    swath_m: float,
    side_overlap: float = 0.0,
    turn_radius_m: float,
    speed_mps: float,
    angle_deg: float | None = None,
    entry_hint: Point2 | Pose | None = None,
    offset_m: float = 0.0,
) -> SurveyPattern:
    """Plan boustrophedon lanes over ``area`` (local metric frame) and the Dubins turns joining them.

    ``swath_m`` is the sensor's ground swath width; lanes are ``swath_m * (1 - side_overlap)`` apart.
    ``offset_m`` is where the imaged strip's centre lies to the right of the track (a side-looking
    sensor): each lane is flown that far to the left of its strip, on whichever heading it is flown.
    ``angle_deg`` fixes the lane direction (degrees counter-clockwise from +x); ``None`` chooses the
    one with the shortest flight time, turns included. ``entry_hint`` (e.g. the base) makes the pattern
    start near that point when there is a choice; it does not change the sweep angle search.

    Raises InputError for a non-polygon, empty or invalid area, non-positive or non-finite swath, turn
    radius or speed, an overlap outside [0, 1), or a non-finite angle or hint.
    """
    area = _area(area)
    swath = positive("swath_m", swath_m)
    overlap = valid_overlap(side_overlap)
    radius = positive("turn_radius_m", turn_radius_m)
    speed = positive("speed_mps", speed_mps)
    hint = entry_point(entry_hint)
    if not math.isfinite(offset_m):
        raise InputError(f"offset_m must be finite, got {offset_m!r}")
    spacing = swath * (1.0 - overlap)
    surveyor = _Surveyor(area, spacing, radius, hint, float(offset_m))
    if angle_deg is None:
        angle = surveyor.best_angle()
    else:
        try:
            angle = float(angle_deg)
        except (TypeError, ValueError) as exc:
            raise InputError(f"angle_deg must be a number, got {angle_deg!r}") from exc
        if not math.isfinite(angle):
            raise InputError(f"angle_deg must be finite, got {angle_deg!r}")
    return _build(surveyor, surveyor.layout(angle), swath, speed)


def _build(surveyor: _Surveyor, layout: _Layout, swath_m: float, speed_mps: float) -> SurveyPattern:
    angle = layout.angle_deg
    t = math.radians(angle)
    p0 = surveyor.to_world(layout.starts[:, :2], angle)
    p1 = surveyor.to_world(layout.ends[:, :2], angle)
    heads = layout.starts[:, 2] + t
    lanes = tuple(((float(a[0]), float(a[1])), (float(b[0]), float(b[1]))) for a, b in zip(p0, p1, strict=True))
    legs: list[Leg] = []
    for i, ((x0, y0), (x1, y1)) in enumerate(lanes):
        lane = Straight(Pose(x0, y0, float(heads[i])), math.hypot(x1 - x0, y1 - y0))
        if legs:
            prev = legs[-1]
            assert isinstance(prev, Straight)
            legs.append(shortest_path(prev.end_pose(), lane.start, surveyor.radius))
        legs.append(lane)
    first, last = legs[0], legs[-1]
    assert isinstance(first, Straight) and isinstance(last, Straight)
    length = float(sum(leg.length_m for leg in legs))
    return SurveyPattern(
        lanes=lanes,
        path=tuple(legs),
        length_m=length,
        duration_s=length / speed_mps,
        angle_deg=angle,
        spacing_m=surveyor.spacing,
        swath_m=swath_m,
        turn_radius_m=surveyor.radius,
        speed_mps=speed_mps,
        entry=first.start,
        exit=last.end_pose(),
        offset_m=surveyor.offset,
    )


