"""Batch throughput: the same sweep with 1 and with 2 local worker processes (or any counts given).

    python benchmarks/batch.py [SWEEP] [--workers 1,2] [--max-iterations N] [--scheduler ADDR | --local-cluster]

SWEEP defaults to the bundled wind sweep (48 variants of the central Kazakhstan demo). Each run writes
into a fresh temporary folder, so nothing is reused between runs. Prints the wall time of each run,
the ratio of each to the first, and checks that every run produced the same plans (same SHA-256 of
every output file, from the scenario folders' run.json). With ``--scheduler`` one more run goes to
that Dask cluster; with ``--local-cluster`` to a Dask ``LocalCluster`` of 2 single-threaded worker
processes on loopback, started here. The load average is printed first: other work on the machine
skews the ratios.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from planner.batch import BatchSettings, BatchSummary, run_batch
from planner.io.batch_output import read_manifest

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SWEEP = REPO / "areas" / "sweeps" / "wind_sweep.toml"


def _fingerprint(summary: BatchSummary) -> dict[str, dict[str, str]]:
    """Per scenario: SHA-256 of each output file (solve times excluded)."""
    out = {}
    for r in summary.results:
        doc = read_manifest(summary.out_dir / r.name) or {}
        out[r.name] = {name: meta["sha256"] for name, meta in doc.get("files", {}).items()}
    return out


def _rows(summary: BatchSummary) -> list[dict[str, object]]:
    return [{k: v for k, v in r.row().items() if k != "solve_time_s"} for r in summary.results]


def _run(sweep: Path, settings: BatchSettings, *, workers: int | None = None,
         scheduler: str | None = None) -> tuple[float, BatchSummary, dict[str, dict[str, str]]]:
    """Wall time, summary and output fingerprints of one batch run into a fresh temporary folder."""
    with tempfile.TemporaryDirectory(prefix="planner-bench-batch-") as tmp:
        started = time.perf_counter()
        summary = run_batch([sweep], Path(tmp) / "out", settings=settings, workers=workers, scheduler=scheduler)
        return time.perf_counter() - started, summary, _fingerprint(summary)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sweep", nargs="?", type=Path, default=DEFAULT_SWEEP)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    parser.add_argument("--max-iterations", type=int, default=200)
    parser.add_argument("--scheduler", default=None, help="also run on this Dask scheduler")
    parser.add_argument("--local-cluster", action="store_true", help="also run on a 2-worker Dask LocalCluster")
    args = parser.parse_args()
    if hasattr(os, "getloadavg"):
        print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    settings = BatchSettings(max_iterations=args.max_iterations)
    runs: list[tuple[str, float, BatchSummary, dict[str, dict[str, str]]]] = []
    for n in (int(w) for w in args.workers.split(",")):
        elapsed, summary, prints = _run(args.sweep, settings, workers=n)
        runs.append((f"{n} worker{'s' if n > 1 else ''}", elapsed, summary, prints))
        print(f"{runs[-1][0]:>12}: {elapsed:7.1f} s for {len(summary.results)} scenarios "
              f"({summary.counts})", flush=True)
    if args.scheduler:
        elapsed, summary, prints = _run(args.sweep, settings, scheduler=args.scheduler)
        runs.append(("dask", elapsed, summary, prints))
        print(f"{'dask':>12}: {elapsed:7.1f} s", flush=True)
    if args.local_cluster:
        from dask.distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster:
            elapsed, summary, prints = _run(args.sweep, settings, scheduler=cluster.scheduler_address)
        runs.append(("LocalCluster", elapsed, summary, prints))
        print(f"{'LocalCluster':>12}: {elapsed:7.1f} s (2 workers)", flush=True)
    first = runs[0]
    same = True
    for label, elapsed, summary, prints in runs[1:]:
        print(f"{label:>12} / {first[0]}: {elapsed / first[1]:.2f}")
        same = same and _rows(summary) == _rows(first[2]) and prints == first[3]
    print("identical summaries and output bytes" if same else "RUNS DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
