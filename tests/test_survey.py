"""Survey lanes: coverage, the half-swath lane rule, holes and concave shapes, skip-lane order, turns."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from planner.core.dubins import DubinsPath, Pose, Straight
from planner.core.errors import InputError
from planner.layout.lanes import coverage_fraction, lane_order, lanes_outside
from planner.layout.survey import SurveyPattern, survey_pattern

R = 600.0  # turn radius, m (Anka-class at ~30 deg bank)
V = 55.0  # speed, m/s
TOL = 0.05  # m of slack for the polygonal buffer used in the lane rule check


def plan(area: Polygon | MultiPolygon, **kw: object) -> SurveyPattern:
    args: dict[str, object] = {"swath_m": 2000.0, "side_overlap": 0.2, "turn_radius_m": R, "speed_mps": V}
    args.update(kw)
    return survey_pattern(area, **args)  # type: ignore[arg-type]


def assert_sound(p: SurveyPattern, area: Polygon | MultiPolygon) -> None:
    """Coverage >= 99.5 %, lanes within half a lane spacing of the area, legs chained, length summed."""
    assert coverage_fraction(area, p.coverage()) >= 0.995
    assert lanes_outside(p.lanes, area, p.spacing_m / 2 + TOL) == 0.0
    assert p.spacing_m <= p.swath_m
    assert p.length_m == pytest.approx(sum(leg.length_m for leg in p.path), rel=1e-12)
    assert p.duration_s == pytest.approx(p.length_m / p.speed_mps)
    lanes = [leg for leg in p.path if isinstance(leg, Straight)]
    assert len(lanes) == len(p.lanes)
    assert len(p.turns) == len(p.lanes) - 1
    for leg, ((x0, y0), (x1, y1)) in zip(lanes, p.lanes, strict=True):
        e = leg.end_pose()
        assert (leg.start.x_m, leg.start.y_m, e.x_m, e.y_m) == pytest.approx((x0, y0, x1, y1), abs=1e-6)
    for a, b in itertools.pairwise(p.path):
        e, s = a.end_pose(), b.start
        assert math.hypot(e.x_m - s.x_m, e.y_m - s.y_m) < 1e-6
        assert abs((e.heading_rad - s.heading_rad + math.pi) % (2 * math.pi) - math.pi) < 1e-6
    assert p.entry == p.path[0].start
    assert p.exit == p.path[-1].end_pose()
    assert 0.0 <= p.angle_deg < 180.0


def rows(p: SurveyPattern) -> list[int]:
    """Row index of each lane in flying order (offset across the lanes / spacing)."""
    t = math.radians(p.angle_deg)
    n = np.array([-math.sin(t), math.cos(t)])
    off = [float(np.dot(n, np.add(a, b) / 2)) for a, b in p.lanes]
    return [round((o - min(off)) / p.spacing_m) for o in off]


# --- shapes ----------------------------------------------------------------------------------------

RECT = box(0, 0, 30_000, 12_000)
U_SHAPE = box(0, 0, 30_000, 20_000).difference(box(10_000, 6_000, 20_000, 20_000))
L_SHAPE = box(0, 0, 25_000, 25_000).difference(box(8_000, 8_000, 25_000, 25_000))
HOLED = box(0, 0, 24_000, 24_000).difference(box(6_000, 6_000, 16_000, 14_000))
THIN = affinity.rotate(box(0, 0, 60_000, 1_500), 37, origin=(0, 0))
MULTI = MultiPolygon([box(0, 0, 10_000, 10_000), affinity.rotate(box(20_000, 0, 35_000, 6_000), 20)])


def test_rectangle_lanes_and_length() -> None:
    p = plan(RECT, angle_deg=0.0)
    assert_sound(p, RECT)
    assert p.spacing_m == pytest.approx(1600.0)
    assert len(p.lanes) == math.ceil(12_000 / 1600)
    for (x0, _), (x1, _) in p.lanes:
        assert {round(x0, 6), round(x1, 6)} == {0.0, 30_000.0}  # lanes span the rectangle exactly
    # spacing 1600 m >= 2R: plain boustrophedon, each turn a half circle plus a 400 m straight
    assert rows(p) == list(range(len(p.lanes)))
    for turn in p.turns:
        assert turn.length_m == pytest.approx(math.pi * R + 1600 - 2 * R, abs=1e-6)
    assert p.length_m == pytest.approx(len(p.lanes) * 30_000 + (len(p.lanes) - 1) * (math.pi * R + 400), abs=1e-6)


def test_chosen_angle_follows_the_long_side_of_a_rotated_rectangle() -> None:
    area = affinity.rotate(RECT, 30, origin=(0, 0))
    p = plan(area)
    assert_sound(p, area)
    assert abs((p.angle_deg - 30 + 90) % 180 - 90) < 0.5
    assert len(p.lanes) == 8


def test_thin_strip_is_one_lane_along_it() -> None:
    p = plan(THIN, swath_m=2000.0, side_overlap=0.0)
    assert_sound(p, THIN)
    assert len(p.lanes) == 1
    assert abs((p.angle_deg - 37 + 90) % 180 - 90) < 0.5


@pytest.mark.parametrize("area", [U_SHAPE, L_SHAPE], ids=["U", "L"])
def test_concave_lanes_never_cross_the_notch(area: Polygon) -> None:
    for angle in (0.0, 90.0, 45.0, None):
        p = plan(area, angle_deg=angle)
        assert_sound(p, area)
        notch = area.convex_hull.difference(area).buffer(-p.spacing_m / 2 - TOL)
        assert all(not LineString(lane).intersects(notch) for lane in p.lanes)


def test_u_shape_transects_split_in_two() -> None:
    p = plan(U_SHAPE, angle_deg=0.0)
    ys = sorted({round(a[1], 3) for a, _ in p.lanes})
    per_row = [sum(1 for a, _ in p.lanes if round(a[1], 3) == y) for y in ys]
    assert max(per_row) == 2  # the arms' rows have one lane per arm (QGC would bridge the notch)
    arm_rows = [y for y, c in zip(ys, per_row, strict=True) if c == 2]
    assert min(arm_rows) > 6_000 - p.spacing_m / 2


def test_holes_split_lanes_and_are_not_crossed() -> None:
    for angle in (0.0, 60.0, None):
        p = plan(HOLED, angle_deg=angle)
        assert_sound(p, HOLED)
        core = Polygon(HOLED.interiors[0]).buffer(-p.spacing_m / 2 - TOL)
        assert all(not LineString(lane).intersects(core) for lane in p.lanes)


def test_small_hole_is_flown_over() -> None:
    # A hole narrower than a lane spacing is inside some lane's strip: the lane crosses it (the rule
    # allows it) and the swath still covers the ring around it.
    area = box(0, 0, 10_000, 10_000).difference(Point(5_000, 5_000).buffer(300))
    p = plan(area, angle_deg=0.0)
    assert_sound(p, area)
    assert len(p.lanes) == math.ceil(10_000 / p.spacing_m)


def test_multipolygon() -> None:
    p = plan(MULTI)
    assert_sound(p, MULTI)
    gap = box(10_000 + p.spacing_m, -50_000, 15_000, 50_000)
    assert all(not LineString(lane).intersects(gap) for lane in p.lanes)


def test_skip_lane_order_when_spacing_below_two_radii() -> None:
    area = box(0, 0, 20_000, 20_000)
    p = plan(area, swath_m=1000.0, side_overlap=0.0, angle_deg=0.0)  # spacing 1000 < 2R = 1200
    assert_sound(p, area)
    r = rows(p)
    assert sorted(r) == list(range(20))
    gaps = [abs(a - b) for a, b in itertools.pairwise(r)]
    assert min(gaps) >= 2  # never two adjacent lanes in a row: 2 * 1000 m >= 2R
    for turn in p.turns:
        assert turn.length_m <= math.pi * R + max(gaps) * 1000 - 2 * R + 1e-6  # half circle + straight


def test_turns_respect_the_radius() -> None:
    p = plan(HOLED, swath_m=1000.0, side_overlap=0.1)
    for turn in p.turns:
        assert isinstance(turn, DubinsPath)
        assert turn.radius_m == R
        pts = turn.sample(R / 8)
        ds = turn.length_m / (len(pts) - 1)
        dh = np.abs((np.diff(pts[:, 2]) + math.pi) % (2 * math.pi) - math.pi)
        assert dh.max() <= ds / R + 1e-9


def test_deterministic() -> None:
    assert plan(HOLED) == plan(HOLED)
    assert plan(MULTI, entry_hint=(0.0, 0.0)) == plan(MULTI, entry_hint=(0.0, 0.0))


def test_entry_hint_picks_the_nearest_corner() -> None:
    for hint in [(0.0, 0.0), (30_000.0, 12_000.0), (30_000.0, 0.0), (0.0, 12_000.0)]:
        p = plan(RECT, angle_deg=0.0, entry_hint=hint)
        corners = [pt for lane in p.lanes for pt in lane]
        nearest = min(math.dist(hint, c) for c in corners)
        assert math.dist(hint, (p.entry.x_m, p.entry.y_m)) == pytest.approx(nearest)
    assert (
        plan(RECT, angle_deg=0.0, entry_hint=Pose(0, 0, 0)).entry == plan(RECT, angle_deg=0.0, entry_hint=(0, 0)).entry
    )


def test_angle_search_close_to_brute_force() -> None:
    for area in (L_SHAPE, affinity.rotate(HOLED, 17, origin=(0, 0))):
        chosen = plan(area).duration_s
        brute = min(plan(area, angle_deg=a).duration_s for a in range(0, 180, 2))
        assert chosen <= 1.03 * brute


def test_lane_order() -> None:
    assert lane_order(5, 1) == [0, 1, 2, 3, 4]
    assert lane_order(5, 2) == [0, 3, 1, 4, 2]
    assert lane_order(0, 3) == []
    for m in range(1, 40):
        for gap in range(1, 6):
            order = lane_order(m, gap)
            assert sorted(order) == list(range(m))
            if m >= 2 * gap + 1:
                assert min(abs(a - b) for a, b in itertools.pairwise(order)) >= min(gap, m - 1)


def test_coverage_polygon_has_flat_caps() -> None:
    p = plan(box(0, 0, 10_000, 1_000), swath_m=2_000.0, side_overlap=0.0, angle_deg=0.0)
    cov = p.coverage()
    assert cov.bounds == pytest.approx((0, -500, 10_000, 1_500))


@pytest.mark.parametrize(
    ("area", "kw"),
    [
        (LineString([(0, 0), (1, 1)]), {}),
        (Polygon(), {}),
        (Polygon([(0, 0), (10, 10), (10, 0), (0, 10)]), {}),  # bow-tie: invalid
        (RECT, {"swath_m": 0.0}),
        (RECT, {"swath_m": math.nan}),
        (RECT, {"side_overlap": 1.0}),
        (RECT, {"side_overlap": -0.1}),
        (RECT, {"turn_radius_m": 0.0}),
        (RECT, {"speed_mps": -5.0}),
        (RECT, {"angle_deg": math.inf}),
        (RECT, {"entry_hint": (math.nan, 0.0)}),
    ],
)
def test_bad_input_raises(area: object, kw: dict[str, object]) -> None:
    with pytest.raises(InputError):
        plan(area, **kw)  # type: ignore[arg-type]


# --- property test ---------------------------------------------------------------------------------


@st.composite
def polygons(draw: st.DrawFn) -> Polygon:
    """Random convex (hull of points) or star-shaped polygons, 2..40 km across, anywhere nearby."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    size = draw(st.floats(2_000, 40_000))
    if draw(st.booleans()):
        poly = shapely.MultiPoint(rng.normal(size=(12, 2)) * size / 3).convex_hull
    else:
        k = int(rng.integers(5, 12))
        ang = np.sort(rng.uniform(0, 2 * math.pi, k))
        rad = rng.uniform(0.3, 1.0, k) * size / 2
        poly = Polygon(np.column_stack([rad * np.cos(ang), rad * np.sin(ang)]))
    poly = affinity.translate(poly, *rng.uniform(-50_000, 50_000, 2))
    if not isinstance(poly, Polygon) or not poly.is_valid or poly.area < 1e4:
        poly = box(0, 0, size, size / 2)
    return poly


@settings(max_examples=25, deadline=None, database=None)
@given(
    polygons(),
    st.floats(500, 5_000),
    st.sampled_from([0.0, 0.1, 0.3, 0.6]),
    st.one_of(st.none(), st.floats(0, 180, exclude_max=True)),
)
def test_property_coverage_and_lane_rule(area: Polygon, swath: float, overlap: float, angle: float | None) -> None:
    p = plan(area, swath_m=swath, side_overlap=overlap, angle_deg=angle)
    assert_sound(p, area)
