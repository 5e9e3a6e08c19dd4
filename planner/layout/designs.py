"""Layout: the scenario's tasks become flyable designs per aircraft type, or are left out with the reason.

Point targets that can share an orbit are grouped (:mod:`planner.layout.shared_orbits`); every other task
gets an orbit (:mod:`planner.layout.orbit`) or a pattern (:mod:`planner.layout.pattern`) for each aircraft
type of the fleet; with no-fly zones the designs are kept clear of them (:mod:`planner.layout.keepout`).
Tasks asking for persistent coverage (``persistent_h``) are laid out only when ``persistent`` is asked
(relief on station), and left out with that reason otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.core import geo
from planner.layout.airspace import Airspace
from planner.layout.keepout import airspace_of, keep_clear, orbit_conflicts, outside_zones
from planner.layout.orbit import OrbitDesign, design_orbit
from planner.layout.pattern import PatternDesign, design_pattern
from planner.layout.shared_orbits import share_orbits, shared_slant
from planner.layout.terrain_fit import base_circuit_m, climb_radius_m, fit_orbit, fit_pattern, orbits_clear
from planner.model.aircraft import Aircraft
from planner.model.fleet import Airframe
from planner.model.scenario import Base, Scenario, Task
from planner.model.sensors import best_sensor
from planner.model.terrain import Terrain

__all__ = ["Design", "Layout", "lay_out", "mark", "nearest_base", "window_s", "work_ends"]

Design = OrbitDesign | PatternDesign


@dataclass(frozen=True, eq=False)
class Layout:
    """The flyable tasks and their designs: ``designs[(task index, type index)]`` for the types in ``types``
    (sorted aircraft names) that can fly it. ``members`` maps a shared orbit's name to the targets it
    watches; ``notes`` (task name -> note) say what was changed to keep clear of no-fly zones and terrain.
    ``circuits`` (with terrain) is the altitude of the climb and descent circle over each base, in the
    scenario's base order."""

    frame: geo.LocalFrame
    space: Airspace | None
    types: list[str]
    tasks: list[Task]
    designs: dict[tuple[int, int], Design]
    members: dict[str, tuple[Task, ...]]
    notes: dict[str, str]
    circuits: tuple[float, ...] = ()


def lay_out(scenario: Scenario, fleet: list[Airframe], unserved: dict[str, str], *,
            persistent: bool = False) -> Layout:
    """Design every task for every aircraft type of ``fleet``; record in ``unserved`` why a task is left out.

    With no-fly zones, tasks inside one are left out, orbits whose circle would enter one are moved clear
    (within sensor range) or left out (a shared orbit is first split into one orbit per target), and
    patterns that would enter one are left out. Raises InputError for a base too close to a zone.
    """
    sensors = dict(scenario.sensors)
    types = sorted({f.aircraft.name for f in fleet})
    craft = {f.aircraft.name: f.aircraft for f in fleet}
    bases = list(scenario.bases)
    frame = geo.LocalFrame.around([b.lon for b in bases] + [t.geometry.centroid.x for t in scenario.work],
                                  [b.lat for b in bases] + [t.geometry.centroid.y for t in scenario.work])
    space = airspace_of(scenario, frame, fleet)
    terrain = scenario.terrain
    circuits: tuple[float, ...] = ()
    if terrain is not None:
        wind = scenario.wind.speed_mps
        circuits = tuple(
            base_circuit_m(terrain, b, max((climb_radius_m(f.aircraft, wind) for f in fleet if f.base.name == b.name),
                                           default=0.0))
            for b in bases
        )
    selected = [t for t in scenario.work if (t.persistent_h is not None) == persistent]
    if not persistent:
        for t in scenario.work:
            if t.persistent_h is not None:
                unserved[t.name] = "persistent coverage: planned with relief on station by `planner relief`"
    if space is not None:
        selected = outside_zones(space, selected, unserved)
    work, members = share_orbits(scenario, selected, frame, [craft[t] for t in types])
    conflicts = orbit_conflicts(space, work, [craft[t] for t in types], scenario.wind)
    clear = _orbits_clear(terrain, work, members, [craft[t] for t in types], scenario) if terrain is not None else {}
    tasks: list[Task] = []
    designs: dict[tuple[int, int], Design] = {}
    notes: dict[str, str] = {}
    queue = list(work)
    while queue:
        task = queue.pop(0)
        capability = task.capability
        catalogue = [s for s in sensors.values() if s.capability == capability]
        best = best_sensor(capability, sensors, tuple(s.name for s in catalogue))
        flyable: dict[int, Design]
        if task.kind == "orbit":
            lowest = task.ground_elev_m + terrain.clearance_m if terrain is not None else 0.0
            flyable = {k: shared_slant(design_orbit(task, craft[name], None, scenario.wind, lowest), task, members,
                                       frame)
                       for k, name in enumerate(types)}
        else:
            toward = nearest_base(task, bases)
            flyable = {k: design_pattern(task, craft[name], best, scenario.wind, frame, toward)
                       for k, name in enumerate(types)}
        if space is not None:
            for k, design in flyable.items():
                flyable[k], note = keep_clear(space, task, design, conflicts.get((task.name, k)),
                                              members.get(task.name, (task,)), frame, best)
                if note:
                    notes.setdefault(task.name, note)
        if terrain is not None:
            for k, design in flyable.items():
                a = craft[types[k]]
                if isinstance(design, OrbitDesign):
                    known = clear.get((task.name, k)) == (design.alt_m, design.radius_m) and design.centre is None
                    flyable[k], note = fit_orbit(terrain, task, design, members.get(task.name, (task,)), a,
                                                 catalogue, scenario.wind.speed_mps, frame, space, known)
                    if not note and flyable[k].ok and flyable[k].alt_m > task.flight_alt_m(a.default_alt_m) + 1e-6:
                        note = (f"terrain: the {a.name} orbit for '{task.name}' is raised to {flyable[k].alt_m:,.0f} m "
                                f"to keep {terrain.clearance_m:g} m above the ground")
                else:
                    flyable[k], note = fit_pattern(terrain, task, design, a, best, scenario.wind.speed_mps)
                if note:  # one note per aircraft type: each flies its own design
                    notes[task.name] = f"{notes[task.name]}; {note}" if task.name in notes else note
        ok = {k: d for k, d in flyable.items() if d.ok}
        if not ok and (space is not None or terrain is not None) and len(members.get(task.name, ())) > 1:
            # a shared orbit that cannot keep clear of the zones or the ground: each target on its own orbit instead
            singles = list(members.pop(task.name))
            conflicts.update(orbit_conflicts(space, singles, [craft[t] for t in types], scenario.wind))
            queue[0:0] = singles
            continue
        if not ok:
            mark(unserved, members, task, next(iter(flyable.values())).reason)
            continue
        if task.kind == "orbit" and capability:
            why = [s.reason_unseen(d.alt_m, d.slant_m, d.radius_m) for s in catalogue for d in ok.values()
                   if isinstance(d, OrbitDesign)]
            if why and all(why):
                mark(unserved, members, task, why[0])
                continue
        earliest, latest = window_s(task, scenario, max(d.duration_s for d in ok.values()))
        if latest < earliest:
            ended = task.window_end is not None and task.window_end <= scenario.start
            mark(unserved, members, task,
                  "window: it ends before the mission starts" if ended else "window: shorter than the dwell")
            continue
        i = len(tasks)
        tasks.append(task)
        designs.update({(i, k): d for k, d in ok.items()})
    return Layout(frame, space, types, tasks, designs, members, notes, circuits)


def _orbits_clear(terrain: Terrain, work: list[Task], members: dict[str, tuple[Task, ...]], aircraft: list[Aircraft],
                  scenario: Scenario) -> dict[tuple[str, int], tuple[float, float]]:
    """(task name, type index) -> (altitude, radius) of every orbit that, laid out over its target, is already
    clear of the ground with its targets in sight (one vectorised test for the whole layout)."""
    keys, lon, lat, radius, climb, alt, watched = [], [], [], [], [], [], []
    wind = scenario.wind
    for task in work:
        if task.kind != "orbit":
            continue
        for k, a in enumerate(aircraft):
            d = design_orbit(task, a, None, wind, task.ground_elev_m + terrain.clearance_m)
            if not d.ok:
                continue
            keys.append((task.name, k, d.alt_m, d.radius_m))
            lon.append(task.geometry.x)
            lat.append(task.geometry.y)
            radius.append(d.radius_m)
            climb.append(climb_radius_m(a, wind.speed_mps))
            alt.append(d.alt_m)
            watched.append(members.get(task.name, (task,)) if task.capability is not None else ())
    ok = orbits_clear(terrain, np.array(lon), np.array(lat), np.array(radius), np.array(climb), np.array(alt), watched)
    return {(name, k): (h, r) for (name, k, h, r), good in zip(keys, ok, strict=True) if good}


def mark(unserved: dict[str, str], members: dict[str, tuple[Task, ...]], task: Task, reason: str) -> None:
    """Record why ``task`` (or every target of a shared orbit) is left out."""
    for t in members.get(task.name, (task,)):
        unserved[t.name] = reason


def window_s(task: Task, scenario: Scenario, dwell_s: float) -> tuple[float, float]:
    """Earliest and latest start of service (s from mission start) so the whole dwell fits the window."""
    earliest = 0.0 if task.window_start is None else max(0.0, (task.window_start - scenario.start).total_seconds())
    latest = math.inf if task.window_end is None else (task.window_end - scenario.start).total_seconds() - dwell_s
    return earliest, latest


def nearest_base(task: Task, bases: list[Base]) -> tuple[float, float]:
    """(lon, lat) of the base nearest the task: where aircraft come from."""
    c = task.geometry.centroid
    d = geo.distance_m(np.array([b.lon for b in bases]), np.array([b.lat for b in bases]),
                       np.full(len(bases), c.x), np.full(len(bases), c.y))
    b = bases[int(np.argmin(d))]
    return b.lon, b.lat


def work_ends(task: Task, design: Design | None) -> tuple[tuple[float, float], tuple[float, float]]:
    """(lon, lat) where the aircraft starts and ends work on ``task``: an orbit's centre, a pattern's ends."""
    if isinstance(design, PatternDesign):
        return design.entry, design.exit
    if isinstance(design, OrbitDesign) and design.centre is not None:
        return design.centre, design.centre
    point = (task.geometry.centroid.x, task.geometry.centroid.y)
    return point, point
