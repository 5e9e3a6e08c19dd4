"""Corridor patrol: pass count and offsets, coverage of the corridor, turns, skip order, hints."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString

from planner.core.dubins import DubinsPath, Pose, Straight
from planner.core.errors import InputError
from planner.layout.corridor import CorridorPattern, corridor_area, corridor_pattern
from planner.layout.lanes import coverage_fraction

R = 600.0
V = 55.0
STRAIGHT = LineString([(0, 0), (40_000, 0)])
PIPELINE = LineString([(0, 0), (15_000, 4_000), (32_000, 2_000), (50_000, 12_000), (70_000, 11_000)])


def plan(line: LineString, **kw: object) -> CorridorPattern:
    args: dict[str, object] = {"width_m": 6_000.0, "swath_m": 2_500.0, "side_overlap": 0.1}
    args |= {"turn_radius_m": R, "speed_mps": V}
    args.update(kw)
    return corridor_pattern(line, **args)  # type: ignore[arg-type]


def assert_sound(p: CorridorPattern, line: LineString) -> None:
    assert coverage_fraction(corridor_area(line, p.width_m), p.coverage()) >= 0.995
    assert p.length_m == pytest.approx(sum(leg.length_m for leg in p.path), rel=1e-12)
    assert p.duration_s == pytest.approx(p.length_m / p.speed_mps)
    for a, b in itertools.pairwise(p.path):
        e, s = a.end_pose(), b.start
        assert math.hypot(e.x_m - s.x_m, e.y_m - s.y_m) < 1e-6
        if isinstance(a, DubinsPath) or isinstance(b, DubinsPath):  # turns join passes smoothly
            assert abs((e.heading_rad - s.heading_rad + math.pi) % (2 * math.pi) - math.pi) < 1e-6
    for turn in p.turns:
        assert turn.radius_m == p.turn_radius_m
        pts = turn.sample(p.turn_radius_m / 8)
        ds = turn.length_m / (len(pts) - 1)
        dh = np.abs((np.diff(pts[:, 2]) + math.pi) % (2 * math.pi) - math.pi)
        assert dh.max() <= ds / p.turn_radius_m + 1e-9
    assert p.entry == p.path[0].start
    assert p.exit == p.path[-1].end_pose()


def test_straight_corridor_passes_and_length() -> None:
    p = plan(STRAIGHT)
    assert_sound(p, STRAIGHT)
    assert p.spacing_m == pytest.approx(2_250.0)
    assert len(p.passes) == math.ceil(6_000 / 2_250) == 3
    assert sorted(p.offsets_m) == pytest.approx([-2_250.0, 0.0, 2_250.0])
    # passes alternate in direction
    dirs = [np.sign(ps[-1][0] - ps[0][0]) for ps in p.passes]
    assert all(a == -b for a, b in itertools.pairwise(dirs))
    # spacing 2250 >= 2R: each turn is a half circle plus a straight
    assert [t.length_m for t in p.turns] == pytest.approx([math.pi * R + 2_250 - 2 * R] * 2)
    assert p.length_m == pytest.approx(3 * 40_000 + 2 * (math.pi * R + 2_250 - 2 * R))


def test_narrow_corridor_is_one_pass_along_the_line() -> None:
    p = plan(PIPELINE, width_m=2_000.0)
    assert_sound(p, PIPELINE)
    assert len(p.passes) == 1 and p.offsets_m == (0.0,)
    assert p.turns == ()
    assert p.length_m == pytest.approx(PIPELINE.length)
    assert all(isinstance(leg, Straight) for leg in p.path)


def test_bent_pipeline_is_covered() -> None:
    for width in (3_000.0, 6_000.0, 11_000.0):
        p = plan(PIPELINE, width_m=width)
        assert_sound(p, PIPELINE)
        assert len(p.passes) == math.ceil(width / p.spacing_m)


def test_skip_order_when_spacing_below_two_radii() -> None:
    p = plan(STRAIGHT, width_m=10_000.0, swath_m=1_000.0, side_overlap=0.0)  # spacing 1000 < 2R
    assert_sound(p, STRAIGHT)
    assert len(p.passes) == 10
    idx = [round(o / 1_000 + 4.5) for o in p.offsets_m]
    assert sorted(idx) == list(range(10))
    assert min(abs(a - b) for a, b in itertools.pairwise(idx)) >= 2


def test_entry_hint_chooses_the_end() -> None:
    near_start = plan(STRAIGHT, entry_hint=(-1_000.0, 3_000.0))
    near_end = plan(STRAIGHT, entry_hint=Pose(41_000.0, -3_000.0, 0.0))
    assert near_start.entry.x_m == pytest.approx(0.0) and near_start.entry.y_m > 0
    assert near_end.entry.x_m == pytest.approx(40_000.0) and near_end.entry.y_m < 0


def test_deterministic() -> None:
    assert plan(PIPELINE) == plan(PIPELINE)


@pytest.mark.parametrize(
    ("line", "kw"),
    [
        (LineString(), {}),
        (LineString([(0, 0), (0, 0)]), {}),
        ("not a line", {}),
        (STRAIGHT, {"width_m": 0.0}),
        (STRAIGHT, {"swath_m": -1.0}),
        (STRAIGHT, {"side_overlap": 1.0}),
        (STRAIGHT, {"turn_radius_m": math.inf}),
        (STRAIGHT, {"speed_mps": 0.0}),
        (STRAIGHT, {"entry_hint": (0.0, math.nan)}),
    ],
)
def test_bad_input_raises(line: object, kw: dict[str, object]) -> None:
    with pytest.raises(InputError):
        plan(line, **kw)  # type: ignore[arg-type]


@st.composite
def gentle_lines(draw: st.DrawFn) -> LineString:
    """Random polylines like roads and pipelines: 2..6 legs of 8..25 km, bends up to 35 degrees."""
    n = draw(st.integers(1, 5))
    heading = draw(st.floats(-math.pi, math.pi))
    pts = [(0.0, 0.0)]
    for _ in range(n):
        length = draw(st.floats(8_000, 25_000))
        x, y = pts[-1]
        pts.append((round(x + length * math.cos(heading), 3), round(y + length * math.sin(heading), 3)))
        heading += math.radians(draw(st.floats(-35, 35)))
    return LineString(pts)


@settings(max_examples=25, deadline=None, database=None)
@given(gentle_lines(), st.floats(500, 8_000), st.floats(1_000, 5_000), st.sampled_from([0.1, 0.2, 0.5]))
def test_property_coverage(line: LineString, width: float, swath: float, overlap: float) -> None:
    p = plan(line, width_m=width, swath_m=swath, side_overlap=overlap)
    assert_sound(p, line)
    assert len(p.passes) == max(1, math.ceil(width / p.spacing_m - 1e-9))
