"""What surveys and corridor patrols share: lane spacing inputs, skip-lane order, coverage measures.

Local planar frame in metres (x east, y north); :mod:`planner.layout.survey` and
:mod:`planner.layout.corridor` lay out the lanes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from planner.core.dubins import Pose
from planner.core.errors import InputError

__all__ = ["COVERAGE_GRID_M", "Point2", "coverage_fraction", "entry_point", "lane_order", "lanes_outside",
           "positive", "strip_area", "swept_area", "valid_overlap"]

Point2 = tuple[float, float]

# Precision grid (m) of the coverage union: GEOS's cascaded union of many edge-sharing swath rectangles
# (zero overlap) can silently drop a region in floating point; snapping to 1 mm keeps it robust.
COVERAGE_GRID_M = 1e-3


def positive(name: str, value: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a number, got {value!r}") from exc
    if not math.isfinite(v) or v <= 0:
        raise InputError(f"{name} must be finite and > 0, got {value!r}")
    return v


def valid_overlap(value: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"side_overlap must be a number, got {value!r}") from exc
    if not (0.0 <= v < 1.0):
        raise InputError(f"side_overlap must be in [0, 1), got {value!r}")
    return v


def entry_point(entry_hint: Point2 | Pose | None) -> np.ndarray | None:
    """``entry_hint`` as a float array ``[x_m, y_m]`` (None stays None); InputError when malformed."""
    if entry_hint is None:
        return None
    xy = (entry_hint.x_m, entry_hint.y_m) if isinstance(entry_hint, Pose) else entry_hint
    try:
        arr = np.asarray(xy, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"entry_hint must be a finite (x_m, y_m) point or a Pose, got {entry_hint!r}") from exc
    if arr.shape != (2,) or not np.isfinite(arr).all():
        raise InputError(f"entry_hint must be a finite (x_m, y_m) point or a Pose, got {entry_hint!r}")
    return arr


def lane_order(m: int, min_gap: int) -> list[int]:
    """Flying order of ``m`` adjacent lanes (indices 0..m-1) so consecutive lanes are >= ``min_gap`` apart.

    ``min_gap <= 1`` is plain boustrophedon. Otherwise lanes are split into blocks of at least
    ``2 * min_gap + 1`` lanes (sizes as equal as possible); each block interleaves its two halves,
    the larger half first (0, h, 1, h+1, ... with h = ceil(size / 2)), and consecutive blocks are
    chained (the next block starts with its upper half when the previous ended on its top lane) so
    the jump between blocks is also >= ``min_gap``. When ``m < 2 * min_gap + 1`` one block is used and
    smaller gaps are unavoidable.
    """
    if m <= 0:
        return []
    if min_gap <= 1 or m <= 2:
        return list(range(m))
    nb = max(1, m // (2 * min_gap + 1))
    base, extra = divmod(m, nb)
    sizes = [base + 1] * extra + [base] * (nb - extra)
    order: list[int] = []
    start, ended_top = 0, False
    for sz in sizes:
        big = (sz + 1) // 2
        small = sz - big
        if not ended_top:  # lower half first: L0 U0 L1 U1 ...
            first = list(range(start, start + big))
            second = list(range(start + big, start + sz))
        else:  # upper half first: U0 L0 U1 L1 ...
            first = list(range(start + small, start + sz))
            second = list(range(start, start + small))
        for i in range(big):
            order.append(first[i])
            if i < len(second):
                order.append(second[i])
        ended_top = order[-1] == start + sz - 1
        start += sz
    return order


def swept_area(lines: Sequence[Sequence[Point2]], swath_m: float) -> Polygon | MultiPolygon:
    """Ground a sensor of ``swath_m`` sweeps flying the polylines ``lines`` (m, local frame): the union of
    the lines buffered by ``swath_m / 2`` with flat caps (zero-length lines sweep nothing)."""
    return strip_area(lines, ((-swath_m / 2.0, swath_m / 2.0),))


def strip_area(lines: Sequence[Sequence[Point2]], strips_m: Sequence[tuple[float, float]]) -> Polygon | MultiPolygon:
    """Ground imaged flying the polylines ``lines`` (m, local frame) by a sensor mapping the cross-track
    intervals ``strips_m`` (m, positive right of the direction flown, e.g. (-w/2, w/2) under the track or
    (near, far) on the right): the union over lines and strips of the band between those offsets, flat
    at the ends (single-sided buffers; zero-length lines image nothing)."""
    shapes = np.array([LineString(line) for line in lines if len(line) >= 2 and line[0] != line[-1]], dtype=object)
    parts = []
    for lo, hi in strips_m:
        if lo == -hi:
            parts.append(shapely.buffer(shapes, hi, cap_style="flat"))
            continue
        for near, far, sign in ((max(lo, 0.0), hi, -1.0), (max(-hi, 0.0), -lo, 1.0)):  # right, then left
            if far <= near:
                continue
            band = shapely.buffer(shapes, sign * far, single_sided=True)
            if near > 0:
                band = shapely.difference(band, shapely.buffer(shapes, sign * near, single_sided=True))
            parts.append(band)
    if not parts:
        return Polygon()
    return shapely.union_all(np.concatenate(parts), grid_size=COVERAGE_GRID_M)


def coverage_fraction(area: Polygon | MultiPolygon, covered: BaseGeometry) -> float:
    """Share of ``area`` (0..1) inside ``covered``: area(area ∩ covered) / area(area)."""
    return float(shapely.intersection(area, covered).area / area.area)


def lanes_outside(lanes: Sequence[tuple[Point2, Point2]], area: BaseGeometry, margin_m: float) -> float:
    """Longest length (metres) of any lane lying outside ``area`` buffered by ``margin_m``; 0 when none.

    The buffer's round parts are polygons (256 segments a quarter circle), up to ~2e-5 * margin inside
    the true circle, so allow that much slack in ``margin_m`` when a lane may touch the limit.
    """
    zone = area.buffer(margin_m, quad_segs=256)
    worst = 0.0
    for lane in lanes:
        worst = max(worst, LineString(lane).difference(zone).length)
    return worst
