"""A mission file as read: home, items, the syntax faults the reader found, the fences it carries.

``planner.io.mission_file`` builds these from ``.waypoints`` and ``.plan`` files; the checker reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shapely.geometry.base import BaseGeometry

__all__ = ["FORMATS", "FenceShape", "Finding", "Home", "Item", "Mission", "Planned", "RallyPoint", "Zone"]

FORMATS = ("waypoints", "plan")
KINDS = ("format", "flight", "compatibility")  # compatibility: a QGroundControl rule ArduPilot's tools do not keep


@dataclass(frozen=True)
class Finding:
    """A fault or warning: ``code`` stable for scripts, ``item`` the mission index (home 0), ``line`` in the file."""

    code: str
    message: str
    item: int | None = None
    line: int | None = None
    kind: str = "flight"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"finding kind must be one of {KINDS}, got {self.kind!r}")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"code": self.code, "kind": self.kind, "item": self.item, "line": self.line, "message": self.message}


@dataclass(frozen=True)
class Home:
    """Home (launch) position: degrees, metres AMSL."""

    lat: float
    lon: float
    alt_m: float


@dataclass(frozen=True)
class Item:
    """One mission item as read. ``index`` is its mission sequence number (home is 0, the first item 1).

    ``params`` are p1..p4 (NaN where the file says NaN/null); ``alt`` is metres in ``frame``;
    ``jump_id`` is the ``.plan`` doJumpId (None in ``.waypoints``).
    """

    index: int
    command: int
    frame: int
    params: tuple[float, float, float, float]
    lat: float
    lon: float
    alt: float
    autocontinue: bool = True
    line: int | None = None
    jump_id: int | None = None

    def __post_init__(self) -> None:
        if len(self.params) != 4:
            raise ValueError("an item has exactly four params p1..p4")


@dataclass(frozen=True)
class Zone:
    """A no-fly zone: WGS84 lon/lat polygon and the name used in messages."""

    name: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class Planned:
    """What the planner recorded of the sortie a mission file flies: the aircraft profile's name, its
    loadout and payload (kg), read from the ``.plan``'s ``planner`` block or the ``plan.json`` beside it
    (``source`` says which)."""

    sortie: str
    aircraft: str
    loadout: tuple[str, ...]
    payload_kg: float
    source: str


@dataclass(frozen=True)
class FenceShape:
    """A geofence shape as the file gives it: a polygon (``points`` its vertices, lat/lon degrees, not
    closed) or a circle (one point, ``radius_m``); ``inclusion`` keeps the aircraft in, else out."""

    kind: str
    inclusion: bool
    points: tuple[tuple[float, float], ...]
    radius_m: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in ("polygon", "circle"):
            raise ValueError(f"fence kind must be 'polygon' or 'circle', got {self.kind!r}")


@dataclass(frozen=True)
class RallyPoint:
    """A rally point: degrees, altitude metres above home (QGroundControl's frame for them)."""

    lat: float
    lon: float
    alt_m: float


@dataclass(frozen=True)
class Mission:
    """A mission file as read: home, items (home excluded) and the syntax faults the reader found.

    ``jump_by_id``: DO_JUMP p1 names a doJumpId (``.plan``) instead of an index (``.waypoints``).
    ``fences``: exclusion zones the file itself carries (``.plan`` geofence); ``geofence`` and ``rally``
    the ``.plan``'s fence shapes and rally points as written (what an upload sends). ``firmware`` is what a
    ``.plan`` says it was made for (``ardupilot``/``px4``), None when unknown. ``planned`` is what the planner
    recorded of the sortie (None for other tools' files).
    """

    source: str
    format: str
    home: Home
    items: tuple[Item, ...]
    faults: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()
    fences: tuple[Zone, ...] = ()
    jump_by_id: bool = False
    firmware: str | None = None
    planned: Planned | None = None
    geofence: tuple[FenceShape, ...] = ()
    rally: tuple[RallyPoint, ...] = ()

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"mission format must be one of {FORMATS}, got {self.format!r}")
