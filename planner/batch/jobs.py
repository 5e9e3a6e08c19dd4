"""Batch jobs: scenarios and sweep variants read into self-contained jobs, and :func:`plan_job`, the unit
of work — a pure function of a :class:`Job` (the scenario text, its input files' bytes, settings included)
to an :class:`Outcome` (result figures and output files' bytes)."""

from __future__ import annotations

import copy
import glob
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from planner import __version__
from planner.batch.sweep import expand_sweep, safe_name
from planner.core.errors import InfeasibleError, InputError, PlannerError, UsageError
from planner.io.batch_output import read_folder, scratch_folder
from planner.io.export import export_plan
from planner.io.profiles import read_toml
from planner.io.scenario_bundle import SCENARIO_FILE, ScenarioBundle, read_scenario_inputs, write_bundle
from planner.io.scenario_file import read_scenario
from planner.io.sweep_file import is_sweep, read_sweep
from planner.io.toml_writer import format_toml
from planner.planning.pipeline import plan

__all__ = ["COLUMNS", "DEFAULT_MAX_ITERATIONS", "STATUSES", "BatchSettings", "Job", "Outcome", "ScenarioResult",
           "collect_jobs", "plain", "plan_job"]

DEFAULT_MAX_ITERATIONS = 1000

"""Iteration limit of a batch job when neither the command nor the scenario's ``[solver]`` gives one."""

STATUSES = ("planned", "infeasible", "failed")


@dataclass(frozen=True)
class BatchSettings:
    """Solver settings applied to every job; None keeps the scenario's own (``max_iterations`` then
    falls back to :data:`DEFAULT_MAX_ITERATIONS`, never to no limit)."""

    time_limit_s: float | None = None
    seed: int | None = None
    max_iterations: int | None = None
    autopilot: str | None = None

    def __post_init__(self) -> None:
        if self.time_limit_s is not None and not self.time_limit_s > 0:
            raise UsageError(f"time limit must be > 0 s, got {self.time_limit_s}")
        if self.seed is not None and self.seed < 0:
            raise UsageError(f"seed must be >= 0, got {self.seed}")
        if self.max_iterations is not None and self.max_iterations < 0:
            raise UsageError(f"max iterations must be >= 0, got {self.max_iterations}")


@dataclass(frozen=True)
class Job:
    """One scenario to plan. ``bundle`` is None when its inputs could not be read (``error`` says why)."""

    name: str
    source: str
    bundle: ScenarioBundle | None
    digest: str = ""
    params: tuple[tuple[str, Any], ...] = ()
    error: str = ""


@dataclass(frozen=True)
class ScenarioResult:
    """One summary row. Figures are None when the scenario was not planned; times in seconds.

    ``status``: planned, infeasible (the planner proved no plan exists, e.g. wind too strong) or
    failed (``error`` says why; ``exit_code`` is the CLI code of that error). ``cached``: kept from an
    earlier run with the same inputs.
    """

    name: str
    status: str
    cached: bool = False
    aircraft_used: int | None = None
    aircraft_available: int | None = None
    priority_served: float | None = None
    priority_total: float | None = None
    tasks_served: int | None = None
    tasks_unserved: int | None = None
    sorties: int | None = None
    flight_hours: float | None = None
    distance_km: float | None = None
    solve_time_s: float | None = None
    error: str = ""
    exit_code: int = 0
    source: str = ""
    digest: str = ""
    params: tuple[tuple[str, Any], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    def row(self) -> dict[str, Any]:
        """The row as plain JSON values; ``params`` as a {dotted key: value} table."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "params"}
        out["params"] = {k: plain(v) for k, v in self.params}
        return out


COLUMNS = tuple(f.name for f in fields(ScenarioResult) if f.name != "params")


@dataclass(frozen=True)
class Outcome:
    """What a job returns: its result and the output files (relative path → bytes)."""

    result: ScenarioResult
    files: Mapping[str, bytes] = field(default_factory=dict)


def collect_jobs(inputs: Sequence[str | Path], settings: BatchSettings | None = None) -> list[Job]:
    """Jobs for ``inputs``: scenario files, folders holding a ``scenario.toml``, sweep files, or globs.

    A scenario whose files cannot be read becomes a job carrying that error (the batch goes on). Raises
    UsageError when an input matches nothing or two jobs would share a folder name, and InputError for
    a malformed sweep file or an unreadable sweep base scenario.
    """
    settings = settings or BatchSettings()
    jobs: list[Job] = []
    for path in _expand_inputs(inputs):
        source = str(path)
        try:
            data = read_toml(path)
        except InputError as exc:
            jobs.append(_failed_job(_scenario_name(path), source, exc))
            continue
        if is_sweep(data):
            sweep = read_sweep(path)
            try:
                base, files = read_scenario_inputs(sweep.scenario)
            except InputError as exc:
                raise InputError(f"{path.name}: base scenario: {exc}") from None
            for v in expand_sweep(sweep, base):
                jobs.append(_job(v.name, source, v.table, files, v.params, settings, __version__))
            continue
        name = _scenario_name(path)
        try:
            table, files = read_scenario_inputs(path)
        except InputError as exc:
            jobs.append(_failed_job(name, source, exc))
            continue
        jobs.append(_job(name, source, table, files, (), settings, __version__))
    seen: dict[str, str] = {}
    for job in jobs:
        if job.name in seen:
            raise UsageError(f"{seen[job.name]} and {job.source} would both write to the folder '{job.name}'; "
                             f"rename one, or give each its own folder name")
        seen[job.name] = job.source
    return jobs


def _expand_inputs(inputs: Sequence[str | Path]) -> list[Path]:
    paths: list[Path] = []
    for item in inputs:
        text = str(item)
        if not Path(text).exists() and any(c in text for c in "*?["):
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise UsageError(f"no file matches {text}")
            found = [Path(m) for m in matches]
        else:
            found = [Path(text)]
        for p in found:
            if p.is_dir():
                p = p / SCENARIO_FILE
            if not p.exists():
                raise UsageError(f"{p}: no such file")
            paths.append(p)
    if not paths:
        raise UsageError("no scenario given")
    return paths


def _scenario_name(path: Path) -> str:
    """Folder name of a scenario file: its stem, or its folder's name when the file is ``scenario.toml``."""
    stem = path.stem if path.name != SCENARIO_FILE else path.resolve().parent.name
    return safe_name(stem)


def _failed_job(name: str, source: str, exc: PlannerError) -> Job:
    return Job(name, source, None, error=str(exc), params=())


def _job(
    name: str,
    source: str,
    table: Mapping[str, Any],
    files: Mapping[str, bytes],
    params: tuple[tuple[str, Any], ...],
    settings: BatchSettings,
    version: str,
) -> Job:
    table = _with_settings(table, settings)
    try:
        text = format_toml(table)
    except TypeError as exc:
        return Job(name, source, None, params=params, error=f"cannot write the scenario: {exc}")
    bundle = ScenarioBundle(text, tuple(sorted(files.items())))
    return Job(name, source, bundle, bundle.digest(version), params)


def _with_settings(table: Mapping[str, Any], settings: BatchSettings) -> dict[str, Any]:
    """``table`` with the batch's solver settings written in, and an iteration limit always set."""
    out = copy.deepcopy(dict(table))
    solver = out.setdefault("solver", {})
    if isinstance(solver, dict):
        if settings.time_limit_s is not None:
            solver["time_limit_s"] = settings.time_limit_s
        if settings.seed is not None:
            solver["seed"] = settings.seed
        if settings.max_iterations is not None:
            solver["max_iterations"] = settings.max_iterations
        solver.setdefault("max_iterations", DEFAULT_MAX_ITERATIONS)
    if settings.autopilot is not None:
        out["autopilot"] = settings.autopilot
    return out


def plan_job(job: Job, out_dir: str | None = None) -> Outcome:
    """Plan ``job`` in a private scratch folder (inside the batch's ``out_dir`` where this process can
    write it, else in the system's temporary folder); never raises for a planning problem.

    The outcome's files are what ``planner plan`` writes for the job's scenario. A scenario the
    planner proves infeasible gives status ``infeasible``; any other error ``failed`` with its message.
    """
    base = {"name": job.name, "source": job.source, "digest": job.digest, "params": job.params}
    if job.bundle is None:
        return Outcome(ScenarioResult(status="failed", error=job.error, exit_code=InputError.exit_code, **base))
    solve_s = None
    scratch: list[Path] = []

    def message(text: str) -> str:
        """``text`` with the scratch folder's path replaced by the scenario's output folder name."""
        for folder in scratch:
            text = text.replace(str(folder.resolve()), job.name).replace(str(folder), job.name)
        return text

    try:
        with scratch_folder(Path(out_dir) if out_dir else None) as tmp:
            scratch.append(tmp / "in")
            scenario = read_scenario(write_bundle(job.bundle, tmp / "in"))
            started = time.perf_counter()
            result = plan(scenario)
            solve_s = round(time.perf_counter() - started, 3)
            export_plan(result, tmp / "out")
            files = read_folder(tmp / "out")
    except InfeasibleError as exc:
        return Outcome(ScenarioResult(status="infeasible", error=message(str(exc)), solve_time_s=solve_s, **base))
    except PlannerError as exc:
        return Outcome(ScenarioResult(status="failed", error=message(str(exc)), exit_code=exc.exit_code,
                                      solve_time_s=solve_s, **base))
    except Exception as exc:  # an internal fault in one scenario must not stop the others
        return Outcome(ScenarioResult(status="failed", error=message(f"internal error: {type(exc).__name__}: {exc}"),
                                      exit_code=1, solve_time_s=solve_s, **base))
    m = result.metrics()
    return Outcome(
        ScenarioResult(
            status="planned",
            aircraft_used=len({s.name for s in result.sorties}),
            aircraft_available=sum(e.count for e in scenario.fleet),
            priority_served=float(m["priority_served"]),
            priority_total=float(m["priority_total"]),
            tasks_served=int(m["tasks_served"]),
            tasks_unserved=int(m["tasks_unserved"]),
            sorties=int(m["sorties"]),
            flight_hours=float(m["flight_hours"]),
            distance_km=float(m["distance_km"]),
            solve_time_s=solve_s,
            **base,
        ),
        files,
    )


def plain(value: Any) -> Any:
    """A TOML value as plain JSON (datetimes as ISO-8601 text, tuples as lists)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    return value
