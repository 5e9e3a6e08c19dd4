"""Draw docs/img/footprints.png: the sensor footprint geometry of docs/concepts.md#sensor-footprints.

Run from the repository root: ``python docs/make_footprints.py``. Every figure is computed by the
planner itself from the built-in catalogue (``Sensor.strips_m``, ``watch_range_m``, ``orbit_radius_m``,
``orbit_reach_m``, ``circle_watches``) at 5 km above the ground, so the picture shows what the planner
plans with. Four panels: the cross-track view (a camera's swath, a radar's near and far range), a
side-looking survey (tracks offset from the strips they image), orbits (a turret's reach, a SAR's
near-range circle) and a racetrack (the target in view from both ends of the imaging leg).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Polygon, Rectangle, Wedge

from planner.io.atomic import write_bytes
from planner.io.profiles import load_sensors
from planner.render.figure import render

IMG = Path(__file__).resolve().parent / "img"
H = 5000.0  # height above the ground, m
TURN_M = 500.0  # an Anka-class loiter circle in wind, m
INK = "#24292f"
CAMERA, RADAR, TARGET = "#1f77b4", "#d62728", "#2ca02c"


def _km(ax) -> None:
    ax.set_aspect("equal")
    ax.tick_params(labelsize=7)
    ax.grid(True, color="#e5e5e5", lw=0.5)


def cross_track(ax, eo, sar) -> None:
    """The plane across the track: the camera's cone and swath, the radar's depression limits and strip."""
    w = eo.swath_at_m(H) / 2.0
    ax.fill([0, -w / 1e3, w / 1e3], [H / 1e3, 0, 0], color=CAMERA, alpha=0.25, lw=0)
    ax.plot([-w / 1e3, w / 1e3], [0, 0], color=CAMERA, lw=4, solid_capstyle="butt")
    ax.annotate(f"EO/IR swath 2·h·tan(fov/2)\n= {2 * w:,.0f} m (fov {eo.fov_deg:g}°)", (0, 0), (-4.8, -1.9),
                fontsize=7, color=CAMERA, arrowprops={"arrowstyle": "-", "color": CAMERA, "lw": 0.6})
    (near, far), = sar.strips_m(H)
    ax.fill([0, near / 1e3, far / 1e3], [H / 1e3, 0, 0], color=RADAR, alpha=0.18, lw=0)
    ax.plot([near / 1e3, far / 1e3], [0, 0], color=RADAR, lw=4, solid_capstyle="butt")
    for d, label in ((sar.max_depression_deg, "δ_max"), (sar.min_depression_deg, "δ_min")):
        g = H / math.tan(math.radians(d))
        ax.plot([0, min(g, 12e3) / 1e3], [H / 1e3, H / 1e3 - min(g, 12e3) / g * H / 1e3], color=RADAR, lw=0.6,
                ls=(0, (3, 2)))
        ax.text(min(g, 12e3) / 1e3 - (2.2 if g > 12e3 else -0.2), H / 1e3 - min(g, 12e3) / g * H / 1e3 + 0.25,
                f"{label} {d:g}°", fontsize=7, color=RADAR)
    ax.annotate(f"SAR strip near h/tan δ_max = {near / 1e3:.1f} km\nto far {far / 1e3:.1f} km (swath cap "
                f"{sar.swath_m / 1e3:g} km)", (near / 1e3, 0), (2.6, -1.9), fontsize=7, color=RADAR,
                arrowprops={"arrowstyle": "-", "color": RADAR, "lw": 0.6})
    ax.plot([0], [H / 1e3], marker="^", color=INK, ms=8)
    ax.plot([-5, 12], [0, 0], color=INK, lw=0.8)
    ax.text(-4.8, H / 1e3 + 0.2, f"aircraft, h = {H / 1e3:g} km above the ground", fontsize=7, color=INK)
    ax.set_xlim(-5, 12)
    ax.set_ylim(-2.2, 6.2)
    ax.set_title("across the track (km): swath and near/far range", fontsize=9)
    _km(ax)


def survey(ax, sar) -> None:
    """A side-looking survey: each track flown left of the strip it images on its right."""
    (near, far), = sar.strips_m(H)
    width, offset = (far - near) / 1e3, (near + far) / 2e3
    spacing = width * 0.9
    area = Rectangle((0, 0), 30, 3 * spacing, facecolor="#f2f2f2", edgecolor=INK, lw=0.8)
    ax.add_patch(area)
    colours = ("#d62728", "#9467bd", "#ff7f0e")
    for k in range(3):
        centre = spacing * (k + 0.5)
        east = k % 2 == 0
        track = centre + offset if east else centre - offset
        ax.add_patch(Rectangle((0, centre - width / 2), 30, width, facecolor=colours[k], alpha=0.18, lw=0))
        ax.annotate("", (30 if east else 0, track), (0 if east else 30, track),
                    arrowprops={"arrowstyle": "-|>", "color": colours[k], "lw": 1.4})
        ax.plot([6 + 9 * k] * 2, [track, centre], color=colours[k], lw=0.8, ls=(0, (2, 2)))
        ax.plot([6 + 9 * k], [centre], marker="o", ms=3, color=colours[k])
    ax.text(6.4, spacing * 0.5 + offset * 0.45, f"offset (near + far)/2 = {offset:.1f} km", fontsize=7,
            color=colours[0])
    ax.text(0.3, -2.5, f"each strip {width:.1f} km wide, beside its track (right-looking SAR);\n"
            f"strip centres {spacing:.1f} km apart (10 % side overlap)", fontsize=7, color=INK, va="top")
    ax.set_xlim(-2, 32)
    ax.set_ylim(-7, 3 * spacing + 7)
    ax.set_title("side-looking survey (km): strips, not tracks, cover the area", fontsize=9)
    _km(ax)


def orbits(ax, eo, sar) -> None:
    """A turret's orbit and the disc of targets it watches from the whole circle; a SAR's wider circle."""
    reach = eo.orbit_reach_m(H, TURN_M, True)
    ax.add_patch(Circle((0, 0), reach / 1e3, facecolor=CAMERA, alpha=0.08, edgecolor=CAMERA, lw=0.6, ls="--"))
    ax.add_patch(Circle((0, 0), TURN_M / 1e3, fill=False, edgecolor=CAMERA, lw=1.4))
    ax.text(0, -reach / 1e3 - 1.5, f"EO/IR orbit r = {TURN_M:.0f} m: targets within ρ = √(S² − h²) − r\n"
            f"= {reach / 1e3:.1f} km are watched from the whole circle", fontsize=7, color=CAMERA, ha="center")
    x0 = 34.0
    r = sar.orbit_radius_m(H, TURN_M)
    ax.add_patch(Circle((x0, 0), r / 1e3, fill=False, edgecolor=RADAR, lw=1.4))
    for theta in np.radians([90, 210, 330]):
        p = np.array([x0 + r / 1e3 * math.cos(theta), r / 1e3 * math.sin(theta)])
        heading = np.array([math.sin(theta), -math.cos(theta)])  # clockwise
        ax.annotate("", p + heading * 1.2, p, arrowprops={"arrowstyle": "-|>", "color": RADAR, "lw": 1.0})
        ax.plot([p[0], x0], [p[1], 0], color=RADAR, lw=0.5, ls=(0, (2, 2)))
    ax.plot([x0], [0], marker="*", color=TARGET, ms=10)
    ax.text(x0 - 4, -7.5, f"right-looking SAR: clockwise circle, r = near range\n+ 3 % = {r:,.0f} m, target on "
            "the right all round", fontsize=7, color=RADAR, ha="center")
    ax.plot([0], [0], marker="*", color=TARGET, ms=10)
    ax.set_xlim(-16, 42)
    ax.set_ylim(-17, 15)
    ax.set_title("orbits (km)", fontsize=9)
    _km(ax)


def racetrack(ax, sar) -> None:
    """A stand-off racetrack: the inner leg images, the target in view from both of its ends."""
    standoff, half = 20.0, 10.0
    near, far = (v / 1e3 for v in sar.watch_range_m(H))
    ax.add_patch(Wedge((0, 0), far, 0, 180, width=far - near, facecolor=RADAR, alpha=0.06, lw=0))
    ax.plot([-half, half], [standoff, standoff], color=RADAR, lw=2)
    ax.plot([-half, half], [standoff + 1, standoff + 1], color=INK, lw=0.8)
    ax.text(-half, standoff + 1.6, "outer leg, flown back: target on the left, not imaged", fontsize=7, color=INK)
    ax.annotate("", (half, standoff), (-half, standoff), arrowprops={"arrowstyle": "-|>", "color": RADAR})
    for end in (-half, half):
        ax.plot([end, 0], [standoff, 0], color=RADAR, lw=0.6, ls=(0, (3, 2)))
    squint = math.degrees(math.atan2(half, standoff))
    ax.text(half + 0.5, standoff - 3, f"leg ends: ground range {math.hypot(half, standoff):.1f} km\n"
            f"squint {squint:.0f}° ≤ {sar.squint_deg:g}°", fontsize=7, color=RADAR)
    ax.text(-23, 2, f"in view: near {near:.1f} km to far {far:.1f} km\n(δ_max, δ_min, slant {sar.slant_range_m / 1e3:g} km)",
            fontsize=7, color=RADAR)
    ax.plot([0], [0], marker="*", color=TARGET, ms=10)
    ax.add_patch(Polygon([[-1, -1], [1, -1], [1, 1], [-1, 1]], closed=True, fill=False, edgecolor=TARGET, lw=0.6))
    ax.set_xlim(-25, 30)
    ax.set_ylim(-3, 32)
    ax.set_title("stand-off racetrack (km): checked at the leg ends", fontsize=9)
    _km(ax)


def main() -> int:
    """Draw the four panels into docs/img/footprints.png; prints what it wrote."""
    sensors = load_sensors()
    fig = Figure(figsize=(11.0, 8.0), dpi=110, facecolor="white")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2)
    cross_track(axes[0, 0], sensors["eo-ir"], sensors["sar"])
    survey(axes[0, 1], sensors["sar"])
    orbits(axes[1, 0], sensors["eo-ir"], sensors["sar"])
    racetrack(axes[1, 1], sensors["sar"])
    fig.suptitle(f"Sensor footprints of the built-in catalogue at h = {H / 1e3:g} km above the ground", fontsize=11)
    fig.tight_layout()
    data = render(fig, "png")
    write_bytes(IMG / "footprints.png", data, overwrite=True)
    print(f"wrote {IMG / 'footprints.png'} ({len(data) / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
