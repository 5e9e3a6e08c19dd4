"""Why a task cannot be served: every check that no airframe passes in any loadout it may carry, in order of
importance — what no loadout can fix first (a base far from every task, a work altitude below the field,
no-fly walls, ground no transit clears, distance), then what a loadout fixes (the sensor, SATCOM), then the time window."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from planner.core import geo
from planner.costs.model import CostModel
from planner.model.fleet import Airframe, candidate_loadouts, with_loadout
from planner.model.plan import REASON_SEPARATOR
from planner.model.scenario import CIRCUIT_AGL_M, Task

__all__ = ["FAR_BASE_KM", "base_hints", "first_failure", "options", "reason"]

FAR_BASE_KM = 2000.0
"""A base farther than this from every task is worth a hint (a position typed wrongly, lon and lat swapped)."""
_SWAPPED_KM = 500.0  # swapping lon and lat brings a far base this close to a task: say so


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
    """Why no option serves task ``i`` ('' when one does): every check that no option passes, most important
    first, joined by :data:`~planner.model.plan.REASON_SEPARATOR`; when each check is passed by some option
    but no option passes them all, the furthest check any option passes decides."""
    if any(m["window"][i] for m in masks):
        return ""
    hints = base_hints(model)
    why = list(hints)
    sight = model.comms.sight is not None  # with terrain, radio reach is terrain-masked line of sight
    out_of_reach = ("out of radio sight of every ground station (terrain-masked line of sight)" if sight
                    else "beyond radio reach of every ground station")
    if not any(m["altitude"][i] for m in masks):
        alt = max(d.alt_m for (j, _), d in model.designs.items() if j == i)
        low = min(model.bases, key=lambda b: b.elev_m)
        why.append(f"work altitude {alt:.0f} m AMSL is below the circuit height over every base "
                   f"({low.elev_m + CIRCUIT_AGL_M:.0f} m AMSL at {low.name}, {CIRCUIT_AGL_M:.0f} m over its field): "
                   "no climb to it from the field")
    if model.reachable is not None and not model.reachable[i]:
        why.append("walled in by no-fly zones: no route round them reaches it from any base and back")
    elif model.climbable is not None and not model.climbable[i]:
        clearance = model.scenario.terrain.clearance_m if model.scenario.terrain is not None else 0.0
        why.append(f"terrain: no way there and back keeps {clearance:g} m above the ground within the aircraft's "
                   "ceiling")
    elif not any(m["distance"][i] for m in masks):
        why.append("out of range: a round trip from any base with the dwell exceeds the aircraft's endurance less "
                   "reserve")
    if not any(m["sensor"][i] for m in masks):
        capability = task.capability
        why.append(f"no aircraft carries a {capability} sensor" if capability else "no aircraft can serve it")
    if not any(m["radio"][i] for m in masks):
        why.append(f"{out_of_reach}, and no aircraft carries SATCOM")
    if len(why) > len(hints):
        return REASON_SEPARATOR.join(why)
    seeing = [m for m in masks if m["sensor"][i]]
    if not any(m["comms"][i] for m in masks) and not any(m["radio"][i] for m in seeing):
        last = f"{out_of_reach}, and no aircraft carrying its sensor carries SATCOM"
    elif not any(m["comms"][i] for m in masks):
        last = "no aircraft carrying its sensor can fly at its altitude from its base"
    elif sight and not any(m["range"][i] for m in masks) and any(m["radio_legs"][i] for m in masks):
        last = ("no way there and back stays in radio sight of a ground station (terrain-masked line of sight), "
                "and no aircraft carries SATCOM")
    elif not any(m["range"][i] for m in masks):
        last = "out of range: a round trip from any base with the dwell exceeds the aircraft's endurance less reserve"
    else:
        last = "window: no aircraft can be on station inside it"
    return REASON_SEPARATOR.join([*hints, last])


@lru_cache(maxsize=4)
def base_hints(model: CostModel) -> tuple[str, ...]:
    """A hint for each base farther than :data:`FAR_BASE_KM` from every task (lon and lat swapped, or a typo)."""
    if not model.tasks:
        return ()
    lons = np.array([t.geometry.centroid.x for t in model.tasks])
    lats = np.array([t.geometry.centroid.y for t in model.tasks])
    out = []
    for b in model.bases:
        near_km = float(geo.distance_m(np.full(lons.size, b.lon), np.full(lats.size, b.lat), lons, lats).min()) / 1000.0
        if near_km <= FAR_BASE_KM:
            continue
        swapped = abs(b.lon) <= 90.0 and float(geo.distance_m(np.full(lons.size, b.lat), np.full(lats.size, b.lon),
                                                              lons, lats).min()) / 1000.0 <= _SWAPPED_KM
        check = "are its lon and lat swapped?" if swapped else "is its position right?"
        out.append(f"base '{b.name}' is {near_km:,.0f} km from the nearest task: {check}")
    return tuple(out)


def reason(model: CostModel, fleet: list[Airframe], masks: list[dict[str, np.ndarray]], i: int) -> str:
    """Why the final plan leaves task ``i`` out (``masks``: each airframe's ``model.masks``)."""
    task = model.tasks[i]
    why = first_failure(model, task, masks, i)
    if why and any(f.chosen for f in fleet):
        return why.replace("no aircraft carries", "no chosen loadout carries")
    return why or "did not fit: the fleet's endurance went to higher-value tasks"
