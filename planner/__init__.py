"""planner: mission planning for long-endurance fixed-wing UAV surveillance (ISR) flights.

Library use in a few lines::

    import planner
    scenario = planner.read_scenario("scenario.toml")
    plan = planner.make_plan(scenario, time_limit_s=30, seed=0)
    planner.export_plan(plan, "out/")

Names are imported lazily so that ``import planner`` (and ``planner --help``) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# public name -> (module, attribute). The planning function ``planner.planning.pipeline.plan`` is exported
# as ``make_plan``: a verb that reads apart from the ``Plan`` it returns.
_LAZY = {
    "read_scenario": "planner.io.scenario_file",
    "make_plan": ("planner.planning.pipeline", "plan"),
    "plan_relief": "planner.planning.relief",
    "run_batch": "planner.batch",
    "BatchSettings": "planner.batch",
    "export_plan": "planner.io.export",
    "plan_scenario": "planner.api",
    "Plan": "planner.model.plan",
    "Scenario": "planner.model.scenario",
    "PlannerError": "planner.core.errors",
    "InputError": "planner.core.errors",
    "InfeasibleError": "planner.core.errors",
    "OutputError": "planner.core.errors",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        where = _LAZY[name]
        module, attr = where if isinstance(where, tuple) else (where, name)
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")
