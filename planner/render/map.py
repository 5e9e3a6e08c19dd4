"""The map: areas, no-fly zones, bases and radio ranges, routes, orbits, what the sensors image and unserved
tasks.

Drawn in the plan's local azimuthal-equidistant frame (:class:`planner.core.geo.LocalFrame`, x east and y
north in metres) with a lon/lat graticule, a scale bar and a north arrow. Sortie colours are
:func:`planner.render.shapes.sortie_colour`, the same as in the KML.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

import matplotlib
import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from shapely.geometry import LineString, Point, box
from shapely.geometry.base import BaseGeometry

from planner.core import geo
from planner.core.units import hours_minutes
from planner.model.plan import Orbit, Plan, Sortie
from planner.render.figure import DPI, INK, UNSERVED, count, style, utc
from planner.render.furniture import HALO, sortie_legend, wind_arrow
from planner.render.labels import Label, place_labels
from planner.render.shapes import imaged_area, lonlat_edges, orbit_ring, pattern_coords, route_coords, sortie_colour
from planner.render.terrain import draw_hillshade

__all__ = ["MAP_SIZE_IN", "MAX_LABELS", "map_figure"]

MAP_SIZE_IN = (12.0, 8.5)
"""Map figure size in inches: 1320 × 935 px at :data:`~planner.render.figure.DPI`."""
MAX_LABELS = 150
"""Most names written on a map: bases first, then served tasks; unserved ones only when all fit."""
_GRATICULE = "#c9d1d9"
_RANGE = "#5b6770"
_NOFLY = "#c0392b"
_HALO = HALO
_DENSIFY_M = 10_000.0
_ORBIT_SYMBOL_PT = 11.0  # diameter of the ring drawn for an orbit too small to see at map scale


def map_figure(plan: Plan) -> Figure:
    """The plan on a map: areas, no-fly zones, bases and radio ranges, routes, orbits, unserved tasks.

    Drawn in the plan's local frame with a lon/lat graticule, a scale bar (km) and a north arrow. Route
    lines carry ``gid="route:<sortie>"``; the unserved count text ``gid="unserved-count"``.
    """
    with style():
        return _map_figure(plan)


def _map_figure(plan: Plan) -> Figure:
    fig = Figure(figsize=MAP_SIZE_IN, dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.055, 0.075, 0.655, 0.815))
    ax.set_facecolor("#fbfbf8")
    frame = _frame(plan)
    extent = _extent(plan, frame, ax)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal", adjustable="box")
    _graticule(ax, frame, extent)

    served_by = {name: i for i, s in enumerate(plan.sorties) for name in s.tasks}
    unserved = {u.task for u in plan.unserved}
    key: list[tuple[object, str]] = []
    if plan.terrain is not None:
        key.append((draw_hillshade(ax, plan.terrain, frame, extent), "terrain (hillshade of the DEM)"))
    kinds = {t.kind for t in plan.tasks}

    for t in plan.tasks:
        if t.kind == "nofly":
            zone = frame.geometry_to_local(lonlat_edges(t.geometry))
            _add_polygon(ax, zone, facecolor=(0.75, 0.22, 0.17, 0.10),
                         edgecolor=_NOFLY, hatch="////", lw=1.2, zorder=2, gid=f"nofly:{t.name}")
            c = zone.representative_point()
            ax.annotate(t.name, (c.x, c.y), ha="center", va="center", fontsize=7, color=_NOFLY, zorder=6,
                        path_effects=_HALO, annotation_clip=True)
    if "nofly" in kinds:
        key.append((Patch(facecolor=(0.75, 0.22, 0.17, 0.10), edgecolor=_NOFLY, hatch="////"), "no-fly zone"))

    for b in plan.bases:
        if b.gcs_range_km > 0:
            az = np.linspace(0.0, 360.0, 181)
            lon, lat = geo.destination(np.full(az.size, b.lon), np.full(az.size, b.lat), az,
                                       np.full(az.size, b.gcs_range_km * 1000.0))
            x, y = frame.to_local(lon, lat)
            ax.plot(x, y, ls=(0, (5, 4)), lw=0.9, color=_RANGE, zorder=3, gid=f"range:{b.name}")
    if any(b.gcs_range_km > 0 for b in plan.bases):
        key.append((Line2D([], [], ls=(0, (5, 4)), lw=0.9, color=_RANGE), "ground-station radio range"))

    labels: list[Label] = []
    work = [t for t in plan.tasks if t.kind != "nofly"]
    dense = len(work) + len(plan.bases) > MAX_LABELS
    for t in work:
        colour = sortie_colour(served_by[t.name]) if t.name in served_by else UNSERVED
        label = _draw_task(ax, frame.geometry_to_local(lonlat_edges(t.geometry)), t.kind, colour, served=t.name in served_by,
                           name=t.name, dense=dense)
        if t.name in served_by or not dense:
            labels.append(label)
    for kind, label in (("survey", "survey area"), ("patrol", "patrol line"), ("standoff", "standoff target")):
        if kind in kinds:
            key.append((_task_handle(kind), label))

    sortie_handles: list[tuple[object, str]] = []
    span = max(extent[2] - extent[0], extent[3] - extent[1])
    symbol_m = _ORBIT_SYMBOL_PT / 2 / 72.0 * (extent[2] - extent[0]) / (ax.get_position().width * MAP_SIZE_IN[0])
    for i, s in enumerate(plan.sorties):
        colour = sortie_colour(i)
        x, y, cuts = _geodesic_polyline(frame, [(c[0], c[1]) for c in route_coords(s)])
        (line,) = ax.plot(x, y, color=colour, lw=1.8, solid_joinstyle="round", zorder=5, gid=f"route:{s.name}",
                          label=_sortie_label(s))
        line.set_path_effects([patheffects.withStroke(linewidth=3.4, foreground="white", alpha=0.8)])
        _direction_arrows(ax, x, y, cuts, colour, min_len=0.04 * span, gid=f"arrow:{s.name}")
        for o in s.orbits:
            ring = orbit_ring(o)
            rx, ry = frame.to_local([c[0] for c in ring], [c[1] for c in ring])
            ax.fill(rx, ry, facecolor=colour, alpha=0.18, edgecolor="none", zorder=4)
            ax.plot(rx, ry, color=colour, lw=1.0, zorder=5, gid=f"orbit:{s.name}")
            if o.radius_m < symbol_m:  # too small to see at map scale: a ring symbol marks it
                cx, cy = frame.to_local(o.centre.lon, o.centre.lat)
                ax.plot([cx], [cy], marker="o", markersize=_ORBIT_SYMBOL_PT, fillstyle="none", color=colour,
                        markeredgewidth=1.3, ls="none", zorder=6, gid=f"orbit-symbol:{s.name}")
        for leg in s.legs:  # a racetrack as flown: its half-circle ends and closing leg, as in KML and GeoJSON
            if leg.pattern is not None and leg.pattern.kind == "racetrack":
                oval = pattern_coords(leg.pattern)
                px, py = frame.to_local([c[0] for c in oval], [c[1] for c in oval])
                ax.plot(px, py, color=colour, lw=1.0, zorder=5, gid=f"racetrack:{s.name}")
        for o in s.orbits:
            if len(o.tasks) > 1:
                labels.extend(_watched(ax, frame, plan, o, colour, dense))
        for pat in s.patterns:
            imaged = imaged_area(pat)
            if not imaged.is_empty:
                _add_polygon(ax, frame.geometry_to_local(imaged), facecolor=matplotlib.colors.to_rgba(colour, 0.14),
                             edgecolor=matplotlib.colors.to_rgba(colour, 0.5), lw=0.5, zorder=3.5,
                             gid=f"imaged:{s.name}:{pat.tasks[0]}")
        sortie_handles.append((Line2D([], [], color=colour, lw=2.2, marker=">", markersize=5), _sortie_label(s)))

    for b in plan.bases:
        bx, by = frame.to_local(b.lon, b.lat)
        ax.plot([bx], [by], marker="^", markersize=11, color=INK, markeredgecolor="white", markeredgewidth=1.2,
                ls="none", zorder=8, gid=f"base:{b.name}")
        labels.insert(0, Label(b.name, float(bx), float(by), 8.5, INK, "bold", -1))
    key.insert(0, (Line2D([], [], marker="^", markersize=9, color=INK, markeredgecolor="white", ls="none"),
                   "base"))
    key.append((Line2D([], [], marker="o", markersize=6, color="#0072b2", markeredgecolor=INK,
                       markeredgewidth=0.6, ls="none"), "task served (sortie colour)"))
    key.append((Line2D([], [], marker="x", markersize=7, color=UNSERVED, markeredgewidth=1.6, ls="none"),
                "task not served"))
    if any(s.orbits for s in plan.sorties):
        key.append((Patch(facecolor=(0.0, 0.45, 0.70, 0.18), edgecolor="#0072b2"), "orbit (to scale)"))
    if any(o.radius_m < symbol_m for s in plan.sorties for o in s.orbits):
        key.append((Line2D([], [], marker="o", markersize=_ORBIT_SYMBOL_PT, fillstyle="none", color="#0072b2",
                           markeredgewidth=1.3, ls="none"), "orbit too small to draw to scale"))
    if any(s.patterns for s in plan.sorties):
        key.append((Patch(facecolor=(0.0, 0.45, 0.70, 0.14), edgecolor="#0072b2", lw=0.5), "imaged by the sensor"))
    if any(len(o.tasks) > 1 for s in plan.sorties for o in s.orbits):
        key.append((Line2D([], [], color="#0072b2", lw=0.8, ls=(0, (2, 2))), "shared orbit: target watched, when"))

    place_labels(fig, ax, labels, MAX_LABELS)
    _scale_bar(ax, extent)
    _north_arrow(ax, frame, extent)
    wind_arrow(ax, frame, extent, plan.wind.from_deg, plan.wind.speed_mps)
    total = sum(1 for t in plan.tasks if t.kind != "nofly")
    box_text = f"{len(plan.unserved)} unserved"
    ax.text(0.985, 0.018, box_text, transform=ax.transAxes, ha="right", va="bottom", fontsize=9,
            color=INK if unserved else "#2d6a4f", zorder=10, gid="unserved-count",
            bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": UNSERVED, "alpha": 0.9})

    m = plan.metrics()
    fig.text(0.055, 0.955, plan.name, fontsize=14, fontweight="bold", color=INK, ha="left", va="baseline",
             gid="title")
    fig.text(0.055, 0.918,
             f"start {utc(plan.start)} · {count(len(plan.sorties), 'sortie')} · priority {m['priority_served']:g} of "
             f"{m['priority_total']:g} served · {int(m['tasks_served'])} of {total} tasks",
             fontsize=9.5, color="#444444", ha="left", va="baseline")
    wind = (f"wind from {plan.wind.from_deg:.0f}° at {plan.wind.speed_mps:g} m/s" if plan.wind.speed_mps > 0
            else "no wind")
    fig.text(0.055, 0.018,
             f"Azimuthal equidistant projection centred {_lon_label(frame.lon0, 2)} {_lat_label(frame.lat0, 2)} "
             f"(WGS84); true distances from the centre · {wind}",
             fontsize=7.5, color="#666666", ha="left", va="bottom")

    if sortie_handles:
        sortie_legend(fig, sortie_handles)
    handles, labels = zip(*key, strict=True)
    fig.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.725, 0.075), title="Key", alignment="left",
               frameon=False, fontsize=8.5, title_fontproperties={"weight": "bold"}, handlelength=2.2)
    return fig


def _watched(ax: Axes, frame: geo.LocalFrame, plan: Plan, orbit: Orbit, colour: str, dense: bool) -> list[Label]:
    """A shared orbit's sight lines to its targets; returns when each is watched (UTC labels; none if ``dense``)."""
    where = {t.name: t.geometry for t in plan.tasks}
    cx, cy = frame.to_local(orbit.centre.lon, orbit.centre.lat)
    out = []
    for w in orbit.watches:
        for name in w.tasks:
            tx, ty = frame.to_local(where[name].x, where[name].y)
            ax.plot([cx, tx], [cy, ty], color=colour, lw=0.8, ls=(0, (2, 2)), zorder=5, gid=f"sight:{name}")
            when = f"{plan.time(w.start_s):%H:%M}–{plan.time(w.end_s):%H:%M}"
            out.append(Label(when, float(tx), float(ty), 5.5, colour, "normal", 1, gid=f"watch:{name}"))
    return [] if dense else out


def _sortie_label(s: Sortie) -> str:
    return f"{s.name} · {s.aircraft.name} · {count(len(s.tasks), 'task')} · {hours_minutes(s.flight_s)} h"


def _frame(plan: Plan) -> geo.LocalFrame:
    lons: list[float] = [b.lon for b in plan.bases]
    lats: list[float] = [b.lat for b in plan.bases]
    for t in plan.tasks:
        c = t.geometry.centroid
        lons.append(c.x)
        lats.append(c.y)
    return geo.LocalFrame.around(lons, lats)


def _extent(plan: Plan, frame: geo.LocalFrame, ax: Axes) -> tuple[float, float, float, float]:
    """Map limits (m): everything but the radio ranges, padded, widened to the axes' shape."""
    xs: list[float] = []
    ys: list[float] = []
    for b in plan.bases:
        x, y = frame.to_local(b.lon, b.lat)
        xs.append(float(x))
        ys.append(float(y))
    for t in plan.tasks:
        x0, y0, x1, y1 = frame.geometry_to_local(t.geometry).bounds
        xs += [x0, x1]
        ys += [y0, y1]
    for s in plan.sorties:
        coords = route_coords(s)
        x, y = frame.to_local([c[0] for c in coords], [c[1] for c in coords])
        xs += list(np.atleast_1d(x))
        ys += list(np.atleast_1d(y))
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad = max(0.07 * max(x1 - x0, y1 - y0), 5_000.0)
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    pos = ax.get_position()
    fw, fh = ax.figure.get_size_inches()
    aspect = (pos.width * fw) / (pos.height * fh)
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        grow = (h * aspect - w) / 2.0
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (w / aspect - h) / 2.0
        y0, y1 = y0 - grow, y1 + grow
    return (x0, y0, x1, y1)


def _nice(value: float, steps: Sequence[float] = (1.0, 2.0, 5.0)) -> float:
    """The largest 1-2-5 × 10ⁿ number not above ``value``."""
    exp = math.floor(math.log10(value))
    best = 10.0**exp
    for s in steps:
        if s * 10.0**exp <= value:
            best = s * 10.0**exp
    return best


def _lon_label(lon: float, decimals: int = 0) -> str:
    lon = (lon + 180.0) % 360.0 - 180.0
    hemi = "E" if lon >= 0 else "W"
    return f"{abs(lon):.{decimals}f}°{hemi}" if decimals else f"{abs(lon):g}°{hemi}"


def _lat_label(lat: float, decimals: int = 0) -> str:
    hemi = "N" if lat >= 0 else "S"
    return f"{abs(lat):.{decimals}f}°{hemi}" if decimals else f"{abs(lat):g}°{hemi}"


def _graticule(ax: Axes, frame: geo.LocalFrame, extent: tuple[float, float, float, float]) -> None:
    """Meridians and parallels projected into the frame; labelled where they cross the left and bottom edges."""
    x0, y0, x1, y1 = extent
    edge = np.linspace(0.0, 1.0, 41)
    bx = np.concatenate([x0 + (x1 - x0) * edge, np.full(41, x1), x1 - (x1 - x0) * edge, np.full(41, x0)])
    by = np.concatenate([np.full(41, y0), y0 + (y1 - y0) * edge, np.full(41, y1), y1 - (y1 - y0) * edge])
    lon, lat = frame.to_lonlat(bx, by)
    rel = (lon - frame.lon0 + 180.0) % 360.0 - 180.0
    lat_lo, lat_hi = float(lat.min()), float(lat.max())
    if y1 > 0 > y0 and x1 > 0 > x0:
        lat_lo, lat_hi = min(lat_lo, frame.lat0), max(lat_hi, frame.lat0)
    span = max(float(rel.max() - rel.min()), lat_hi - lat_lo)
    step = next((s for s in (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0) if span / s <= 9), 45.0)
    lat_a = max(-89.0, math.floor(lat_lo / step) * step - step)
    lat_b = min(89.0, math.ceil(lat_hi / step) * step + step)
    lon_a = math.floor((frame.lon0 + rel.min()) / step) * step - step
    lon_b = math.ceil((frame.lon0 + rel.max()) / step) * step + step
    frame_box = box(x0, y0, x1, y1)
    bottom = LineString([(x0, y0), (x1, y0)])
    left = LineString([(x0, y0), (x0, y1)])
    xticks: list[tuple[float, str]] = []
    yticks: list[tuple[float, str]] = []
    lats = np.linspace(lat_a, lat_b, 200)
    for m in np.arange(lon_a, lon_b + step / 2, step):
        x, y = frame.to_local(np.full(lats.size, m), lats)
        ax.plot(x, y, color=_GRATICULE, lw=0.6, zorder=1, gid="graticule")
        hit = LineString(np.column_stack([x, y])).intersection(bottom)
        if not hit.is_empty and frame_box.covers(hit):
            xticks.append((_first_x(hit), _lon_label(round(float(m), 6))))
    lons = np.linspace(lon_a, lon_b, 200)
    for p in np.arange(lat_a, lat_b + step / 2, step):
        x, y = frame.to_local(lons, np.full(lons.size, p))
        ax.plot(x, y, color=_GRATICULE, lw=0.6, zorder=1, gid="graticule")
        hit = LineString(np.column_stack([x, y])).intersection(left)
        if not hit.is_empty:
            yticks.append((_first_y(hit), _lat_label(round(float(p), 6))))
    ax.set_xticks([t for t, _ in xticks], [s for _, s in xticks])
    ax.set_yticks([t for t, _ in yticks], [s for _, s in yticks])
    ax.tick_params(labelsize=8, length=3, colors="#555555")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def _first_x(geom: BaseGeometry) -> float:
    return float(min(p.x for p in getattr(geom, "geoms", [geom]) if isinstance(p, Point)))


def _first_y(geom: BaseGeometry) -> float:
    return float(min(p.y for p in getattr(geom, "geoms", [geom]) if isinstance(p, Point)))


def _geodesic_polyline(frame: geo.LocalFrame, lonlat: Sequence[tuple[float, float]]
                       ) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Vertices of a route densified along geodesics, in the frame; ``cuts`` index each input vertex."""
    lons: list[float] = []
    lats: list[float] = []
    cuts: list[int] = []
    for k, (lon, lat) in enumerate(lonlat):
        if k:
            plon, plat = lonlat[k - 1]
            d = float(geo.distance_m(plon, plat, lon, lat))
            n = int(d // _DENSIFY_M)
            if n:
                for ilon, ilat in geo.GEOD.npts(plon, plat, lon, lat, n):
                    lons.append(ilon)
                    lats.append(ilat)
        cuts.append(len(lons))
        lons.append(lon)
        lats.append(lat)
    x, y = frame.to_local(lons, lats)
    return np.atleast_1d(x), np.atleast_1d(y), cuts


def _direction_arrows(ax: Axes, x: np.ndarray, y: np.ndarray, cuts: list[int], colour: str, *, min_len: float,
                      gid: str) -> None:
    """An arrowhead half-way along each route segment at least ``min_len`` (m) long, pointing the way flown."""
    for a, b in itertools.pairwise(cuts):
        sx, sy = x[a:b + 1], y[a:b + 1]
        steps = np.hypot(np.diff(sx), np.diff(sy))
        total = float(steps.sum())
        if total < min_len:
            continue
        along = np.concatenate([[0.0], np.cumsum(steps)])
        mid = total / 2.0
        eps = min(total * 0.01, min_len * 0.05)
        px = np.interp([mid - eps, mid + eps], along, sx)
        py = np.interp([mid - eps, mid + eps], along, sy)
        arrow = FancyArrowPatch((px[0], py[0]), (px[1], py[1]), arrowstyle="-|>", mutation_scale=13, color=colour,
                                lw=0, shrinkA=0, shrinkB=0, zorder=6, gid=gid)
        ax.add_patch(arrow)


def _polygon_path(geom: BaseGeometry) -> MplPath:
    parts = [geom] if geom.geom_type == "Polygon" else list(getattr(geom, "geoms", []))
    paths = []
    for poly in parts:
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            codes = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            codes[0] = MplPath.MOVETO
            codes[-1] = MplPath.CLOSEPOLY
            paths.append(MplPath(xy, codes))
    return MplPath.make_compound_path(*paths) if paths else MplPath(np.zeros((0, 2)))


def _add_polygon(ax: Axes, geom: BaseGeometry, *, gid: str, **style: object) -> None:
    patch = PathPatch(_polygon_path(geom), gid=gid, **style)  # type: ignore[arg-type]
    ax.add_patch(patch)


def _lines(geom: BaseGeometry) -> Iterable[np.ndarray]:
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type == "LineString":
            yield np.asarray(part.coords)[:, :2]


def _task_handle(kind: str) -> object:
    if kind == "survey":
        return Patch(facecolor=(0.5, 0.5, 0.5, 0.15), edgecolor="#555555")
    if kind == "patrol":
        return Line2D([], [], color="#555555", lw=2.0, ls=(0, (6, 2)))
    return Line2D([], [], marker="D", markersize=6, color="#555555", markeredgecolor=INK, ls="none")


def _draw_task(ax: Axes, geom: BaseGeometry, kind: str, colour: str, *, served: bool, name: str,
               dense: bool) -> Label:
    """One task in ``colour`` (its sortie's, or grey when unserved); unserved get a cross (smaller when
    ``dense``), drawn under the routes. Returns its label."""
    gid = f"task:{name}"
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        _add_polygon(ax, geom, facecolor=matplotlib.colors.to_rgba(colour, 0.15), edgecolor=colour, lw=1.2,
                     zorder=3, gid=gid, ls="-" if served else (0, (3, 2)))
        anchor = geom.representative_point()
    elif geom.geom_type in ("LineString", "MultiLineString"):
        for xy in _lines(geom):
            ax.plot(xy[:, 0], xy[:, 1], color=colour, lw=2.0, ls=(0, (6, 2)), zorder=3, gid=gid)
        anchor = shapely.line_interpolate_point(geom, 0.5, normalized=True) if geom.geom_type == "LineString" \
            else geom.representative_point()
    else:
        anchor = geom.centroid
        if served:
            ax.plot([anchor.x], [anchor.y], marker="D" if kind == "standoff" else "o", markersize=5.5,
                    color=colour, markeredgecolor=INK, markeredgewidth=0.6, ls="none", zorder=7, gid=gid)
    if not served:
        ax.plot([anchor.x], [anchor.y], marker="x", markersize=4.5 if dense else 7, color=UNSERVED,
                markeredgewidth=1.0 if dense else 1.6, ls="none", zorder=4, gid=f"unserved:{name}")
    return Label(name, anchor.x, anchor.y, 6.5, INK if served else "#6b6b6b", "normal", 0 if served else 2)


def _scale_bar(ax: Axes, extent: tuple[float, float, float, float]) -> None:
    """A 4-part black and white bar of a round number of km at the lower left, labelled 0, half and full."""
    x0, y0, x1, y1 = extent
    length_m = _nice(0.25 * (x1 - x0) / 1000.0) * 1000.0
    left, bottom = x0 + 0.035 * (x1 - x0), y0 + 0.045 * (y1 - y0)
    height = 0.011 * (y1 - y0)
    ax.add_patch(Rectangle((left - 0.012 * (x1 - x0), bottom - 0.025 * (y1 - y0)),
                           length_m + 0.05 * (x1 - x0), 0.085 * (y1 - y0), facecolor="white", alpha=0.8,
                           edgecolor="none", zorder=9))
    for k in range(4):
        ax.add_patch(Rectangle((left + k * length_m / 4, bottom), length_m / 4, height,
                               facecolor=INK if k % 2 == 0 else "white", edgecolor=INK, lw=0.7, zorder=10,
                               gid="scale-bar"))
    km = length_m / 1000.0
    for frac, text in ((0.0, "0"), (0.5, f"{km / 2:g}"), (1.0, f"{km:g} km")):
        ax.text(left + frac * length_m, bottom + height * 1.6, text, ha="center", va="bottom", fontsize=7.5,
                color=INK, zorder=10, gid="scale-label" if frac == 1.0 else None)


def _north_arrow(ax: Axes, frame: geo.LocalFrame, extent: tuple[float, float, float, float]) -> None:
    """An arrow pointing to true north at the upper right of the map, with an N."""
    x0, y0, x1, y1 = extent
    cx, cy = x1 - 0.05 * (x1 - x0), y1 - 0.13 * (y1 - y0)
    lon, lat = frame.to_lonlat(cx, cy)
    nx, ny = frame.to_local(lon, np.minimum(lat + 0.05, 89.99))
    d = np.array([float(nx) - cx, float(ny) - cy])
    d /= float(np.hypot(*d)) or 1.0
    half = 0.045 * (y1 - y0)
    tail, head = (cx - d[0] * half, cy - d[1] * half), (cx + d[0] * half, cy + d[1] * half)
    ax.add_patch(FancyArrowPatch(tail, head, arrowstyle="simple,head_length=0.9,head_width=0.9,tail_width=0.3",
                                 mutation_scale=16, color=INK, zorder=10, gid="north-arrow"))
    ax.text(head[0] + d[0] * half * 0.45, head[1] + d[1] * half * 0.45, "N", ha="center", va="center",
            fontsize=11, fontweight="bold", color=INK, zorder=10, path_effects=_HALO)


