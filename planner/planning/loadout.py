"""Loadout choice: which sensors each aircraft with an open payload carries.

A heavier loadout sees more kinds of target but flies shorter (the Breguet endurance of
``Aircraft.endurance_s``). Candidates are the sets of catalogue sensors, one per capability, that some
task needs and that fit the aircraft's maximum payload. The choice is a coordinate descent: starting
from the greedy loadout (:func:`planner.model.fleet.default_loadout`), each open airframe in turn tries every
candidate with the others held, keeping a change only when the evaluated plan serves more priority
(ties: the lighter loadout). Evaluations are full optimiser runs on a small iteration budget, so the
choice depends only on the inputs and the seed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from planner.model.fleet import Airframe, candidate_loadouts, with_loadout
from planner.model.scenario import Reserve
from planner.model.sensors import Sensor

__all__ = ["choose_loadouts"]


def choose_loadouts(
    fleet: Sequence[Airframe],
    sensors: dict[str, Sensor],
    reserve: Reserve,
    needed: set[str],
    evaluate: Callable[[list[Airframe]], float],
    *,
    max_evaluations: int = 200,
) -> tuple[list[Airframe], int]:
    """Choose loadouts for the airframes whose payload the scenario leaves open (``chosen``).

    ``evaluate`` returns the priority a plan serves with a fleet. Returns the fleet and the number of
    evaluations made (at most ``max_evaluations``).
    """
    current = list(fleet)
    open_frames = [i for i, f in enumerate(current) if f.chosen]
    if not open_frames:
        return current, 0
    options = {i: candidate_loadouts(current[i].aircraft, sensors, needed) for i in open_frames}
    best = evaluate(current)
    evaluations = 1
    improved = True
    while improved and evaluations < max_evaluations:
        improved = False
        for i in open_frames:
            for loadout in options[i]:
                if loadout == current[i].loadout or evaluations >= max_evaluations:
                    continue
                trial = list(current)
                trial[i] = with_loadout(current[i], loadout, sensors, reserve)
                score = evaluate(trial)
                evaluations += 1
                lighter = trial[i].payload_kg < current[i].payload_kg
                if score > best + 1e-9 or (abs(score - best) <= 1e-9 and lighter):
                    best, current, improved = score, trial, True
    return current, evaluations
