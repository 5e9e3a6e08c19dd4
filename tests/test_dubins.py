"""Dubins paths: hand-computed lengths, geometric invariants (hypothesis) and the vectorised lengths."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.dubins import (
    KINDS,
    DubinsPath,
    Pose,
    Straight,
    length_to_points,
    path,
    shortest_length,
    shortest_path,
)
from planner.core.errors import InputError

coord = st.floats(-5_000, 5_000, allow_nan=False)
heading = st.floats(-2 * math.pi, 2 * math.pi, allow_nan=False)
radius = st.floats(5.0, 1_000.0)
poses = st.builds(Pose, coord, coord, heading)

SETTINGS = settings(max_examples=150, deadline=None, database=None)


def _ang(a: float) -> float:
    """Angle difference wrapped to [-pi, pi)."""
    return (a + math.pi) % (2 * math.pi) - math.pi


def _pose_error(p: Pose, q: Pose) -> tuple[float, float]:
    return math.hypot(p.x_m - q.x_m, p.y_m - q.y_m), abs(_ang(p.heading_rad - q.heading_rad))


# --- hand-computed cases ---------------------------------------------------------------------------


@pytest.mark.parametrize("r", [1.0, 600.0])
def test_half_circle_is_pi_r(r: float) -> None:
    p = shortest_path(Pose(0, 0, 0), Pose(0, 2 * r, math.pi), r)
    assert p.length_m == pytest.approx(math.pi * r, abs=1e-9)
    assert p.kind == "LSL"
    assert [s.kind for s in p.segments()] == ["L"]


def test_quarter_circle_right() -> None:
    r = 250.0
    p = shortest_path(Pose(0, 0, 0), Pose(r, -r, -math.pi / 2), r)
    assert p.length_m == pytest.approx(math.pi * r / 2, abs=1e-9)
    assert [s.kind for s in p.segments()] == ["R"]


def test_straight_then_half_circle() -> None:
    r, d = 100.0, 1_000.0
    p = shortest_path(Pose(0, 0, 0), Pose(d, 2 * r, math.pi), r)
    assert p.length_m == pytest.approx(d + math.pi * r, abs=1e-9)
    assert [(s.kind, round(s.length_m, 9)) for s in p.segments()] == [("S", d), ("L", round(math.pi * r, 9))]


def test_same_pose_is_zero_length() -> None:
    p = shortest_path(Pose(10, 20, 1.0), Pose(10, 20, 1.0), 50)
    assert p.length_m == 0
    assert list(p.segments()) == []
    assert p.sample(1.0).shape == (2, 3)


def test_ccc_words_absent_when_far_apart() -> None:
    start, end = Pose(0, 0, 0), Pose(10_000, 0, 0)
    assert path(start, end, 100, "RLR") is None
    assert path(start, end, 100, "LRL") is None
    lsl = path(start, end, 100, "LSL")
    assert lsl is not None and lsl.length_m == pytest.approx(10_000)


def test_close_reversal_uses_ccc() -> None:
    # Turning back onto a parallel track only r/2 away: a CCC word is the shortest.
    r = 100.0
    p = shortest_path(Pose(0, 0, 0), Pose(0, 50, math.pi), r)
    assert p.kind in ("RLR", "LRL", "LSL")
    assert p.length_m > math.pi * r


def test_straight_leg() -> None:
    leg = Straight.between(0, 0, 300, 400)
    assert leg.length_m == pytest.approx(500)
    end = leg.end_pose()
    assert (end.x_m, end.y_m) == pytest.approx((300, 400))
    pts = leg.sample(100)
    assert len(pts) == 6 and pts[-1, :2] == pytest.approx([300, 400])


# --- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("r", [0.0, -1.0, math.nan, math.inf, "x"])
def test_bad_radius_raises(r: object) -> None:
    with pytest.raises(InputError):
        shortest_path(Pose(0, 0, 0), Pose(1, 1, 0), r)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        shortest_length(np.zeros((1, 3)), np.ones((1, 3)), r)  # type: ignore[arg-type]


def test_non_finite_inputs_raise() -> None:
    with pytest.raises(InputError):
        Pose(math.nan, 0, 0)
    with pytest.raises(InputError):
        Pose(0, 0, math.inf)
    with pytest.raises(InputError):
        shortest_length(np.array([[0, 0, math.nan]]), np.zeros((1, 3)), 10)
    with pytest.raises(InputError):
        shortest_length(np.zeros((2, 2)), np.zeros((1, 3)), 10)
    with pytest.raises(InputError):
        shortest_length(np.zeros((2, 3)), np.zeros((3, 3)), 10, paired=True)
    with pytest.raises(InputError):
        path(Pose(0, 0, 0), Pose(1, 1, 0), 10, "SSS")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        shortest_path(Pose(0, 0, 0), Pose(1, 1, 0), 10).sample(0)


# --- properties ------------------------------------------------------------------------------------


@SETTINGS
@given(poses, poses, radius)
def test_never_shorter_than_straight_line(a: Pose, b: Pose, r: float) -> None:
    p = shortest_path(a, b, r)
    assert p.length_m >= math.hypot(b.x_m - a.x_m, b.y_m - a.y_m) - 1e-6


@SETTINGS
@given(poses, poses, radius)
def test_every_word_ends_at_the_end_pose(a: Pose, b: Pose, r: float) -> None:
    for kind in KINDS:
        p = path(a, b, r, kind)
        if p is None:
            continue
        assert min(p.segment_lengths_m) >= 0
        dpos, dhead = _pose_error(p.end_pose(), b)
        assert dpos < 1e-6 and dhead < 1e-6, kind


@SETTINGS
@given(poses, poses, radius, st.floats(1.0, 500.0))
def test_sample_is_continuous_and_ends_exactly(a: Pose, b: Pose, r: float, step: float) -> None:
    p = shortest_path(a, b, r)
    pts = p.sample(step)
    assert pts.shape[1] == 3 and len(pts) >= 2
    assert pts[0] == pytest.approx([a.x_m, a.y_m, _ang(a.heading_rad)], abs=1e-9)
    dpos, dhead = _pose_error(Pose(*pts[-1]), b)
    assert dpos < 1e-6 and dhead < 1e-6
    gaps = np.hypot(*np.diff(pts[:, :2], axis=0).T)
    assert gaps.max() <= step + 1e-6


@SETTINGS
@given(poses, poses, radius)
def test_curvature_never_exceeds_one_over_radius(a: Pose, b: Pose, r: float) -> None:
    p = shortest_path(a, b, r)
    step = r / 10
    pts = p.sample(step)
    ds = p.length_m / (len(pts) - 1)  # samples are evenly spaced in path length
    dh = np.abs(_ang_arr(np.diff(pts[:, 2])))
    assert dh.max() <= ds / r + 1e-7
    # The chord between samples is never shorter than the arc allows at radius r.
    chords = np.hypot(*np.diff(pts[:, :2], axis=0).T)
    assert np.all(chords >= 2 * r * np.sin(dh / 2) - 1e-6)


def _ang_arr(a: np.ndarray) -> np.ndarray:
    return (a + math.pi) % (2 * math.pi) - math.pi


@SETTINGS
@given(poses, st.floats(1.0, 20_000.0), radius)
def test_straight_ahead_is_a_straight_segment(a: Pose, d: float, r: float) -> None:
    # d >= 1 m: for sub-millimetre moves the rounded end lies measurably off the heading, and the
    # true shortest path to that rounded point is a loop.
    b = Pose(a.x_m + d * math.cos(a.heading_rad), a.y_m + d * math.sin(a.heading_rad), a.heading_rad)
    p = shortest_path(a, b, r)
    assert p.length_m == pytest.approx(d, abs=1e-6)
    assert all(s.kind == "S" for s in p.segments() if s.length_m > 1e-6)


def _mirror(p: Pose) -> Pose:
    return Pose(p.x_m, -p.y_m, -p.heading_rad)


_SWAP = str.maketrans("LR", "RL")


@SETTINGS
@given(poses, poses, radius)
def test_mirror_across_x_axis_keeps_length_and_swaps_turns(a: Pose, b: Pose, r: float) -> None:
    p = shortest_path(a, b, r)
    m = shortest_path(_mirror(a), _mirror(b), r)
    assert m.length_m == pytest.approx(p.length_m, abs=1e-6)
    for kind in KINDS:
        orig = path(a, b, r, kind)
        mirrored = path(_mirror(a), _mirror(b), r, kind.translate(_SWAP))  # type: ignore[arg-type]
        if orig is not None and mirrored is not None:
            assert mirrored.length_m == pytest.approx(orig.length_m, abs=1e-6)


@SETTINGS
@given(poses, poses, radius)
def test_shortest_is_the_minimum_over_words(a: Pose, b: Pose, r: float) -> None:
    p = shortest_path(a, b, r)
    lengths = [q.length_m for k in KINDS if (q := path(a, b, r, k)) is not None]
    assert p.length_m == pytest.approx(min(lengths))


@settings(max_examples=30, deadline=None, database=None)
@given(st.integers(0, 2**32 - 1), radius)
def test_shortest_length_agrees_with_shortest_path(seed: int, r: float) -> None:
    rng = np.random.default_rng(seed)
    starts = np.column_stack([rng.uniform(-3 * r, 3 * r, (7, 2)), rng.uniform(-7, 7, 7)])
    ends = np.column_stack([rng.uniform(-3 * r, 3 * r, (5, 2)), rng.uniform(-7, 7, 5)])
    ends[0] = starts[0]  # a zero-length pair
    mat = shortest_length(starts, ends, r)
    assert mat.shape == (7, 5)
    for i in range(7):
        for j in range(5):
            assert mat[i, j] == pytest.approx(shortest_path(Pose(*starts[i]), Pose(*ends[j]), r).length_m, abs=1e-6)
    paired = shortest_length(starts[:5], ends, r, paired=True)
    assert paired == pytest.approx(np.diag(mat[:5]), abs=1e-9)


def test_shortest_length_accepts_one_pose_and_empty() -> None:
    assert shortest_length(np.array([0, 0, 0]), np.array([0, 200, math.pi]), 100).shape == (1, 1)
    assert shortest_length(np.zeros((0, 3)), np.zeros((4, 3)), 100).shape == (0, 4)


def test_shortest_length_matrix_is_fast() -> None:
    rng = np.random.default_rng(1)
    starts = rng.uniform(-50_000, 50_000, (1_000, 3))
    ends = rng.uniform(-50_000, 50_000, (1_000, 3))
    t0 = time.perf_counter()
    mat = shortest_length(starts, ends, 600.0)
    assert time.perf_counter() - t0 < 10.0  # ~0.5 s on one core; 2,000 x 2,000 is four times that
    assert np.isfinite(mat).all()


def test_path_is_frozen() -> None:
    p = shortest_path(Pose(0, 0, 0), Pose(100, 100, 1), 10)
    assert isinstance(p, DubinsPath)
    with pytest.raises(AttributeError):
        p.radius_m = 5  # type: ignore[misc]


# -------------------------------------------------------------- to a point at any heading (leg costs)


def test_arc_then_straight_to_a_point_known_value() -> None:
    # heading east, r = 1, the point 3 north: a 120-degree left arc then sqrt(3) straight
    got = length_to_points(np.array([[0.0, 0.0, 0.0]]), np.array([[0.0, 3.0], [5.0, 0.0], [0.0, 0.0]]), 1.0)
    assert got[0] == pytest.approx([2 * math.pi / 3 + math.sqrt(3), 5.0, 0.0])
    # the start point itself, away from the origin (found by hypothesis: the tangent angle lost precision)
    assert length_to_points(np.array([[0.0, 563.0, 0.0]]), np.array([[0.0, 563.0]]), 50.5044742518034)[0, 0] == 0.0


points = st.tuples(st.floats(-5_000.0, 5_000.0), st.floats(-5_000.0, 5_000.0))


@settings(max_examples=60, deadline=None, database=None)
@given(poses, points, st.floats(50.0, 1_000.0))
def test_to_a_point_is_the_best_dubins_path_over_final_headings(a: Pose, p: tuple[float, float], r: float) -> None:
    a = np.array([a.x_m, a.y_m, a.heading_rad])
    got = float(length_to_points(a[None, :], np.array([p]), r)[0, 0])
    assert got >= math.hypot(p[0] - a[0], p[1] - a[1]) - 1e-6
    headings = np.append(np.linspace(0.0, 2 * math.pi, 1440, endpoint=False), a[2])
    ends = np.column_stack([np.full(len(headings), p[0]), np.full(len(headings), p[1]), headings])
    brute = float(shortest_length(a[None, :], ends, r).min())
    # the best Dubins path over final headings sampled every quarter degree (and the start heading)
    assert got == pytest.approx(brute, abs=0.01 * r)
