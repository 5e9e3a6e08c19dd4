"""The library's front door: read a scenario, plan it, write the outputs — what the CLI and batch runs call."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from importlib import resources
from pathlib import Path

from planner.core.errors import OutputError
from planner.io.export import export_plan
from planner.io.scenario_file import read_scenario
from planner.model.plan import Plan
from planner.planning.pipeline import Progress, plan
from planner.planning.relief import plan_relief

__all__ = ["default_output_dir", "demo_scenario_path", "plan_scenario", "relief_scenario"]


def demo_scenario_path() -> Path:
    """Path of the bundled demo scenario (central Kazakhstan)."""
    return Path(str(resources.files("planner.areas") / "central_kazakhstan" / "scenario.toml"))


def default_output_dir(name: str) -> Path:
    """``./<name>-plan`` with the scenario name made file-safe."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "scenario"
    return Path(f"{slug}-plan")


def plan_scenario(
    scenario_path: Path,
    out_dir: Path | None = None,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    max_iterations: int | None = None,
    autopilot: str | None = None,
    overwrite: bool = False,
    progress: Callable[[Progress], None] | None = None,
) -> tuple[Plan, list[Path], Path]:
    """Read ``scenario_path``, plan it, and write every output into ``out_dir``.

    Returns the plan, the files written and the folder. Raises the planner's errors (InputError,
    InfeasibleError, OutputError). The output folder is checked before solving, so a refused
    overwrite costs no solve time.
    """
    scenario = read_scenario(scenario_path)
    target = _target(out_dir, scenario.name, overwrite)
    result = plan(scenario, time_limit_s=time_limit_s, seed=seed, max_iterations=max_iterations,
                  autopilot=autopilot, progress=progress)
    written = export_plan(result, target, overwrite=overwrite)
    return result, written, target


def relief_scenario(
    scenario_path: Path,
    out_dir: Path | None = None,
    *,
    horizon_h: float | None = None,
    handover_min: float | None = None,
    time_limit_s: float | None = None,
    seed: int | None = None,
    autopilot: str | None = None,
    smallest_fleet: bool = True,
    overwrite: bool = False,
) -> tuple[Plan, list[Path], Path]:
    """Read ``scenario_path``, plan the relief schedule of its persistent orbits, write every output.

    ``horizon_h`` and ``handover_min`` override the scenario's ``[persistent]`` table. One mission file
    per launch; ``plan.json`` carries each orbit's coverage and gaps. Returns plan, files, folder.
    """
    scenario = read_scenario(scenario_path)
    settings = scenario.persistent
    if horizon_h is not None:
        settings = replace(settings, horizon_h=horizon_h)
    if handover_min is not None:
        settings = replace(settings, handover_min=handover_min)
    target = _target(out_dir, f"{scenario.name} relief", overwrite)
    result = plan_relief(scenario, settings, time_limit_s=time_limit_s, seed=seed, autopilot=autopilot,
                         smallest_fleet=smallest_fleet)
    written = export_plan(result, target, overwrite=overwrite)
    return result, written, target


def _target(out_dir: Path | None, name: str, overwrite: bool) -> Path:
    """The output folder, checked before any solving: a plan already there needs ``overwrite``."""
    target = out_dir if out_dir is not None else default_output_dir(name)
    if not overwrite and (target / "plan.json").exists():
        raise OutputError(f"{target} already holds a plan; pass --overwrite to replace it")
    return target
