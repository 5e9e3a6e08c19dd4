"""pytest fixtures for the SITL tests: every scenario of :mod:`tests.sitl.scenarios` planned and flown once
per session, the flights running side by side (``PLANNER_SITL_JOBS``, default 3) to use both cores.

A test module imports the fixture it needs (``from tests.sitl.fixtures import sitl_flights``); when the
SITL binary is absent the module is skipped with the reason (see :func:`tests.sitl.process.missing_reason`).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.sitl.process import missing_reason
from tests.sitl.scenarios import FLIGHTS, plan_flight
from tests.sitl.sortie import Flown, fly_sortie, summary

__all__ = ["require_sitl", "sitl_flights"]

JOBS = int(os.environ.get("PLANNER_SITL_JOBS", "3"))


def require_sitl() -> None:
    """Skip the calling test module, with the reason, when SITL is not there."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="session")
def sitl_flights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Flown]:
    """Every scenario planned and flown: name -> what the autopilot did."""
    require_sitl()
    root = tmp_path_factory.mktemp("sitl")
    start = time.monotonic()

    # Planned here, before any thread starts: the optimiser forks worker processes.
    plans = {name: plan_flight(flight, Path(root) / name) for name, flight in FLIGHTS.items()}

    def one(name: str) -> Flown:
        flight = FLIGHTS[name]
        return fly_sortie(plans[name], heading_deg=flight.takeoff_heading_deg, wind=flight.wind)

    with ThreadPoolExecutor(max_workers=max(1, JOBS)) as pool:
        futures = {name: pool.submit(one, name) for name in FLIGHTS}
        flown = {name: f.result() for name, f in futures.items()}
    report = [f"SITL flights ({time.monotonic() - start:.0f} s wall in all, {JOBS} at a time):"]
    for name, f in flown.items():
        report.append(f"  {name}: {FLIGHTS[name].about}")
        report.extend(f"    {line}" for line in summary(f))
    print("\n" + "\n".join(report))
    return flown
