"""Running a batch: every job planned in local worker processes (default) or on a Dask cluster, each into
its own folder, and the summary. Only the calling process writes into the output folder, so where a job ran
cannot change what is written. Every job runs with an iteration limit (``max_iterations``), which makes the
optimiser's result independent of timing.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from planner import __version__
from planner.batch.jobs import (
    COLUMNS,
    DEFAULT_MAX_ITERATIONS,
    STATUSES,
    BatchSettings,
    Job,
    Outcome,
    ScenarioResult,
    collect_jobs,
    plain,
    plan_job,
)
from planner.core.errors import OutputError, UsageError
from planner.io import batch_output
from planner.io.batch_output import (
    MANIFEST_FORMAT,
    commit_folder,
    folder_holds_results,
    outputs_complete,
    read_manifest,
    write_summary,
)
from planner.io.scenario_bundle import SCENARIO_FILE

__all__ = ["BatchProgress", "BatchSummary", "run_batch"]

_DONE = ("planned", "infeasible")  # outcomes a re-run with the same inputs keeps

_WATCH_PARENT_S = 0.5


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
            kept = None if job.bundle is None else _kept(out_dir, job, overwrite)  # unreadable: say why
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
                    _run_dask(runnable, scheduler, finish, out_dir)
                else:
                    _run_local(runnable, workers or _cores(), finish, out_dir)
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
        "params": {k: plain(v) for k, v in job.params},
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


def _run_local(jobs: Sequence[Job], workers: int, finish: Callable[[Outcome], None], out_dir: Path) -> None:
    """Run ``jobs`` in ``workers`` spawned processes, at most one job each at a time; scratch in ``out_dir``.

    A worker that dies (e.g. killed for memory) breaks the pool, and every job in flight with it; which
    one killed it is unknown, so each is run again once, alone in a fresh pool (the rest wait): the job
    that dies again alone fails, the others are planned. Then the pool restarts for the rest.
    """
    pending = deque(jobs)
    retry: deque[Job] = deque()
    while pending or retry:
        alone = bool(retry)
        queue = retry if alone else pending
        size = 1 if alone else max(1, min(workers, len(pending)))
        pool = ProcessPoolExecutor(max_workers=size, mp_context=mp.get_context("spawn"),
                                   initializer=_worker_init, initargs=(os.getpid(),))
        running: dict[Future[Outcome], Job] = {}
        broken = False
        try:
            while (queue and not broken) or running:
                while queue and not broken and len(running) < size:
                    job = queue.popleft()
                    running[pool.submit(plan_job, job, str(out_dir))] = job
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in sorted(done, key=lambda f: running[f].name):
                    job = running.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        broken = True
                        if not alone:
                            retry.append(job)  # perhaps another job's crash: once more, alone
                            continue
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


def _run_dask(jobs: Sequence[Job], scheduler: Any, finish: Callable[[Outcome], None], out_dir: Path) -> None:
    """Run ``jobs`` on a Dask cluster: ``scheduler`` is an address or a ``dask.distributed.Client``; a
    worker that sees ``out_dir`` keeps its scratch there."""
    try:  # Dask is an optional extra, imported only for cluster runs
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
            futures[client.submit(plan_job, job, str(out_dir), pure=False)] = job
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
