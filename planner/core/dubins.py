"""Dubins paths: shortest paths of a forward-only vehicle with a minimum turn radius.

Frame and units: a local planar frame in metres, x east, y north. Headings are in radians measured
COUNTER-CLOCKWISE FROM +x (east), i.e. the maths convention, not a compass bearing (a compass bearing
``b`` in degrees is ``math.radians(90 - b)`` here). Lengths are metres. No geodesy happens here: the
caller projects to the local frame first.

A Dubins path is three segments, each a left arc (``L``, counter-clockwise), a right arc (``R``,
clockwise) or a straight (``S``); the shortest path between two poses is always one of the six words
LSL, RSR, LSR, RSL, RLR, LRL (Dubins 1957). The formulas follow the normalised form of Shkel and
Lumelsky (2001) as used in Andrew Walker's ``dubins`` C library, which does not build on current Python.

:func:`shortest_path` returns one :class:`DubinsPath`; :func:`shortest_length` computes lengths only,
vectorised with numpy, for cost matrices between many poses; :func:`length_to_points` the same from poses
to points reached at any heading (one arc, then a straight). :class:`Straight` is the plain straight
leg other patterns chain with Dubins turns; both expose ``length_m``, ``start``, ``end_pose()``,
``segments()`` and ``sample(step_m)``.

Numerics: turn angles within 1e-10 rad of a full circle count as no turn, and a CSC or CCC word whose
two end circles coincide (within 1e-9 radius) is one arc, so rounding never adds a spurious loop.
An end pose a sub-millimetre step ahead but measurably off the start heading still gets the (true)
loop path: snap such inputs before planning.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np

from planner.core.errors import InputError

__all__ = [
    "KINDS",
    "DubinsPath",
    "Pose",
    "Segment",
    "Straight",
    "length_to_points",
    "path",
    "shortest_length",
    "shortest_path",
]

Kind = Literal["LSL", "RSR", "LSR", "RSL", "RLR", "LRL"]
KINDS: tuple[Kind, ...] = ("LSL", "RSR", "LSR", "RSL", "RLR", "LRL")

_TWO_PI = 2.0 * math.pi
# Normalised angles this close below 2*pi are snapped to 0: rounding must not turn "no turn" into a loop.
_SNAP_RAD = 1e-10
# Normalised straight length below which LSL / RSR is taken as a single arc.
_ARC_ONLY = 1e-9
# Block size (pairs) for the vectorised length matrix: bounds temporary memory to a few tens of MB.
_BLOCK = 1 << 18


def _mod2pi(a: float) -> float:
    r = a % _TWO_PI
    return 0.0 if r > _TWO_PI - _SNAP_RAD else r


def _check_finite(name: str, *values: float) -> None:
    for v in values:
        if not math.isfinite(v):
            raise InputError(f"{name} must be finite, got {v!r}")


def _check_radius(radius_m: float) -> float:
    try:
        r = float(radius_m)
    except (TypeError, ValueError) as exc:
        raise InputError(f"turn radius must be a number, got {radius_m!r}") from exc
    if not math.isfinite(r) or r <= 0.0:
        raise InputError(f"turn radius must be finite and > 0 m, got {radius_m!r}")
    return r


@dataclass(frozen=True)
class Pose:
    """Position (metres, local frame) and heading (radians, counter-clockwise from +x east)."""

    x_m: float
    y_m: float
    heading_rad: float

    def __post_init__(self) -> None:
        _check_finite("pose", self.x_m, self.y_m, self.heading_rad)

    def as_array(self) -> np.ndarray:
        """``[x_m, y_m, heading_rad]`` as a float array."""
        return np.array([self.x_m, self.y_m, self.heading_rad], dtype=float)


class Segment(NamedTuple):
    """One piece of a flyable path: ``kind`` is ``'L'``, ``'R'`` or ``'S'``; length in metres."""

    kind: Literal["L", "R", "S"]
    length_m: float
    start: Pose
    end: Pose


def _advance(pose: Pose, kind: str, length_m: float, radius_m: float) -> Pose:
    """Pose after flying ``length_m`` metres of one segment type from ``pose``."""
    x, y, h = pose.x_m, pose.y_m, pose.heading_rad
    if kind == "S":
        return Pose(x + length_m * math.cos(h), y + length_m * math.sin(h), h)
    turn = length_m / radius_m
    if kind == "L":
        h1 = h + turn
        return Pose(x + radius_m * (math.sin(h1) - math.sin(h)), y - radius_m * (math.cos(h1) - math.cos(h)), h1)
    h1 = h - turn
    return Pose(x - radius_m * (math.sin(h1) - math.sin(h)), y + radius_m * (math.cos(h1) - math.cos(h)), h1)


def _advance_many(x: float, y: float, h: float, kind: str, u: np.ndarray, radius_m: float) -> np.ndarray:
    """Poses ``(k, 3)`` after flying each distance in ``u`` (metres) along one segment type."""
    if kind == "S":
        return np.column_stack([x + u * math.cos(h), y + u * math.sin(h), np.full_like(u, h)])
    if kind == "L":
        h1 = h + u / radius_m
        return np.column_stack(
            [x + radius_m * (np.sin(h1) - math.sin(h)), y - radius_m * (np.cos(h1) - math.cos(h)), h1]
        )
    h1 = h - u / radius_m
    return np.column_stack([x - radius_m * (np.sin(h1) - math.sin(h)), y + radius_m * (np.cos(h1) - math.cos(h)), h1])


def _wrap_pi(a: np.ndarray) -> np.ndarray:
    """Angles wrapped to [-pi, pi)."""
    return (a + math.pi) % _TWO_PI - math.pi


@dataclass(frozen=True)
class Straight:
    """A straight leg of ``length_m`` metres flown from ``start`` along its heading."""

    start: Pose
    length_m: float

    def __post_init__(self) -> None:
        _check_finite("straight length", self.length_m)
        if self.length_m < 0:
            raise InputError(f"straight length must be >= 0 m, got {self.length_m!r}")

    @classmethod
    def between(cls, x0: float, y0: float, x1: float, y1: float) -> Straight:
        """The straight leg from ``(x0, y0)`` to ``(x1, y1)`` (metres)."""
        return cls(Pose(x0, y0, math.atan2(y1 - y0, x1 - x0)), math.hypot(x1 - x0, y1 - y0))

    def end_pose(self) -> Pose:
        """Pose at the end of the leg."""
        return _advance(self.start, "S", self.length_m, 1.0)

    def segments(self) -> Iterator[Segment]:
        """The single ``'S'`` segment (nothing for a zero-length leg)."""
        if self.length_m > 0:
            yield Segment("S", self.length_m, self.start, self.end_pose())

    def sample(self, step_m: float) -> np.ndarray:
        """Poses ``(k, 3)`` (x_m, y_m, heading_rad) at most ``step_m`` apart, both ends included."""
        return _sample([("S", self.length_m)], self.start, 1.0, step_m)


def _sample(parts: list[tuple[str, float]], start: Pose, radius_m: float, step_m: float) -> np.ndarray:
    _check_finite("sample step", step_m)
    if step_m <= 0:
        raise InputError(f"sample step must be > 0 m, got {step_m!r}")
    total = sum(length for _, length in parts)
    k = max(1, math.ceil(total / step_m))
    s = np.linspace(0.0, total, k + 1)
    out = np.empty((k + 1, 3))
    pose, offset = start, 0.0
    done = np.zeros(k + 1, dtype=bool)
    for i, (kind, length) in enumerate(parts):
        last = i == len(parts) - 1
        mask = ~done & ((s <= offset + length) | last)
        out[mask] = _advance_many(
            pose.x_m, pose.y_m, pose.heading_rad, kind, np.clip(s[mask] - offset, 0, length), radius_m
        )
        done |= mask
        pose = _advance(pose, kind, length, radius_m)
        offset += length
    out[-1] = (pose.x_m, pose.y_m, pose.heading_rad)  # same maths as end_pose(): exact end
    out[:, 2] = _wrap_pi(out[:, 2])
    return out


@dataclass(frozen=True)
class DubinsPath:
    """A Dubins path from ``start``: word ``kind`` and three segment lengths in metres.

    ``segment_lengths_m[i]`` is the length of the segment named by ``kind[i]``; ``radius_m`` is the
    radius of both arcs. Zero-length segments are allowed (a straight path is e.g. LSL with 0-length arcs).
    """

    kind: Kind
    radius_m: float
    start: Pose
    segment_lengths_m: tuple[float, float, float]

    @property
    def length_m(self) -> float:
        """Total length in metres."""
        return float(sum(self.segment_lengths_m))

    def end_pose(self) -> Pose:
        """Pose reached at the end of the path (heading not wrapped)."""
        pose = self.start
        for kind, length in zip(self.kind, self.segment_lengths_m, strict=True):
            pose = _advance(pose, kind, length, self.radius_m)
        return pose

    def segments(self) -> Iterator[Segment]:
        """Yield the non-empty segments in flying order, for exporters turning a path into waypoints."""
        pose = self.start
        for kind, length in zip(self.kind, self.segment_lengths_m, strict=True):
            if length <= 0:
                continue
            end = _advance(pose, kind, length, self.radius_m)
            yield Segment(kind, length, pose, end)  # type: ignore[arg-type]
            pose = end

    def sample(self, step_m: float) -> np.ndarray:
        """Poses ``(k, 3)`` (x_m, y_m, heading_rad in [-pi, pi)) at most ``step_m`` apart along the path.

        Both endpoints are included; the last row is :meth:`end_pose` exactly. Raises InputError for
        ``step_m <= 0``.
        """
        return _sample(list(zip(self.kind, self.segment_lengths_m, strict=True)), self.start, self.radius_m, step_m)


def _normalise(start: Pose, end: Pose, radius_m: float) -> tuple[float, float, float]:
    dx, dy = end.x_m - start.x_m, end.y_m - start.y_m
    d = math.hypot(dx, dy) / radius_m
    theta = math.atan2(dy, dx) if d > 0 else 0.0
    return d, _mod2pi(start.heading_rad - theta), _mod2pi(end.heading_rad - theta)


def _words(d: float, a: float, b: float, kind: str) -> tuple[float, float, float] | None:
    """Normalised (radius 1) segment lengths of word ``kind``, or None when it does not exist."""
    sa, sb, ca, cb = math.sin(a), math.sin(b), math.cos(a), math.cos(b)
    c_ab = math.cos(a - b)
    if kind == "LSL":
        p = math.hypot(d + sa - sb, ca - cb)  # LSL always exists
        if p < _ARC_ONLY:  # the two circles coincide: one arc, and the straight's direction is undefined
            return _mod2pi(b - a), 0.0, 0.0
        tmp = math.atan2(cb - ca, d + sa - sb)
        return _mod2pi(tmp - a), p, _mod2pi(b - tmp)
    if kind == "RSR":
        p = math.hypot(d - sa + sb, ca - cb)  # RSR always exists
        if p < _ARC_ONLY:
            return _mod2pi(a - b), 0.0, 0.0
        tmp = math.atan2(ca - cb, d - sa + sb)
        return _mod2pi(a - tmp), p, _mod2pi(tmp - b)
    if kind == "LSR":
        p_sq = -2 + d * d + 2 * c_ab + 2 * d * (sa + sb)
        if p_sq < 0:
            return None
        p = math.sqrt(p_sq)
        tmp = math.atan2(-ca - cb, d + sa + sb) - math.atan2(-2.0, p)
        return _mod2pi(tmp - a), p, _mod2pi(tmp - b)
    if kind == "RSL":
        p_sq = -2 + d * d + 2 * c_ab - 2 * d * (sa + sb)
        if p_sq < 0:
            return None
        p = math.sqrt(p_sq)
        tmp = math.atan2(ca + cb, d - sa - sb) - math.atan2(2.0, p)
        return _mod2pi(a - tmp), p, _mod2pi(b - tmp)
    if kind == "RLR":
        # acos((6 - d^2 + 2 cos(a-b) + 2 d (sa - sb)) / 8) written as 2 asin(|RSR chord| / 4): exact near 1
        chord = math.hypot(d - sa + sb, ca - cb)
        if chord > 4:
            return None
        if chord < _ARC_ONLY:  # start and end circles coincide: one arc (phi is undefined)
            return _mod2pi(a - b), 0.0, 0.0
        phi = math.atan2(ca - cb, d - sa + sb)
        p = _mod2pi(_TWO_PI - 2 * math.asin(chord / 4))
        t = _mod2pi(a - phi + p / 2)
        return t, p, _mod2pi(a - b - t + p)
    if kind == "LRL":
        chord = math.hypot(d + sa - sb, ca - cb)
        if chord > 4:
            return None
        if chord < _ARC_ONLY:
            return _mod2pi(b - a), 0.0, 0.0
        phi = math.atan2(ca - cb, d + sa - sb)
        p = _mod2pi(_TWO_PI - 2 * math.asin(chord / 4))
        t = _mod2pi(-a - phi + p / 2)
        return t, p, _mod2pi(b - a - t + p)
    raise InputError(f"unknown Dubins path type {kind!r}; expected one of {', '.join(KINDS)}")


def path(start: Pose, end: Pose, radius_m: float, kind: Kind) -> DubinsPath | None:
    """The Dubins path of word ``kind`` from ``start`` to ``end``, or None when that word does not exist.

    Raises InputError for a radius that is not finite and > 0, or an unknown ``kind``.
    """
    r = _check_radius(radius_m)
    if kind not in KINDS:
        raise InputError(f"unknown Dubins path type {kind!r}; expected one of {', '.join(KINDS)}")
    d, a, b = _normalise(start, end, r)
    tpq = _words(d, a, b, kind)
    if tpq is None:
        return None
    return DubinsPath(kind, r, start, (tpq[0] * r, tpq[1] * r, tpq[2] * r))


def shortest_path(start: Pose, end: Pose, radius_m: float) -> DubinsPath:
    """The shortest Dubins path from ``start`` to ``end`` with turn radius ``radius_m`` (metres).

    Ties are broken by the order of :data:`KINDS`. Raises InputError for a radius that is not finite and > 0.
    """
    r = _check_radius(radius_m)
    d, a, b = _normalise(start, end, r)
    best: tuple[float, Kind, tuple[float, float, float]] | None = None
    for kind in KINDS:
        tpq = _words(d, a, b, kind)
        if tpq is not None and (best is None or sum(tpq) < best[0]):
            best = (sum(tpq), kind, tpq)
    assert best is not None  # LSL always exists
    t, p, q = best[2]
    return DubinsPath(best[1], r, start, (t * r, p * r, q * r))


def _as_poses(name: str, arr: np.ndarray) -> np.ndarray:
    a = np.asarray(arr, dtype=float)
    if a.ndim == 1 and a.shape[0] == 3:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] != 3:
        raise InputError(f"{name} must have shape (n, 3) of x_m, y_m, heading_rad; got {a.shape}")
    if not np.isfinite(a).all():
        raise InputError(f"{name} must be finite")
    return a


def _vmod2pi(a: np.ndarray) -> np.ndarray:
    """Element-wise angle in [0, 2*pi), snapped like :func:`_mod2pi` (floor form: ~5x faster than np.mod)."""
    r = a - _TWO_PI * np.floor(a * (1.0 / _TWO_PI))
    r[(r < 0.0) | (r > _TWO_PI - _SNAP_RAD)] = 0.0
    return r


def _lengths_normalised(d: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Shortest normalised length over the six words, element-wise (1-D arrays)."""
    sa, sb, ca, cb = np.sin(a), np.sin(b), np.cos(a), np.cos(b)
    c_ab = np.cos(a - b)
    d2 = d * d
    best = np.full(d.shape, np.inf)
    with np.errstate(invalid="ignore"):
        # LSL
        p = np.hypot(d + sa - sb, ca - cb)
        tmp = np.arctan2(cb - ca, d + sa - sb)
        cand = np.where(p < _ARC_ONLY, _vmod2pi(b - a), _vmod2pi(tmp - a) + p + _vmod2pi(b - tmp))
        np.fmin(best, cand, out=best)
        # RSR
        p = np.hypot(d - sa + sb, ca - cb)
        tmp = np.arctan2(ca - cb, d - sa + sb)
        cand = np.where(p < _ARC_ONLY, _vmod2pi(a - b), _vmod2pi(a - tmp) + p + _vmod2pi(tmp - b))
        np.fmin(best, cand, out=best)
        # LSR
        p_sq = -2 + d2 + 2 * c_ab + 2 * d * (sa + sb)
        p = np.sqrt(p_sq)
        tmp = np.arctan2(-ca - cb, d + sa + sb) - np.arctan2(-2.0, p)
        cand = _vmod2pi(tmp - a) + p + _vmod2pi(tmp - b)
        np.fmin(best, np.where(p_sq >= 0, cand, np.inf), out=best)
        # RSL
        p_sq = -2 + d2 + 2 * c_ab - 2 * d * (sa + sb)
        p = np.sqrt(p_sq)
        tmp = np.arctan2(ca + cb, d - sa - sb) - np.arctan2(2.0, p)
        cand = _vmod2pi(a - tmp) + p + _vmod2pi(b - tmp)
        np.fmin(best, np.where(p_sq >= 0, cand, np.inf), out=best)
        # RLR
        chord = np.hypot(d - sa + sb, ca - cb)
        phi = np.arctan2(ca - cb, d - sa + sb)
        p = _vmod2pi(_TWO_PI - 2 * np.arcsin(chord / 4))
        t = _vmod2pi(a - phi + p / 2)
        cand = np.where(chord < _ARC_ONLY, _vmod2pi(a - b), t + p + _vmod2pi(a - b - t + p))
        np.fmin(best, np.where(chord <= 4, cand, np.inf), out=best)
        # LRL
        chord = np.hypot(d + sa - sb, ca - cb)
        phi = np.arctan2(ca - cb, d + sa - sb)
        p = _vmod2pi(_TWO_PI - 2 * np.arcsin(chord / 4))
        t = _vmod2pi(-a - phi + p / 2)
        cand = np.where(chord < _ARC_ONLY, _vmod2pi(b - a), t + p + _vmod2pi(b - a - t + p))
        np.fmin(best, np.where(chord <= 4, cand, np.inf), out=best)
    return best


def _paired_lengths(s: np.ndarray, e: np.ndarray, r: float) -> np.ndarray:
    dx, dy = e[:, 0] - s[:, 0], e[:, 1] - s[:, 1]
    d = np.hypot(dx, dy) / r
    theta = np.where(d > 0, np.arctan2(dy, dx), 0.0)
    return _lengths_normalised(d, _vmod2pi(s[:, 2] - theta), _vmod2pi(e[:, 2] - theta)) * r


def shortest_length(starts: np.ndarray, ends: np.ndarray, radius_m: float, *, paired: bool = False) -> np.ndarray:
    """Shortest Dubins path lengths in metres, vectorised over many poses.

    ``starts`` is ``(n, 3)`` and ``ends`` ``(m, 3)``, rows ``x_m, y_m, heading_rad``. By default the result
    is the pairwise ``(n, m)`` matrix: ``out[i, j]`` is the length from ``starts[i]`` to ``ends[j]`` (a
    cost matrix for an optimiser; not symmetric). With ``paired=True`` both arrays must have the same
    shape and the result is ``(n,)``: ``out[i]`` from ``starts[i]`` to ``ends[i]``. Work is done in blocks
    so memory stays bounded; a 2,000 x 2,000 matrix takes a few seconds.

    Raises InputError for a bad radius, non-finite values or wrong shapes.
    """
    r = _check_radius(radius_m)
    s = _as_poses("starts", starts)
    e = _as_poses("ends", ends)
    if paired:
        if s.shape != e.shape:
            raise InputError(f"paired starts and ends must have the same shape, got {s.shape} and {e.shape}")
        out = np.empty(len(s))
        for i in range(0, len(s), _BLOCK):
            out[i : i + _BLOCK] = _paired_lengths(s[i : i + _BLOCK], e[i : i + _BLOCK], r)
        return out
    n, m = len(s), len(e)
    out = np.empty((n, m))
    if n == 0 or m == 0:
        return out
    rows = max(1, _BLOCK // m)
    for i in range(0, n, rows):
        blk = s[i : i + rows]
        k = len(blk)
        ss = np.repeat(blk, m, axis=0)
        ee = np.tile(e, (k, 1))
        out[i : i + k] = _paired_lengths(ss, ee, r).reshape(k, m)
    return out


def length_to_points(starts: np.ndarray, points: np.ndarray, radius_m: float) -> np.ndarray:
    """Shortest lengths (m) from poses ``starts`` ``(n, 3)`` to ``points`` ``(m, 2)`` reached at any heading.

    Outside both turning circles at the start the shortest such path is an arc on one of them, then the
    tangent straight to the point; for a point inside one circle (within two radii of the start) it is
    the shortest Dubins path over final headings in 2-degree steps (within a few metres). Reversed, the same
    length runs from a point, leaving at any heading, to a pose with its heading turned by pi.
    Returns the ``(n, m)`` matrix; raises InputError for a bad radius, non-finite values or shapes.
    """
    r = _check_radius(radius_m)
    s = _as_poses("starts", starts)
    q = np.asarray(points, dtype=float)
    if q.ndim != 2 or q.shape[1] != 2 or not np.isfinite(q).all():
        raise InputError(f"points must be finite with shape (m, 2) of x_m, y_m; got {q.shape}")
    x, y, h = s[:, 0:1], s[:, 1:2], s[:, 2:3]
    best = np.full((len(s), len(q)), np.inf)
    inside = np.zeros(best.shape, bool)
    for side in (1.0, -1.0):  # left (counter-clockwise), right
        cx, cy = x - side * r * np.sin(h), y + side * r * np.cos(h)
        vx, vy = q[None, :, 0] - cx, q[None, :, 1] - cy
        dc = np.hypot(vx, vy)
        ok = dc >= r * (1.0 - 1e-12)
        beta = np.arccos(np.clip(r / np.maximum(dc, r), -1.0, 1.0))
        leave = np.arctan2(vy, vx) - side * (beta - 0.5 * math.pi)  # heading at the tangent point
        arc = _vmod2pi(side * (leave - h))
        length = r * arc + np.sqrt(np.maximum(dc * dc - r * r, 0.0))
        best = np.where(ok, np.minimum(best, length), best)
        inside |= ~ok
    # the start point itself: both circles pass through it and the tangent angle loses its precision
    here = np.hypot(q[None, :, 0] - x, q[None, :, 1] - y)
    best = np.where(here <= 1e-6 * r, here, best)
    inside &= here > 1e-6 * r
    i, j = np.nonzero(inside)
    if len(i):
        headings = np.linspace(0.0, _TWO_PI, 180, endpoint=False)
        ends = np.column_stack([np.repeat(q[j], len(headings), axis=0), np.tile(headings, len(j))])
        loops = shortest_length(np.repeat(s[i], len(headings), axis=0), ends, r, paired=True)
        best[i, j] = np.minimum(best[i, j], loops.reshape(len(i), len(headings)).min(axis=1))
    return best
