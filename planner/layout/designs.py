"""Layout: the scenario's tasks become flyable designs per kit, or are left out with the reason.

A kit is an aircraft type with the sensor it uses for each capability (:class:`Kit`): every design is made
for the sensor on the aircraft that flies it. Point targets that can share an orbit are grouped
(:mod:`planner.layout.shared_orbits`); every other task gets an orbit (:mod:`planner.layout.orbit`) or a
pattern (:mod:`planner.layout.pattern`) for each kit of the fleet; with no-fly zones the designs are kept
clear of them (:mod:`planner.layout.keepout`).
Tasks asking for persistent coverage (``persistent_h``) are laid out only when ``persistent`` is asked
(relief on station), and left out with that reason otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from planner.core import geo
from planner.layout.airspace import Airspace
from planner.layout.keepout import airspace_of, keep_clear, orbit_conflicts, outside_zones
from planner.layout.orbit import OrbitDesign, design_orbit
from planner.layout.pattern import PatternDesign, design_pattern
from planner.layout.shared_orbits import design_shared, share_orbits
from planner.layout.terrain_fit import base_circuit_m, climb_radius_m, fit_orbit, fit_pattern, orbits_clear
from planner.model.aircraft import Aircraft
from planner.model.fleet import Airframe, lightest
from planner.model.scenario import Base, Scenario, Task
from planner.model.sensors import SATCOM, Sensor, best_sensor
from planner.model.terrain import Terrain

__all__ = ["Design", "Kit", "Layout", "kit_of", "kits_of", "lay_out", "mark", "nearest_base", "window_s", "work_ends"]

Design = OrbitDesign | PatternDesign


@dataclass(frozen=True)
class Kit:
    """An aircraft type with the sensor it uses for each capability the tasks need: what a design depends on.

    ``sensors`` are (capability, sensor name) pairs sorted by capability: the sensor the airframe carries
    for it (the longest-reaching when it carries several), or, for a capability it does not carry, the
    lightest in the catalogue (what every loadout the planner chooses carries). Airframes of one type
    with the same sensors share a kit, so designs and travel times are computed once per kit.
    """

    aircraft: str
    sensors: tuple[tuple[str, str], ...]

    def sensor(self, capability: str | None, catalogue: dict[str, Sensor]) -> Sensor | None:
        """The kit's sensor for ``capability`` (None for none)."""
        name = dict(self.sensors).get(capability or "")
        return catalogue[name] if name is not None else None

    def catalogue(self, catalogue: dict[str, Sensor]) -> dict[str, Sensor]:
        """capability -> the kit's sensor."""
        return {c: catalogue[n] for c, n in self.sensors}


def kit_of(frame: Airframe, sensors: dict[str, Sensor], capabilities: tuple[str, ...]) -> Kit:
    """The kit of ``frame`` for ``capabilities`` (SATCOM has no designs and is left out)."""
    default = lightest(sensors)
    chosen = []
    for cap in capabilities:
        carried = best_sensor(cap, sensors, frame.loadout)
        sensor = carried if carried is not None else default.get(cap)
        if sensor is not None:
            chosen.append((cap, sensor.name))
    return Kit(frame.aircraft.name, tuple(chosen))


def kits_of(fleet: list[Airframe], sensors: dict[str, Sensor], capabilities: tuple[str, ...]) -> list[Kit]:
    """The distinct kits of ``fleet``, sorted: an airframe whose loadout the planner chooses carries the
    lightest sensors, a fixed payload its own."""
    return sorted({kit_of(f, sensors, capabilities) for f in fleet}, key=lambda k: (k.aircraft, k.sensors))


def capabilities_of(scenario: Scenario) -> tuple[str, ...]:
    """Sensor capabilities some task needs (SATCOM aside), sorted."""
    return tuple(sorted({t.capability for t in scenario.work if t.capability} - {SATCOM}))


@dataclass(frozen=True, eq=False)
class Layout:
    """The flyable tasks and their designs: ``designs[(task index, kit index)]`` for the kits in ``kits``
    that can fly it; ``types`` are the sorted aircraft names. ``members`` maps a shared orbit's name to
    the targets it watches; ``notes`` (task name -> note) say what was changed to keep clear of no-fly
    zones and terrain. ``circuits`` (with terrain) is the altitude of the climb and descent circle over
    each base, in the scenario's base order."""

    frame: geo.LocalFrame
    space: Airspace | None
    types: list[str]
    kits: list[Kit]
    tasks: list[Task]
    designs: dict[tuple[int, int], Design]
    members: dict[str, tuple[Task, ...]]
    notes: dict[str, str]
    circuits: tuple[float, ...] = ()


def lay_out(scenario: Scenario, fleet: list[Airframe], unserved: dict[str, str], *,
            persistent: bool = False) -> Layout:
    """Design every task for every kit of ``fleet`` (aircraft type and sensors); record in ``unserved`` why
    a task is left out.

    A shared orbit whose design fails for a kit that could watch one of its targets alone is split into
    one orbit per target. With no-fly zones, tasks inside one are left out, orbits whose circle would
    enter one are moved clear (keeping their targets in view) or left out (a shared orbit is first split),
    and patterns that would enter one are left out. Raises InputError for a base too close to a zone.
    """
    sensors = dict(scenario.sensors)
    kits = kits_of(fleet, sensors, capabilities_of(scenario))
    types = sorted({f.aircraft.name for f in fleet})
    craft = {f.aircraft.name: f.aircraft for f in fleet}
    fits = [(craft[k.aircraft], k.catalogue(sensors)) for k in kits]
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
    work, members = share_orbits(scenario, selected, frame, fits)
    conflicts = orbit_conflicts(space, work, fits, scenario.wind)
    clear = _orbits_clear(terrain, work, members, fits, scenario) if terrain is not None else {}
    tasks: list[Task] = []
    designs: dict[tuple[int, int], Design] = {}
    notes: dict[str, str] = {}
    cache: dict[tuple[str, str, str | None], tuple[Design, str, str]] = {}
    queue = list(work)
    while queue:
        task = queue.pop(0)
        watched = members.get(task.name, (task,))
        lowest = task.ground_elev_m + terrain.clearance_m if terrain is not None else 0.0
        flyable: dict[int, Design] = {}
        for k, (aircraft, kit) in enumerate(fits):
            sensor = kit.get(task.capability or "")
            key = (task.name, aircraft.name, sensor.name if sensor is not None else None)
            if key not in cache:
                design = _design(task, watched, aircraft, sensor, scenario, frame, bases, lowest)
                design, note = keep_clear(space, task, design, conflicts.get((task.name, k)), watched, frame, sensor) \
                    if space is not None else (design, "")
                raised = ""
                if terrain is not None:
                    design, raised = _fit(terrain, task, design, watched, aircraft, sensor, scenario, frame, bases,
                                          space, clear.get((task.name, k)))
                cache[key] = (design, note, raised)
            flyable[k], note, raised = cache[key]
            if note:
                notes.setdefault(task.name, note)
            if raised and raised not in notes.get(task.name, ""):  # one note per design: each flies its own
                notes[task.name] = f"{notes[task.name]}; {raised}" if task.name in notes else raised
        ok = {k: d for k, d in flyable.items() if d.ok}
        if len(watched) > 1 and _split(ok, flyable, watched, fits, scenario, space is not None or terrain is not None):
            singles = list(members.pop(task.name))
            conflicts.update(orbit_conflicts(space, singles, fits, scenario.wind))
            queue[0:0] = singles
            continue
        if not ok:
            mark(unserved, members, task, next(iter(flyable.values())).reason)
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
    return Layout(frame, space, types, kits, tasks, designs, members, notes, circuits)


def _design(task: Task, watched: tuple[Task, ...], aircraft: Aircraft, sensor: Sensor | None, scenario: Scenario,
            frame: geo.LocalFrame, bases: list[Base], min_alt_m: float = 0.0) -> Design:
    """The design of ``task`` for ``aircraft`` with ``sensor`` (before any no-fly zone or terrain fit; orbits
    at least ``min_alt_m``)."""
    if task.kind != "orbit":
        return design_pattern(task, aircraft, sensor, scenario.wind, frame, nearest_base(task, bases))
    if len(watched) > 1:
        return design_shared(task, watched, aircraft, sensor, scenario.wind, frame, min_alt_m)
    return design_orbit(task, aircraft, sensor, scenario.wind, min_alt_m)


def _fit(terrain: Terrain, task: Task, design: Design, watched: tuple[Task, ...], aircraft: Aircraft,
         sensor: Sensor | None, scenario: Scenario, frame: geo.LocalFrame, bases: list[Base], space: Airspace | None,
         clear: tuple[float, float] | None) -> tuple[Design, str]:
    """``design`` fitted to the terrain (:mod:`planner.layout.terrain_fit`) and a note when it was changed."""
    if not isinstance(design, OrbitDesign):
        return _fit_pattern(terrain, task, design, aircraft, sensor, scenario, frame, bases)
    known = clear == (design.alt_m, design.radius_m) and design.centre is None
    fitted, note = fit_orbit(terrain, task, design, watched, aircraft, sensor, scenario.wind.speed_mps, frame, space,
                             known)
    if not note and fitted.ok and fitted.alt_m > task.flight_alt_m(aircraft.default_alt_m) + 1e-6:
        note = (f"terrain: the {aircraft.name} orbit for '{task.name}' is raised to {fitted.alt_m:,.0f} m "
                f"to keep {terrain.clearance_m:g} m above the ground")
    return fitted, note


def _fit_pattern(terrain: Terrain, task: Task, design: PatternDesign, aircraft: Aircraft, sensor: Sensor | None,
                 scenario: Scenario, frame: geo.LocalFrame, bases: list[Base]) -> tuple[PatternDesign, str]:
    """A pattern raised clear of the ground (:func:`fit_pattern`) and laid out again at the altitude it is raised
    to: its strips (a survey's lanes, a standoff's distance) follow the height above the ground, so lanes laid
    out for a lower height would be too close. Repeated while the new layout needs more height (3 times at most)."""
    wind = scenario.wind.speed_mps
    fitted, note = fit_pattern(terrain, task, design, aircraft, sensor, wind)
    for _ in range(3):
        if not fitted.ok or fitted.alt_m <= design.alt_m + 1e-6:
            break
        design = design_pattern(replace(task, alt_m=fitted.alt_m, alt_agl_m=None), aircraft, sensor, scenario.wind,
                                frame, nearest_base(task, bases))
        if not design.ok:
            return design, ""
        fitted, more = fit_pattern(terrain, task, design, aircraft, sensor, wind)
        note = more or note
    return fitted, note


def _split(ok: dict[int, Design], flyable: dict[int, Design], watched: tuple[Task, ...],
           fits: list[tuple[Aircraft, dict[str, Sensor]]], scenario: Scenario, hard: bool) -> bool:
    """Whether a shared orbit falls back to one orbit per target: when some kit cannot fly it but could
    watch one of its targets alone, or (``hard``: with no-fly zones or terrain) when no kit can fly it."""
    if not ok:
        return hard or any(design_orbit(t, aircraft, kit.get(t.capability or ""), scenario.wind).ok
                           for aircraft, kit in fits for t in watched)
    return any(k not in ok and any(design_orbit(t, fits[k][0], fits[k][1].get(t.capability or ""), scenario.wind).ok
                                   for t in watched) for k in flyable)


def _orbits_clear(terrain: Terrain, work: list[Task], members: dict[str, tuple[Task, ...]],
                  fits: list[tuple[Aircraft, dict[str, Sensor]]], scenario: Scenario
                  ) -> dict[tuple[str, int], tuple[float, float]]:
    """(task name, kit index) -> (altitude, radius) of every orbit that, laid out over its target, is already
    clear of the ground with its targets in sight (one vectorised test for the whole layout)."""
    keys, lon, lat, radius, climb, alt, watched = [], [], [], [], [], [], []
    wind = scenario.wind
    for task in work:
        if task.kind != "orbit":
            continue
        for k, (a, kit) in enumerate(fits):
            d = design_orbit(task, a, kit.get(task.capability or ""), wind, task.ground_elev_m + terrain.clearance_m)
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
