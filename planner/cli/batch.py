"""``planner batch``: plan many scenarios and sweep variants into one folder, with a summary table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from planner.cli._console import err, out
from planner.cli._options import autopilot_name, positive_seconds, whole_number

if TYPE_CHECKING:
    from planner.batch import BatchSummary


def batch_command(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Scenario TOML files, folders holding a scenario.toml, sweep files, or quoted globs.",
                       show_default=False),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder: one sub-folder per scenario.")],
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local worker processes (default: one per core).", min=1)
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address (e.g. tcp://host:8786) to run on instead."),
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Optimiser time cap per scenario, seconds.",
                                     callback=positive_seconds)
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed of the optimiser.", callback=whole_number)] = None,
    max_iterations: Annotated[
        int | None,
        typer.Option("--max-iterations", help="Iteration limit per scenario, 0 or more (default: the scenario's, "
                     "else 1000).", callback=whole_number),
    ] = None,
    autopilot: Annotated[
        str | None, typer.Option("--autopilot", help="Target autopilot for every scenario: ardupilot or px4.",
                                    callback=autopilot_name)
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace scenario folders that hold results of other inputs.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
) -> None:
    """Plan every scenario into OUTPUT/<name>/ with all its exports; write OUTPUT/summary.csv and summary.json.

    Folders already holding a complete result of the same inputs are kept: run the command again to resume.

    Exit code 0 when no scenario failed (infeasible ones are results), else that of the first failure.
    """
    from planner.batch import BatchSettings, run_batch

    settings = BatchSettings(time_limit_s=time_limit, seed=seed, max_iterations=max_iterations, autopilot=autopilot)
    with _progress() as on_progress:
        summary = run_batch(inputs, output, settings=settings, workers=workers, scheduler=scheduler,
                            overwrite=overwrite, progress=on_progress)
    if as_json:
        out.print_json(json.dumps({"output": str(summary.out_dir), "counts": summary.counts,
                                   "scenarios": [r.row() for r in summary.results]}))
    else:
        _render(summary)
    if summary.exit_code:
        raise typer.Exit(summary.exit_code)


class _progress:
    """A rich progress bar on stderr: scenarios done of all, with counts by outcome."""

    def __enter__(self) -> Any:
        from rich.markup import escape
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)
        self._bar.__enter__()
        self._task = self._bar.add_task("planning", total=None)
        counts = {"planned": 0, "infeasible": 0, "failed": 0, "kept": 0}

        def update(p: Any) -> None:
            counts["kept" if p.result.cached else p.result.status] += 1
            text = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
            self._bar.update(self._task, completed=p.done, total=p.total, description=text)
            if p.result.status != "planned":
                colour = "red" if p.result.status == "failed" else "yellow"
                self._bar.console.print(f"[{colour}]{p.result.status}:[/{colour}] {escape(p.result.name)}: "
                                        f"{escape(p.result.error)}", soft_wrap=True)

        return update

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(*exc)


def _render(summary: BatchSummary) -> None:
    from rich.table import Table

    c = summary.counts
    table = Table(title=f"{len(summary.results)} scenarios: {c['planned']} planned, {c['infeasible']} infeasible, "
                        f"{c['failed']} failed ({c['cached']} kept from an earlier run)")
    for col in ("scenario", "status", "aircraft", "priority", "unserved", "flight h", "solve s"):
        table.add_column(col, justify="left" if col in ("scenario", "status") else "right")
    for r in summary.results:
        status = r.status + (" (kept)" if r.cached else "")
        table.add_row(
            r.name, status,
            "-" if r.aircraft_used is None else f"{r.aircraft_used}/{r.aircraft_available}",
            "-" if r.priority_served is None else f"{r.priority_served:g}/{r.priority_total:g}",
            "-" if r.tasks_unserved is None else str(r.tasks_unserved),
            "-" if r.flight_hours is None else f"{r.flight_hours:.1f}",
            "-" if r.solve_time_s is None else f"{r.solve_time_s:.1f}",
        )
    from planner.cli._tables import fit

    out.print(fit(table, out, whole=("aircraft", "priority", "unserved", "flight h", "solve s"),
                  droppable=("solve s", "aircraft")))
    err.print(f"wrote {summary.out_dir / 'summary.csv'} and summary.json")
