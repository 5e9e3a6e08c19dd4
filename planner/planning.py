"""From a scenario to a plan: lay tasks out, cost them, choose loadouts, optimise, assemble timed sorties.

The time model (conservative, docs/concepts.md): transits follow geodesics at cruise airspeed with the
wind's ground speed on the leg's mean track; climbs and descents are flown in circles over the base or
en route, their time (height / climb or descent rate) added to the leg, not overlapped; orbits last
whole laps of the wind-widened circle at loiter speed. Aircraft without SATCOM stay within the
ground stations' line-of-sight reach (planner.comms) on every leg and orbit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from shapely.geometry import Point

from planner import geo, physics
from planner.aircraft import Aircraft
from planner.comms import Comms
from planner.errors import InfeasibleError
from planner.fleet import Airframe, airframes
from planner.loadout import candidate_loadouts, choose_loadouts, with_loadout
from planner.orbit_layout import layout_orbits
from planner.orbits import OrbitDesign, design_orbit
from planner.patterns import PatternDesign, design_pattern
from planner.plan import Leg, Orbit, Pattern, Plan, Position, Sortie, Unserved
from planner.problem import Problem, Result, Route, SolveParams, Vehicle, evaluate_route
from planner.scenario import Base, Scenario, Task
from planner.sensors import Sensor

__all__ = ["APPROACH_M", "LOADOUT_ITERATIONS", "TAKEOFF_AGL_M", "CostModel", "Progress", "build_model", "plan", "sortie_legs"]

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
class CostModel:
    """Everything about the candidate tasks that does not depend on loadouts.

    Nodes are the bases then the tasks. Cost classes are (aircraft type, carries SATCOM): without
    SATCOM, legs leaving radio reach are impossible (``inf``).
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
    from planner import optimise
    from planner.autopilot import rules

    rules(autopilot or scenario.autopilot)
    report = progress or (lambda _p: None)
    started = time.monotonic()
    settings = scenario.solver
    params = SolveParams(
        time_limit_s=time_limit_s if time_limit_s is not None else settings.time_limit_s,
        seed=seed if seed is not None else settings.seed,
        max_iterations=max_iterations if max_iterations is not None else settings.max_iterations,
    )
    report(Progress("layout"))
    fleet = airframes(scenario)
    _check_wind(scenario, fleet)
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
    for i, task in enumerate(model.tasks):
        if not {m.name for m in model.members.get(task.name, (task,))} & served:
            _mark(unserved, model.members, task, _reason(model, fleet, i))
    order = {t.name: i for i, t in enumerate(scenario.work)}
    return Plan(
        name=scenario.name,
        start=scenario.start,
        autopilot=autopilot or scenario.autopilot,
        wind=scenario.wind,
        bases=scenario.bases,
        tasks=scenario.tasks,
        sorties=tuple(sorties),
        unserved=tuple(Unserved(n, r) for n, r in sorted(unserved.items(), key=lambda kv: order[kv[0]])),
        solver={
            "time_limit_s": params.time_limit_s,
            "seed": params.seed,
            "max_iterations": params.max_iterations,
            "iterations": result.iterations,
            "loadout_evaluations": evaluations,
            "shared_orbits": len(model.members),
            "orbits_saved": sum(len(m) - 1 for m in model.members.values()),
        },
        notes=scenario.warnings,
    )


def _empty(problem: Problem) -> Result:
    return Result(tuple(Route(i, ()) for i in range(len(problem.vehicles))), 0.0, 0, 0.0)


def _check_wind(scenario: Scenario, fleet: list[Airframe]) -> None:
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
    """
    sensors = dict(scenario.sensors)
    types = sorted({f.aircraft.name for f in fleet})
    craft = {f.aircraft.name: f.aircraft for f in fleet}
    bases = list(scenario.bases)
    comms = Comms.of(bases)
    frame = geo.LocalFrame.around([b.lon for b in bases] + [t.geometry.centroid.x for t in scenario.work],
                                  [b.lat for b in bases] + [t.geometry.centroid.y for t in scenario.work])
    selected = [t for t in scenario.work if (t.persistent_h is not None) == persistent]
    if not persistent:
        for t in scenario.work:
            if t.persistent_h is not None:
                unserved[t.name] = "persistent coverage: planned with relief on station by `planner relief`"
    work, members = _share_orbits(scenario, selected, frame, [craft[t] for t in types])
    tasks: list[Task] = []
    designs: dict[tuple[int, int], Design] = {}
    for task in work:
        capability = _capability(task)
        catalogue = [s for s in sensors.values() if s.capability == capability]
        flyable: dict[int, Design]
        if task.kind == "orbit":
            flyable = {k: _shared_slant(design_orbit(task, craft[name], None, scenario.wind), task, members, frame)
                       for k, name in enumerate(types)}
        else:
            best = _sensor_for(capability, sensors, tuple(s.name for s in catalogue))
            toward = _nearest_base(task, bases)
            flyable = {k: design_pattern(task, craft[name], best, scenario.wind, frame, toward)
                       for k, name in enumerate(types)}
        ok = {k: d for k, d in flyable.items() if d.ok}
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
    model = _costs(scenario, bases, tasks, types, designs, comms, members)
    # Drop what no airframe could serve with any loadout it may carry, with the first check that fails.
    options = _options(model, fleet)
    keep = []
    for i, task in enumerate(model.tasks):
        why = _first_failure(model, task, [m for _, m in options], i)
        if why:
            _mark(unserved, members, task, why)
        else:
            keep.append(i)
    if len(keep) == len(tasks):
        return model
    tasks = [tasks[i] for i in keep]
    designs = {(keep.index(i), k): d for (i, k), d in designs.items() if i in keep}
    return _costs(scenario, bases, tasks, types, designs, comms, members)


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
    """
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
        cover = layout_orbits(xy, reach)
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
    cx, cy = frame.to_local(task.geometry.x, task.geometry.y)
    far = max(float(np.hypot(*(np.array(frame.to_local(t.geometry.x, t.geometry.y)) - [cx, cy]))) for t in watched)
    height = design.alt_m - min(t.ground_elev_m for t in watched)
    return replace(design, slant_m=math.hypot(far + design.radius_m, height))


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
    if not any(m["range"][i] for m in masks):
        return "out of range: a round trip from any base with the dwell exceeds the aircraft's endurance less reserve"
    return "window: no aircraft can be on station inside it"


def _reason(model: CostModel, fleet: list[Airframe], i: int) -> str:
    """Why the final plan leaves task ``i`` out."""
    task = model.tasks[i]
    why = _first_failure(model, task, [model.masks(f) for f in fleet], i)
    if why and any(f.chosen for f in fleet):
        return why.replace("no aircraft carries", "no chosen loadout carries")
    return why or "did not fit: the fleet's endurance went to higher-value tasks"


def _ends(task: Task, design: Design | None) -> tuple[tuple[float, float], tuple[float, float]]:
    """(lon, lat) where the aircraft starts and ends work on ``task``: an orbit's centre, a pattern's ends."""
    if isinstance(design, PatternDesign):
        return design.entry, design.exit
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
) -> CostModel:
    """Travel and service times per cost class, windows and radio coverage.

    Travel runs from where work on a node ends to where work on the next begins; both depend on the
    aircraft type (turn radius, altitude), so distances are computed per type.
    """
    nb, nt = len(bases), len(tasks)
    n = nb + nt
    craft = {a.name: a for a in (e.aircraft for e in scenario.fleet)}
    approach = np.array([2.0 * APPROACH_M if b.runway_deg is not None else 0.0 for b in bases])
    classes = [(name, satcom) for name in types for satcom in (False, True)]
    travel = np.zeros((len(classes), n, n))
    service = np.zeros((len(classes), n))
    covered = np.zeros((len(types), nt), bool)
    for k, name in enumerate(types):
        a = craft[name]
        ends = [((b.lon, b.lat), (b.lon, b.lat)) for b in bases] + [_ends(t, designs.get((i, k))) for i, t in
                                                                   enumerate(tasks)]
        entry = np.array([e[0] for e in ends])
        leave = np.array([e[1] for e in ends])
        if np.array_equal(entry, leave):
            dist, az = geo.pairwise_inverse(entry[:, 0], entry[:, 1])
        else:
            dist, az = geo.cross_inverse(leave[:, 0], leave[:, 1], entry[:, 0], entry[:, 1])
        alt = np.array([b.elev_m for b in bases] + [
            designs[i, k].alt_m if (i, k) in designs else a.default_alt_m for i in range(nt)
        ])
        vg = physics.ground_speed_mps(a.cruise_speed_mps, az, scenario.wind.from_deg, scenario.wind.speed_mps)
        with np.errstate(divide="ignore"):
            horizontal = np.where(vg > 0, dist / np.where(vg > 0, vg, 1.0), np.inf)
        np.fill_diagonal(horizontal, 0.0)
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
    return CostModel(scenario, bases, tasks, types, designs, classes, travel, service, window, covered, comms, members)


def _design_covered(comms: Comms, task: Task, design: Design | None) -> bool:
    """Whether the whole orbit or pattern is within radio reach."""
    if design is None:
        return False
    if isinstance(design, PatternDesign):
        path = np.array(design.path)
        return bool(comms.covered(path[:, 0], path[:, 1], np.full(len(path), design.alt_m)).all())
    c = task.geometry.centroid
    return bool(_orbits_covered(comms, np.array([c.x]), np.array([c.y]), np.array([design.alt_m]),
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
    time on station). Leg times follow the model's travel times exactly.
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
        legs.append(Leg("transit", t, arrive, here, there, float(geo.distance_m(here.lon, here.lat, there.lon, there.lat))))
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
    legs.append(Leg("transit", t, t + transit_s, here, over, float(geo.distance_m(here.lon, here.lat, base.lon, base.lat))))
    t += transit_s
    low = Position(base.lon, base.lat, circuit)
    legs.append(Leg("descent", t, t + descent_s, over, low, descent_s * a.cruise_speed_mps))
    t += descent_s
    if approach_s:
        legs.append(Leg("approach", t, t + approach_s, low, low, 2.0 * APPROACH_M))
        t += approach_s
    legs.append(Leg("land", t, t + final_s, low, home, 0.0))
    return tuple(_with_blos(model.comms, leg) for leg in legs)


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
    if leg.start.lon == leg.end.lon and leg.start.lat == leg.end.lat:
        ok = bool(comms.covered(leg.start.lon, leg.start.lat, min(leg.start.alt_m, leg.end.alt_m))[0])
        return leg if ok else replace(leg, blos_s=leg.duration_s)
    samples = 48
    az, _, dist = geo.inverse(leg.start.lon, leg.start.lat, leg.end.lon, leg.end.lat)
    lon, lat = geo.destination(np.full(samples, leg.start.lon), np.full(samples, leg.start.lat),
                               np.full(samples, float(az)), (np.arange(samples) + 0.5) / samples * float(dist))
    ok = comms.covered(lon, lat, np.full(samples, min(leg.start.alt_m, leg.end.alt_m)))
    share = 1.0 - float(ok.mean())
    return leg if share == 0.0 else replace(leg, blos_s=share * leg.duration_s)
