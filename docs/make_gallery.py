"""Draw the gallery pictures (docs/img/map.png, timeline.png from the bundled demo; relief-timeline.png
from the bundled persistent-watch sample).

Run from the repository root: ``python docs/make_gallery.py``. The demo is planned with a fixed seed and
an iteration limit (the time limit is only a safety net), so the same code gives the same pictures.
"""

from __future__ import annotations

import sys
from pathlib import Path

from planner.api import demo_scenario_path
from planner.io.atomic import write_bytes
from planner.io.scenario_file import read_scenario
from planner.planning.pipeline import plan
from planner.planning.relief import plan_relief
from planner.render.figure import render
from planner.render.map import map_figure
from planner.render.timeline import timeline_figure

SEED = 0
MAX_ITERATIONS = 1000
SAFETY_TIME_LIMIT_S = 600.0
IMG = Path(__file__).resolve().parent / "img"
RELIEF_SAMPLE = Path(__file__).resolve().parents[1] / "areas" / "persistent_watch" / "scenario.toml"


def main() -> int:
    """Plan the demo and write its map and timeline into docs/img; prints what it wrote."""
    result = plan(read_scenario(demo_scenario_path()), time_limit_s=SAFETY_TIME_LIMIT_S, seed=SEED,
                  max_iterations=MAX_ITERATIONS)
    for name, fig in (("map.png", map_figure(result)), ("timeline.png", timeline_figure(result))):
        data = render(fig, "png")
        write_bytes(IMG / name, data, overwrite=True)
        print(f"wrote {IMG / name} ({len(data) / 1024:.0f} KB)")
    watch = plan_relief(read_scenario(RELIEF_SAMPLE))
    data = render(timeline_figure(watch), "png")
    write_bytes(IMG / "relief-timeline.png", data, overwrite=True)
    print(f"wrote {IMG / 'relief-timeline.png'} ({len(data) / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
