"""Coverage agreement: what the plan claims its sensors see against what ``planner check --coverage`` measures.

Usage::

    python benchmarks/coverage.py [--sizes 200,2000] [--time-limit S] [--seed N]

Plans the bundled demo, ``docs/examples/first-plan`` and the generated scenarios of ``plan_scale.py``
(uniform EO/IR targets over central Kazakhstan, ten Ankas at three bases), writes the mission files,
then measures every served task's coverage from the ``.waypoints`` files and the area files alone
(:func:`planner.missions.coverage.check_coverage`) and sets it beside the plan's claim
(``Plan.sensor_coverage``). Columns: seconds to build the model and to plan, tasks served, claimed and
measured coverage (mean and lowest), how many served tasks measure at least 95 %, the largest and mean
|claimed − measured|, the check's seconds.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.api import demo_scenario_path  # noqa: E402  (after the path set-up, as the other benchmarks)
from planner.io.export import planned_files  # noqa: E402
from planner.io.mission_file import parse_mission  # noqa: E402
from planner.io.plan_json import sortie_file_stem  # noqa: E402
from planner.io.scenario_file import read_scenario  # noqa: E402
from planner.missions.coverage import Flown, check_coverage  # noqa: E402
from planner.model.fleet import airframes  # noqa: E402
from planner.planning.pipeline import build_model, plan  # noqa: E402


def _plan_scale():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("plan_scale", ROOT / "benchmarks" / "plan_scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(path: Path, time_limit_s: float | None, max_iterations: int | None) -> dict[str, float]:
    """Plan ``path``, measure its missions' coverage; the figures."""
    scenario = read_scenario(path)
    t = time.perf_counter()
    model = build_model(scenario, airframes(scenario), {})
    model_s = time.perf_counter() - t
    t = time.perf_counter()
    result = plan(scenario, time_limit_s=time_limit_s, max_iterations=max_iterations)
    plan_s = time.perf_counter() - t
    files = planned_files(result, pictures=False)
    sensors = dict(scenario.sensors)
    flown = [Flown(parse_mission(files[f"{sortie_file_stem(s)}.waypoints"], s.name), s.aircraft,
                   tuple(sensors[n] for n in s.loadout), s.payload_kg) for s in result.sorties]
    t = time.perf_counter()
    report = check_coverage(flown, scenario.tasks, wind=scenario.wind, reserve=scenario.reserve,
                            autopilot=result.autopilot, judged=list(result.served))
    check_s = time.perf_counter() - t
    claimed = {c.task: c.share for c in result.sensor_coverage()}
    measured = np.array([m.coverage for m in report.tasks])
    claim = np.array([claimed[m.task] for m in report.tasks])
    gap = np.abs(claim - measured) if len(measured) else np.zeros(1)
    return {"model_s": model_s, "plan_s": plan_s, "orbits": len(model.tasks), "served": len(measured),
            "claim_mean": float(claim.mean()) if len(claim) else 0.0, "claim_min": float(claim.min(initial=1.0)),
            "meas_mean": float(measured.mean()) if len(measured) else 0.0,
            "meas_min": float(measured.min(initial=1.0)), "seen": int((measured >= 0.95).sum()),
            "gap_max": float(gap.max()), "gap_mean": float(gap.mean()), "check_s": check_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000", help="generated scenario sizes (empty: none)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="optimiser time limit of the generated ones, s")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{'case':>12} {'model s':>7} {'plan s':>6} {'orbits':>6} {'served':>6} {'claimed':>13} "
          f"{'measured':>13} {'>=95%':>9} {'|gap| max':>9} {'mean':>7} {'check s':>7}")

    def show(name: str, r: dict[str, float]) -> None:
        print(f"{name:>12} {r['model_s']:7.1f} {r['plan_s']:6.1f} {r['orbits']:6d} {r['served']:6d} "
              f"{r['claim_mean']:6.3f}/{r['claim_min']:6.3f} {r['meas_mean']:6.3f}/{r['meas_min']:6.3f} "
              f"{r['seen']:4d}/{r['served']:<4d} {r['gap_max']:9.3f} {r['gap_mean']:7.4f} {r['check_s']:7.1f}")

    show("demo", run(demo_scenario_path(), None, 1000))
    show("first-plan", run(ROOT / "docs" / "examples" / "first-plan" / "scenario.toml", None, None))
    scale = _plan_scale()
    for n in (int(x) for x in args.sizes.split(",") if x):
        with tempfile.TemporaryDirectory() as tmp:
            show(f"{n} targets", run(scale.write_case(Path(tmp), n, args.time_limit, args.seed), None, None))
    print("claimed, measured: mean/lowest share of the served tasks (1 = the whole dwell, area or line)")


if __name__ == "__main__":
    main()
