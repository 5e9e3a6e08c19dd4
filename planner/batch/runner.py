"""Batch planning: many scenarios and sweep variants, each planned into its own folder, with a summary.

The unit of work, :func:`plan_job`, is a pure function of a :class:`Job` (the scenario text, its input
files' bytes, settings included) to an :class:`Outcome` (result figures and output files' bytes). It
runs in local worker processes (default) or on a Dask cluster; only the calling process writes into
the output folder, so where a job ran cannot change what is written. Every job runs with an iteration
limit (``max_iterations``), which makes the optimiser's result independent of timing.

Library use::

    from planner.batch.runner import BatchSettings, run_batch
    summary = run_batch(["areas/sweeps/wind_sweep.toml"], "out/", settings=BatchSettings(max_iterations=300))
    print(summary.counts)
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import multiprocessing as mp
import os
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from planner.core.errors import InfeasibleError, InputError, OutputError, PlannerError, UsageError
from planner.io.scenario_bundle import SCENARIO_FILE, ScenarioBundle
from planner.io.sweep_file import Sweep

__all__ = [
    "DEFAULT_MAX_ITERATIONS",
    "BatchProgress",
    "BatchSettings",
    "BatchSummary",
    "Job",
    "Outcome",
    "ScenarioResult",
    "Variant",
    "collect_jobs",
    "expand_sweep",
    "plan_job",
    "run_batch",
]

DEFAULT_MAX_ITERATIONS = 1000
"""Iteration limit of a batch job when neither the command nor the scenario's ``[solver]`` gives one."""

STATUSES = ("planned", "infeasible", "failed")
_DONE = ("planned", "infeasible")  # outcomes a re-run with the same inputs keeps
_NAME_MAX = 120  # longest variant folder name built from values; longer ones are numbered instead
_WATCH_PARENT_S = 0.5


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
        if self.max_iterations is not None and self.max_iterations < 1:
            raise UsageError(f"max iterations must be >= 1, got {self.max_iterations}")


@dataclass(frozen=True, eq=False)
class Variant:
    """One scenario of a sweep: folder name, scenario table, and the swept (key, value) pairs."""

    name: str
    table: dict[str, Any]
    params: tuple[tuple[str, Any], ...]


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
        out["params"] = {k: _plain(v) for k, v in self.params}
        return out


COLUMNS = tuple(f.name for f in fields(ScenarioResult) if f.name != "params")


@dataclass(frozen=True)
class Outcome:
    """What a job returns: its result and the output files (relative path → bytes)."""

    result: ScenarioResult
    files: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchProgress:
    """Reported after each scenario: its result, and how many of ``total`` are done."""

    result: ScenarioResult
    done: int
    total: int


@dataclass(frozen=True)
class BatchSummary:
    """Results of a batch in input order, and where the summary files are."""

    out_dir: Path
    results: tuple[ScenarioResult, ...]
    files: tuple[Path, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """Scenarios per status, plus ``cached`` (kept from an earlier run)."""
        counts = {s: sum(1 for r in self.results if r.status == s) for s in STATUSES}
        counts["cached"] = sum(1 for r in self.results if r.cached)
        return counts

    @property
    def exit_code(self) -> int:
        """0 when no scenario failed, else the exit code of the first failure (3 input, 5 output, 1 other)."""
        return next((r.exit_code or 1 for r in self.results if r.status == "failed"), 0)


# --- sweeps -------------------------------------------------------------------------------------


def expand_sweep(sweep: Sweep, base: Mapping[str, Any]) -> list[Variant]:
    """The variants of ``sweep`` over the scenario table ``base``: the cartesian product of its values.

    Each variant's table is ``base`` with ``sweep.fixed`` then the variant's values set, and its name
    tagged with them. Folder names are ``<sweep>__<key>=<value>…`` (the shortest unique key endings),
    or ``<sweep>-001…`` when those would clash or be too long. Raises InputError for a key that does
    not fit the table (e.g. an index past the end of an array).
    """
    where = sweep.source.name if sweep.source != Path() else f"sweep '{sweep.name}'"
    keys = [k for k, _ in sweep.vary]
    labels = _labels(keys)
    prefix = _safe_name(sweep.name)
    variants = []
    for combo in itertools.product(*(values for _, values in sweep.vary)):
        table = copy.deepcopy(dict(base))
        for key, value in sweep.fixed:
            _assign(table, key, value, where)
        for key, value in zip(keys, combo, strict=True):
            _assign(table, key, value, where)
        if isinstance(table.get("name"), str):
            tag = ", ".join(f"{k}={_label_value(v)}" for k, v in zip(keys, combo, strict=True))
            table["name"] = f"{table['name']} [{tag}]"
        name = prefix + "".join(f"__{lab}={_safe_name(_label_value(v))}" for lab, v in zip(labels, combo, strict=True))
        variants.append(Variant(name, table, tuple(zip(keys, combo, strict=True))))
    names = [v.name for v in variants]
    if len(set(names)) != len(names) or max(len(n) for n in names) > _NAME_MAX:
        width = len(str(len(variants)))
        variants = [Variant(f"{prefix}-{i + 1:0{max(width, 3)}d}", v.table, v.params) for i, v in enumerate(variants)]
    return variants


def _labels(keys: list[str]) -> list[str]:
    """For each dotted key, its shortest ending (in whole segments) that no other key shares."""
    parts = [k.split(".") for k in keys]
    out = []
    for p in parts:
        for n in range(1, len(p) + 1):
            tail = p[-n:]
            if sum(1 for q in parts if q[-n:] == tail) == 1:
                break
        out.append(".".join(tail))
    return out


def _label_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "+".join(_label_value(v) for v in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{k}:{_label_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _safe_name(text: str) -> str:
    """``text`` as a file-safe name: letters, digits, ``. _ = + -`` kept, other runs become ``-``."""
    safe = re.sub(r"[^A-Za-z0-9._=+-]+", "-", text).strip("-")
    return safe.lstrip(".") or "scenario"


def _assign(table: dict[str, Any], key: str, value: Any, where: str) -> None:
    """Set the dotted ``key`` in ``table``: tables are created as needed, arrays indexed by number or ``*``."""
    parts = key.split(".")

    def walk(node: Any, i: int) -> None:
        here = ".".join(parts[:i]) or "the scenario"
        part = parts[i]
        if isinstance(node, list):
            if part == "*":
                targets: list[Any] = list(range(len(node)))
            elif part.isdigit():
                if int(part) >= len(node):
                    raise InputError(f"{where}: '{key}': {here} has {len(node)} entries, so no entry {part} "
                                     f"(entries count from 0)")
                targets = [int(part)]
            else:
                raise InputError(f"{where}: '{key}': {here} is an array; pick entries with a number (from 0) or *")
        elif isinstance(node, dict):
            if part == "*" or not part:
                raise InputError(f"{where}: '{key}': {here} is a table, not an array")
            targets = [part]
        else:
            raise InputError(f"{where}: '{key}': {here} is a value, not a table")
        for t in targets:
            if i == len(parts) - 1:
                node[t] = copy.deepcopy(value)
            else:
                if isinstance(node, dict) and t not in node:
                    node[t] = {}
                walk(node[t], i + 1)

    walk(table, 0)


# --- jobs ---------------------------------------------------------------------------------------


def collect_jobs(inputs: Sequence[str | Path], settings: BatchSettings | None = None) -> list[Job]:
    """Jobs for ``inputs``: scenario files, folders holding a ``scenario.toml``, sweep files, or globs.

    A scenario whose files cannot be read becomes a job carrying that error (the batch goes on). Raises
    UsageError when an input matches nothing or two jobs would share a folder name, and InputError for
    a malformed sweep file or an unreadable sweep base scenario.
    """
    from planner import __version__
    from planner.io.profiles import read_toml
    from planner.io.scenario_bundle import read_scenario_inputs
    from planner.io.sweep_file import is_sweep, read_sweep

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
    import glob

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
    return _safe_name(stem)


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
    from planner.io.toml_writer import format_toml

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


# --- the unit of work ---------------------------------------------------------------------------


def plan_job(job: Job) -> Outcome:
    """Plan ``job`` in a private scratch folder; never raises for a planning problem.

    The outcome's files are what ``planner plan`` writes for the job's scenario. A scenario the
    planner proves infeasible gives status ``infeasible``; any other error ``failed`` with its message.
    """
    base = {"name": job.name, "source": job.source, "digest": job.digest, "params": job.params}
    if job.bundle is None:
        return Outcome(ScenarioResult(status="failed", error=job.error, exit_code=InputError.exit_code, **base))
    from planner.io.batch_output import read_folder, scratch_folder
    from planner.io.export import export_plan
    from planner.io.scenario_bundle import write_bundle
    from planner.io.scenario_file import read_scenario
    from planner.planning.pipeline import plan

    solve_s = None
    scratch: list[Path] = []

    def message(text: str) -> str:
        """``text`` with the scratch folder's path replaced by the scenario's output folder name."""
        for folder in scratch:
            text = text.replace(str(folder.resolve()), job.name).replace(str(folder), job.name)
        return text

    try:
        with scratch_folder() as tmp:
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


# --- running ------------------------------------------------------------------------------------


def run_batch(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    *,
    settings: BatchSettings | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    overwrite: bool = False,
    progress: Callable[[BatchProgress], None] | None = None,
) -> BatchSummary:
    """Plan every scenario of ``inputs`` (see :func:`collect_jobs`) into ``out_dir/<name>/``.

    ``workers``: local worker processes (default: one per core). ``scheduler``: a Dask scheduler
    address (or a ``dask.distributed`` Client) to run on instead. A scenario whose folder already holds
    a complete result of the same inputs is not planned again; a folder holding results of other inputs
    is replaced only with ``overwrite``. Writes ``summary.csv`` and ``summary.json``, also when
    interrupted. Raises UsageError, InputError (see :func:`collect_jobs`) and OutputError (the folder
    cannot be used); a failing scenario is recorded in the summary instead.
    """
    from planner.io import batch_output

    if workers is not None and workers < 1:
        raise UsageError(f"workers must be >= 1, got {workers}")
    if workers is not None and scheduler is not None:
        raise UsageError("--workers applies to local runs; a Dask cluster sizes itself")
    settings = settings or BatchSettings()
    out_dir = Path(out_dir)
    jobs = collect_jobs(inputs, settings)
    results: dict[str, ScenarioResult] = {}
    total = len(jobs)

    def record(result: ScenarioResult) -> None:
        results[result.name] = result
        if progress is not None:
            progress(BatchProgress(result, len(results), total))

    with batch_output.batch_lock(out_dir):
        batch_output.clean_partial(out_dir)
        todo = []
        for job in jobs:
            kept = _kept(out_dir, job, overwrite)
            if kept is not None:
                record(kept)
            else:
                todo.append(job)

        by_name = {j.name: j for j in todo}

        def finish(outcome: Outcome) -> None:
            record(_commit(out_dir, by_name[outcome.result.name], outcome))

        runnable = [j for j in todo if j.bundle is not None]
        for job in todo:
            if job.bundle is None:
                finish(plan_job(job))
        try:
            if runnable:
                if scheduler is not None:
                    _run_dask(runnable, scheduler, finish)
                else:
                    _run_local(runnable, workers or _cores(), finish)
        finally:
            ordered = tuple(results[j.name] for j in jobs if j.name in results)
            with contextlib.suppress(OutputError) if len(ordered) < total else contextlib.nullcontext():
                paths = _write_summary(out_dir, ordered, settings)
    return BatchSummary(out_dir, ordered, tuple(paths))


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _kept(out_dir: Path, job: Job, overwrite: bool) -> ScenarioResult | None:
    """The earlier result to keep for ``job``, a failure when its folder must not be replaced, or None."""
    from planner.io.batch_output import folder_holds_results, outputs_complete, read_manifest

    folder = out_dir / job.name
    doc = read_manifest(folder)
    if doc is not None and doc.get("digest") == job.digest:
        row = doc.get("result")
        if isinstance(row, dict) and row.get("status") in _DONE and outputs_complete(folder, doc):
            try:
                return _result_from_row(row, job)
            except (TypeError, ValueError):
                return None
        return None
    if not overwrite and folder_holds_results(folder):
        return ScenarioResult(
            name=job.name, status="failed", source=job.source, digest=job.digest, params=job.params,
            error=f"{folder} holds results of other inputs; pass --overwrite to replace them",
            exit_code=OutputError.exit_code,
        )
    return None


def _result_from_row(row: Mapping[str, Any], job: Job) -> ScenarioResult:
    values = {c: row[c] for c in COLUMNS if c in row}
    values.update(name=job.name, source=job.source, digest=job.digest, cached=True)
    return ScenarioResult(**values, params=job.params)


def _commit(out_dir: Path, job: Job, outcome: Outcome) -> ScenarioResult:
    """Write a job's folder (scenario, inputs, outputs, manifest); returns its result as recorded."""
    from planner import __version__
    from planner.io.batch_output import MANIFEST_FORMAT, commit_folder

    result = outcome.result
    if job.bundle is None:
        return result
    files = {SCENARIO_FILE: job.bundle.scenario_toml.encode("utf-8"), **dict(job.bundle.files), **outcome.files}
    manifest = {
        "format": MANIFEST_FORMAT,
        "version": 1,
        "planner_version": __version__,
        "name": job.name,
        "source": job.source,
        "digest": job.digest,
        "params": {k: _plain(v) for k, v in job.params},
        "result": {k: v for k, v in result.row().items() if k not in ("params", "cached")},
    }
    try:
        commit_folder(out_dir, job.name, files, manifest)
    except OutputError as exc:
        return ScenarioResult(name=job.name, status="failed", source=job.source, digest=job.digest,
                              params=job.params, error=str(exc), exit_code=exc.exit_code,
                              solve_time_s=result.solve_time_s)
    return result


def _write_summary(out_dir: Path, results: Sequence[ScenarioResult], settings: BatchSettings) -> list[Path]:
    from planner import __version__
    from planner.io.batch_output import write_summary

    keys: list[str] = []
    for r in results:
        keys.extend(k for k, _ in r.params if k not in keys)
    names = {k: (f"param:{k}" if k in COLUMNS else k) for k in keys}
    rows = []
    for r in results:
        row = r.row()
        rows.append({**{c: row[c] for c in COLUMNS}, **{names[k]: row["params"].get(k) for k in keys}})
    meta = {
        "planner_version": __version__,
        "settings": {f.name: getattr(settings, f.name) for f in fields(settings)},
        "default_max_iterations": DEFAULT_MAX_ITERATIONS,
        "counts": BatchSummary(out_dir, tuple(results)).counts,
    }
    return write_summary(out_dir, rows, [*COLUMNS, *names.values()], [r.row() for r in results], meta)


def _plain(value: Any) -> Any:
    """A TOML value as plain JSON (datetimes as ISO-8601 text, tuples as lists)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


# --- executors ----------------------------------------------------------------------------------


def _worker_init(parent_pid: int) -> None:
    """Set up a local worker process: Ctrl-C is the parent's to handle; exit when the parent dies.

    The worker marks itself daemonic: the optimiser then runs its search workers one after another
    in this process instead of forking more (one core per batch worker, as on a Dask worker).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    mp.current_process().daemon = True

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(_WATCH_PARENT_S)
        os._exit(1)

    threading.Thread(target=watch, name="planner-batch-parent-watch", daemon=True).start()


def _run_local(jobs: Sequence[Job], workers: int, finish: Callable[[Outcome], None]) -> None:
    """Run ``jobs`` in ``workers`` spawned processes, at most one job each at a time.

    A worker that dies (e.g. killed for memory) fails the jobs in flight and the pool is restarted.
    """
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    pending = deque(jobs)
    workers = max(1, min(workers, len(jobs)))
    while pending:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                   initializer=_worker_init, initargs=(os.getpid(),))
        running: dict[Future[Outcome], Job] = {}
        broken = False
        try:
            while (pending and not broken) or running:
                while pending and not broken and len(running) < workers:
                    job = pending.popleft()
                    running[pool.submit(plan_job, job)] = job
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: running[f].name):
                    job = running.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        broken = True
                        outcome = _lost(job, "its worker process died (out of memory, or killed)")
                    except Exception as exc:  # e.g. a result that cannot be sent back: this job fails, not the batch
                        outcome = _lost(job, f"{type(exc).__name__}: {exc}")
                    finish(outcome)
        except BaseException:
            _terminate(pool)
            raise
        pool.shutdown(wait=True)


def _terminate(pool: Any) -> None:
    """Stop a process pool now, killing jobs in flight."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def _lost(job: Job, why: str) -> Outcome:
    return Outcome(ScenarioResult(name=job.name, status="failed", source=job.source, digest=job.digest,
                                  params=job.params, error=f"not planned: {why}", exit_code=1))


def _run_dask(jobs: Sequence[Job], scheduler: Any, finish: Callable[[Outcome], None]) -> None:
    """Run ``jobs`` on a Dask cluster: ``scheduler`` is an address or a ``dask.distributed.Client``."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise UsageError("--scheduler needs Dask: pip install 'planner[batch]'") from None
    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, timeout=20, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    else:
        client = scheduler
    futures = {}
    try:
        for job in jobs:
            futures[client.submit(plan_job, job, pure=False)] = job
        for future in as_completed(list(futures), loop=client.loop):
            job = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:  # a lost worker, a cancelled task: this job fails, the others go on
                outcome = _lost(job, f"Dask: {type(exc).__name__}: {exc}")
            finish(outcome)
    except BaseException:
        with contextlib.suppress(Exception):
            client.cancel(list(futures))
        raise
    finally:
        if own:
            with contextlib.suppress(Exception):
                client.close()
