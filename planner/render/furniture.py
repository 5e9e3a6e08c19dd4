"""Map furniture beside the drawing itself: the sortie legend kept inside the figure, and the wind arrow."""

from __future__ import annotations

import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from planner.core import geo

__all__ = ["HALO", "sortie_legend", "wind_arrow"]

HALO = [patheffects.withStroke(linewidth=2.4, foreground="white")]
"""White outline that keeps map text legible over lines."""


def sortie_legend(fig: Figure, sortie_handles: list[tuple[object, str]]) -> None:
    """The sortie legend right of the map, kept inside the figure: long labels (relief launches) go on two
    lines (name, then aircraft, tasks and time) and, if still too wide, in smaller type."""
    handles, labels = zip(*sortie_handles, strict=True)
    renderer = fig.canvas.get_renderer()
    tries = [(labels, 8.5), (tuple(lab.replace(" · ", "\n", 1) for lab in labels), 8.5)]
    tries += [(tries[1][0], size) for size in (7.5, 6.5)]
    for texts, size in tries:
        legend = fig.legend(handles, texts, loc="upper left", bbox_to_anchor=(0.725, 0.89), title="Sorties",
                            alignment="left", frameon=False, fontsize=size, title_fontproperties={"weight": "bold"},
                            ncols=1 if len(handles) <= 18 else 2, handlelength=2.2)
        if legend.get_window_extent(renderer).x1 <= fig.bbox.x1 - 4.0 or size == tries[-1][1]:
            return
        legend.remove()


def wind_arrow(ax: Axes, frame: geo.LocalFrame, extent: tuple[float, float, float, float], from_deg: float,
                speed_mps: float) -> None:
    """Below the north arrow, an arrow flying with the wind (toward ``from_deg`` + 180°), labelled with where it
    blows from and its speed; nothing in calm air."""
    if speed_mps <= 0:
        return
    x0, y0, x1, y1 = extent
    cx, cy = x1 - 0.075 * (x1 - x0), y1 - 0.30 * (y1 - y0)
    lon, lat = frame.to_lonlat(cx, cy)
    dlon, dlat = geo.destination(lon, lat, (from_deg + 180.0) % 360.0, 10_000.0)
    tx, ty = frame.to_local(dlon, dlat)
    d = np.array([float(tx) - cx, float(ty) - cy])
    d /= float(np.hypot(*d)) or 1.0
    half = 0.045 * (y1 - y0)
    ax.add_patch(FancyArrowPatch((cx - d[0] * half, cy - d[1] * half), (cx + d[0] * half, cy + d[1] * half),
                                 arrowstyle="simple,head_length=0.8,head_width=0.8,tail_width=0.25",
                                 mutation_scale=14, color="#3b6e8f", zorder=10, gid="wind-arrow"))
    ax.text(cx, cy - 1.45 * half, f"wind {speed_mps:g} m/s\nfrom {from_deg:.0f}°", ha="center", va="top",
            fontsize=7.5, color="#3b6e8f", zorder=10, path_effects=HALO, gid="wind-label")
