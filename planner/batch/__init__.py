"""Batch planning: many scenarios and sweep variants, each planned into its own folder, with a summary.

Library use::

    from planner.batch import BatchSettings, run_batch
    summary = run_batch(["areas/sweeps/wind_sweep.toml"], "out/", settings=BatchSettings(max_iterations=300))
    print(summary.counts)
"""

from planner.batch.jobs import (
    DEFAULT_MAX_ITERATIONS,
    BatchSettings,
    Job,
    Outcome,
    ScenarioResult,
    collect_jobs,
    plan_job,
)
from planner.batch.runner import BatchProgress, BatchSummary, run_batch
from planner.batch.sweep import Variant, expand_sweep

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
