"""The map and timeline pictures: what they show, measured on the Figure objects, and their bytes."""

from __future__ import annotations

import dataclasses
import io
import itertools
import math
import re
import xml.etree.ElementTree as ET

import matplotlib.image
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib import dates as mdates
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, PathPatch, Rectangle
from shapely.geometry import LineString, Point, Polygon

from planner.core.errors import UsageError
from planner.io.scenario_file import read_scenario
from planner.model.plan import LEG_KINDS
from planner.planning.pipeline import plan as make_plan
from planner.render import figure, timeline
from planner.render import map as pictures
from planner.render.shapes import lonlat_edges, route_coords, sortie_colour
from tests.conftest import target, write_scenario

FLEET = (
    '[[fleet]]\naircraft = "anka"\ncount = 1\nbase = "Alpha"\npayload = ["eo-ir", "sar"]\n'
    '[[fleet]]\naircraft = "tactical"\ncount = 1\nbase = "Bravo"\npayload = ["eo-ir"]\n'
)
BASES = (
    '[[base]]\nname = "Alpha"\nlon = 73.3\nlat = 49.7\nelev_m = 540\ngcs_range_km = 150\n'
    '[[base]]\nname = "Bravo"\nlon = 72.4\nlat = 49.2\nelev_m = 380\ngcs_range_km = 120\n'
)
NOFLY = {"type": "Feature", "properties": {"task": "nofly", "name": "R-1"},
         "geometry": {"type": "Polygon", "coordinates": [[[73.0, 49.3], [73.2, 49.3], [73.2, 49.45], [73.0, 49.45],
                                                          [73.0, 49.3]]]}}


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    feats = [target(f"T{i}", 72.2 + 0.35 * i, 49.0 + 0.2 * (i % 4), dwell_min=300, priority=1 + i % 3,
                    sensor="sar" if i == 6 else "eo-ir")
             for i in range(7)]
    feats += [target("listening post", 73.6, 49.9, sensor="sigint"), NOFLY]
    path = write_scenario(tmp_path_factory.mktemp("pictures"), feats, fleet=FLEET, bases=BASES)
    result = make_plan(read_scenario(path), max_iterations=100)
    assert len(result.sorties) == 2 and result.unserved
    return result


@pytest.fixture(scope="module")
def map_fig(plan):
    return pictures.map_figure(plan)


@pytest.fixture(scope="module")
def timeline_fig(plan):
    return timeline.timeline_figure(plan)


def _by_gid(fig, prefix):
    return [a for a in fig.findobj() if (a.get_gid() or "").startswith(prefix)]


def _map_axes(fig):
    (ax,) = fig.axes
    return ax


# --------------------------------------------------------------------------------------------- map


def test_one_route_line_per_sortie_in_its_colour_through_every_route_point(plan, map_fig):
    frame = pictures._frame(plan)
    lines = {line.get_gid(): line for line in _by_gid(map_fig, "route:")}
    assert sorted(lines) == sorted(f"route:{s.name}" for s in plan.sorties)
    for i, s in enumerate(plan.sorties):
        line = lines[f"route:{s.name}"]
        assert isinstance(line, Line2D)
        assert to_rgba(line.get_color()) == to_rgba(sortie_colour(i))
        xy = line.get_xydata()
        coords = route_coords(s)
        px, py = frame.to_local([c[0] for c in coords], [c[1] for c in coords])
        for x, y in zip(px, py, strict=True):  # the drawn line passes through each route point (m)
            assert np.min(np.hypot(xy[:, 0] - x, xy[:, 1] - y)) < 1.0
        base_x, base_y = frame.to_local(s.base.lon, s.base.lat)
        assert math.hypot(xy[0, 0] - base_x, xy[0, 1] - base_y) < 1.0
        assert math.hypot(xy[-1, 0] - base_x, xy[-1, 1] - base_y) < 1.0


def _along(xy: np.ndarray, r: np.ndarray) -> list[float]:
    """Distances along the drawn route (m) of every place where it passes within 1 m of ``r``."""
    out, start = [], 0.0
    for p, q in itertools.pairwise(xy):
        d = q - p
        n = float(np.hypot(*d))
        if n > 0:
            t = float(np.dot(d, r - p)) / n
            if abs(float(d[0] * (r - p)[1] - d[1] * (r - p)[0])) / n < 1.0 and -1.0 <= t <= n + 1.0:
                out.append(start + t)
        start += n
    return out


def test_direction_arrows_point_the_way_flown(plan, map_fig):
    lines = {line.get_gid(): line.get_xydata() for line in _by_gid(map_fig, "route:")}
    for s in plan.sorties:
        arrows = _by_gid(map_fig, f"arrow:{s.name}")
        assert arrows and all(isinstance(a, FancyArrowPatch) for a in arrows)
        xy = lines[f"route:{s.name}"]
        order = []
        for arrow in arrows:
            tail, head = (np.asarray(p, dtype=float) for p in arrow._posA_posB)
            length = float(np.hypot(*(head - tail)))
            # some pass of the route goes through the tail and then, that far on, through the head
            ahead = [t for t in _along(xy, tail) for h in _along(xy, head) if 0 < h - t <= length + 2.0]
            assert ahead, "arrow does not sit on the route pointing the way flown"
            order.append(min(t for t in ahead if not order or t >= order[-1]))
        assert order == sorted(order)


def test_legend_has_one_entry_per_sortie_naming_the_aircraft(plan, map_fig):
    sorties_legend = next(lg for lg in map_fig.legends if lg.get_title().get_text() == "Sorties")
    texts = [t.get_text() for t in sorties_legend.get_texts()]
    assert len(texts) == len(plan.sorties)
    for text, s in zip(texts, plan.sorties, strict=True):
        assert text.startswith(s.name) and s.aircraft.name in text and f"{len(s.tasks)} task" in text
    colours = [to_rgba(h.get_color()) for h in sorties_legend.legend_handles]
    assert colours == [to_rgba(sortie_colour(i)) for i in range(len(plan.sorties))]
    key = next(lg for lg in map_fig.legends if lg.get_title().get_text() == "Key")
    assert {"base", "no-fly zone", "ground-station radio range", "task not served"} <= {
        t.get_text() for t in key.get_texts()}


def test_unserved_count_and_crosses(plan, map_fig):
    (box,) = _by_gid(map_fig, "unserved-count")
    assert box.get_text() == f"{len(plan.unserved)} unserved"
    crosses = {a.get_gid().removeprefix("unserved:") for a in _by_gid(map_fig, "unserved:")}
    assert crosses == {u.task for u in plan.unserved}
    assert "listening post" in crosses
    labels = [a.get_gid().removeprefix("label:") for a in _by_gid(map_fig, "label:")]
    assert sorted(labels) == sorted([t.name for t in plan.tasks if t.kind != "nofly"] + [b.name for b in plan.bases])


def test_nofly_zone_is_a_hatched_patch_where_the_zone_is(plan, map_fig):
    (patch,) = _by_gid(map_fig, "nofly:R-1")
    assert isinstance(patch, PathPatch) and patch.get_hatch() == "////"
    frame = pictures._frame(plan)
    zone = next(t.geometry for t in plan.tasks if t.kind == "nofly")
    want = frame.geometry_to_local(lonlat_edges(zone)).bounds  # edges straight in lon/lat, bent by the projection
    got = patch.get_path().get_extents().bounds  # x0, y0, width, height
    assert np.allclose((got[0], got[1], got[0] + got[2], got[1] + got[3]), want, atol=1.0)


def test_radio_range_circle_has_the_ground_station_radius(plan, map_fig):
    frame = pictures._frame(plan)
    for b in plan.bases:
        (ring,) = _by_gid(map_fig, f"range:{b.name}")
        bx, by = frame.to_local(b.lon, b.lat)
        xy = ring.get_xydata()
        radius = np.hypot(xy[:, 0] - bx, xy[:, 1] - by)  # azimuthal-equidistant: true distance from the centre
        assert np.allclose(radius, b.gcs_range_km * 1000.0, rtol=0.01)
        assert ring.get_linestyle() != "-"
        assert len(_by_gid(map_fig, f"base:{b.name}")) == 1


def test_scale_bar_is_a_round_number_of_km_and_that_long(map_fig):
    bars = _by_gid(map_fig, "scale-bar")
    assert len(bars) == 4 and all(isinstance(r, Rectangle) for r in bars)
    (label,) = _by_gid(map_fig, "scale-label")
    km = float(label.get_text().removesuffix(" km"))
    assert re.fullmatch(r"[125]0*", f"{km:g}")
    assert sum(r.get_width() for r in bars) == pytest.approx(km * 1000.0)


def test_graticule_labels_sit_where_their_meridians_and_parallels_cross_the_frame(plan, map_fig):
    ax = _map_axes(map_fig)
    frame = pictures._frame(plan)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    xt = [(x, t.get_text()) for x, t in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)]
    yt = [(y, t.get_text()) for y, t in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)]
    assert len(xt) >= 2 and len(yt) >= 2
    for x, text in xt:
        lon, _ = frame.to_lonlat(x, y0)
        assert text.endswith("°E") and float(lon) == pytest.approx(float(text[:-2]), abs=1e-6)
    for y, text in yt:
        _, lat = frame.to_lonlat(x0, y)
        assert text.endswith("°N") and float(lat) == pytest.approx(float(text[:-2]), abs=1e-6)
    assert _by_gid(map_fig, "north-arrow") and x1 > x0 and y1 > y0


def test_title_names_the_plan_and_its_start(plan, map_fig, timeline_fig):
    (title,) = _by_gid(map_fig, "title")
    assert title.get_text() == plan.name
    texts = [t.get_text() for t in map_fig.texts]
    assert any("start 2026-12-01 04:00 UTC" in t for t in texts)
    (title,) = _by_gid(timeline_fig, "title")
    assert plan.name in title.get_text()


def test_a_plan_without_sorties_still_draws(plan):
    empty = dataclasses.replace(plan, sorties=())
    fig = pictures.map_figure(empty)
    assert not _by_gid(fig, "route:")
    assert not [lg for lg in fig.legends if lg.get_title().get_text() == "Sorties"]
    assert figure.render(timeline.timeline_figure(empty), "png").startswith(b"\x89PNG")


# ---------------------------------------------------------------------------------------- timeline


def _widths_days(collection):
    return [float(np.ptp(p.vertices[:, 0])) for p in collection.get_paths()]


def test_one_row_per_sortie_top_down(plan, timeline_fig):
    ax = timeline_fig.axes[0]
    labels = [t.get_text().split("\n")[0] for t in ax.get_yticklabels()]
    assert labels[::-1] == [s.name for s in plan.sorties]


def test_flight_bars_add_up_to_the_flight_time_and_reserve_bars_to_the_endurance_left(plan, timeline_fig):
    for s in plan.sorties:
        flight = [w for cat in ("transit", "hold", "on task")
                  for c in _by_gid(timeline_fig, f"bar:{s.name}:{cat}") for w in _widths_days(c)]
        assert sum(flight) * 86400.0 == pytest.approx(s.flight_s, abs=1e-3)
        (on_task,) = _by_gid(timeline_fig, f"bar:{s.name}:on task")
        assert len(on_task.get_paths()) == len(s.orbits)
        left = [w for cat in ("spare", "reserve") for c in _by_gid(timeline_fig, f"bar:{s.name}:{cat}")
                for w in _widths_days(c)]
        assert sum(left) * 86400.0 == pytest.approx(s.reserve_left_s, abs=1e-3)
        (reserve,) = _by_gid(timeline_fig, f"bar:{s.name}:reserve")
        assert sum(_widths_days(reserve)) * 86400.0 == pytest.approx(min(s.reserve_s, s.reserve_left_s), abs=1e-3)
        xs = [p.vertices[:, 0] for cat in ("transit", "hold", "on task")
              for c in _by_gid(timeline_fig, f"bar:{s.name}:{cat}") for p in c.get_paths()]
        first, last = min(float(x.min()) for x in xs), max(float(x.max()) for x in xs)
        assert abs((mdates.num2date(first) - plan.time(s.takeoff_s)).total_seconds()) < 0.01
        assert (last - first) * 86400.0 == pytest.approx(s.flight_s, abs=1e-3)


def test_task_names_on_wide_orbit_bars(plan):
    fig = timeline.timeline_figure(plan)
    names = {t.name for t in plan.tasks}
    shown = [a.get_text().replace("\n", " ").removesuffix("…") for a in _by_gid(fig, "task-label:")]
    assert shown and all(any(n.startswith(text) for n in names) for text in shown)


def test_coverage_gaps_are_shaded(plan):
    fig = timeline.timeline_figure(plan, gaps=[(3600.0, 7200.0, "gap over T1")])
    (span,) = _by_gid(fig, "gap")
    xs = [span.get_x(), span.get_x() + span.get_width()]
    assert (max(xs) - min(xs)) * 86400.0 == pytest.approx(3600.0, abs=1e-3)
    assert abs((mdates.num2date(min(xs)) - plan.time(3600.0)).total_seconds()) < 0.01
    assert "gap over T1" in [t.get_text() for t in fig.axes[0].texts]
    assert "coverage gap" in [t.get_text() for t in fig.legends[0].get_texts()]


def test_every_leg_kind_has_a_category():
    assert {timeline.leg_category(k) for k in LEG_KINDS} == {"transit", "hold", "on task"}
    assert timeline.leg_category("orbit") == "on task" and timeline.leg_category("land") == "transit"


# ------------------------------------------------------------------------------------------- bytes


def test_png_bytes_are_deterministic_and_decode_at_the_fixed_size(plan):
    a = figure.render(pictures.map_figure(plan), "png")
    b = figure.render(pictures.map_figure(plan), "png")
    assert a == b and len(a) < 400_000
    image = matplotlib.image.imread(io.BytesIO(a), format="png")
    w, h = pictures.MAP_SIZE_IN
    assert image.shape[:2] == (round(h * figure.DPI), round(w * figure.DPI))
    t1 = figure.render(timeline.timeline_figure(plan), "png")
    assert t1 == figure.render(timeline.timeline_figure(plan), "png")
    assert matplotlib.image.imread(io.BytesIO(t1), format="png").shape[1] == round(12.0 * figure.DPI)


def test_svg_bytes_are_deterministic_and_keep_the_route_ids(plan):
    a = figure.render(pictures.map_figure(plan), "svg")
    assert a == figure.render(pictures.map_figure(plan), "svg")
    root = ET.fromstring(a)
    ids = {el.get("id") for el in root.iter()}
    assert {f"route:{s.name}" for s in plan.sorties} <= ids
    assert b"<dc:date>" not in a
    t = figure.render(timeline.timeline_figure(plan), "svg")
    assert t == figure.render(timeline.timeline_figure(plan), "svg")


def test_the_users_matplotlib_settings_do_not_change_the_pictures(plan):
    clean = figure.render(pictures.map_figure(plan), "png")
    user = {"font.size": 20, "lines.linewidth": 5, "savefig.transparent": True, "savefig.bbox": "tight",
            "axes.facecolor": "black"}
    with matplotlib.rc_context(user):
        assert figure.render(pictures.map_figure(plan), "png") == clean
        assert matplotlib.rcParams["font.size"] == 20  # and the user's settings are left as they were


def test_unknown_format_is_a_usage_error(map_fig):
    with pytest.raises(UsageError, match="'jpeg' is not png or svg"):
        figure.render(map_fig, "jpeg")


@given(st.floats(min_value=1e-3, max_value=1e7, allow_nan=False))
def test_nice_numbers_are_round_and_close_below(value):
    nice = pictures._nice(value)
    mantissa = nice / 10.0 ** math.floor(math.log10(nice) + 1e-9)
    assert round(mantissa, 6) in (1.0, 2.0, 5.0)
    assert value / 2.5 - 1e-9 <= nice <= value * (1 + 1e-9)


WIDE = {"type": "Feature", "properties": {"task": "nofly", "name": "wide"},  # 4° × 0.5°, well north of the work
        "geometry": {"type": "Polygon", "coordinates": [[[70.0, 50.5], [74.0, 50.5], [74.0, 51.0], [70.0, 51.0],
                                                         [70.0, 50.5]]]}}


@pytest.fixture(scope="module")
def racetrack_map(tmp_path_factory):
    from tests.test_patterns import FLEET as PATTERN_FLEET
    from tests.test_patterns import STANDOFF

    path = write_scenario(tmp_path_factory.mktemp("racetrack"), [STANDOFF, WIDE], fleet=PATTERN_FLEET)
    result = make_plan(read_scenario(path), max_iterations=60)
    return result, pictures.map_figure(result)


def test_zone_edges_are_drawn_straight_in_lon_lat(racetrack_map):
    """Issue 20: the top edge of a 4° × 0.5° zone is a parallel; drawn as a projected chord it was ~2 km off."""
    result, fig = racetrack_map
    (patch,) = _by_gid(fig, "nofly:wide")
    frame = pictures._frame(result)
    drawn = Polygon(patch.get_path().vertices)
    mx, my = frame.to_local(72.0, 51.0)  # the middle of the top edge, on the parallel
    cx, cy = frame.to_local([70.0, 74.0], [51.0, 51.0])
    assert drawn.exterior.distance(Point(float(mx), float(my))) < 20.0
    assert LineString(zip(cx, cy, strict=True)).distance(Point(float(mx), float(my))) > 1000.0  # the chord is not


def test_racetracks_are_drawn_with_half_circle_ends_and_the_closing_leg(racetrack_map):
    result, fig = racetrack_map
    (track,) = [p for s in result.sorties for p in s.patterns if p.kind == "racetrack"]
    s = next(s for s in result.sorties if track in s.patterns)
    (line,) = _by_gid(fig, f"racetrack:{s.name}")
    xy = line.get_xydata()
    frame = pictures._frame(result)
    corners = np.column_stack(frame.to_local([p.lon for p in track.path], [p.lat for p in track.path]))
    assert np.allclose(xy[0], xy[-1], atol=1.0)  # closed: the leg back to the start is drawn
    for b, c in ((corners[1], corners[2]), (corners[3], corners[0])):  # both ends: a half circle on the chord
        mid, r = (b + c) / 2, np.hypot(*(c - b)) / 2
        on_arc = np.abs(np.hypot(*(xy - mid).T) - r) < 0.02 * r
        u, w = c - b, xy - b
        off_chord = np.abs(u[0] * w[:, 1] - u[1] * w[:, 0]) / (2 * r) > 0.5 * r
        assert (on_arc & off_chord).sum() >= 8
