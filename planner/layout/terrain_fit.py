"""Designs fitted to the terrain: every orbit and pattern clear of the ground, watched targets in sight.

An orbit is judged on the circle it flies and on its *climb circle* (the cruise turn radius in the wind,
over its centre), where transits circle up or down to and from it (:mod:`planner.layout.transit`); a
pattern on its legs, a turn circle round every waypoint, its racetrack ends and climb circles at its
entry and exit. Each must stay ``clearance_m`` above the highest ground under it
(:meth:`planner.model.terrain.Terrain.ring_highest_m`). A target must be in sight (the ray clears the
terrain, curvature and refraction included) from every point of its orbit circle, so it stays visible for
the whole dwell; a racetrack counts only the lengths of its lanes that see the target.

An orbit that fails is searched: altitudes from its own up to the ceiling and the sensor band in
:data:`ALT_STEP_M` steps, centres on rings round it (:data:`CENTRE_RINGS` turn radii, eight bearings)
within the sensor's slant range, clear of no-fly zones; the lowest altitude wins, then the smallest shift.
A pattern is raised to the altitude its ground needs. What cannot be fitted is refused with the reason.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from planner.core import geo
from planner.core.errors import InputError
from planner.layout.airspace import Airspace
from planner.layout.orbit import OrbitDesign, farthest_m, slant_m, unwatched
from planner.layout.pattern import PatternDesign
from planner.model.aircraft import Aircraft
from planner.model.scenario import APPROACH_M, CIRCUIT_AGL_M, Base, Task
from planner.model.sensors import Sensor
from planner.model.terrain import Terrain

__all__ = ["ALT_STEP_M", "CENTRE_RINGS", "base_circuit_m", "climb_radius_m", "fit_orbit", "fit_pattern",
           "orbits_clear"]

ALT_STEP_M = 250.0  # altitude steps tried when the ground hides a target
CENTRE_RINGS = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0)  # centre offsets tried, in orbit radii
_BEARINGS = 8
_LOS_POINTS = 24  # points of an orbit circle a target must be seen from
_LANE_POINTS = 21  # points along a racetrack lane judged for sight of its target
_FLARE_SHARE = 0.1  # last share of the final approach (the flare over the airfield) left to the airfield


def climb_radius_m(aircraft: Aircraft, wind_mps: float) -> float:
    """Radius (m) of the circles a mission climbs and descends in: the cruise turn in the wind, rounded up."""
    return float(math.ceil(aircraft.turn_radius_m(wind_mps, loiter=False)))


def orbits_clear(terrain: Terrain, lon: np.ndarray, lat: np.ndarray, radius_m: np.ndarray, climb_m: np.ndarray,
                 alt_m: np.ndarray, watched: list[tuple[Task, ...]]) -> np.ndarray:
    """For many orbits at once (centres, circle and climb radii, altitudes): whether each keeps the clearance
    over its circles and sees every one of its ``watched`` targets (none: nothing to see) from its whole
    circle — the test :func:`fit_orbit` starts with, vectorised over a layout."""
    n = len(lon)
    ok = np.zeros(n, bool)
    if not n:
        return ok
    rings = terrain.ring_highest_m(np.concatenate([lon, lon]), np.concatenate([lat, lat]),
                                   np.concatenate([radius_m, climb_m]))
    ok = np.maximum(rings[:n], rings[n:]) + terrain.clearance_m <= alt_m
    owner, olon, olat, oalt, tlon, tlat = [], [], [], [], [], []
    az = np.arange(_LOS_POINTS) * (360.0 / _LOS_POINTS)
    for i in np.flatnonzero(ok):
        if not watched[i]:
            continue
        plon, plat = geo.destination(np.full(_LOS_POINTS, lon[i]), np.full(_LOS_POINTS, lat[i]), az,
                                     np.full(_LOS_POINTS, radius_m[i]))
        for t in watched[i]:
            owner.append(np.full(_LOS_POINTS, i))
            olon.append(plon)
            olat.append(plat)
            oalt.append(np.full(_LOS_POINTS, alt_m[i]))
            tlon.append(np.full(_LOS_POINTS, t.geometry.x))
            tlat.append(np.full(_LOS_POINTS, t.geometry.y))
    if owner:
        seen = terrain.sees(np.concatenate(olon), np.concatenate(olat), np.concatenate(oalt), np.concatenate(tlon),
                            np.concatenate(tlat))
        blind = np.concatenate(owner)[~seen]
        ok[blind] = False
    return ok


def fit_orbit(terrain: Terrain, task: Task, design: OrbitDesign, watched: tuple[Task, ...], aircraft: Aircraft,
              sensor: Sensor | None, wind_mps: float, frame: geo.LocalFrame,
              space: Airspace | None, known_clear: bool = False) -> tuple[OrbitDesign, str]:
    """``design`` clear of the ground with every watched target in sight (of the ground and, when given,
    within ``sensor``'s view from the whole circle), and a note when it was changed; or refused with the
    reason. ``known_clear``: :func:`orbits_clear` already passed it as laid out."""
    if not design.ok or known_clear:
        return design, ""
    centre0 = design.centre or (task.geometry.x, task.geometry.y)
    climb = climb_radius_m(aircraft, wind_mps)
    sighted = task.capability is not None
    floor = terrain.clearance_m
    if float(_circles_high(terrain, [centre0[0]], [centre0[1]], design.radius_m, climb)[0]) + floor <= design.alt_m and (
            not sighted or not _hidden(terrain, centre0, design, watched)):
        return design, ""  # the common case: clear and in sight as laid out
    centres = [centre0]
    if sighted:
        height = design.alt_m - min(t.ground_elev_m for t in watched)
        # how far the centre may move and keep the farthest target within the sensor's reach from the circle
        reach = (sensor.orbit_reach_m(height, design.radius_m, design.clockwise) if sensor is not None
                 else (CENTRE_RINGS[-1] - 1) * design.radius_m) - farthest_m(centre0, watched, frame)
        for k in CENTRE_RINGS:
            d = k * design.radius_m
            if d > reach:
                break
            az = np.arange(_BEARINGS) * (360.0 / _BEARINGS)
            lon, lat = geo.destination(np.full(_BEARINGS, centre0[0]), np.full(_BEARINGS, centre0[1]), az,
                                       np.full(_BEARINGS, d))
            centres.extend((float(a), float(b)) for a, b in zip(lon, lat, strict=True))
    clon = np.array([c[0] for c in centres])
    clat = np.array([c[1] for c in centres])
    need = _circles_high(terrain, clon, clat, design.radius_m, climb) + floor
    if space is not None:
        blocked = np.array([z is not None for z in space.orbit_conflicts(clon, clat, design.radius_m)])
        need = np.where(blocked & (np.arange(len(centres)) > 0), np.inf, need)
    top = min([aircraft.ceiling_m] + ([sensor.max_alt_m] if sighted and sensor is not None else []))
    candidates = []
    for i, c in enumerate(centres):
        low = max(design.alt_m, float(need[i]))
        if not math.isfinite(low) or low > top + 1e-6:
            continue
        alts = [low] if not sighted else [low, *np.arange(design.alt_m + ALT_STEP_M, top + 1e-6, ALT_STEP_M)]
        shift = float(geo.distance_m(centre0[0], centre0[1], c[0], c[1]))
        candidates.extend((float(h), shift, i) for h in alts if h >= low)
    if not candidates:
        lowest = float(np.min(need)) if np.isfinite(need).any() else math.inf
        if not math.isfinite(lowest):
            return replace(design, reason=f"terrain: the DEM ({terrain.source}) has no heights under its orbit"), ""
        return replace(design, reason=f"terrain: its orbit needs {lowest:,.0f} m to keep {floor:g} m above the ground, "
                                      f"above the {aircraft.name} ceiling {aircraft.ceiling_m:,.0f} m"), ""
    candidates.sort()
    hidden = ""
    for alt, shift, i in candidates:
        centre = centres[i]
        trial = replace(design, alt_m=alt, centre=None if i == 0 and design.centre is None else centre)
        if sighted:
            trial = replace(trial, slant_m=slant_m(trial, centre, watched, frame))
            if sensor is not None and unwatched(trial, sensor, centre, watched, frame):
                continue
            unseen = _hidden(terrain, centre, trial, watched)
            if unseen:
                hidden = hidden or unseen
                continue
        if i == 0 and alt == design.alt_m:
            return trial, ""
        what = []
        if alt != design.alt_m:
            what.append(f"raised to {alt:,.0f} m")
        if i:
            what.append(f"centred {shift / 1000:.1f} km off its {'centre' if design.centre else 'target'}")
        why = "keep the target in sight" if hidden else f"keep {floor:g} m above the ground"
        return trial, f"terrain: the {aircraft.name} orbit for '{task.name}' is {' and '.join(what)} to {why}"
    if hidden:
        return replace(design, reason=f"terrain: the ground hides '{hidden}' from every orbit tried (up to "
                                      f"{top:,.0f} m, centres within the sensor's slant range)"), ""
    return replace(design, reason="terrain: no orbit clear of the ground keeps the target within the sensor's reach"), ""


def _circles_high(terrain: Terrain, lon: Any, lat: Any, radius_m: float, climb_m: float) -> np.ndarray:
    """Highest ground (m) under the orbit circle and the climb circle round each centre."""
    lon = np.asarray(lon, float)
    lat = np.asarray(lat, float)
    both = terrain.ring_highest_m(np.concatenate([lon, lon]), np.concatenate([lat, lat]),
                                  np.repeat([radius_m, climb_m], lon.size))
    return np.maximum(both[:lon.size], both[lon.size:])


def _hidden(terrain: Terrain, centre: tuple[float, float], design: OrbitDesign, watched: tuple[Task, ...]) -> str:
    """The first watched target some point of the circle does not see ('' when all are seen from everywhere)."""
    az = np.arange(_LOS_POINTS) * (360.0 / _LOS_POINTS)
    lon, lat = geo.destination(np.full(_LOS_POINTS, centre[0]), np.full(_LOS_POINTS, centre[1]), az,
                               np.full(_LOS_POINTS, design.radius_m))
    n = len(watched)
    tlon = np.repeat([t.geometry.x for t in watched], _LOS_POINTS)
    tlat = np.repeat([t.geometry.y for t in watched], _LOS_POINTS)
    ok = terrain.sees(np.tile(lon, n), np.tile(lat, n), design.alt_m, tlon, tlat).reshape(n, _LOS_POINTS)
    bad = np.flatnonzero(~ok.all(axis=1))
    return watched[int(bad[0])].name if bad.size else ""


def fit_pattern(terrain: Terrain, task: Task, design: PatternDesign, aircraft: Aircraft, sensor: Sensor | None,
                wind_mps: float) -> tuple[PatternDesign, str]:
    """``design`` raised as high as its ground needs (a note when raised), a racetrack's duty cycle counting
    only the lane lengths that see the target; or refused with the reason."""
    if not design.ok:
        return design, ""
    floor = terrain.clearance_m
    path = list(design.path)
    closed = [*path, path[0]] if design.kind == "racetrack" else path
    lon = np.array([p[0] for p in closed])
    lat = np.array([p[1] for p in closed])
    high = terrain.path_highest_m(lon, lat)
    rings_lon, rings_lat, radius = design.turn_circles()
    rings_lon += [path[0][0], path[-1][0]]  # and the climb circles at the entry and exit
    rings_lat += [path[0][1], path[-1][1]]
    radius += [climb_radius_m(aircraft, wind_mps)] * 2
    high = max(high, float(terrain.ring_highest_m(rings_lon, rings_lat, radius).max()))
    need = high + floor
    alt = max(design.alt_m, math.ceil(need) if math.isfinite(need) else need)  # whole metres: written rounded
    if not math.isfinite(need):
        return replace(design, reason=f"terrain: the DEM ({terrain.source}) has no heights under its {design.kind}"), ""
    if alt > aircraft.ceiling_m + 1e-6:
        return replace(design, reason=f"terrain: its {design.kind} needs {alt:,.0f} m to keep {floor:g} m above the "
                                      f"ground, above the {aircraft.name} ceiling {aircraft.ceiling_m:,.0f} m"), ""
    if sensor is not None and sensor.band_reason(alt):
        return replace(design, reason=f"terrain: its {design.kind} needs {alt:,.0f} m to keep {floor:g} m above the "
                                      f"ground; {sensor.band_reason(alt)}"), ""
    fitted = replace(design, alt_m=alt)
    if design.kind == "racetrack" and design.roi is not None and task.capability is not None:
        fitted = _racetrack_sight(terrain, task, fitted, aircraft, sensor)
        if not fitted.ok:
            return fitted, ""
    note = (f"terrain: the {aircraft.name} {design.kind} for '{task.name}' is raised to {fitted.alt_m:,.0f} m to keep "
            f"{floor:g} m above the ground") if fitted.alt_m != design.alt_m else ""
    return fitted, note


def _racetrack_sight(terrain: Terrain, task: Task, design: PatternDesign, aircraft: Aircraft,
                     sensor: Sensor | None) -> PatternDesign:
    """The racetrack with its duty cycle cut to the lane lengths that see the target; raised in steps when none
    does, refused when no altitude within the ceiling and sensor band gives sight."""
    assert design.roi is not None
    path = design.path
    top = min(aircraft.ceiling_m, sensor.max_alt_m if sensor is not None else math.inf)
    t = np.linspace(0.0, 1.0, _LANE_POINTS)
    lon, lat = [], []
    for i, j in design.lanes:
        la, lb = terrain.xy([path[i][0], path[j][0]], [path[i][1], path[j][1]])
        qlon, qlat = terrain.lonlat(la[0] + t * (la[1] - la[0]), lb[0] + t * (lb[1] - lb[0]))
        lon.extend(qlon)
        lat.extend(qlat)
    tlon = np.full(len(lon), design.roi[0])
    tlat = np.full(len(lon), design.roi[1])
    lane_share = design.duty_cycle
    for alt in [design.alt_m, *np.arange(design.alt_m + ALT_STEP_M, top + 1e-6, ALT_STEP_M)]:
        seen = terrain.sees(np.array(lon), np.array(lat), float(alt), tlon, tlat)
        if seen.any():
            return replace(design, alt_m=float(alt), duty_cycle=lane_share * float(seen.mean()))
    return replace(design, reason=f"terrain: the ground hides '{task.name}' from its racetrack (tried up to "
                                  f"{top:,.0f} m)")


def base_circuit_m(terrain: Terrain, base: Base, radius_m: float) -> float:
    """Altitude (m AMSL) of the climb and descent circle over ``base``: the circuit height, or higher where the
    ground under the circle (``radius_m``) and, with a runway, under the leg out to the final approach needs it.

    Raises InputError naming the base when the final glide (from that altitude to the runway over
    :data:`~planner.model.scenario.APPROACH_M`) does not stay above the ground by a clearance that tapers to
    zero at the runway (the last :data:`_FLARE_SHARE` of it is the airfield's, not judged)."""
    circuit = max(base.elev_m + CIRCUIT_AGL_M,
                  float(terrain.ring_highest_m(base.lon, base.lat, radius_m)[0]) + terrain.clearance_m)
    if base.runway_deg is None:
        return circuit
    lon, lat = geo.destination(base.lon, base.lat, (base.runway_deg + 180.0) % 360.0, APPROACH_M)
    circuit = max(circuit, float(terrain.highest_m(base.lon, base.lat, lon, lat)[0]) + terrain.clearance_m)
    x, y = terrain.xy([float(lon), base.lon], [float(lat), base.lat])
    px, py, s, _ = terrain.peaks.samples(x, y)
    high = terrain.ground.bilinear(px, py)  # a glide is judged over the ground itself, not its two-cell maximum
    share = s / max(float(s[-1]), 1e-9)
    glide = circuit - (circuit - base.elev_m) * share
    low = (high + terrain.clearance_m * (1.0 - share) > glide + 1e-6) & (share < 1.0 - _FLARE_SHARE)
    if low.any():
        k = int(np.flatnonzero(low)[0])
        raise InputError(
            f"base '{base.name}': terrain: the final approach on runway {base.runway_deg:g}° glides from "
            f"{circuit:,.0f} m to the runway and passes {glide[k] - high[k]:,.0f} m above the ground "
            f"{(1.0 - share[k]) * APPROACH_M / 1000:.1f} km out, less than the clearance there"
        )
    return circuit
