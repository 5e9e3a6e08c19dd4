"""Ground clearance of a flown mission: every leg and loiter circle against a DEM.

The paper flight (:mod:`planner.missions.flight`) records what it flies as :class:`Piece` s: legs between
positional items and the circles of loiters. A leg's altitude changes linearly with distance from the
previous item's altitude to its item's (ArduPilot's glide slope), and with an aircraft a climb is capped
at the climb gradient it can fly (climb rate over cruise airspeed plus wind speed, the fastest ground
speed), so an aircraft that cannot climb as steeply as the line asks arrives lower — and the circle of a
loiter is judged at the lower of its arrival and its item's altitude. Legs whose ends are both in the
terrain frame (10) hold their height above the ground, interpolated between their ends.

The ground under a piece is :attr:`planner.model.terrain.Terrain.peaks` at its canonical samples: the
highest ground within one to two DEM cells of the track, as the planner uses. A piece below the clearance
is a ``terrain`` fault. The take-off (from the runway up) is not judged; the final leg to a landing needs a
clearance tapering linearly to zero at the touchdown over the ground itself (interpolated between cells),
its last tenth (the flare) not judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.missions.file_model import Item
from planner.missions.findings import Findings
from planner.model.aircraft import Aircraft
from planner.model.scenario import Wind
from planner.model.terrain import Terrain

__all__ = ["FLARE_SHARE", "Clearance", "Piece", "judge_clearance"]

FLARE_SHARE = 0.1  # last share of the final leg to a landing that is the airfield's, not judged


@dataclass(frozen=True)
class Piece:
    """Something flown: a ``leg`` from (lon1, lat1, alt1) to (lon2, lat2, alt2) AMSL, a ``land`` leg, or the
    ``circle`` of radius ``radius_m`` round (lon1, lat1) of a loiter at alt1. ``agl`` legs hold alt1 → alt2
    above the ground (terrain frame). ``what`` names it in messages."""

    kind: str
    item: Item | None
    what: str
    lon1: float
    lat1: float
    alt1: float
    lon2: float = 0.0
    lat2: float = 0.0
    alt2: float = 0.0
    radius_m: float = 0.0
    agl: bool = False


@dataclass(frozen=True)
class Clearance:
    """The lowest clearance (m above the ground) over every judged piece, where, and on what."""

    lowest_m: float
    lon: float
    lat: float
    what: str
    item: int | None
    required_m: float

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        low = round(self.lowest_m, 1) if math.isfinite(self.lowest_m) else None
        return {"lowest_m": low, "lat": round(self.lat, 6), "lon": round(self.lon, 6),
                "what": self.what, "item": self.item, "required_m": self.required_m}


def judge_clearance(pieces: list[Piece], terrain: Terrain, aircraft: Aircraft | None, wind: Wind,
                    out: Findings) -> Clearance | None:
    """Judge every piece against ``terrain``; faults go to ``out``. None when nothing was judged."""
    need = terrain.clearance_m
    gradient = math.inf if aircraft is None else aircraft.climb_rate_mps / (aircraft.cruise_speed_mps + wind.speed_mps)
    best: Clearance | None = None
    arrived: float | None = None
    seen: dict[tuple[object, ...], float | None] = {}  # loops fly the same pieces again: judged once
    for piece in pieces:
        key = (piece.kind, piece.lon1, piece.lat1, piece.alt1, piece.lon2, piece.lat2, piece.alt2, piece.radius_m,
               piece.agl, None if piece.kind != "circle" else arrived)
        if key in seen:
            arrived = seen[key] if piece.kind != "circle" else arrived
            continue
        if piece.kind == "circle":
            alt = piece.alt1 if arrived is None else min(piece.alt1, arrived)
            x, y = terrain.ring_xy(piece.lon1, piece.lat1, max(piece.radius_m, 1.0))
            px, py, _, high = terrain.peaks.samples(x[0], y[0])
            margin = alt - high
            required = np.full(margin.shape, need)
        else:
            x, y = terrain.xy([piece.lon1, piece.lon2], [piece.lat1, piece.lat2])
            px, py, s, high = terrain.peaks.samples(x, y)
            if piece.kind == "land":  # a glide is judged over the ground itself, not its two-cell maximum
                high = terrain.ground.bilinear(px, py)
            length = float(s[-1])
            share = s / length if length > 0 else np.ones_like(s)
            if piece.agl:
                margin = piece.alt1 + (piece.alt2 - piece.alt1) * share
            else:
                alt = piece.alt1 + (piece.alt2 - piece.alt1) * share
                if piece.alt2 > piece.alt1 and aircraft is not None:
                    alt = np.minimum(alt, piece.alt1 + gradient * s)
                margin = alt - high
                arrived = float(alt[-1])
            required = np.full(margin.shape, need)
            if piece.kind == "land":
                required = need * (1.0 - share)
                keep = share < 1.0 - FLARE_SHARE
                margin, required, px, py = margin[keep], required[keep], px[keep], py[keep]
                if not margin.size:
                    continue
        seen[key] = arrived
        short = margin - required
        k = int(np.argmin(margin))
        lon, lat = terrain.lonlat(px[k:k + 1], py[k:k + 1])
        here = Clearance(float(margin[k]), float(lon[0]), float(lat[0]), piece.what,
                         None if piece.item is None else piece.item.index, need)
        if piece.kind != "land" and (best is None or here.lowest_m < best.lowest_m):
            best = here  # the final glide is judged by its tapering need, not as the lowest clearance kept
        if (short < -1e-6).any():
            j = int(np.argmin(short))
            jl, jt = terrain.lonlat(px[j:j + 1], py[j:j + 1])
            depth = float(margin[j])
            where = f"{abs(jt[0]):.4f}°{'N' if jt[0] >= 0 else 'S'} {abs(jl[0]):.4f}°{'E' if jl[0] >= 0 else 'W'}"
            words = (f"passes {depth:,.0f} m above the ground" if depth >= 0 else
                     f"runs {-depth:,.0f} m below the ground")
            if not math.isfinite(depth):
                words = f"crosses ground the DEM ({terrain.source}) has no height for"
            out.fault("terrain", f"{piece.what} {words} at {where} (needs {float(required[j]):,.0f} m)", piece.item)
    return best
