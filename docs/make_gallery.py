"""Draw the gallery pictures (docs/img/map.png, docs/img/timeline.png) from the bundled demo.

Run from the repository root: ``python docs/make_gallery.py``. The demo is planned with a fixed seed and
an iteration limit (the time limit is only a safety net), so the same code gives the same pictures.
"""

from __future__ import annotations

import sys
from pathlib import Path

from planner.api import demo_scenario_path
from planner.io.atomic import write_bytes
from planner.io.scenario_file import read_scenario
from planner.pictures import map_figure, render, timeline_figure
from planner.planning import plan

SEED = 0
MAX_ITERATIONS = 1000
SAFETY_TIME_LIMIT_S = 600.0
IMG = Path(__file__).resolve().parent / "img"


def main() -> int:
    """Plan the demo and write its map and timeline into docs/img; prints what it wrote."""
    result = plan(read_scenario(demo_scenario_path()), time_limit_s=SAFETY_TIME_LIMIT_S, seed=SEED,
                  max_iterations=MAX_ITERATIONS)
    for name, fig in (("map.png", map_figure(result)), ("timeline.png", timeline_figure(result))):
        data = render(fig, "png")
        write_bytes(IMG / name, data, overwrite=True)
        print(f"wrote {IMG / name} ({len(data) / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
