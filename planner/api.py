"""The library's front door: read a scenario, plan it, write the outputs — what the CLI and batch runs call."""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from planner.io.export import export_plan
from planner.io.scenario_file import read_scenario
from planner.plan import Plan
from planner.planning import Progress, plan

__all__ = ["default_output_dir", "demo_scenario_path", "plan_scenario"]


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
    target = out_dir if out_dir is not None else default_output_dir(scenario.name)
    if not overwrite and (target / "plan.json").exists():
        from planner.errors import OutputError

        raise OutputError(f"{target} already holds a plan; pass --overwrite to replace it")
    result = plan(scenario, time_limit_s=time_limit_s, seed=seed, max_iterations=max_iterations,
                  autopilot=autopilot, progress=progress)
    written = export_plan(result, target, overwrite=overwrite)
    return result, written, target
