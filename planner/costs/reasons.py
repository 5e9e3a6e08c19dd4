"""Why a task cannot be served: the first check that fails for every airframe in every loadout it may carry."""

from __future__ import annotations

import numpy as np

from planner.costs.model import CostModel
from planner.model.fleet import Airframe, candidate_loadouts, with_loadout
from planner.model.scenario import Task

__all__ = ["first_failure", "options", "reason"]


def options(model: CostModel, fleet: list[Airframe]) -> list[tuple[Airframe, dict[str, np.ndarray]]]:
    """Every airframe in every loadout it may carry, with its check masks."""
    sensors = dict(model.scenario.sensors)
    out = []
    for f in fleet:
        loadouts = candidate_loadouts(f.aircraft, sensors, model.needed()) if f.chosen else [f.loadout]
        for loadout in loadouts:
            frame = with_loadout(f, loadout, sensors, model.scenario.reserve) if f.chosen else f
            out.append((frame, model.masks(frame)))
    return out


def first_failure(model: CostModel, task: Task, masks: list[dict[str, np.ndarray]], i: int) -> str:
    """Why no option serves task ``i`` ('' when one does): the furthest check any option passes decides."""
    if any(m["window"][i] for m in masks):
        return ""
    if not any(m["sensor"][i] for m in masks):
        capability = task.capability
        return f"no aircraft carries a {capability} sensor" if capability else "no aircraft can serve it"
    if not any(m["comms"][i] for m in masks):
        return "beyond radio reach of every ground station, and no aircraft carries SATCOM"
    if model.reachable is not None and not model.reachable[i]:
        return "walled in by no-fly zones: no route round them reaches it from any base and back"
    if not any(m["range"][i] for m in masks):
        return "out of range: a round trip from any base with the dwell exceeds the aircraft's endurance less reserve"
    return "window: no aircraft can be on station inside it"


def reason(model: CostModel, fleet: list[Airframe], masks: list[dict[str, np.ndarray]], i: int) -> str:
    """Why the final plan leaves task ``i`` out (``masks``: each airframe's ``model.masks``)."""
    task = model.tasks[i]
    why = first_failure(model, task, masks, i)
    if why and any(f.chosen for f in fleet):
        return why.replace("no aircraft carries", "no chosen loadout carries")
    return why or "did not fit: the fleet's endurance went to higher-value tasks"
