"""The timeline: one row per sortie against UTC, transit, hold and on-task bars, then the endurance left on
landing; coverage gaps of relief schedules shaded across all rows. Every on-task bar is named in full: inside
the bar when the name fits, else just above or below it; a task's time window is marked under its bar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from planner.core.units import hours_minutes
from planner.model.plan import Leg, Plan, Sortie
from planner.render.figure import DPI, INK, UNSERVED, style, utc
from planner.render.shapes import sortie_colour

__all__ = ["LEG_CATEGORIES", "TIMELINE_WIDTH_IN", "leg_category", "timeline_figure"]

TIMELINE_WIDTH_IN = 12.0


LEG_CATEGORIES = {
    "climb": "transit",
    "transit": "transit",
    "descent": "transit",
    "approach": "transit",
    "land": "transit",
    "hold": "hold",
    "orbit": "on task",
}
"""Timeline bar category of each leg kind; kinds not listed are drawn as on task."""

_CATEGORY_COLOURS = {"transit": "#b7c2cc", "hold": "#f0b429", "on task": "#2f6f9f"}

_SPARE = {"facecolor": "#ffffff", "edgecolor": "#8a96a3", "hatch": "////"}

_RESERVE = {"facecolor": "#e9ecef", "edgecolor": "#6c757d", "hatch": "xxxx"}

_GAP_COLOUR = "#d62728"

_WINDOW_COLOUR = "#1b1b1b"

_OUTSIDE_PT = 6.5  # task names written beside their bar


def leg_category(kind: str) -> str:
    """Timeline category of a leg kind: ``transit``, ``hold`` or ``on task``."""
    return LEG_CATEGORIES.get(kind, "on task")


def timeline_figure(plan: Plan, *, gaps: Sequence[tuple[float, float, str]] | None = None) -> Figure:
    """One row per sortie against UTC: transit, hold and on-task bars, then the endurance left on landing.

    ``gaps`` are (start_s, end_s, label) spans, seconds from the plan start, shaded across all rows;
    by default the persistent-coverage gaps of ``plan.coverage`` (relief schedules). Bars for row ``<sortie>`` carry ``gid="bar:<sortie>:<category>"`` with
    category ``transit``, ``hold``, ``on task``, ``spare`` (endurance above the reserve) or ``reserve``.
    """
    if gaps is None:
        gaps = [(a, b, f"{c.task} uncovered") for c in plan.coverage for a, b in c.gaps]
    with style():
        return _timeline_figure(plan, gaps)


def _days(plan: Plan, seconds: float) -> float:
    return float(mdates.date2num(plan.time(seconds)))


def _timeline_figure(plan: Plan, gaps: Sequence[tuple[float, float, str]]) -> Figure:
    rows = list(plan.sorties)
    height_in = min(40.0, 2.3 + 0.7 * max(len(rows), 1))
    fig = Figure(figsize=(TIMELINE_WIDTH_IN, height_in), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    top_in, bottom_in = 0.95, 0.95
    ax = fig.add_axes((0.15, bottom_in / height_in, 0.80, 1.0 - (top_in + bottom_in) / height_in))
    bar_h = 0.62

    t_end = max([s.takeoff_s + s.endurance_s for s in rows] + [s.landing_s for s in rows] + [g[1] for g in gaps]
                + [3600.0])
    t_start = min([s.takeoff_s for s in rows] + [g[0] for g in gaps] + [0.0])
    pad = 0.015 * (t_end - t_start)
    lo, hi = _days(plan, t_start - pad), _days(plan, t_end + 0.13 * (t_end - t_start))
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.7, max(len(rows), 1) - 0.3)
    px_per_day = ax.get_position().width * TIMELINE_WIDTH_IN * DPI / (hi - lo)
    windows = {t.name: (t.window_start, t.window_end) for t in plan.tasks
               if t.window_start is not None or t.window_end is not None}

    for i, s in enumerate(rows):
        y = len(rows) - 1 - i
        spans: dict[str, list[tuple[float, float]]] = {"transit": [], "hold": [], "on task": []}
        for start_s, end_s, cat in _merged_legs(s):
            spans[cat].append((_days(plan, start_s), (end_s - start_s) / 86400.0))
        for cat, xr in spans.items():
            if xr:
                ax.broken_barh(xr, (y - bar_h / 2, bar_h), facecolors=_CATEGORY_COLOURS[cat], edgecolor="white",
                               linewidth=0.5, zorder=3, gid=f"bar:{s.name}:{cat}")
        lanes = {+1: -float("inf"), -1: -float("inf")}  # right edge (px) of the last name above and below
        for leg in s.legs:
            if leg_category(leg.kind) == "on task" and leg.tasks:
                _name_bar(ax, plan, s, leg, y, bar_h, px_per_day, lanes)
                for task in leg.tasks:
                    _window_mark(ax, plan, windows.get(task), y - bar_h / 2, s.name, task)
        end_s = s.takeoff_s + s.endurance_s
        reserve_from = max(s.landing_s, end_s - s.reserve_s)
        if reserve_from > s.landing_s:
            ax.broken_barh([(_days(plan, s.landing_s), (reserve_from - s.landing_s) / 86400.0)],
                           (y - bar_h / 2, bar_h), linewidth=0.6, zorder=2, gid=f"bar:{s.name}:spare", **_SPARE)
        if end_s > reserve_from:
            ax.broken_barh([(_days(plan, reserve_from), (end_s - reserve_from) / 86400.0)],
                           (y - bar_h / 2, bar_h), linewidth=0.6, zorder=2, gid=f"bar:{s.name}:reserve", **_RESERVE)
        ax.text(_days(plan, max(end_s, s.landing_s)) + 4.0 / px_per_day, y,
                f"flown {hours_minutes(s.flight_s)}\nleft {hours_minutes(s.reserve_left_s)}", ha="left", va="center", fontsize=7.5,
                color="#444444", linespacing=1.15, zorder=4)

    for start_s, end_s, label in gaps:
        ax.axvspan(_days(plan, start_s), _days(plan, end_s), facecolor=_GAP_COLOUR, alpha=0.2, edgecolor=_GAP_COLOUR,
                   lw=0.8, zorder=1, gid="gap")
        ax.text(_days(plan, (start_s + end_s) / 2), 0.01, label, transform=ax.get_xaxis_transform(), ha="center",
                va="bottom", fontsize=7, color=_GAP_COLOUR, clip_on=True)

    ax.set_yticks(range(len(rows)), [f"{s.name}\n{s.aircraft.name} · {s.base.name}" for s in reversed(rows)])
    for label, s in zip(ax.get_yticklabels(), reversed(rows), strict=True):
        label.set_color(sortie_colour(rows.index(s)))
        label.set_fontweight("bold")
    ax.tick_params(axis="y", length=0, labelsize=8.5)
    locator = mdates.AutoDateLocator(tz=UTC, minticks=6, maxticks=14)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M\n%d %b", tz=UTC))
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel("UTC", fontsize=8.5, color="#444444")
    ax.grid(axis="x", color="#e3e6ea", lw=0.7, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    origin = _days(plan, 0.0)
    top = ax.secondary_xaxis("top", functions=(lambda d: (d - origin) * 24.0, lambda h: origin + h / 24.0))
    top.set_xlabel("hours from mission start", fontsize=8, color="#444444")
    top.tick_params(labelsize=7.5, colors="#444444")
    if not rows:
        ax.text(0.5, 0.5, "no sorties", transform=ax.transAxes, ha="center", va="center", fontsize=11,
                color=UNSERVED)
        ax.set_yticks([])

    fig.text(0.15, 1.0 - 0.25 / height_in, f"{plan.name} — timeline", fontsize=12, fontweight="bold", color=INK,
             ha="left", va="top", gid="title")
    fig.text(0.95, 1.0 - 0.27 / height_in, f"start {utc(plan.start)}", fontsize=8.5, color="#444444",
             ha="right", va="top")
    handles = [Patch(facecolor=_CATEGORY_COLOURS["transit"], label="transit (climb, cruise, descent, landing)"),
               Patch(facecolor=_CATEGORY_COLOURS["hold"], label="hold"),
               Patch(facecolor=_CATEGORY_COLOURS["on task"], label="on task (orbit)"),
               Patch(label="endurance to spare", **_SPARE),
               Patch(label="fuel reserve", **_RESERVE)]
    if gaps:
        handles.append(Patch(facecolor=_GAP_COLOUR, alpha=0.2, edgecolor=_GAP_COLOUR, label="coverage gap"))
    if windows and any(t in windows for s in rows for t in s.tasks):
        handles.append(Line2D([], [], color=_WINDOW_COLOUR, lw=0.9, label="task window"))
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.55, 0.0), ncols=len(handles), frameon=False,
               fontsize=8, handlelength=1.8, columnspacing=1.4)
    return fig


def _name_bar(ax: Axes, plan: Plan, s: Sortie, leg: Leg, y: float, bar_h: float, px_per_day: float,
              lanes: dict[int, float]) -> None:
    """The leg's task names in full: in white inside its bar when they fit (one or two lines), else in ink just
    above the bar, or below it when the name before takes the space above (``lanes``: right edge in px of the
    last name written in each lane, updated)."""
    text = ", ".join(leg.tasks)
    mid = (leg.start_s + leg.end_s) / 2
    inside = _fit(text, leg.duration_s / 86400.0 * px_per_day - 6.0, 7.0)
    if inside and not inside.endswith("…"):
        ax.text(_days(plan, mid), y, inside, ha="center", va="center", fontsize=7.0, color="white", zorder=4,
                clip_on=True, linespacing=1.1, gid=f"task-label:{s.name}")
        return
    centre_px = (_days(plan, mid) - ax.get_xlim()[0]) * px_per_day
    half = _text_px(text, _OUTSIDE_PT) / 2 + 3.0
    side = next((k for k in (+1, -1) if lanes[k] <= centre_px - half), min(lanes, key=lambda k: lanes[k]))
    lanes[side] = centre_px + half
    ax.text(_days(plan, mid), y + side * (bar_h / 2 + 0.03), text, ha="center", va="bottom" if side > 0 else "top",
            fontsize=_OUTSIDE_PT, color=INK, zorder=4, clip_on=True, gid=f"task-label:{s.name}")


def _window_mark(ax: Axes, plan: Plan, window: tuple[datetime | None, datetime | None] | None, y: float,
                 sortie: str, task: str) -> None:
    """A task's time window as a thin bracket under its bar (open ends run to the axis edge)."""
    if window is None:
        return
    lo, hi = ax.get_xlim()
    a = lo if window[0] is None else _days(plan, (window[0] - plan.start).total_seconds())
    b = hi if window[1] is None else _days(plan, (window[1] - plan.start).total_seconds())
    ax.plot([a, a, b, b], [y + 0.06, y, y, y + 0.06], color=_WINDOW_COLOUR, lw=0.9, zorder=5, clip_on=True,
            solid_joinstyle="miter", gid=f"window:{sortie}:{task}")


def _merged_legs(s: Sortie) -> list[tuple[float, float, str]]:
    """(start_s, end_s, category) runs of consecutive legs of one category."""
    runs: list[tuple[float, float, str]] = []
    for leg in s.legs:
        cat = leg_category(leg.kind)
        if runs and runs[-1][2] == cat and cat != "on task" and abs(runs[-1][1] - leg.start_s) < 1e-6:
            runs[-1] = (runs[-1][0], leg.end_s, cat)
        else:
            runs.append((leg.start_s, leg.end_s, cat))
    return runs


def _fit(text: str, width_px: float, size_pt: float) -> str:
    """``text`` on one or two lines if it fits ``width_px``, else its first words with an ellipsis, else ""."""
    if _text_px(text, size_pt) <= width_px:
        return text
    words = text.split()
    for cut in range(len(words) - 1, 0, -1):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        if _text_px(head, size_pt) <= width_px and _text_px(tail, size_pt) <= width_px:
            return f"{head}\n{tail}"
    for cut in range(len(words), 0, -1):
        head = " ".join(words[:cut]) + "…"
        if _text_px(head, size_pt) <= width_px:
            return head
    return ""


def _text_px(text: str, size_pt: float) -> float:
    """Rough width (px) of ``text`` at ``size_pt`` in DejaVu Sans."""
    return len(text) * size_pt * 0.6 * DPI / 72.0
