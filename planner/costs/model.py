"""The cost model: everything about the candidate tasks that does not depend on loadouts, and the
optimiser's :class:`~planner.solve.problem.Problem` for a fleet."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.costs.routing import Routing
from planner.layout.comms import Comms
from planner.layout.designs import Design, Kit, kit_of
from planner.model.fleet import Airframe
from planner.model.scenario import CIRCUIT_AGL_M, Base, Scenario, Task
from planner.model.sensors import SATCOM
from planner.solve.problem import Problem, Vehicle

__all__ = ["CostModel"]


@dataclass(frozen=True, eq=False)
class CostModel:
    """Everything about the candidate tasks that does not depend on loadouts, per kit.

    Nodes are the bases then the tasks. A kit (:class:`~planner.layout.designs.Kit`) is an aircraft type
    with the sensor it uses per capability: designs, and so service and travel times, follow it. Cost
    classes are (kit index, carries SATCOM): without SATCOM, legs leaving radio reach are impossible
    (``inf``). An airframe whose loadout the planner chooses carries the lightest sensors, so every
    loadout it tries maps to one kit per type and the classes stay few. With no-fly zones, ``routing``
    holds the routes round them that travel times follow, and ``reachable`` (tasks,) whether some type
    has a route there and back from some base. ``notes`` say what was changed to keep clear of zones
    and terrain. With terrain, ``tops`` holds the altitude of every transit, ``circuits`` that of the
    circle over each base, ``climbable`` whether a task can be reached and left clear of the ground
    within some kit's ceiling.
    """

    scenario: Scenario
    bases: list[Base]
    tasks: list[Task]
    types: list[str]
    kits: list[Kit]
    designs: dict[tuple[int, int], Design]  # (task index, kit index), flyable ones only
    classes: list[tuple[int, bool]]
    travel: np.ndarray
    service: np.ndarray
    window: np.ndarray
    covered: np.ndarray  # (kits, tasks): the design is within radio reach
    comms: Comms
    members: dict[str, tuple[Task, ...]]  # a shared orbit's name -> the targets it watches
    routing: Routing | None = None
    reachable: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    turn_m: np.ndarray | None = None  # (kits, nodes, nodes): Dubins length over the straight leg, m
    tops: np.ndarray | None = None  # with terrain (kits, nodes, nodes): altitude each transit flies at, m AMSL
    circuits: tuple[float, ...] = ()  # with terrain: altitude of the circle over each base, m AMSL
    climbable: np.ndarray | None = None  # with terrain (tasks,): some type flies there and back clear of the ground

    @property
    def nb(self) -> int:
        return len(self.bases)

    def kit_index(self, frame: Airframe) -> int:
        """Index in ``kits`` of the kit ``frame`` flies with."""
        capabilities = tuple(c for c, _ in self.kits[0].sensors) if self.kits else ()
        return self.kits.index(kit_of(frame, dict(self.scenario.sensors), capabilities))

    def class_of(self, frame: Airframe) -> int:
        return self.classes.index((self.kit_index(frame), SATCOM in frame.capabilities))

    def masks(self, frame: Airframe) -> dict[str, np.ndarray]:
        """Per task: which checks ``frame`` passes, cumulative (``sensor``, ``comms``, ``range``, ``window``:
        each includes the ones before it, ``comms`` also ``altitude``) and on their own: ``altitude`` (the work
        altitude is at least the circuit height over the frame's base, so it can climb to it and descend
        from it), ``radio`` (within radio reach, or SATCOM carried) and ``distance`` (a round trip with the
        dwell fits the endurance less reserve, legs priced as with SATCOM); with terrain also ``radio_legs``
        (the trip fails only because its legs leave radio sight: SATCOM would fly it). Designs are laid out
        for the sensor of ``frame``'s kit, so a design existing means that sensor sees the task from it."""
        k = self.kit_index(frame)
        c = self.classes.index((k, SATCOM in frame.capabilities))
        designed = np.array([(i, k) in self.designs for i in range(len(self.tasks))], bool)
        sees = np.array([bool(designed[i]) and (t.capability is None or t.capability in frame.capabilities)
                         for i, t in enumerate(self.tasks)], bool)
        floor = frame.base.elev_m + CIRCUIT_AGL_M
        high = np.array([bool(designed[i]) and self.designs[i, k].alt_m >= floor - 1e-6
                         for i in range(len(self.tasks))], bool)
        radio = self.covered[k] | (SATCOM in frame.capabilities)
        comms = sees & high & radio
        home = self.bases.index(frame.base)
        nodes = np.arange(len(self.tasks)) + self.nb
        out_s = self.travel[c, home, nodes]
        back_s = self.travel[c, nodes, home]
        arrive = out_s
        start = np.maximum(arrive, self.window[nodes, 0])
        trip = out_s + self.service[c, nodes] + back_s
        in_range = comms & (trip <= frame.usable_s + 1e-6)
        in_window = in_range & (start <= self.window[nodes, 1] + 1e-6)
        far = self.classes.index((k, True))  # legs not bound by radio reach
        with np.errstate(invalid="ignore"):
            free_trip = self.travel[far, home, nodes] + self.service[far, nodes] + self.travel[far, nodes, home]
        distance = designed & (free_trip <= frame.usable_s + 1e-6)
        out = {"sensor": sees, "comms": comms, "range": in_range, "window": in_window, "altitude": high,
               "radio": radio, "distance": distance}
        if self.comms.sight is not None:
            # with terrain: the round trip is impossible only because its legs leave radio sight
            out["radio_legs"] = comms & ~np.isfinite(trip) & distance
        return out

    def problem(self, fleet: list[Airframe]) -> Problem:
        """The optimiser's problem for ``fleet`` (loadouts as they stand)."""
        vehicles = []
        for f in fleet:
            allowed = frozenset(int(i) + self.nb for i in np.flatnonzero(self.masks(f)["window"]))
            home = self.bases.index(f.base)
            vehicles.append(Vehicle(home, home, f.usable_s, self.class_of(f), allowed))
        prize = np.array([0.0] * self.nb + [t.priority for t in self.tasks])
        return Problem(self.travel, self.service, prize, self.window, tuple(vehicles), frozenset(range(self.nb)))

    def needed(self) -> set[str]:
        """Capabilities worth carrying: those tasks need, and SATCOM when some orbit is out of reach."""
        needed = {t.capability for t in self.tasks if t.capability}
        if not self.covered.all():
            needed.add(SATCOM)
        return needed
