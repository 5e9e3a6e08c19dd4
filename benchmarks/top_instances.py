"""Large team-orienteering instances in the Chao file format: 500 to 2,000 points, 4 to 10 vehicles.

Usage::

    python benchmarks/top_instances.py OUT [--set report|tune|all]

Writes one ``.txt`` file per instance into the folder ``OUT`` (created if missing; files already
there with the same name are replaced, since the same name always means the same bytes). Two
disjoint sets, told apart by their seeds:

- ``report`` (seeds 101-102 per size and kind): the instances whose figures are published;
- ``tune`` (seed 1): the instances on which search settings may be tuned.

Each set has every size (500, 1,000 and 2,000 points besides the two depots) in two kinds:
``uniform`` (points uniform on a 100 x 100 square, start and end depot at its centre) and
``clustered`` (one Gaussian cluster per 25 points with a spread of 1 to 4 % of the side, a tenth of
the points uniform, start depot near one corner and end depot near the opposite one). Scores are
integers 1-30, drawn uniformly. The number of vehicles is drawn from 4-10; ``tmax`` is set so that
the routes can visit about 10-30 % of the points (more on clustered ones, whose routes pass
through dense clusters) (``_tmax``). Everything is drawn from
``numpy.random.default_rng((kind, points, seed))``: the same name always gives the same bytes.

File names: ``<u|c><points>.<vehicles>.<seed>.txt``, e.g. ``u1000.7.101.txt``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SIDE = 100.0
SIZES = (500, 1000, 2000)
KINDS = ("uniform", "clustered")
SETS = {"report": (101, 102), "tune": (1,)}
_KIND_CODE = {"uniform": 0, "clustered": 1}


@dataclass(frozen=True)
class Generated:
    """One generated instance: points (N, 2) with the start first and the end last, scores (N,)."""

    name: str
    points: np.ndarray
    scores: np.ndarray
    vehicles: int
    tmax: float

    def text(self) -> str:
        """The instance in the Chao format: ``n``, ``m``, ``tmax``, then ``x y score`` rows."""
        rows = "".join(f"{x:.3f}\t{y:.3f}\t{int(s)}\n" for (x, y), s in zip(self.points, self.scores, strict=True))
        return f"n {len(self.scores)}\nm {self.vehicles}\ntmax {self.tmax:.1f}\n{rows}"


def generate(kind: str, points: int, seed: int) -> Generated:
    """The instance of ``kind`` (``uniform`` or ``clustered``) with ``points`` points besides the depots."""
    if kind not in KINDS or points < 1:
        raise ValueError(f"kind must be one of {KINDS} and points >= 1")
    rng = np.random.default_rng((_KIND_CODE[kind], points, seed))
    vehicles = int(rng.integers(4, 11))
    if kind == "uniform":
        xy = rng.uniform(0.0, SIDE, (points, 2))
        start = end = np.array([SIDE / 2, SIDE / 2])
    else:
        centres = rng.uniform(0.1 * SIDE, 0.9 * SIDE, (max(1, points // 25), 2))
        spread = rng.uniform(0.01, 0.04, len(centres)) * SIDE
        which = rng.integers(0, len(centres), points)
        xy = centres[which] + rng.normal(size=(points, 2)) * spread[which, None]
        background = rng.random(points) < 0.1
        xy[background] = rng.uniform(0.0, SIDE, (int(background.sum()), 2))
        xy = np.clip(xy, 0.0, SIDE)
        start, end = np.array([0.05, 0.05]) * SIDE, np.array([0.95, 0.95]) * SIDE
    scores = rng.integers(1, 31, points)
    share = float(rng.uniform(0.1, 0.3))
    tmax = _tmax(xy, start, end, vehicles, share)
    name = f"{kind[0]}{points}.{vehicles}.{seed}"
    pts = np.vstack([start, np.round(xy, 3), end])
    return Generated(name, pts, np.r_[0, scores, 0], vehicles, tmax)


def _tmax(xy: np.ndarray, start: np.ndarray, end: np.ndarray, vehicles: int, share: float) -> float:
    """A route length limit letting ``vehicles`` routes visit about ``share`` of the points.

    Takes the ``share x n`` points with the smallest detour between the depots, joins them by a
    nearest-neighbour tour (about 25 % longer than the shortest), and gives each vehicle an equal
    part of the shortest-tour estimate plus the mean detour of those points (its way out and back).
    """
    detour = np.linalg.norm(xy - start, axis=1) + np.linalg.norm(xy - end, axis=1)
    chosen = xy[np.argsort(detour, kind="stable")[: max(1, round(share * len(xy)))]]
    left = np.ones(len(chosen), dtype=bool)
    here, tour = start, 0.0
    for _ in range(len(chosen)):
        d = np.where(left, np.linalg.norm(chosen - here, axis=1), np.inf)
        k = int(np.argmin(d))
        tour, here, left[k] = tour + float(d[k]), chosen[k], False
    reach = float(np.sort(detour)[: len(chosen)].mean())
    return round(tour / 1.25 / vehicles + reach, 1)


def instances(which: str) -> list[Generated]:
    """Every instance of the set ``which`` (``report``, ``tune`` or ``all``), in a fixed order."""
    seeds = SETS["report"] + SETS["tune"] if which == "all" else SETS[which]
    return [generate(kind, n, seed) for n in SIZES for kind in KINDS for seed in seeds]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the instance files into")
    parser.add_argument("--set", choices=("report", "tune", "all"), default="report")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for inst in instances(args.set):
        path = args.out / f"{inst.name}.txt"
        path.write_text(inst.text())
        print(f"{path}  n={len(inst.scores)} m={inst.vehicles} tmax={inst.tmax:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
