"""From a scenario to a plan: lay tasks out, cost them, choose loadouts, optimise, assemble timed sorties.

The time model (conservative, docs/concepts.md): transits follow geodesics at cruise airspeed with the
wind's ground speed on the leg's mean track; climbs and descents are flown in circles over the base or
en route, their time (height / climb or descent rate) added to the leg, not overlapped; orbits last
whole laps of the wind-widened circle at loiter speed. Aircraft without SATCOM stay within the
ground stations' line-of-sight reach (planner.comms) on every leg and orbit. With no-fly zones
(planner.airspace), transits take the quickest way round them in the wind, and no orbit or pattern
enters one (docs/airspace.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import shapely
from shapely.geometry import Point

from planner.core import dubins, geo, physics
from planner.core.errors import InfeasibleError, InputError
from planner.layout.airspace import Airspace, LegCost, Routes
from planner.layout.comms import Comms
from planner.layout.orbit import OrbitDesign, design_orbit
from planner.layout.pattern import PatternDesign, design_pattern
from planner.layout.shared_orbits import layout_orbits
from planner.model.aircraft import Aircraft
from planner.model.fleet import Airframe, airframes
from planner.model.plan import Leg, Orbit, Pattern, Plan, Position, Sortie
from planner.model.scenario import Base, Scenario, Task, Wind
from planner.model.sensors import Sensor
from planner.planning.loadout import candidate_loadouts, choose_loadouts, with_loadout
from planner.solve.problem import Problem, Result, Route, SolveParams, Vehicle, evaluate_route

__all__ = ["APPROACH_M", "LOADOUT_ITERATIONS", "TAKEOFF_AGL_M", "CostModel", "Progress", "Routing", "build_model", "check_wind",
           "plan", "solve_params",
           "sortie_legs"]

TAKEOFF_AGL_M = 300.0  # height of the take-off climb-out and of the landing circuit above the base
APPROACH_M = 4000.0  # final approach length along the runway when the base gives runway_deg
LOADOUT_ITERATIONS = 300  # optimiser iterations per evaluation while choosing loadouts
LOADOUT_SHARE = 0.4  # share of the time limit the loadout choice may use
SATCOM = "satcom"
AREA_DEFAULT_SENSOR = "eo-ir"  # capability a survey or patrol uses when the task names none

Design = OrbitDesign | PatternDesign


@dataclass(frozen=True)
class Progress:
    """What the planner reports while it works: a stage, and the optimiser's best so far."""

    stage: str
    best_prize: float = 0.0
    total_prize: float = 0.0
    elapsed_s: float = 0.0


@dataclass(frozen=True, eq=False)
class Routing:
    """Quickest zone-avoiding routes between the model's points (bases, task entries and exits).

    ``index`` numbers each (lon, lat) point in the routes; ``routes[type]`` are priced by ``costs[type]``,
    that aircraft type's leg time (s) in the wind. ``covered`` remembers which detours (type, from, to,
    altitude) stay within radio reach.
    """

    space: Airspace
    index: dict[tuple[float, float], int]
    routes: dict[str, Routes]
    costs: dict[str, LegCost]
    covered: dict[tuple[str, int, int, float], bool] = field(default_factory=dict)  # detours within radio reach

    def covers(self, points: list[tuple[float, float]]) -> bool:
        """Whether every (lon, lat) point has routes."""
        return all(p in self.index for p in points)

    def path(self, aircraft: str, a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
        """Vertices (lon, lat) of the route ``a`` → ``b`` for ``aircraft``, both ends included.

        Points the model does not hold are routed on the spot. Raises InfeasibleError without a route.
        """
        i, j = self.index.get(a), self.index.get(b)
        if i is None or j is None:
            return self.space.routes([a[0], b[0]], [a[1], b[1]], cost=self.costs[aircraft]).path(0, 1)
        return self.routes[aircraft].path(i, j)


@dataclass(frozen=True, eq=False)
class CostModel:
    """Everything about the candidate tasks that does not depend on loadouts.

    Nodes are the bases then the tasks. Cost classes are (aircraft type, carries SATCOM): without
    SATCOM, legs leaving radio reach are impossible (``inf``). With no-fly zones, ``routing`` holds the
    routes round them that travel times follow, and ``reachable`` (tasks,) whether some type has a
    route there and back from some base. ``notes`` say what was changed to keep clear of zones.
    """

    scenario: Scenario
    bases: list[Base]
    tasks: list[Task]
    types: list[str]
    designs: dict[tuple[int, int], Design]  # (task index, type index), flyable ones only
    classes: list[tuple[str, bool]]
    travel: np.ndarray
    service: np.ndarray
    window: np.ndarray
    covered: np.ndarray  # (types, tasks): the orbit is within radio reach
    comms: Comms
    members: dict[str, tuple[Task, ...]]  # a shared orbit's name -> the targets it watches
    routing: Routing | None = None
    reachable: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    turn_m: np.ndarray | None = None  # (types, nodes, nodes): Dubins length over the straight leg, m

    @property
    def nb(self) -> int:
        return len(self.bases)

    def class_of(self, frame: Airframe) -> int:
        return self.classes.index((frame.aircraft.name, SATCOM in frame.capabilities))

    def masks(self, frame: Airframe) -> dict[str, np.ndarray]:
        """Per task: which checks ``frame`` passes (cumulative: sensor, comms, range, window)."""
        k = self.types.index(frame.aircraft.name)
        c = self.class_of(frame)
        sensors = dict(self.scenario.sensors)
        sees = np.array([(i, k) in self.designs and _sees(t, frame, self.designs[i, k], sensors)
                         for i, t in enumerate(self.tasks)], bool)
        comms = sees & (self.covered[k] | (SATCOM in frame.capabilities))
        home = self.bases.index(frame.base)
        nodes = np.arange(len(self.tasks)) + self.nb
        out_s = self.travel[c, home, nodes]
        back_s = self.travel[c, nodes, home]
        arrive = out_s
        start = np.maximum(arrive, self.window[nodes, 0])
        trip = out_s + self.service[c, nodes] + back_s
        in_range = comms & (trip <= frame.usable_s + 1e-6)
        in_window = in_range & (start <= self.window[nodes, 1] + 1e-6)
        return {"sensor": sees, "comms": comms, "range": in_range, "window": in_window}

    def problem(self, fleet: list[Airframe]) -> Problem:
        """The optimiser's problem for ``fleet`` (loadouts as they stand)."""
        vehicles = []
        for f in fleet:
            allowed = frozenset(int(i) + self.nb for i in np.flatnonzero(self.masks(f)["window"]))
            home = self.bases.index(f.base)
            vehicles.append(Vehicle(home, home, f.usable_s, self.class_of(f), allowed))
        prize = np.array([0.0] * self.nb + [t.priority for t in self.tasks])
        return Problem(self.travel, self.service, prize, self.window, tuple(vehicles), frozenset(range(self.nb)))


def plan(
    scenario: Scenario,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    max_iterations: int | None = None,
    autopilot: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Plan:
    """Plan ``scenario``: loadouts, which aircraft serves which tasks, in what order, when.

    Raises InfeasibleError (e.g. a wind no aircraft can fly against) and InputError (bad settings).
    """
    from planner.model.autopilot import rules
    from planner.solve import solver as optimise

    rules(autopilot or scenario.autopilot)
    report = progress or (lambda _p: None)
    started = time.monotonic()
    params = solve_params(scenario, time_limit_s, seed, max_iterations)
    report(Progress("layout"))
    fleet = airframes(scenario)
    check_wind(scenario, fleet)
    unserved: dict[str, str] = {}
    model = build_model(scenario, fleet, unserved)
    total = float(sum(t.priority for t in model.tasks))

    evaluations = 0
    if any(f.chosen for f in fleet) and model.tasks:
        report(Progress("loadout", 0.0, total, time.monotonic() - started))
        quick = SolveParams(time_limit_s=max(0.5, LOADOUT_SHARE * params.time_limit_s / 20), seed=params.seed,
                            max_iterations=LOADOUT_ITERATIONS)
        deadline = started + LOADOUT_SHARE * params.time_limit_s
        cap = None if params.max_iterations is not None else deadline

        def evaluate(trial: list[Airframe]) -> float:
            if cap is not None and time.monotonic() > cap:
                return -math.inf
            return optimise.solve(model.problem(trial), quick).prize

        fleet, evaluations = choose_loadouts(fleet, dict(scenario.sensors), scenario.reserve,
                                             _needed(model), evaluate)

    problem = model.problem(fleet)
    report(Progress("optimise", 0.0, total, time.monotonic() - started))

    def on_progress(p: optimise.Progress) -> None:
        report(Progress("optimise", p.best_prize, total, time.monotonic() - started))

    result = optimise.solve(problem, params, on_progress) if problem.tasks else _empty(problem)
    report(Progress("assemble", result.prize, total, time.monotonic() - started))
    sorties = [_sortie(model, problem, fleet[r.vehicle], r) for r in result.routes if r.nodes]
    served = {name for s in sorties for name in s.tasks}
    masks = [model.masks(f) for f in fleet]
    for i, task in enumerate(model.tasks):
        if not {m.name for m in model.members.get(task.name, (task,))} & served:
            _mark(unserved, model.members, task, _reason(model, fleet, masks, i))
    return Plan.of(
        scenario, sorties, unserved, autopilot=autopilot,
        solver={
            "time_limit_s": params.time_limit_s,
            "seed": params.seed,
            "max_iterations": params.max_iterations,
            "iterations": result.iterations,
            "loadout_evaluations": evaluations,
            "shared_orbits": len(model.members),
            "orbits_saved": sum(len(m) - 1 for m in model.members.values()),
        },
        notes=model.notes,
    )


def solve_params(scenario: Scenario, time_limit_s: float | None, seed: int | None,
                 max_iterations: int | None) -> SolveParams:
    """The scenario's ``[solver]`` settings, each overridden where given (e.g. by a CLI option)."""
    settings = scenario.solver
    return SolveParams(
        time_limit_s=time_limit_s if time_limit_s is not None else settings.time_limit_s,
        seed=seed if seed is not None else settings.seed,
        max_iterations=max_iterations if max_iterations is not None else settings.max_iterations,
    )


def _empty(problem: Problem) -> Result:
    return Result(tuple(Route(i, ()) for i in range(len(problem.vehicles))), 0.0, 0, 0.0)


def check_wind(scenario: Scenario, fleet: list[Airframe]) -> None:
    """Raise InfeasibleError when the scenario's wind is not below every aircraft's cruise and loiter speed."""
    wind = scenario.wind.speed_mps
    for craft in {f.aircraft.name: f.aircraft for f in fleet}.values():
        for label, speed in (("cruise", craft.cruise_speed_mps), ("loiter", craft.loiter_speed_mps)):
            if wind >= speed:
                raise InfeasibleError(
                    f"wind {wind:g} m/s from {scenario.wind.from_deg:g}° is not below the {craft.name} {label} "
                    f"speed {speed:g} m/s: legs into it make no headway"
                )


def _capability(task: Task) -> str | None:
    """The sensor capability a task needs (surveys and patrols default to EO/IR)."""
    if task.sensor is None and task.kind in ("survey", "patrol"):
        return AREA_DEFAULT_SENSOR
    return task.sensor


def _sensor_for(capability: str | None, sensors: dict[str, Sensor], names: tuple[str, ...]) -> Sensor | None:
    """The longest-reaching sensor among ``names`` with ``capability`` (None: none there)."""
    fits = [sensors[n] for n in names if sensors[n].capability == capability]
    return max(fits, key=lambda s: (s.slant_range_m, s.swath_m, s.name)) if fits else None


def _sees(task: Task, frame: Airframe, design: Design, sensors: dict[str, Sensor]) -> bool:
    """Whether ``frame``'s own sensor can watch the task from ``design``."""
    capability = _capability(task)
    if capability is None:
        return True
    sensor = _sensor_for(capability, sensors, frame.loadout)
    if sensor is None:
        return False
    return _sensor_reason(sensor, design) == "" if isinstance(design, OrbitDesign) else True


def _sensor_reason(sensor: Sensor, design: OrbitDesign) -> str:
    """Why ``sensor`` cannot see the target from the orbit ('' when it can)."""
    if not sensor.min_alt_m <= design.alt_m <= sensor.max_alt_m:
        return (f"altitude {design.alt_m:.0f} m is outside the {sensor.name} band "
                f"{sensor.min_alt_m:.0f}-{sensor.max_alt_m:.0f} m")
    if sensor.slant_range_m > 0 and design.slant_m > sensor.slant_range_m:
        return (f"{sensor.name} slant range {sensor.slant_range_m / 1000:.1f} km is shorter than the "
                f"{design.slant_m / 1000:.1f} km from a {design.radius_m:.0f} m orbit at {design.alt_m:.0f} m")
    return ""


def _needed(model: CostModel) -> set[str]:
    """Capabilities worth carrying: those tasks need, and SATCOM when some orbit is out of reach."""
    needed = {c for c in (_capability(t) for t in model.tasks) if c}
    if not model.covered.all():
        needed.add(SATCOM)
    return needed


def _window_s(task: Task, scenario: Scenario, dwell_s: float) -> tuple[float, float]:
    """Earliest and latest start of service (s from mission start) so the whole dwell fits the window."""
    earliest = 0.0 if task.window_start is None else max(0.0, (task.window_start - scenario.start).total_seconds())
    latest = math.inf if task.window_end is None else (task.window_end - scenario.start).total_seconds() - dwell_s
    return earliest, latest


def build_model(scenario: Scenario, fleet: list[Airframe], unserved: dict[str, str], *,
                persistent: bool = False) -> CostModel:
    """Lay out orbits, drop tasks no aircraft and no loadout could serve (with the reason), cost the rest.

    Tasks asking for persistent coverage (``persistent_h``) are planned by ``planner.relief``: with
    ``persistent`` false they are left out with that reason, with it true they are the only ones taken.
    With no-fly zones, tasks inside one are left out, orbits whose circle would enter one are moved
    clear (within sensor range) or left out (a shared orbit is first split into one orbit per target), patterns that would enter one are left out, and travel
    times follow the quickest routes round them. Raises InputError for a base too close to a zone.
    """
    sensors = dict(scenario.sensors)
    types = sorted({f.aircraft.name for f in fleet})
    craft = {f.aircraft.name: f.aircraft for f in fleet}
    bases = list(scenario.bases)
    comms = Comms.of(bases)
    frame = geo.LocalFrame.around([b.lon for b in bases] + [t.geometry.centroid.x for t in scenario.work],
                                  [b.lat for b in bases] + [t.geometry.centroid.y for t in scenario.work])
    space = _airspace(scenario, frame, fleet)
    selected = [t for t in scenario.work if (t.persistent_h is not None) == persistent]
    if not persistent:
        for t in scenario.work:
            if t.persistent_h is not None:
                unserved[t.name] = "persistent coverage: planned with relief on station by `planner relief`"
    if space is not None:
        selected = _outside_zones(space, selected, unserved)
    work, members = _share_orbits(scenario, selected, frame, [craft[t] for t in types])
    conflicts = _orbit_conflicts(space, work, [craft[t] for t in types], scenario.wind)
    tasks: list[Task] = []
    designs: dict[tuple[int, int], Design] = {}
    notes: dict[str, str] = {}
    queue = list(work)
    while queue:
        task = queue.pop(0)
        capability = _capability(task)
        catalogue = [s for s in sensors.values() if s.capability == capability]
        best = _sensor_for(capability, sensors, tuple(s.name for s in catalogue))
        flyable: dict[int, Design]
        if task.kind == "orbit":
            flyable = {k: _shared_slant(design_orbit(task, craft[name], None, scenario.wind), task, members, frame)
                       for k, name in enumerate(types)}
        else:
            toward = _nearest_base(task, bases)
            flyable = {k: design_pattern(task, craft[name], best, scenario.wind, frame, toward)
                       for k, name in enumerate(types)}
        if space is not None:
            for k, design in flyable.items():
                flyable[k], note = _keep_clear(space, task, design, conflicts.get((task.name, k)),
                                               members.get(task.name, (task,)), frame, best)
                if note:
                    notes.setdefault(task.name, note)
        ok = {k: d for k, d in flyable.items() if d.ok}
        if not ok and space is not None and len(members.get(task.name, ())) > 1:
            # a shared orbit that cannot keep clear of the zones: each target on its own orbit instead
            singles = list(members.pop(task.name))
            conflicts.update(_orbit_conflicts(space, singles, [craft[t] for t in types], scenario.wind))
            queue[0:0] = singles
            continue
        if not ok:
            _mark(unserved, members, task, next(iter(flyable.values())).reason)
            continue
        if task.kind == "orbit" and capability:
            why = [_sensor_reason(s, d) for s in catalogue for d in ok.values() if isinstance(d, OrbitDesign)]
            if why and all(why):
                _mark(unserved, members, task, why[0])
                continue
        earliest, latest = _window_s(task, scenario, max(d.duration_s for d in ok.values()))
        if latest < earliest:
            ended = task.window_end is not None and task.window_end <= scenario.start
            _mark(unserved, members, task,
                  "window: it ends before the mission starts" if ended else "window: shorter than the dwell")
            continue
        i = len(tasks)
        tasks.append(task)
        designs.update({(i, k): d for k, d in ok.items()})
    model = _costs(scenario, bases, tasks, types, designs, comms, members, frame, space)
    # Drop what no airframe could serve with any loadout it may carry, with the first check that fails.
    options = _options(model, fleet)
    keep = []
    for i, task in enumerate(model.tasks):
        why = _first_failure(model, task, [m for _, m in options], i)
        if why:
            _mark(unserved, members, task, why)
        else:
            keep.append(i)
    if len(keep) != len(tasks):
        tasks = [tasks[i] for i in keep]
        designs = {(keep.index(i), k): d for (i, k), d in designs.items() if i in keep}
        model = _costs(scenario, bases, tasks, types, designs, comms, members, frame, space, model.routing)
    kept = {t.name for t in model.tasks}
    return replace(model, notes=tuple(note for name, note in notes.items() if name in kept)) if notes else model


def _airspace(scenario: Scenario, frame: geo.LocalFrame, fleet: list[Airframe]) -> Airspace | None:
    """The scenario's no-fly zones (None without any), checked against the bases aircraft fly from.

    Raises InputError for such a base inside a zone, or whose climb and descent circle (the widest
    cruise turn in the wind, as the mission flies it) or final approach enters one.
    """
    if not scenario.nofly:
        return None
    space = Airspace.from_tasks(scenario.tasks, frame)
    wind = scenario.wind.speed_mps
    for base in {f.base.name: f.base for f in fleet}.values():
        zone = space.zone_of(base.lon, base.lat)
        if zone is not None:
            raise InputError(f"base '{base.name}' is inside no-fly zone '{zone}'")
        radius = max(math.ceil(f.aircraft.turn_radius_m(wind, loiter=False)) for f in fleet if f.base.name == base.name)
        zone = space.orbit_conflicts(base.lon, base.lat, radius)[0]
        if zone is not None:
            raise InputError(f"base '{base.name}': the climb and descent circle over it ({radius} m) enters no-fly "
                             f"zone '{zone}'")
        if base.runway_deg is not None:
            lon, lat = geo.destination(base.lon, base.lat, (base.runway_deg + 180.0) % 360.0, APPROACH_M)
            zone = space.path_conflict([(base.lon, base.lat), (float(lon), float(lat))])
            if zone is not None:
                raise InputError(f"base '{base.name}': the final approach enters no-fly zone '{zone}'")
    return space


def _outside_zones(space: Airspace, tasks: list[Task], unserved: dict[str, str]) -> list[Task]:
    """``tasks`` less those inside a no-fly zone (recorded in ``unserved``): an orbit's target, or a
    whole survey area or patrol line. A stand-off target may lie inside: it is watched from outside."""
    out = []
    for task in tasks:
        zone = None
        if task.kind in ("orbit", "survey", "patrol"):
            xy = np.asarray(shapely.get_coordinates(task.geometry))
            if space.contains(xy[:, 0], xy[:, 1]).all():
                zone = space.zone_of(float(xy[0, 0]), float(xy[0, 1]))
        if zone is not None:
            unserved[task.name] = f"inside no-fly zone '{zone}'"
        else:
            out.append(task)
    return out


def _orbit_conflicts(space: Airspace | None, work: list[Task], aircraft: list[Aircraft],
                     wind: Wind) -> dict[tuple[str, int], str]:
    """(task name, type index) -> the no-fly zone the orbit circle centred on the task would meet, for
    every orbit task and aircraft type whose circle meets one (one vectorised test per type)."""
    orbits = [t for t in work if t.kind == "orbit"]
    if space is None or not orbits:
        return {}
    lon = np.array([t.geometry.x for t in orbits])
    lat = np.array([t.geometry.y for t in orbits])
    out = {}
    for k, a in enumerate(aircraft):
        radius = design_orbit(orbits[0], a, None, wind).radius_m  # the same for every orbit of a type
        for task, zone in zip(orbits, space.orbit_conflicts(lon, lat, radius), strict=True):
            if zone is not None:
                out[task.name, k] = zone
    return out


def _keep_clear(space: Airspace, task: Task, design: Design, zone: str | None, watched: tuple[Task, ...],
                frame: geo.LocalFrame, sensor: Sensor | None) -> tuple[Design, str]:
    """``design`` kept out of the no-fly zones, and a note when it was changed.

    An orbit whose circle meets ``zone`` moves to the nearest centre clear of every zone (by the
    avoidance margin if it can, else just clear) that keeps the watched targets within ``sensor``'s slant
    range; a pattern whose legs or turns would enter a zone is refused. Refusals carry the reason.
    """
    if not design.ok:
        return design, ""
    if isinstance(design, PatternDesign):
        hit = _pattern_zone(space, design)
        return (replace(design, reason=f"its {design.kind} would enter no-fly zone '{hit}'"), "") if hit else (design, "")
    if zone is None:
        return design, ""
    lon, lat = task.geometry.x, task.geometry.y
    radius = design.radius_m
    height = design.alt_m - min(t.ground_elev_m for t in watched)
    far = _farthest_m((lon, lat), watched, frame)
    reach = 0.0
    if sensor is not None and sensor.slant_range_m > height:
        reach = math.sqrt(sensor.slant_range_m**2 - height**2) - radius - far
    centre = None
    if reach > 0:
        centre = (space.clear_orbit_centre(lon, lat, radius, within_m=reach, clearance_m=space.margin_m)
                  or space.clear_orbit_centre(lon, lat, radius, within_m=reach))
    if centre is None:
        reason = f"its {radius:.0f} m orbit would enter no-fly zone '{zone}'"
        if sensor is not None and sensor.slant_range_m > 0:
            reason += (f", and no orbit clear of it keeps {'the target' if len(watched) == 1 else 'its targets'} "
                       f"within the {sensor.name} slant range of {sensor.slant_range_m / 1000:.1f} km")
        return replace(design, reason=reason), ""
    moved = replace(design, centre=centre, slant_m=_slant_m(design, centre, watched, frame))
    shift = float(geo.distance_m(lon, lat, *centre))
    return moved, (f"the orbit for '{task.name}' is centred {shift / 1000:.1f} km off its target to keep clear of "
                   f"no-fly zone '{zone}'")


def _pattern_zone(space: Airspace, design: PatternDesign) -> str | None:
    """The first no-fly zone a pattern would enter: along its legs (a racetrack's lap closed), within a
    turn radius of a waypoint (turns, holds), or within a racetrack's half-circle ends."""
    path = list(design.path)
    zone = space.path_conflict([*path, path[0]] if design.kind == "racetrack" else path)
    if zone is not None:
        return zone
    lon = [p[0] for p in path]
    lat = [p[1] for p in path]
    radius = [design.radius_m] * len(path)
    if design.kind == "racetrack" and len(path) == 4:
        for p, q in ((path[1], path[2]), (path[3], path[0])):
            az, _, d = geo.inverse(p[0], p[1], q[0], q[1])
            mid = geo.destination(p[0], p[1], az, float(d) / 2.0)
            lon.append(float(mid[0]))
            lat.append(float(mid[1]))
            radius.append(float(d) / 2.0)
    return next((z for z in space.orbit_conflicts(lon, lat, radius) if z is not None), None)


def _mark(unserved: dict[str, str], members: dict[str, tuple[Task, ...]], task: Task, reason: str) -> None:
    """Record why ``task`` (or every target of a shared orbit) is left out."""
    for t in members.get(task.name, (task,)):
        unserved[t.name] = reason


def _share_orbits(
    scenario: Scenario, work: list[Task], frame: geo.LocalFrame, aircraft: list[Aircraft]
) -> tuple[list[Task], dict[str, tuple[Task, ...]]]:
    """The work list with point targets that can share an orbit replaced by one shared-orbit task each.

    Targets share when they need the same sensor capability at the same altitude and have no window or
    persistence requirement. The horizontal reach ρ = √(S² − h²) − r is taken at its smallest over the
    fleet's types (largest turn radius r in the wind, each type's altitude h above the highest target
    ground). A shared orbit is worth the sum of its targets' priorities and dwells the longest dwell.
    The fewest orbits are chosen by CP-SAT over candidate centres, seeded with the greedy cover.
    """
    from planner.solve import solver as optimise

    groups: dict[tuple[str, float | None], list[Task]] = {}
    out: list[Task] = []
    for task in work:
        if task.kind == "orbit" and task.sensor and task.window_start is None and task.window_end is None \
                and task.persistent_h is None:
            groups.setdefault((task.sensor, task.alt_m), []).append(task)
        else:
            out.append(task)
    members: dict[str, tuple[Task, ...]] = {}
    sensors = dict(scenario.sensors)
    for (capability, alt), group in groups.items():
        best = _sensor_for(capability, sensors, tuple(sensors))
        if best is None or best.slant_range_m <= 0 or len(group) == 1:
            out.extend(group)
            continue
        ground = max(t.ground_elev_m for t in group)
        reach = min(
            math.sqrt(max(best.slant_range_m**2 - ((alt or a.default_alt_m) - ground) ** 2, 0.0))
            - a.turn_radius_m(scenario.wind.speed_mps)
            for a in aircraft
        )
        xy = np.column_stack(frame.to_local([t.geometry.x for t in group], [t.geometry.y for t in group]))
        cover = layout_orbits(xy, reach, exact=optimise.solve_set_cover)
        for orbit in cover.orbits:
            watched = tuple(group[i] for i in orbit.members)
            if len(watched) == 1:
                out.append(watched[0])
                continue
            lon, lat = frame.to_lonlat(orbit.x_m, orbit.y_m)
            shared = Task(
                name=f"shared orbit: {' + '.join(t.name for t in watched)}",
                kind="orbit",
                geometry=Point(float(lon), float(lat)),
                priority=sum(t.priority for t in watched),
                sensor=capability,
                dwell_min=max(t.dwell_min or 0.0 for t in watched) or None,
                alt_m=alt,
                ground_elev_m=min(t.ground_elev_m for t in watched),
                source=", ".join(t.source for t in watched),
            )
            members[shared.name] = watched
            out.append(shared)
    order = {t.name: i for i, t in enumerate(work)}
    out.sort(key=lambda t: min(order[m.name] for m in members[t.name]) if t.name in members else order[t.name])
    return out, members


def _shared_slant(design: OrbitDesign, task: Task, members: dict[str, tuple[Task, ...]],
                  frame: geo.LocalFrame) -> OrbitDesign:
    """For a shared orbit, the slant range to its farthest target from the far side of the circle."""
    watched = members.get(task.name)
    if not watched or not design.ok:
        return design
    return replace(design, slant_m=_slant_m(design, (task.geometry.x, task.geometry.y), watched, frame))


def _farthest_m(centre: tuple[float, float], watched: tuple[Task, ...], frame: geo.LocalFrame) -> float:
    """Horizontal distance (m, local frame) from ``centre`` (lon, lat) to the farthest watched target."""
    cx, cy = frame.to_local(*centre)
    return max(float(np.hypot(*(np.array(frame.to_local(t.geometry.x, t.geometry.y)) - [cx, cy]))) for t in watched)


def _slant_m(design: OrbitDesign, centre: tuple[float, float], watched: tuple[Task, ...],
             frame: geo.LocalFrame) -> float:
    """Slant range (m) from the far side of the circle centred at ``centre`` to the farthest watched target."""
    height = design.alt_m - min(t.ground_elev_m for t in watched)
    return math.hypot(_farthest_m(centre, watched, frame) + design.radius_m, height)


def _options(model: CostModel, fleet: list[Airframe]) -> list[tuple[Airframe, dict[str, np.ndarray]]]:
    """Every airframe in every loadout it may carry, with its check masks."""
    sensors = dict(model.scenario.sensors)
    out = []
    for f in fleet:
        loadouts = candidate_loadouts(f.aircraft, sensors, _needed(model)) if f.chosen else [f.loadout]
        for loadout in loadouts:
            frame = with_loadout(f, loadout, sensors, model.scenario.reserve) if f.chosen else f
            out.append((frame, model.masks(frame)))
    return out


def _first_failure(model: CostModel, task: Task, masks: list[dict[str, np.ndarray]], i: int) -> str:
    """Why no option serves task ``i`` ('' when one does): the furthest check any option passes decides."""
    if any(m["window"][i] for m in masks):
        return ""
    if not any(m["sensor"][i] for m in masks):
        capability = _capability(task)
        return f"no aircraft carries a {capability} sensor" if capability else "no aircraft can serve it"
    if not any(m["comms"][i] for m in masks):
        return "beyond radio reach of every ground station, and no aircraft carries SATCOM"
    if model.reachable is not None and not model.reachable[i]:
        return "walled in by no-fly zones: no route round them reaches it from any base and back"
    if not any(m["range"][i] for m in masks):
        return "out of range: a round trip from any base with the dwell exceeds the aircraft's endurance less reserve"
    return "window: no aircraft can be on station inside it"


def _reason(model: CostModel, fleet: list[Airframe], masks: list[dict[str, np.ndarray]], i: int) -> str:
    """Why the final plan leaves task ``i`` out (``masks``: each airframe's ``model.masks``)."""
    task = model.tasks[i]
    why = _first_failure(model, task, masks, i)
    if why and any(f.chosen for f in fleet):
        return why.replace("no aircraft carries", "no chosen loadout carries")
    return why or "did not fit: the fleet's endurance went to higher-value tasks"


def _ends(task: Task, design: Design | None) -> tuple[tuple[float, float], tuple[float, float]]:
    """(lon, lat) where the aircraft starts and ends work on ``task``: an orbit's centre, a pattern's ends."""
    if isinstance(design, PatternDesign):
        return design.entry, design.exit
    if isinstance(design, OrbitDesign) and design.centre is not None:
        return design.centre, design.centre
    point = (task.geometry.centroid.x, task.geometry.centroid.y)
    return point, point


def _costs(
    scenario: Scenario,
    bases: list[Base],
    tasks: list[Task],
    types: list[str],
    designs: dict[tuple[int, int], Design],
    comms: Comms,
    members: dict[str, tuple[Task, ...]],
    frame: geo.LocalFrame,
    space: Airspace | None = None,
    routing: Routing | None = None,
) -> CostModel:
    """Travel and service times per cost class, windows and radio coverage.

    Travel runs from where work on a node ends to where work on the next begins; both depend on the
    aircraft type (turn radius, altitude), so distances are computed per type. Legs leaving or joining
    a pattern (fixed exit or entry heading) add the Dubins turn at the aircraft's cruise turn radius
    (:func:`_turns_m`), flown at cruise speed. With no-fly zones
    (``space``) the horizontal part of travel is the quickest route round them in the wind, and a leg
    of an aircraft without SATCOM must stay within radio reach along its detour; ``routing`` from an
    earlier call is reused when it holds every point.
    """
    nb, nt = len(bases), len(tasks)
    n = nb + nt
    craft = {a.name: a for a in (e.aircraft for e in scenario.fleet)}
    approach = np.array([2.0 * APPROACH_M if b.runway_deg is not None else 0.0 for b in bases])
    classes = [(name, satcom) for name in types for satcom in (False, True)]
    travel = np.zeros((len(classes), n, n))
    turn_m = np.zeros((len(types), n, n))
    service = np.zeros((len(classes), n))
    covered = np.zeros((len(types), nt), bool)
    ends_of = [[((b.lon, b.lat), (b.lon, b.lat)) for b in bases]
               + [_ends(t, designs.get((i, k))) for i, t in enumerate(tasks)] for k in range(len(types))]
    if space is not None:
        points = [p for ends in ends_of for pair in ends for p in pair]
        if routing is None or not routing.covers(points):
            routing = _routing(space, points, {name: craft[name] for name in types}, scenario.wind)
    reachable = np.zeros(nt, bool) if routing is not None else None
    for k, name in enumerate(types):
        a = craft[name]
        ends = ends_of[k]
        entry = np.array([e[0] for e in ends])
        leave = np.array([e[1] for e in ends])
        if routing is not None and reachable is not None:
            rows = np.array([routing.index[e[1]] for e in ends])
            cols = np.array([routing.index[e[0]] for e in ends])
            horizontal = routing.routes[name].cost[np.ix_(rows, cols)]
            reachable |= (np.isfinite(horizontal[:nb, nb:]) & np.isfinite(horizontal[nb:, :nb].T)).any(axis=0)
        else:
            if np.array_equal(entry, leave):
                dist, az = geo.pairwise_inverse(entry[:, 0], entry[:, 1])
            else:
                dist, az = geo.cross_inverse(leave[:, 0], leave[:, 1], entry[:, 0], entry[:, 1])
            horizontal = _leg_time(a, scenario.wind)(dist, az)
        np.fill_diagonal(horizontal, 0.0)
        turn_m[k] = _turns_m(frame, ends, [designs.get((i, k)) for i in range(nt)], nb,
                             a.turn_radius_m(scenario.wind.speed_mps, loiter=False))
        horizontal = horizontal + turn_m[k] / a.cruise_speed_mps
        alt = np.array([b.elev_m for b in bases] + [
            designs[i, k].alt_m if (i, k) in designs else a.default_alt_m for i in range(nt)
        ])
        rise = alt[None, :] - alt[:, None]
        base_travel = horizontal + np.where(rise > 0, rise / a.climb_rate_mps, -rise / a.descent_rate_mps)
        base_travel[:, :nb] += approach[None, :] / a.cruise_speed_mps
        base_service = np.zeros(n)
        for i in range(nt):
            d = designs.get((i, k))
            if d is not None:
                base_service[nb + i] = d.duration_s
                if isinstance(d, OrbitDesign):
                    # the last radius of the approach (entry point to centre) is flown at loiter speed
                    base_travel[:, nb + i] += d.radius_m * (1.0 / a.loiter_speed_mps - 1.0 / a.cruise_speed_mps)
                base_travel[nb + i, nb + i] = 0.0
        covered[k] = [_design_covered(comms, tasks[i], designs.get((i, k))) for i in range(nt)]
        work_alt = np.concatenate([np.full(nb, np.nan), alt[nb:]])
        legs_ok = comms.matrix(leave[:, 0], leave[:, 1], work_alt, to=(entry[:, 0], entry[:, 1], work_alt))
        if routing is not None:
            legs_ok = _detours_covered(comms, routing, name, rows, cols, work_alt, legs_ok)
        for satcom in (False, True):
            c = classes.index((name, satcom))
            travel[c] = base_travel if satcom else np.where(legs_ok, base_travel, np.inf)
            np.fill_diagonal(travel[c], 0.0)
            service[c] = base_service
    window = np.zeros((n, 2))
    window[:, 1] = np.inf
    for i, task in enumerate(tasks):
        longest = max((d.duration_s for (j, _), d in designs.items() if j == i), default=0.0)
        window[nb + i] = _window_s(task, scenario, longest)
    return CostModel(scenario, bases, tasks, types, designs, classes, travel, service, window, covered, comms, members,
                     routing, reachable, turn_m=turn_m)


def _turns_m(frame: geo.LocalFrame, ends: list[tuple[tuple[float, float], tuple[float, float]]],
             designs: list[Design | None], nb: int, radius_m: float) -> np.ndarray:
    """(nodes, nodes) metres a leg's Dubins path adds to the straight line between its ends.

    A pattern is left on its last segment's heading and joined on its first one's; bases and orbits
    are left and joined at any heading. Pattern to pattern is the Dubins path between the two poses,
    pattern to point and point to pattern the shortest arc-and-straight (:func:`dubins.length_to_points`).
    Computed on the direct line in the local frame (a detour round a no-fly zone turns at its own
    corners; its first and last turns are taken as these).
    """
    n = len(ends)
    out = np.zeros((n, n))
    fixed = [nb + i for i, d in enumerate(designs) if isinstance(d, PatternDesign) and len(d.path) >= 2]
    if not fixed:
        return out
    ex, ey = frame.to_local([e[1][0] for e in ends], [e[1][1] for e in ends])  # where each node is left
    nx, ny = frame.to_local([e[0][0] for e in ends], [e[0][1] for e in ends])  # where each node is joined
    heading_out = np.full(n, np.nan)
    heading_in = np.full(n, np.nan)
    for node in fixed:
        path = designs[node - nb].path  # type: ignore[union-attr]
        px, py = frame.to_local([p[0] for p in path], [p[1] for p in path])
        heading_in[node] = math.atan2(py[1] - py[0], px[1] - px[0])
        heading_out[node] = math.atan2(py[-1] - py[-2], px[-1] - px[-2])
    straight = np.hypot(nx[None, :] - ex[:, None], ny[None, :] - ey[:, None])
    dubins_m = np.full((n, n), np.nan)
    rows = np.isfinite(heading_out)
    cols = np.isfinite(heading_in)
    leave = np.column_stack([ex, ey, heading_out])
    join = np.column_stack([nx, ny, heading_in])
    if rows.any():
        r = np.flatnonzero(rows)
        dubins_m[np.ix_(r, ~cols)] = dubins.length_to_points(leave[r], join[~cols, :2], radius_m)
        if cols.any():
            dubins_m[np.ix_(r, cols)] = dubins.shortest_length(leave[r], join[cols], radius_m)
    if cols.any():
        c = np.flatnonzero(cols)
        back = join[c].copy()
        back[:, 2] += math.pi  # flown backwards: from the pattern's entry, reversed, to the point
        dubins_m[np.ix_(~rows, c)] = dubins.length_to_points(back, leave[~rows, :2], radius_m).T
    out = np.where(np.isfinite(dubins_m), np.maximum(dubins_m - straight, 0.0), 0.0)
    np.fill_diagonal(out, 0.0)
    return out


def _leg_time(aircraft: Aircraft, wind: Wind) -> LegCost:
    """Time (s) of geodesic legs flown at cruise airspeed in ``wind``, from their length (m) and mean track
    (deg true); inf where the aircraft makes no headway."""

    def cost(dist_m: np.ndarray, track_deg: np.ndarray) -> np.ndarray:
        vg = physics.ground_speed_mps(aircraft.cruise_speed_mps, track_deg, wind.from_deg, wind.speed_mps)
        with np.errstate(divide="ignore"):
            return np.where(vg > 0, dist_m / np.where(vg > 0, vg, 1.0), np.inf)

    return cost


def _routing(space: Airspace, points: list[tuple[float, float]], craft: dict[str, Aircraft], wind: Wind) -> Routing:
    """Routes round the zones between the distinct (lon, lat) ``points``, priced per aircraft type: the
    geometry once, the pricing once per type."""
    unique = list(dict.fromkeys(points))
    net = space.network([p[0] for p in unique], [p[1] for p in unique])
    costs = {name: _leg_time(a, wind) for name, a in craft.items()}
    return Routing(space, {p: i for i, p in enumerate(unique)}, {name: net.routes(cost=c) for name, c in costs.items()},
                   costs)


def _detours_covered(comms: Comms, routing: Routing, aircraft: str, rows: np.ndarray, cols: np.ndarray,
                     work_alt: np.ndarray, legs_ok: np.ndarray) -> np.ndarray:
    """``legs_ok`` (nodes, nodes) with every detoured leg of ``aircraft`` judged along its detour.

    ``rows``/``cols`` are the route points of each node's exit and entry; a detour is flown at the lower
    of the two nodes' altitudes (``work_alt``, NaN at a base: the other end's). A station reaching both
    ends, their escapes and every outline corner reaches the whole detour (its disc is convex); other
    detours are rebuilt and sampled leg by leg (results kept in ``routing.covered``).
    """
    routes = routing.routes[aircraft]
    with np.errstate(invalid="ignore"):
        low = np.fmin(work_alt[:, None], work_alt[None, :])
    todo = routes.detoured[np.ix_(rows, cols)] & np.isfinite(routes.cost[np.ix_(rows, cols)]) & ~np.isnan(low)
    if not todo.any():
        return legs_ok
    out = legs_ok.copy()
    corners = routing.space.corners
    escapes = routes.escapes
    lost = np.isnan(escapes[:, 0])
    for h in np.unique(low[todo]):
        at = todo & (low == h)
        point = comms.stations(routes.lons, routes.lats, h)
        ends = point & (comms.stations(np.where(lost, routes.lons, escapes[:, 0]),
                                       np.where(lost, routes.lats, escapes[:, 1]), h) | lost[:, None])
        everywhere = comms.stations(corners[:, 0], corners[:, 1], h).all(axis=0)
        fast = ((ends[rows] & everywhere).astype(np.int32) @ ends[cols].T.astype(np.int32)) > 0
        reached = point[rows].any(axis=1)[:, None] & point[cols].any(axis=1)[None, :]
        out[at] = (fast & reached)[at]
        src, dst = np.nonzero(at & reached & ~fast)
        out[src, dst] = _paths_covered(comms, routing, aircraft, rows[src], cols[dst], float(h))
    return out


def _paths_covered(comms: Comms, routing: Routing, aircraft: str, src: np.ndarray, dst: np.ndarray,
                   alt_m: float) -> np.ndarray:
    """Whether each route ``src[p]`` → ``dst[p]`` (route points) of ``aircraft`` stays within radio reach
    at ``alt_m``, leg by leg (remembered in ``routing.covered``)."""
    out = np.zeros(src.size, bool)
    lon: list[float] = []
    lat: list[float] = []
    segments: list[tuple[int, int]] = []
    owner: list[int] = []
    fresh: list[int] = []
    for p, (i, j) in enumerate(zip(src.tolist(), dst.tolist(), strict=True)):
        known = routing.covered.get((aircraft, i, j, alt_m))
        if known is not None:
            out[p] = known
            continue
        path = routing.routes[aircraft].path(i, j)
        first = len(lon)
        lon.extend(v[0] for v in path)
        lat.extend(v[1] for v in path)
        segments.extend((first + s, first + s + 1) for s in range(len(path) - 1))
        owner.extend([p] * (len(path) - 1))
        fresh.append(p)
    if fresh:
        seg_ok = comms.legs_covered(np.array(lon), np.array(lat), np.full(len(lon), alt_m),
                                    np.array(segments, dtype=np.int64).reshape(-1, 2))
        ok = np.ones(src.size, bool)
        np.logical_and.at(ok, np.array(owner, dtype=np.int64), seg_ok)
        for p in fresh:
            out[p] = ok[p]
            routing.covered[aircraft, int(src[p]), int(dst[p]), alt_m] = bool(ok[p])
    return out


def _design_covered(comms: Comms, task: Task, design: Design | None) -> bool:
    """Whether the whole orbit or pattern is within radio reach."""
    if design is None:
        return False
    if isinstance(design, PatternDesign):
        path = np.array(design.path)
        return bool(comms.covered(path[:, 0], path[:, 1], np.full(len(path), design.alt_m)).all())
    (lon, lat), _ = _ends(task, design)
    return bool(_orbits_covered(comms, np.array([lon]), np.array([lat]), np.array([design.alt_m]),
                                np.array([design.radius_m]))[0])


def _orbits_covered(comms: Comms, lon: np.ndarray, lat: np.ndarray, alt: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Whether each orbit circle (8 points on it and its centre) is within radio reach."""
    if lon.size == 0:
        return np.zeros(0, bool)
    az = np.arange(8) * 45.0
    plon, plat = geo.destination(np.repeat(lon, 8), np.repeat(lat, 8), np.tile(az, lon.size), np.repeat(radius, 8))
    ring = comms.covered(plon, plat, np.repeat(alt, 8)).reshape(lon.size, 8).all(axis=1)
    return ring & comms.covered(lon, lat, alt)


def _nearest_base(task: Task, bases: list[Base]) -> tuple[float, float]:
    """(lon, lat) of the base nearest the task: where aircraft come from."""
    c = task.geometry.centroid
    d = geo.distance_m(np.array([b.lon for b in bases]), np.array([b.lat for b in bases]),
                       np.full(len(bases), c.x), np.full(len(bases), c.y))
    b = bases[int(np.argmin(d))]
    return b.lon, b.lat


def _sortie(model: CostModel, problem: Problem, frame: Airframe, route: Route) -> Sortie:
    """Timed legs of one route, checked against the problem first."""
    check = evaluate_route(problem, route.vehicle, route.nodes)
    if not check.feasible:
        raise InfeasibleError(f"internal: optimiser returned an infeasible route for {frame.name}: {check.reason}")
    vehicle = problem.vehicles[route.vehicle]
    legs = sortie_legs(model, frame, vehicle.cost_class, route.nodes, check.arrival_s, check.service_start_s)
    notes = ["loadout chosen by the planner"] if frame.chosen else []
    return Sortie(
        name=frame.name,
        aircraft=frame.aircraft,
        base=frame.base,
        loadout=frame.loadout,
        payload_kg=frame.payload_kg,
        endurance_s=frame.endurance_s,
        reserve_s=frame.reserve_s,
        legs=legs,
        notes=tuple(notes),
    )


def sortie_legs(
    model: CostModel,
    frame: Airframe,
    cost_class: int,
    nodes: tuple[int, ...],
    arrivals: tuple[float, ...],
    starts: tuple[float, ...],
    designs: dict[int, Design] | None = None,
) -> tuple[Leg, ...]:
    """The timed legs of a sortie from ``frame``'s base through ``nodes`` and back.

    ``arrivals`` and ``starts`` are when the aircraft reaches each node and begins work there (seconds
    from the mission start); ``designs`` overrides the model's design of a node (e.g. a relief orbit's
    time on station). Leg times follow the model's travel times exactly; transits go round no-fly zones
    by the model's routes (their turning points in ``Leg.via``, their length in ``distance_m``).
    """
    a = frame.aircraft
    k = model.types.index(a.name)
    nb = model.nb
    base = frame.base
    home_node = model.bases.index(base)
    travel = model.travel[cost_class]
    design_of = {n: (designs or {}).get(n, model.designs.get((n - nb, k))) for n in nodes}
    home = Position(base.lon, base.lat, base.elev_m)
    legs: list[Leg] = []
    first = nodes[0]
    depart = arrivals[0] - travel[home_node, first]
    climb_s = (design_of[first].alt_m - base.elev_m) / a.climb_rate_mps
    top = Position(base.lon, base.lat, design_of[first].alt_m)
    legs.append(Leg("climb", depart, depart + climb_s, home, top, climb_s * a.cruise_speed_mps))
    here, t = top, depart + climb_s
    prev = home_node
    for node, arrive, begin in zip(nodes, arrivals, starts, strict=True):
        task = model.tasks[node - nb]
        design = design_of[node]
        (in_lon, in_lat), (out_lon, out_lat) = _ends(task, design)
        there = Position(in_lon, in_lat, design.alt_m)
        legs.append(_transit(model, a.name, t, arrive, here, there, _turn_m(model, k, prev, node)))
        if begin > arrive + 1e-6:
            legs.append(Leg("hold", arrive, begin, there, there, (begin - arrive) * a.loiter_speed_mps,
                            tasks=(task.name,)))
        end = begin + design.duration_s
        leave = Position(out_lon, out_lat, design.alt_m)
        legs.append(_work_leg(task, model.members.get(task.name, (task,)), design, begin, end, there, leave))
        here, t, prev = leave, end, node
    # Return: transit at task altitude, circle down over the base, approach, land.
    over = Position(base.lon, base.lat, here.alt_m)
    circuit = base.elev_m + TAKEOFF_AGL_M
    descent_s = (here.alt_m - circuit) / a.descent_rate_mps
    final_s = TAKEOFF_AGL_M / a.descent_rate_mps
    approach_s = (2.0 * APPROACH_M / a.cruise_speed_mps) if base.runway_deg is not None else 0.0
    transit_s = travel[prev, home_node] - descent_s - final_s - approach_s
    legs.append(_transit(model, a.name, t, t + transit_s, here, over, _turn_m(model, k, prev, home_node)))
    t += transit_s
    low = Position(base.lon, base.lat, circuit)
    legs.append(Leg("descent", t, t + descent_s, over, low, descent_s * a.cruise_speed_mps))
    t += descent_s
    if approach_s:
        legs.append(Leg("approach", t, t + approach_s, low, low, 2.0 * APPROACH_M))
        t += approach_s
    legs.append(Leg("land", t, t + final_s, low, home, 0.0))
    return tuple(_with_blos(model.comms, leg) for leg in legs)


def _turn_m(model: CostModel, k: int, src: int, dst: int) -> float:
    """Metres of Dubins turn the model adds to the leg ``src`` → ``dst`` of aircraft type ``k``."""
    return 0.0 if model.turn_m is None else float(model.turn_m[k, src, dst])


def _transit(model: CostModel, aircraft: str, start_s: float, end_s: float, here: Position, there: Position,
             turn_m: float = 0.0) -> Leg:
    """The transit ``here`` → ``there`` (s from mission start): straight, or round the no-fly zones by the
    model's route for ``aircraft``, turning at the higher of the two end altitudes; ``turn_m`` of Dubins
    turns out of and into patterns is added to its distance."""
    if model.routing is None:
        dist = float(geo.distance_m(here.lon, here.lat, there.lon, there.lat)) + turn_m
        return Leg("transit", start_s, end_s, here, there, dist)
    path = np.array(model.routing.path(aircraft, (here.lon, here.lat), (there.lon, there.lat)))
    dist = float(np.sum(geo.distance_m(path[:-1, 0], path[:-1, 1], path[1:, 0], path[1:, 1]))) if len(path) > 1 else 0.0
    dist += turn_m
    alt = max(here.alt_m, there.alt_m)
    via = tuple(Position(float(lon), float(lat), alt) for lon, lat in path[1:-1])
    return Leg("transit", start_s, end_s, here, there, dist, via=via)


def _work_leg(task: Task, watched: tuple[Task, ...], design: Design, begin: float, end: float, there: Position,
              leave: Position) -> Leg:
    """The leg on task: an orbit (perhaps shared by several targets), or a racetrack / survey / patrol."""
    if isinstance(design, OrbitDesign):
        names = tuple(t.name for t in watched)
        first = max(watched, key=lambda t: t.priority)  # the sensor points at the most valuable target
        roi = Position(first.geometry.x, first.geometry.y, first.ground_elev_m)
        orbit = Orbit(centre=there, radius_m=design.radius_m, clockwise=True, turns=design.turns, lap_s=design.lap_s,
                      tasks=names, roi=roi)
        return Leg("orbit", begin, end, there, there, design.turns * 2 * math.pi * design.radius_m,
                   tasks=names, orbit=orbit)
    roi = Position(design.roi[0], design.roi[1], task.ground_elev_m) if design.roi else None
    pattern = Pattern(
        kind=design.kind,
        path=tuple(Position(lon, lat, design.alt_m) for lon, lat in design.path),
        laps=design.laps,
        lanes=design.lanes,
        trigger_m=design.trigger_m,
        radius_m=design.radius_m,
        duty_cycle=design.duty_cycle,
        tasks=(task.name,),
        roi=roi,
        duration_s=design.duration_s,
    )
    return Leg(design.kind, begin, end, there, leave, design.distance_m, tasks=(task.name,), pattern=pattern)


def _with_blos(comms: Comms, leg: Leg) -> Leg:
    """``leg`` with the time it spends beyond every ground station's line of sight (sampled)."""
    if leg.pattern is not None:
        path = leg.pattern.path
        ok = comms.covered(np.array([p.lon for p in path]), np.array([p.lat for p in path]),
                           np.array([p.alt_m for p in path]))
        share = 1.0 - float(ok.mean())
        return leg if share == 0.0 else replace(leg, blos_s=share * leg.duration_s)
    if leg.orbit is not None:
        ok = _orbits_covered(comms, np.array([leg.orbit.centre.lon]), np.array([leg.orbit.centre.lat]),
                             np.array([leg.orbit.centre.alt_m]), np.array([leg.orbit.radius_m]))[0]
        return leg if ok else replace(leg, blos_s=leg.duration_s)
    if leg.start.lon == leg.end.lon and leg.start.lat == leg.end.lat and not leg.via:
        ok = bool(comms.covered(leg.start.lon, leg.start.lat, min(leg.start.alt_m, leg.end.alt_m))[0])
        return leg if ok else replace(leg, blos_s=leg.duration_s)
    samples = 48
    lon, lat = _along([leg.start, *leg.via, leg.end], samples)
    ok = comms.covered(lon, lat, np.full(samples, min(leg.start.alt_m, leg.end.alt_m)))
    share = 1.0 - float(ok.mean())
    return leg if share == 0.0 else replace(leg, blos_s=share * leg.duration_s)


def _along(points: list[Position], samples: int) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) of ``samples`` points spread evenly by distance along the geodesic polyline ``points``
    (at the middles of equal parts)."""
    lons = np.array([p.lon for p in points])
    lats = np.array([p.lat for p in points])
    az, _, dist = geo.inverse(lons[:-1], lats[:-1], lons[1:], lats[1:])
    az, dist = np.atleast_1d(az), np.atleast_1d(dist)
    start = np.concatenate([[0.0], np.cumsum(dist)[:-1]])
    at = (np.arange(samples) + 0.5) / samples * float(dist.sum())
    seg = np.clip(np.searchsorted(start, at, side="right") - 1, 0, dist.size - 1)
    return geo.destination(lons[seg], lats[seg], az[seg], at - start[seg])
