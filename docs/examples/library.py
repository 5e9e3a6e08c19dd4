"""Plan a scenario from Python: read it, plan it, write every output, look at the figures.

Run from the repository root::

    python docs/examples/library.py out/demo                 # the bundled demo into out/demo
    python docs/examples/library.py out/demo my/scenario.toml
    python docs/examples/library.py out/wind --batch         # the bundled wind sweep, as `planner batch` does
"""

from __future__ import annotations

import sys
from pathlib import Path

import planner


def plan_one(scenario_path: Path, out_dir: Path) -> None:
    """Read, plan and export one scenario; print what was served."""
    scenario = planner.read_scenario(scenario_path)
    # An iteration limit makes the plan depend only on the inputs and the seed, not on machine speed.
    plan = planner.make_plan(scenario, time_limit_s=60, seed=0, max_iterations=300)
    written = planner.export_plan(plan, out_dir, overwrite=True)
    m = plan.metrics()
    print(f"{plan.name}: priority {m['priority_served']:g} of {m['priority_total']:g} served by "
          f"{len(plan.sorties)} sorties, {m['flight_hours']:.1f} flight hours")
    for sortie in plan.sorties:
        print(f"  {sortie.name}: {' -> '.join(sortie.tasks)}")
    for unserved in plan.unserved:
        print(f"  not served: {unserved.task} ({unserved.reason})")
    print(f"wrote {len(written)} files to {out_dir}")


def plan_sweep(out_dir: Path) -> None:
    """Run the bundled wind sweep on local worker processes and print the summary rows."""
    from planner.batch import BatchSettings, run_batch

    sweep = Path(__file__).resolve().parents[2] / "areas" / "sweeps" / "wind_sweep.toml"
    summary = run_batch([sweep], out_dir, settings=BatchSettings(max_iterations=300))
    for r in summary.results:
        print(f"{r.name}: {r.status}, priority {r.priority_served}, {r.error}")
    print(summary.counts)


if __name__ == "__main__":  # worker processes re-import this file; only the parent runs the example
    args = [a for a in sys.argv[1:] if a != "--batch"]
    if not args:
        sys.exit(__doc__)
    target = Path(args[0])
    if "--batch" in sys.argv:
        plan_sweep(target)
    else:
        from planner.api import demo_scenario_path

        plan_one(Path(args[1]) if len(args) > 1 else demo_scenario_path(), target)
