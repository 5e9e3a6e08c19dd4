"""Map labels placed clear of each other and of the markers they name, with leader lines when set away."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from planner.render.figure import DPI
from planner.render.furniture import HALO

__all__ = ["Label", "place_labels"]


@dataclass(frozen=True)
class Label:
    """A map label wanted beside the point (x, y) in metres; lower ``rank`` is placed first."""

    text: str
    x: float
    y: float
    size_pt: float
    colour: str
    weight: str
    rank: int
    gid: str = ""


# Offsets (points) tried in turn: right, left, above, below and the diagonals, near then farther out; a label
# placed past the first ring gets a leader line to its point.
_LABEL_SPOTS = tuple(
    ((k * dx, k * dy), ha, va)
    for k in (1, 2, 3.5, 5)
    for (dx, dy), ha, va in (
        ((6, 0), "left", "center"), ((-6, 0), "right", "center"), ((0, 7), "center", "bottom"),
        ((0, -7), "center", "top"), ((5, 5), "left", "bottom"), ((-5, 5), "right", "bottom"),
        ((5, -5), "left", "top"), ((-5, -5), "right", "top"),
    )
)


def place_labels(fig: Figure, ax: Axes, labels: list[Label], max_labels: int) -> None:
    """Put each label at the first spot that overlaps no earlier label or marker (else the least-bad one); a
    label set away from its point (past the nearest ring of spots) is joined to it by a thin leader line, so
    in a cluster no name reads as another dot's.

    Deterministic: labels go in (rank, input) order and spots in a fixed order. Past ``max_labels``
    the lowest-ranked labels are left off so a big map stays legible.
    """
    renderer = fig.canvas.get_renderer()
    scale = DPI / 72.0
    anchors = ax.transData.transform(np.array([[lab.x, lab.y] for lab in labels]).reshape(-1, 2))
    radius = np.array([4.0 * scale if lab.rank >= 0 else 7.0 * scale for lab in labels])
    taken = np.column_stack([anchors[:, 0] - radius, anchors[:, 1] - radius,
                             anchors[:, 0] + radius, anchors[:, 1] + radius]) if labels else np.zeros((0, 4))
    frame_px = ax.get_window_extent(renderer).extents
    grow = np.array([-2.0, -2.0, 2.0, 2.0])
    for lab in sorted(labels, key=lambda item: item.rank)[:max_labels]:
        best: tuple[float, Annotation, np.ndarray, tuple[tuple[float, float], str, str]] | None = None
        for offset, ha, va in _LABEL_SPOTS if lab.rank >= 0 else (((0, -9), "center", "top"), *_LABEL_SPOTS):
            text = ax.annotate(lab.text, (lab.x, lab.y), xytext=offset, textcoords="offset points", ha=ha,
                               va=va, fontsize=lab.size_pt, fontweight=lab.weight, color=lab.colour, zorder=8,
                               path_effects=HALO, annotation_clip=True, gid=lab.gid or f"label:{lab.text}")
            ext = text.get_window_extent(renderer).extents + grow
            cost = float(_overlaps(ext, taken).sum())
            cost += 4.0 * ((ext[2] - ext[0]) * (ext[3] - ext[1]) - float(_overlaps(ext, frame_px[None, :])[0]))
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, text, ext, (offset, ha, va))
            else:
                text.remove()
            if cost == 0:
                break
        if best is not None:
            taken = np.vstack([taken, best[2]])
            (dx, dy), ha, va = best[3]
            if math.hypot(dx, dy) > 10.0:  # away from its point: a leader line says whose label it is
                best[1].remove()
                ax.annotate(lab.text, (lab.x, lab.y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                            fontsize=lab.size_pt, fontweight=lab.weight, color=lab.colour, zorder=8,
                            path_effects=HALO, annotation_clip=True, gid=lab.gid or f"label:{lab.text}",
                            arrowprops={"arrowstyle": "-", "lw": 0.6, "color": "#555555", "shrinkA": 1.5,
                                        "shrinkB": 3.0, "gid": f"leader:{lab.text}"})


def _overlaps(a: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Area (px²) that box ``a`` shares with each of ``boxes``, all as (x0, y0, x1, y1)."""
    w = np.minimum(a[2], boxes[:, 2]) - np.maximum(a[0], boxes[:, 0])
    h = np.minimum(a[3], boxes[:, 3]) - np.maximum(a[1], boxes[:, 1])
    return np.clip(w, 0.0, None) * np.clip(h, 0.0, None)
