"""Terrain pictures: the hillshade under the map's routes, and each sortie's altitude profile.

The hillshade is the DEM lit from the north-west (315°, 45° up, matplotlib's ``LightSource``) on the
terrain grid, resampled onto the map's own frame pixel by pixel (no distortion between the two planes).

A profile (``profile-<sortie>.png``) follows the sortie's flight line from take-off to landing: climbs and
descents circled over a point are vertical, an orbit is one lap of its circle, a racetrack one lap, a
survey or patrol its waypoints, the final approach out and back. Under the flown altitude it draws the
ground the planner judges clearance against (the highest within one to two DEM cells of the track,
:mod:`planner.model.terrain`) and shades the clearance band above it; the lowest clearance is marked.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LightSource
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from planner.core import geo
from planner.core.units import hours_minutes
from planner.model.plan import Plan, Sortie
from planner.model.scenario import APPROACH_M
from planner.model.terrain import Terrain
from planner.render.figure import DPI, INK, style
from planner.render.shapes import orbit_ring, pattern_coords, sortie_colour

__all__ = ["HILLSHADE_PX", "PROFILE_SIZE_IN", "draw_hillshade", "flown_line", "profile_figure"]

HILLSHADE_PX = 900  # longer side of the hillshade image drawn under a map, pixels
PROFILE_SIZE_IN = (11.0, 4.2)
_SHADE_CELLS = 1500  # the DEM is averaged down to at most this many cells a side before shading
_DRAWN_POINTS = 2500  # points of the ground line drawn in a profile (the highest of each stretch)
_GROUND = "#b89b72"
_BAND = "#d9534f"


def _shaded(terrain: Terrain) -> tuple[np.ndarray, float]:
    """Hillshade (0–1, row 0 south, NaN unknown) of the terrain averaged to at most :data:`_SHADE_CELLS` a
    side, and its cell size (m)."""
    z = terrain.ground.values.astype(float)
    k = max(1, math.ceil(max(z.shape) / _SHADE_CELLS))
    if k > 1:
        ny, nx = (z.shape[0] // k) * k, (z.shape[1] // k) * k
        z = np.nanmean(z[:ny, :nx].reshape(ny // k, k, nx // k, k), axis=(1, 3))
    unknown = np.isnan(z)
    filled = np.where(unknown, np.nanmean(z) if not unknown.all() else 0.0, z)
    cell = terrain.cell_m * k
    shade = LightSource(azdeg=315, altdeg=45).hillshade(filled[::-1], vert_exag=1.0, dx=cell, dy=cell)[::-1]
    return np.where(unknown, np.nan, shade), cell


def draw_hillshade(ax: Axes, terrain: Terrain, frame: geo.LocalFrame, extent: tuple[float, float, float, float],
                   zorder: float = 0.5) -> Patch:
    """Draw the terrain's hillshade over the map area ``extent`` (x0, y0, x1, y1 in ``frame`` metres); returns
    the legend handle."""
    shade, cell = _shaded(terrain)
    x0, y0, x1, y1 = extent
    scale = HILLSHADE_PX / max(x1 - x0, y1 - y0)
    nx, ny = max(2, round((x1 - x0) * scale)), max(2, round((y1 - y0) * scale))
    px = x0 + (np.arange(nx) + 0.5) * (x1 - x0) / nx
    py = y0 + (np.arange(ny) + 0.5) * (y1 - y0) / ny
    gx, gy = np.meshgrid(px, py)
    lon, lat = frame.to_lonlat(gx.ravel(), gy.ravel())
    tx, ty = terrain.xy(lon, lat)
    g = terrain.ground
    ix = np.floor((tx - g.x0) / cell).astype(np.int64)
    iy = np.floor((ty - g.y0) / cell).astype(np.int64)
    inside = (ix >= 0) & (iy >= 0) & (ix < shade.shape[1]) & (iy < shade.shape[0])
    value = np.full(ix.size, np.nan)
    value[inside] = shade[iy[inside], ix[inside]]
    value = value.reshape(ny, nx)
    rgba = np.zeros((ny, nx, 4))
    rgba[..., :3] = np.nan_to_num(value, nan=1.0)[..., None] * 0.85 + 0.1
    rgba[..., 3] = np.where(np.isnan(value), 0.0, 0.55)
    ax.imshow(rgba, extent=(x0, x1, y0, y1), origin="lower", interpolation="bilinear", zorder=zorder,
              gid="hillshade")
    return Patch(facecolor="#9a9a9a", edgecolor="none", alpha=0.55)


def flown_line(sortie: Sortie) -> list[tuple[float, float, float]]:
    """The sortie's flight line as (lon, lat, alt AMSL) vertices joined by geodesics, altitude changing
    linearly between them (module docstring)."""
    out: list[tuple[float, float, float]] = []
    base = sortie.base

    def add(lon: float, lat: float, alt: float) -> None:
        point = (lon, lat, alt)
        if not out or out[-1] != point:
            out.append(point)

    for leg in sortie.legs:
        if leg.kind == "approach":
            lon, lat = geo.destination(base.lon, base.lat, (base.runway_deg or 0.0) + 180.0, APPROACH_M)
            add(leg.start.lon, leg.start.lat, leg.start.alt_m)
            add(float(lon), float(lat), leg.start.alt_m)
            continue
        add(leg.start.lon, leg.start.lat, leg.start.alt_m)
        for p in leg.via:
            add(p.lon, p.lat, p.alt_m)
        if leg.orbit is not None:
            for lon, lat, alt in orbit_ring(leg.orbit):
                add(lon, lat, alt)
        elif leg.pattern is not None:
            for lon, lat, alt in pattern_coords(leg.pattern):
                add(lon, lat, alt)
        add(leg.end.lon, leg.end.lat, leg.end.alt_m)
    return out


def _envelope(s: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most :data:`_DRAWN_POINTS` points of the ground to draw: the highest of each stretch (peaks kept)."""
    if s.size <= _DRAWN_POINTS:
        return s, high
    edges = np.linspace(0.0, float(s[-1]), _DRAWN_POINTS + 1)
    bins = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, _DRAWN_POINTS - 1)
    top = np.full(_DRAWN_POINTS, -np.inf)
    np.maximum.at(top, bins, np.nan_to_num(high, nan=-np.inf))
    filled = np.bincount(bins, minlength=_DRAWN_POINTS) > 0
    mid = (edges[:-1] + edges[1:]) / 2.0
    top = np.where(np.isfinite(top), top, np.nan)
    return np.concatenate([[0.0], mid[filled], [float(s[-1])]]), np.concatenate([[high[0]], top[filled], [high[-1]]])


def _flown_alt(vertex_s: np.ndarray, alt_v: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Flown altitude at distances ``s`` along vertices at ``vertex_s`` (non-decreasing; repeated where the
    altitude changes over one point): linear between a vertex's last altitude and the next one's first, the
    lowest of a repeated vertex's altitudes exactly there."""
    if vertex_s.size < 2 or vertex_s[-1] <= 0:
        return np.full(s.shape, float(alt_v.min()))
    k = np.clip(np.searchsorted(vertex_s, s, side="right") - 1, 0, vertex_s.size - 2)
    span = np.maximum(vertex_s[k + 1] - vertex_s[k], 1e-9)
    out = alt_v[k] + (alt_v[k + 1] - alt_v[k]) * np.clip((s - vertex_s[k]) / span, 0.0, 1.0)
    at, first = np.unique(vertex_s, return_index=True)
    low = np.minimum.reduceat(alt_v, first)
    hit = np.searchsorted(at, s)
    exact = (hit < at.size) & (at[np.minimum(hit, at.size - 1)] == s)
    out[exact] = np.minimum(out[exact], low[hit[exact]])
    return out


def profile_figure(plan: Plan, sortie: Sortie, index: int) -> Figure:
    """The altitude profile of ``sortie`` (the ``index``-th, for its colour) over ``plan.terrain``."""
    with style():
        return _profile(plan, sortie, index)


def _profile(plan: Plan, sortie: Sortie, index: int) -> Figure:
    terrain = plan.terrain
    assert terrain is not None
    line = flown_line(sortie)
    x, y = terrain.xy([p[0] for p in line], [p[1] for p in line])
    px, py, s, high = terrain.peaks.samples(x, y)
    vertex_s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    alt_v = np.array([p[2] for p in line])
    alt = _flown_alt(vertex_s, alt_v, s)
    bx, by = terrain.xy(sortie.base.lon, sortie.base.lat)
    descent = next((leg for leg in sortie.legs if leg.kind == "descent"), None)
    circuit = descent.end.alt_m if descent is not None else sortie.base.elev_m
    airfield = (alt < circuit - 1.0) & (np.hypot(px - bx[0], py - by[0]) < APPROACH_M + 2.0 * terrain.cell_m)
    clear = terrain.clearance_m
    fig = Figure(figsize=PROFILE_SIZE_IN, dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.075, 0.14, 0.9, 0.7))
    finite = np.where(np.isfinite(high), high, np.nan)
    margin = alt - finite
    lowest = int(np.nanargmin(np.where(airfield, np.inf, margin))) if np.isfinite(margin).any() else None
    drawn_s, drawn_high = _envelope(s, finite)
    km = drawn_s / 1000.0
    floor_m = float(np.nanmin(finite)) if np.isfinite(finite).any() else 0.0
    bottom = min(floor_m, float(alt_v.min())) - 200.0
    ax.fill_between(km, bottom, drawn_high, color=_GROUND, alpha=0.9, lw=0, zorder=1, label="ground under the track")
    ax.fill_between(km, drawn_high, drawn_high + clear, color=_BAND, alpha=0.22, lw=0, zorder=2,
                    label=f"clearance {clear:g} m")
    colour = sortie_colour(index)
    ax.plot(vertex_s / 1000.0, alt_v, color=colour, lw=1.8, zorder=4, label="flown altitude", gid="flown")
    if lowest is not None:
        k = lowest
        ax.plot([s[k] / 1000.0], [alt[k]], marker="v", color=INK, ms=6, zorder=5)
        ax.annotate(f"lowest clearance {margin[k]:,.0f} m", (s[k] / 1000.0, alt[k]), xytext=(6, 8),
                    textcoords="offset points", fontsize=8, color=INK, zorder=6)
    ax.set_xlim(0.0, max(float(s[-1]) / 1000.0, 1e-3))
    ax.set_ylim(bottom, max(float(alt_v.max()), float(np.nanmax(finite + clear)) if np.isfinite(finite).any()
                           else 0.0) * 1.04 + 100.0)
    ax.set_xlabel("distance along the flight line, km (orbits and racetracks one lap)")
    ax.set_ylabel("m AMSL")
    ax.grid(True, color="#e3e3e3", lw=0.6, zorder=0)
    fig.legend(*ax.get_legend_handles_labels(), loc="upper right", bbox_to_anchor=(0.975, 0.99), fontsize=8,
               frameon=False, ncols=3)
    fig.text(0.075, 0.93, f"{sortie.name} · {sortie.aircraft.name} · altitude profile over {terrain.source}",
             fontsize=11, fontweight="bold", color=INK, ha="left", va="baseline")
    fig.text(0.075, 0.885, f"{hours_minutes(sortie.flight_s)} h flight · ceiling {sortie.aircraft.ceiling_m:,.0f} m · "
             f"ground = highest within two DEM cells of the track ({terrain.cell_m:,.0f} m cells)",
             fontsize=8.5, color="#444444", ha="left", va="baseline")
    return fig
