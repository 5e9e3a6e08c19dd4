"""``planner plan``: plan a scenario and write every output into a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from planner.cli._console import err
from planner.cli._options import autopilot_name, positive_seconds, whole_number


def plan_command(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario TOML file. Left out: the bundled central Kazakhstan demo.")
    ] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output folder (default ./<name>-plan).")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="Optimiser time limit, seconds.",
                                                                 callback=positive_seconds)] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed of the optimiser.", callback=whole_number)] = None,
    max_iterations: Annotated[
        int | None, typer.Option("--max-iterations", help="Iteration limit (0 or more): same inputs and seed give the same bytes.",
                                callback=whole_number)
    ] = None,
    autopilot: Annotated[
        str | None, typer.Option("--autopilot", help="Target autopilot: ardupilot (default) or px4.", callback=autopilot_name)
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a plan already in the folder.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan summary as JSON on stdout.")] = False,
) -> None:
    """Plan SCENARIO: optimised sorties, mission files per sortie, plan.json/.geojson/.kml, timeline."""
    from planner.api import demo_scenario_path, plan_scenario  # lazy: numba, OR-Tools load only when planning

    path = scenario if scenario is not None else demo_scenario_path()
    if scenario is None:
        err.print(f"no scenario given: planning the bundled demo ({path})", soft_wrap=True)
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
    """A live rich progress line on stderr while the planner works (only on a terminal: elsewhere a
    transient line would leave a blank one behind)."""

    def __enter__(self) -> Any:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        if not err.is_terminal:
            self._bar = None
            return lambda _p: None

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
        if self._bar is not None:
            self._bar.__exit__(*exc)
