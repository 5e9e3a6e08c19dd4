"""``planner plan``: plan a scenario and write every output into a folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from planner.cli._console import err, out

if TYPE_CHECKING:
    from planner.plan import Plan


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
    if as_json:
        from planner.io.plan_json import plan_document

        doc = plan_document(result)
        summary: dict[str, Any] = {k: doc[k] for k in ("name", "start", "metrics", "unserved")}
        summary["sorties"] = [{k: v for k, v in s.items() if k != "legs"} for s in doc["sorties"]]
        summary["output"] = str(out_dir)
        out.print_json(json.dumps(summary))
        return
    _render(result)
    for note in result.notes:
        err.print(f"[yellow]warning:[/yellow] {note}")
    err.print(f"wrote {len(written)} files to {out_dir}")


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


def _hm(seconds: float) -> str:
    minutes = round(seconds / 60.0)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _render(plan: Plan) -> None:
    from rich.table import Table

    m = plan.metrics()
    table = Table(title=f"{plan.name}: {len(plan.sorties)} sorties, priority {m['priority_served']:g} of "
                        f"{m['priority_total']:g} served")
    for col, just in (("sortie", "left"), ("base", "left"), ("loadout", "left"), ("take-off–landing", "left"),
                      ("km", "right"), ("flight", "right"), ("used", "right"), ("reserve", "right"),
                      ("tasks", "right")):
        table.add_column(col, justify=just, no_wrap=col in ("sortie", "take-off–landing"))  # type: ignore[arg-type]
    for s in plan.sorties:
        table.add_row(s.name, s.base.name, ", ".join(s.loadout) or "-",
                      f"{plan.time(s.takeoff_s):%d %H:%M}–{plan.time(s.landing_s):%d %H:%M}",
                      f"{s.distance_m / 1000:,.0f}", _hm(s.flight_s), f"{s.flight_s / s.endurance_s:.0%}",
                      _hm(s.reserve_left_s), str(len(s.tasks)))
    table.caption = "times UTC (day hh:mm); flight, reserve left in h:mm; used = share of endurance at the loadout"
    out.print(table)
    for s in plan.sorties:
        out.print(f"[bold]{s.name}[/bold]: {' → '.join(s.tasks)}")
    if plan.unserved:
        un = Table(title=f"{len(plan.unserved)} tasks not served")
        un.add_column("task")
        un.add_column("priority", justify="right")
        un.add_column("why")
        priority = {t.name: t.priority for t in plan.tasks}
        for u in plan.unserved:
            un.add_row(u.task, f"{priority[u.task]:g}", u.reason)
        out.print(un)
