"""Zone-avoiding routes between the model's points, priced per aircraft type by flight time in the wind."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.core import physics
from planner.layout.airspace import Airspace
from planner.layout.detours import LegCost, Routes
from planner.model.aircraft import Aircraft
from planner.model.scenario import Wind

__all__ = ["Routing", "leg_cost", "routing_for"]


@dataclass(frozen=True, eq=False)
class Routing:
    """Quickest zone-avoiding routes between the model's points (bases, task entries and exits).

    ``index`` numbers each (lon, lat) point in the routes; ``routes[type]`` are priced by ``costs[type]``,
    that aircraft type's leg time (s) in the wind. ``radii`` is the circle (m) flown round a point and left
    on its tangent (the climb over a base, an orbit; 0: none), which routes from it keep out of the zones.
    ``covered`` remembers which detours (type, from, to, altitude) stay within radio reach.
    """

    space: Airspace
    index: dict[tuple[float, float], int]
    routes: dict[str, Routes]
    costs: dict[str, LegCost]
    covered: dict[tuple[str, int, int, float], bool] = field(default_factory=dict)  # detours within radio reach
    radii: dict[tuple[float, float], float] = field(default_factory=dict)

    def covers(self, points: list[tuple[float, float]], radii: dict[tuple[float, float], float] | None = None) -> bool:
        """Whether every (lon, lat) point has routes, each for a circle at least as wide as ``radii`` asks."""
        want = radii or {}
        return all(p in self.index and want.get(p, 0.0) <= self.radii.get(p, 0.0) for p in points)

    def path(self, aircraft: str, a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
        """Vertices (lon, lat) of the route ``a`` → ``b`` for ``aircraft``, both ends included.

        Points the model does not hold are routed on the spot. Raises InfeasibleError without a route.
        """
        i, j = self.index.get(a), self.index.get(b)
        if i is None or j is None:
            return self.space.routes([a[0], b[0]], [a[1], b[1]], cost=self.costs[aircraft],
                                     radii_m=[self.radii.get(a, 0.0), self.radii.get(b, 0.0)]).path(0, 1)
        return self.routes[aircraft].path(i, j)


def leg_cost(aircraft: Aircraft, wind: Wind) -> LegCost:
    """Time (s) of geodesic legs flown at cruise airspeed in ``wind``, from their length (m) and mean track
    (deg true); inf where the aircraft makes no headway."""

    def cost(dist_m: np.ndarray, track_deg: np.ndarray) -> np.ndarray:
        return physics.leg_time_s(dist_m, track_deg, aircraft.cruise_speed_mps, wind.from_deg, wind.speed_mps)

    return cost


def routing_for(space: Airspace, points: list[tuple[float, float]], craft: dict[str, Aircraft], wind: Wind,
                radii: dict[tuple[float, float], float] | None = None) -> Routing:
    """Routes round the zones between the distinct (lon, lat) ``points``, priced per aircraft type: the
    geometry once, the pricing once per type. ``radii`` (m) are the circles flown round points and left on
    their tangent (:meth:`Airspace.network`)."""
    unique = list(dict.fromkeys(points))
    circles = {p: (radii or {}).get(p, 0.0) for p in unique}
    net = space.network([p[0] for p in unique], [p[1] for p in unique], [circles[p] for p in unique])
    costs = {name: leg_cost(a, wind) for name, a in craft.items()}
    return Routing(space, {p: i for i, p in enumerate(unique)}, {name: net.routes(cost=c) for name, c in costs.items()},
                   costs, radii=circles)
