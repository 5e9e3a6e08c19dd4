"""``planner plan``: plan a scenario and write every output into a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from planner.cli._console import err


def plan_command(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario TOML file. Left out: the bundled central Kazakhstan demo.")
    ] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output folder (default ./<name>-plan).")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="Optimiser time limit, seconds.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed of the optimiser.")] = None,
    max_iterations: Annotated[
        int | None, typer.Option("--max-iterations", help="Iteration limit: same inputs and seed give the same bytes.")
    ] = None,
    autopilot: Annotated[
        str | None, typer.Option("--autopilot", help="Target autopilot: ardupilot (default) or px4.")
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a plan already in the folder.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan summary as JSON on stdout.")] = False,
) -> None:
    """Plan SCENARIO: optimised sorties, mission files per sortie, plan.json/.geojson/.kml, timeline."""
    from planner.api import demo_scenario_path, plan_scenario

    path = scenario if scenario is not None else demo_scenario_path()
    with _progress() as on_progress:
        result, written, out_dir = plan_scenario(
            path,
            output,
            time_limit_s=time_limit,
            seed=seed,
            max_iterations=max_iterations,
            autopilot=autopilot,
            overwrite=overwrite,
            progress=on_progress,
        )
    from planner.cli._summary import render_result

    render_result(result, written, out_dir, as_json=as_json)


class _progress:
    """A live rich progress line on stderr while the planner works."""

    def __enter__(self) -> Any:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                             console=err, transient=True)
        self._bar.__enter__()
        self._task = self._bar.add_task("reading scenario", total=None)

        def update(p: Any) -> None:
            text = {"layout": "laying out tasks", "assemble": "assembling sorties"}.get(p.stage, "optimising")
            if p.stage == "optimise":
                text += f": priority {p.best_prize:g} of {p.total_prize:g}"
            self._bar.update(self._task, description=text)

        return update

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(*exc)
