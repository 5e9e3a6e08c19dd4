"""What every picture shares: one matplotlib style whatever the user's matplotlibrc says, the colours of
ink and unserved tasks, and :func:`render`, which turns a figure into PNG or SVG bytes that are the same
for the same plan.

No pyplot and no files: figures are built on matplotlib's object API with an Agg canvas, so nothing
touches global backend state.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from planner.core.errors import UsageError
from planner.core.units import count

__all__ = ["DPI", "INK", "UNSERVED", "count", "render", "style", "utc"]

DPI = 110
"""Dots per inch of every PNG (and of the figures' own pixel measures)."""

SVG_SALT = "planner"

_STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.linewidth": 0.8,
    "hatch.linewidth": 0.6,
    "svg.fonttype": "path",
    "svg.hashsalt": SVG_SALT,
    "path.simplify": True,
}

INK = "#222222"

UNSERVED = "#8a8a8a"


@contextlib.contextmanager
def style() -> Iterator[None]:
    """matplotlib's defaults plus :data:`_STYLE`, whatever the user's matplotlibrc says; restored after."""
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        matplotlib.rcParams.update(_STYLE)
        yield


def render(fig: Figure, fmt: str) -> bytes:
    """``fig`` as ``png`` or ``svg`` bytes; the same figure content always gives the same bytes.

    Raises UsageError for any other format.
    """
    buf = io.BytesIO()
    with style():
        if fmt == "png":
            FigureCanvasAgg(fig)
            fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
        elif fmt == "svg":
            fig.savefig(buf, format="svg", metadata={"Date": None})
        else:
            raise UsageError(f"picture format '{fmt}' is not png or svg")
    return buf.getvalue()


def utc(t: datetime) -> str:
    return f"{t.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
