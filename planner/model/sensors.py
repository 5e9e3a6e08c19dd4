"""Sensor catalogue entries and their geometry: what a payload item weighs, and what it sees from where.

Geometry is flat-earth over the target's ground plane (docs/concepts.md#sensor-footprints), in metres:
``height_m`` is the aircraft's height above the ground it looks at, ``ahead_m`` / ``right_m`` a ground
point's offset along the aircraft's track and to its right. A sensor does two things:

- it **maps**: while recording, it images strips of ground beside its track — ``strips_m(h)``, cross-track
  intervals (positive to the right): under the aircraft for a down-looking camera (width 2·h·tan(fov/2)),
  beside it for a side-looking radar (near to far ground range, on its side or sides);
- it **watches** a point target: a pointed sensor (``targets = "one"``: an EO/IR turret, a SAR spot) sees
  the one target it is pointed at when the line of sight is within its slant range, depression limits
  and (side-looking) its side and squint; a wide-area sensor (``targets = "all"``: GMTI, SIGINT) sees
  every target inside its footprint at once, without pointing.

Grazing and depression angles are equal on flat ground; the Earth's curvature (0.27° at 30 km) is ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from planner.core.errors import InputError
from planner.core.schema import check_keys, number, string

__all__ = ["CAPABILITIES", "CIRCLE_SAMPLES", "LOOKS", "SATCOM", "SIDES", "TARGETS", "Sensor", "best_sensor"]

CAPABILITIES = ("eo-ir", "sar", "gmti", "sigint", "satcom")
SATCOM = "satcom"  # the payload that frees an aircraft from its ground stations' line of sight
LOOKS = ("down", "side", "omni")
SIDES = ("left", "right", "both")
TARGETS = ("one", "all")
CIRCLE_SAMPLES = 120  # points of an orbit circle a target must be watched from (every 3°)
NEAR_MARGIN = 0.03  # an orbit for a sensor with a near range is this much wider than that range
MIN_POINTING_M = 50.0  # a pointed sensor's aim may miss its target by at least this much (ROI rounding)

_KEYS = ("name", "capability", "description", "mass_kg", "power_w", "look", "slant_range_m", "swath_m", "fov_deg",
         "min_alt_m", "max_alt_m", "camera", "min_depression_deg", "max_depression_deg", "sides", "squint_deg",
         "targets")


@dataclass(frozen=True)
class Sensor:
    """One payload item. Ranges and swaths in metres, angles in degrees, altitudes AMSL in metres.

    ``look``: down (a camera's footprint under the aircraft), side (a radar's strip beside it), omni (no
    footprint: SATCOM). ``fov_deg``: full field of view of a down-looking camera (its swath is
    2·h·tan(fov/2)) and the width of a pointed sensor's view (how close its aim must fall to the target).
    ``swath_m``: a cap on the mapped width (0: none); for a down-looking sensor without ``fov_deg``, its
    fixed swath. ``min_depression_deg`` / ``max_depression_deg``: the line of sight's angle below the
    horizontal, from its shallowest (far) to its steepest (near); ``sides``: which side a side-looking
    sensor images (both: both at once); ``squint_deg``: how far off broadside it can look at a target;
    ``targets``: one (pointed at one target at a time) or all (every target in its footprint at once).
    """

    name: str
    capability: str
    description: str
    mass_kg: float
    power_w: float
    look: str
    slant_range_m: float
    swath_m: float
    fov_deg: float
    min_alt_m: float
    max_alt_m: float
    camera: bool
    min_depression_deg: float = 0.0
    max_depression_deg: float = 90.0
    sides: str = "both"
    squint_deg: float = 45.0
    targets: str = "one"

    def __post_init__(self) -> None:
        where = f"sensor '{self.name}'"
        for key, allowed in (("capability", CAPABILITIES), ("look", LOOKS), ("sides", SIDES), ("targets", TARGETS)):
            if getattr(self, key) not in allowed:
                raise InputError(f"{where}: {key} '{getattr(self, key)}' is not one of {', '.join(allowed)}")
        for key in ("mass_kg", "power_w", "slant_range_m", "swath_m"):
            if not getattr(self, key) >= 0:
                raise InputError(f"{where}: '{key}' must be >= 0, got {getattr(self, key)}")
        for key, lo, hi in (("fov_deg", 0.0, 179.0), ("min_depression_deg", 0.0, 90.0),
                            ("max_depression_deg", 0.0, 90.0), ("squint_deg", 0.0, 90.0)):
            if not lo <= getattr(self, key) <= hi:
                raise InputError(f"{where}: '{key}' must be in [{lo:g}, {hi:g}], got {getattr(self, key)}")
        if self.min_alt_m > self.max_alt_m:
            raise InputError(f"{where}: 'min_alt_m' {self.min_alt_m:g} is above 'max_alt_m' {self.max_alt_m:g}")
        if self.min_depression_deg >= self.max_depression_deg:
            raise InputError(f"{where}: 'min_depression_deg' {self.min_depression_deg:g} must be below "
                             f"'max_depression_deg' {self.max_depression_deg:g}")
        if self.look == "side" and self.slant_range_m == 0 and self.min_depression_deg == 0 and self.swath_m == 0:
            raise InputError(f"{where}: a side-looking sensor needs 'slant_range_m', 'min_depression_deg' or "
                             "'swath_m' to bound its far range")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str) -> Sensor:
        """Build from a TOML table; ``where`` names the source in messages (and the field at fault)."""
        check_keys(data, _KEYS, ["name", "capability", "mass_kg"], where)
        camera = data.get("camera", False)
        if not isinstance(camera, bool):
            raise InputError(f"{where}: 'camera' must be true or false, got {camera!r}")
        texts = {key: string(data, key, where, default=default) for key, default in
                 (("description", ""), ("look", "down"), ("sides", "both"), ("targets", "one"))}
        for key, allowed in (("look", LOOKS), ("sides", SIDES), ("targets", TARGETS)):
            if texts[key] not in allowed:
                raise InputError(f"{where}: '{key}' must be one of {', '.join(allowed)}, got {texts[key]!r}")
        return cls(
            name=string(data, "name", where),
            capability=string(data, "capability", where),
            description=texts["description"],
            mass_kg=number(data, "mass_kg", where, ge=0),
            power_w=number(data, "power_w", where, ge=0, default=0.0),
            look=texts["look"],
            slant_range_m=number(data, "slant_range_m", where, ge=0, default=0.0),
            swath_m=number(data, "swath_m", where, ge=0, default=0.0),
            fov_deg=number(data, "fov_deg", where, ge=0, le=179, default=0.0),
            min_alt_m=number(data, "min_alt_m", where, default=0.0),
            max_alt_m=number(data, "max_alt_m", where, default=30000.0),
            camera=camera,
            min_depression_deg=number(data, "min_depression_deg", where, ge=0, lt=90, default=0.0),
            max_depression_deg=number(data, "max_depression_deg", where, gt=0, le=90, default=90.0),
            sides=texts["sides"],
            squint_deg=number(data, "squint_deg", where, ge=0, le=90, default=45.0),
            targets=texts["targets"],
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)

    # -- altitude band -------------------------------------------------------------------------------
    def band_reason(self, alt_m: float) -> str:
        """Why this sensor cannot work at ``alt_m`` AMSL ('' when inside its altitude band)."""
        if not self.min_alt_m <= alt_m <= self.max_alt_m:
            return (f"altitude {alt_m:.0f} m is outside the {self.name} band "
                    f"{self.min_alt_m:.0f}-{self.max_alt_m:.0f} m")
        return ""

    # -- ranges --------------------------------------------------------------------------------------
    def _ground_m(self, height_m: float, depression_deg: float) -> float:
        """Ground range (m) at which the line of sight from ``height_m`` is ``depression_deg`` below level."""
        if depression_deg >= 90.0:
            return 0.0
        if depression_deg <= 0.0:
            return math.inf
        return height_m / math.tan(math.radians(depression_deg))

    def _slant_ground_m(self, height_m: float) -> float:
        """Farthest ground range (m) within the slant range (inf without one; -1 when the height exceeds it)."""
        if self.slant_range_m <= 0:
            return math.inf
        if height_m > self.slant_range_m:
            return -1.0
        return math.sqrt(self.slant_range_m**2 - height_m**2)

    def watch_range_m(self, height_m: float) -> tuple[float, float]:
        """(near, far) ground range (m) at which a point target can be watched from ``height_m``.

        Near from the steepest depression, far from the shallowest and the slant range; a wide-area
        side-looking sensor also keeps within its mapped strip (``swath_m``). Far < near: nowhere.
        """
        near = self._ground_m(height_m, self.max_depression_deg)
        far = min(self._ground_m(height_m, self.min_depression_deg), self._slant_ground_m(height_m))
        if self.look == "side" and self.targets == "all" and self.swath_m > 0:
            far = min(far, near + self.swath_m)
        return near, far

    def swath_at_m(self, height_m: Any) -> Any:
        """Width (m) a down-looking sensor maps under the aircraft from ``height_m`` (a number or an array):
        2·h·tan(fov/2) (or the fixed ``swath_m`` without a field of view), within ``swath_m``, the slant
        range and the shallowest depression."""
        h = np.asarray(height_m, float)
        if self.look != "down":
            width = np.zeros(h.shape)
        else:
            width = 2.0 * h * math.tan(math.radians(self.fov_deg / 2.0)) if self.fov_deg > 0 else np.full(h.shape, self.swath_m)
            if self.fov_deg > 0 and self.swath_m > 0:
                width = np.minimum(width, self.swath_m)
            if self.min_depression_deg > 0:
                width = np.minimum(width, 2.0 * h / math.tan(math.radians(self.min_depression_deg)))
            if self.slant_range_m > 0:
                width = np.minimum(width, 2.0 * np.sqrt(np.clip(self.slant_range_m**2 - h**2, 0.0, None)))
            width = np.where(h > 0, np.maximum(width, 0.0), 0.0)
        return float(width) if width.ndim == 0 else width

    def strips_m(self, height_m: float) -> tuple[tuple[float, float], ...]:
        """Cross-track intervals (m, positive to the right of the track) the sensor maps from ``height_m``.

        Down-looking: one interval centred under the track, ±swath/2. Side-looking: [near, far] on the
        right, [-far, -near] on the left, or both (merged when near is 0); near from the steepest
        depression, far from the shallowest, the slant range and ``near + swath_m``. Omni: none.
        """
        if height_m <= 0 or self.look == "omni":
            return ()
        if self.look == "down":
            w = self.swath_at_m(height_m)
            return ((-w / 2.0, w / 2.0),) if w > 0 else ()
        near = self._ground_m(height_m, self.max_depression_deg)
        far = min(self._ground_m(height_m, self.min_depression_deg), self._slant_ground_m(height_m))
        if self.swath_m > 0:
            far = min(far, near + self.swath_m)
        if not far > near or not math.isfinite(far):
            return ()
        if self.sides == "right":
            return ((near, far),)
        if self.sides == "left":
            return ((-far, -near),)
        return ((-far, far),) if near == 0 else ((-far, -near), (near, far))

    # -- watching a point ----------------------------------------------------------------------------
    def watches(self, ahead_m: Any, right_m: Any, height_m: Any) -> np.ndarray:
        """Whether a point target ``ahead_m`` along the track and ``right_m`` to its right, ``height_m``
        below the aircraft, can be watched now (arrays broadcast): for a pointed sensor, when pointed at
        it; for a wide-area one, it is simply in view. The altitude band is the caller's to check."""
        a, c, h = np.broadcast_arrays(np.asarray(ahead_m, float), np.asarray(right_m, float),
                                      np.asarray(height_m, float))
        if self.look == "omni":
            return np.zeros(a.shape, bool)
        g = np.hypot(a, c)
        ok = h > 0
        if self.slant_range_m > 0:
            ok &= np.hypot(g, h) <= self.slant_range_m + 1e-6
        dep = np.degrees(np.arctan2(h, g))
        ok &= (dep >= self.min_depression_deg - 1e-9) & (dep <= self.max_depression_deg + 1e-9)
        if self.look == "down":
            if self.targets == "all":  # a fixed camera sees its footprint under the aircraft
                half = self.swath_at_m(h) / 2.0
                ok &= (np.abs(a) <= half + 1e-6) & (np.abs(c) <= half + 1e-6)
            return ok
        if self.sides == "right":
            ok &= c > 0
        elif self.sides == "left":
            ok &= c < 0
        ok &= np.degrees(np.arctan2(np.abs(a), np.abs(c))) <= self.squint_deg + 1e-9
        if self.targets == "all" and self.swath_m > 0:  # a wide-area radar sees its mapped strip
            near = h / math.tan(math.radians(self.max_depression_deg)) if self.max_depression_deg < 90 else 0.0
            ok &= g <= near + self.swath_m + 1e-6
        return ok

    def pointing_tolerance_m(self, slant_m: Any) -> Any:
        """How far (m) a pointed sensor's aim may fall from a target and still see it: half its view width
        at ``slant_m`` (a number or an array), at least :data:`MIN_POINTING_M`."""
        return np.maximum(MIN_POINTING_M, np.asarray(slant_m, float) * math.tan(math.radians(self.fov_deg / 2.0)))

    @property
    def orbit_clockwise(self) -> bool:
        """Direction an orbit is flown for this sensor: the target inside the circle on its side (a
        left-looking sensor circles counter-clockwise)."""
        return not (self.look == "side" and self.sides == "left")

    def circle_watches(self, dx_m: Any, dy_m: Any, height_m: Any, radius_m: float, clockwise: bool) -> np.ndarray:
        """Whether targets at ``(dx_m, dy_m)`` from an orbit's centre (local metres, x east, y north) and
        ``height_m`` below it are watched from every one of :data:`CIRCLE_SAMPLES` points of the circle."""
        dx, dy, h = (np.atleast_1d(np.asarray(v, float)) for v in np.broadcast_arrays(dx_m, dy_m, height_m))
        theta = np.linspace(0.0, 2.0 * math.pi, CIRCLE_SAMPLES, endpoint=False)
        px, py = radius_m * np.cos(theta), radius_m * np.sin(theta)
        turn = -1.0 if clockwise else 1.0  # direction of travel: the tangent, clockwise seen from above
        hx, hy = -turn * np.sin(theta), turn * np.cos(theta)
        rx, ry = hy, -hx  # right of the heading
        ox, oy = dx[:, None] - px[None, :], dy[:, None] - py[None, :]
        ahead = ox * hx[None, :] + oy * hy[None, :]
        right = ox * rx[None, :] + oy * ry[None, :]
        return self.watches(ahead, right, h[:, None]).all(axis=1)

    def orbit_radius_m(self, height_m: float, turn_radius_m: float) -> float:
        """The smallest circle radius (m, at least the turn radius) from which a target at the centre can be
        watched: a sensor that cannot look straight down needs its near range, with
        :data:`NEAR_MARGIN` to spare for holding the circle."""
        near, _ = self.watch_range_m(height_m)
        return max(turn_radius_m, near * (1.0 + NEAR_MARGIN) if 0 < near < math.inf else turn_radius_m)

    def orbit_reach_m(self, height_m: float, radius_m: float, clockwise: bool) -> float:
        """How far (m) from an orbit's centre a target can be and still be watched from the whole circle
        (bisection to 1 m; -1 when not even the centre is)."""
        if not self.circle_watches(0.0, 0.0, height_m, radius_m, clockwise)[0]:
            return -1.0
        _, far = self.watch_range_m(height_m)
        lo, hi = 0.0, (far if math.isfinite(far) else 1e6) + radius_m
        while hi - lo > 1.0:
            mid = (lo + hi) / 2.0
            if self.circle_watches(mid, 0.0, height_m, radius_m, clockwise)[0]:
                lo = mid
            else:
                hi = mid
        return lo

    def unseen_reason(self, ground_m: float, height_m: float, what: str) -> str:
        """Why a target at ``ground_m`` ground range and ``height_m`` below cannot be watched from ``what``
        (e.g. "a 500 m orbit at 5500 m"): the first limit it breaks ('' when none)."""
        if height_m <= 0:
            return f"{what} is not above the target's ground"
        if self.look == "omni":
            return f"{self.name} has no footprint"
        slant = math.hypot(ground_m, height_m)
        if self.slant_range_m > 0 and slant > self.slant_range_m + 1e-6:
            return (f"{self.name} slant range {self.slant_range_m / 1000:.1f} km is shorter than the "
                    f"{slant / 1000:.1f} km from {what}")
        near, far = self.watch_range_m(height_m)
        if ground_m < near - 1e-6:
            return (f"{self.name} cannot look steeper than {self.max_depression_deg:g}° below level: from {what} "
                    f"the target must be at least {near / 1000:.1f} km away, not {ground_m / 1000:.1f} km")
        if ground_m > far + 1e-6:
            return (f"{self.name} sees no farther than {far / 1000:.1f} km over the ground from {what}, "
                    f"not {ground_m / 1000:.1f} km")
        return f"{self.name} cannot keep the target in view from {what}"


def best_sensor(capability: str | None, sensors: Mapping[str, Sensor], names: tuple[str, ...]) -> Sensor | None:
    """The sensor an airframe carrying ``names`` uses for ``capability``: the longest-reaching of them
    (None: none there)."""
    fits = [sensors[n] for n in names if sensors[n].capability == capability]
    return max(fits, key=lambda s: (s.slant_range_m, s.swath_m, s.fov_deg, s.name)) if fits else None
