"""Map and timeline as an outside review read them (issue 18): labels tied to their dots, a colour-blind-safe
palette, a wind arrow, orbits visible at map scale, a legend inside the figure, on-task bars named in full,
task windows marked."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from planner.io.scenario_file import read_scenario
from planner.planning.pipeline import plan as make_plan
from planner.planning.relief import plan_relief
from planner.render import map as pictures
from planner.render import timeline
from planner.render.shapes import SORTIE_COLOURS
from tests.conftest import target, write_scenario

FLEET = '[[fleet]]\naircraft = "anka"\ncount = 2\nbase = "Alpha"\npayload = ["eo-ir", "satcom"]\n'


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Targets in a tight cluster far from the base, one with a time window."""
    feats = [target(f"Site {name}", 75.0 + 0.05 * (i % 3), 48.0 + 0.04 * (i // 3), sensor="sar" if i % 2 else "eo-ir",
                    dwell_min=200)
             for i, name in enumerate(["Shetland", "Agadyr", "Zharyk", "Ortau", "Moiynty", "Nura"])]
    feats.append(target("Windowed", 74.0, 48.5, window_start="2026-12-01T08:00:00Z", window_end="2026-12-01T16:00:00Z"))
    path = write_scenario(tmp_path_factory.mktemp("cluster"), feats, extra="[wind]\nfrom_deg = 290\nspeed_mps = 9\n",
                          fleet=FLEET.replace('"satcom"]', '"sar", "satcom"]'))
    return make_plan(read_scenario(path), max_iterations=100)


def _by_gid(fig, prefix):
    return [a for a in fig.findobj() if (a.get_gid() or "").startswith(prefix)]


def _simulate(colour: str, matrix: np.ndarray) -> np.ndarray:
    c = np.array(to_rgb(colour))
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return np.clip(matrix @ linear, 0, 1) ** (1 / 2.2)


def test_sortie_colours_stay_apart_for_red_green_colour_blindness():
    # Viénot, Brettel and Mollon (1999): protanopia and deuteranopia in linear RGB
    protan = np.array([[0.11238, 0.88762, 0], [0.11238, 0.88762, 0], [0.00401, -0.00401, 1]])
    deutan = np.array([[0.29275, 0.70725, 0], [0.29275, 0.70725, 0], [-0.02234, 0.02234, 1]])
    for matrix in (np.eye(3), protan, deutan):
        seen = [_simulate(c, matrix) for c in SORTIE_COLOURS]
        assert min(np.linalg.norm(a - b) for a, b in itertools.combinations(seen, 2)) > 0.12


def test_labels_away_from_their_dot_have_a_leader_line_to_it(cluster):
    fig = pictures.map_figure(cluster)
    labels = _by_gid(fig, "label:")
    names = {t.name: t for t in cluster.tasks}
    ax = fig.axes[0]
    frame = pictures._frame(cluster)
    led = 0
    for lab in labels:
        name = lab.get_gid().removeprefix("label:")
        if name in names:  # anchored at its own task
            x, y = frame.to_local(names[name].geometry.x, names[name].geometry.y)
            assert lab.xy == pytest.approx((float(x), float(y)))
        off = math.hypot(*lab.xyann)
        if off > 10.0:
            assert lab.arrow_patch is not None, name
            led += 1
        else:
            assert lab.arrow_patch is None
    assert led >= 1, "a tight cluster needs some labels set off with leader lines"
    assert ax.get_xlim()


def test_wind_arrow_flies_downwind(cluster):
    fig = pictures.map_figure(cluster)
    (arrow,) = _by_gid(fig, "wind-arrow")
    (tail, head) = arrow._posA_posB
    bearing = math.degrees(math.atan2(head[0] - tail[0], head[1] - tail[1])) % 360.0
    assert abs(bearing - 110.0) < 8.0  # from 290°: it blows toward 110° (map frame close to true north here)
    (label,) = _by_gid(fig, "wind-label")
    assert label.get_text() == "wind 9 m/s\nfrom 290°"


def test_small_orbits_get_a_ring_symbol(cluster):
    fig = pictures.map_figure(cluster)
    orbits = [o for s in cluster.sorties for o in s.orbits]
    symbols = _by_gid(fig, "orbit-symbol:")
    small = [o for o in orbits if o.radius_m < 1000.0]  # the EO/IR ones: ~500 m circles on a map ~100 km wide
    assert small and len(symbols) == len(small)  # the SAR ones (~2 km, at the radar's near range) are drawn to scale
    assert "orbit too small to draw to scale" in [t.get_text() for t in fig.legends[-1].get_texts()]


def test_relief_sortie_legend_stays_inside_the_figure(tmp_path):
    feats = [target(f"watch {i}", 73.0 + 1.5 * i, 49.0 - 1.2 * i, persistent_h=48, sensor="eo-ir") for i in range(3)]
    fleet = FLEET.replace("count = 2", "count = 4")
    r = plan_relief(read_scenario(write_scenario(tmp_path / "r", feats, fleet=fleet)), time_limit_s=2,
                    smallest_fleet=False)
    assert len(r.sorties) >= 6
    fig = pictures.map_figure(r)
    renderer = fig.canvas.get_renderer()
    for legend in fig.legends:
        box = legend.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= fig.bbox.x1 and box.y0 >= 0 and box.y1 <= fig.bbox.y1


def test_timeline_names_every_on_task_bar_in_full_and_marks_windows(cluster):
    fig = timeline.timeline_figure(cluster)
    shown = sorted(a.get_text().replace("\n", " ") for a in _by_gid(fig, "task-label:"))
    wanted = sorted(", ".join(leg.tasks) for s in cluster.sorties for leg in s.legs
                    if timeline.leg_category(leg.kind) == "on task" and leg.tasks)
    assert shown == wanted and not any("…" in t for t in shown)
    served = set(cluster.served)
    marks = _by_gid(fig, "window:")
    assert ("Windowed" in served) == bool(marks)
    for mark in marks:
        xs = mark.get_xdata()
        assert (max(xs) - min(xs)) * 24 == pytest.approx(8.0)


def test_the_window_fixture_is_served(cluster):
    assert "Windowed" in cluster.served
