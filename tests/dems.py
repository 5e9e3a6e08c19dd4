"""DEMs and terrain scenarios made in code for the terrain tests, and an independent clearance check.

Everything is written with rasterio; nothing is downloaded. The independent check reads our exported
``.waypoints`` with pymavlink (a real consumer), flies them as ArduPilot does (altitude linear between
items, loiter circles at their radius) and samples the DEM itself — bilinear between its own cells, read
with rasterio — every 100 m, without any of the planner's terrain code.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from pymavlink import mavwp
from pyproj import Geod
from rasterio.transform import from_origin

GEOD = Geod(ellps="WGS84")
BASE_LON, BASE_LAT = 76.5, 43.0  # north of the Tien Shan; the ridge runs east-west 25 km north of it
RIDGE_LAT = BASE_LAT + 25.0 / 111.2
WEST, NORTH, RES, SIZE = 76.0, 43.9, 0.002, (600, 700)  # (rows, columns) of the default geographic DEM


def lonlat(west: float = WEST, north: float = NORTH, res: float = RES, shape: tuple[int, int] = SIZE
           ) -> tuple[np.ndarray, np.ndarray]:
    """Cell-centre lon, lat (rows north to south) of a geographic grid."""
    ny, nx = shape
    lon = west + (np.arange(nx) + 0.5) * res
    lat = north - (np.arange(ny) + 0.5) * res
    return np.meshgrid(lon, lat)


def ridge(lon: np.ndarray, lat: np.ndarray, crest_m: float = 6200.0, plain_m: float = 800.0,
          width_deg: float = 0.04) -> np.ndarray:
    """An east-west ridge of ``crest_m`` at :data:`RIDGE_LAT` over a plain at ``plain_m``."""
    return plain_m + (crest_m - plain_m) * np.exp(-(((lat - RIDGE_LAT) / width_deg) ** 2))


def write_dem(path: Path, heights: np.ndarray, *, west: float = WEST, north: float = NORTH, res: float = RES,
              crs: str = "EPSG:4326", nodata: float | None = -9999.0, driver: str = "GTiff") -> Path:
    """Write ``heights`` (rows north to south) as a one-band raster."""
    ny, nx = heights.shape
    with rasterio.open(path, "w", driver=driver, width=nx, height=ny, count=1, dtype="float32", crs=crs,
                       transform=from_origin(west, north, res, res), nodata=nodata) as dst:
        dst.write(heights.astype("float32"), 1)
    return path


def write_vrt(path: Path, tiles: list[Path]) -> Path:
    """A VRT mosaic of geographic GeoTIFF tiles of one resolution, written by hand (GDAL reads it)."""
    infos = []
    for tile in tiles:
        with rasterio.open(tile) as src:
            infos.append((tile, src.transform, src.width, src.height, src.nodata))
    res = infos[0][1].a
    west = min(t.c for _, t, *_ in infos)
    north = max(t.f for _, t, *_ in infos)
    east = max(t.c + w * res for _, t, w, _, _ in infos)
    south = min(t.f - h * res for _, t, _, h, _ in infos)
    nx, ny = round((east - west) / res), round((north - south) / res)
    sources = "".join(
        f"""    <ComplexSource>
      <SourceFilename relativeToVRT="1">{tile.name}</SourceFilename>
      <SourceBand>1</SourceBand>
      <SrcRect xOff="0" yOff="0" xSize="{w}" ySize="{h}"/>
      <DstRect xOff="{round((t.c - west) / res)}" yOff="{round((north - t.f) / res)}" xSize="{w}" ySize="{h}"/>
      <NODATA>{nodata:g}</NODATA>
    </ComplexSource>
""" for tile, t, w, h, nodata in infos)
    path.write_text(f"""<VRTDataset rasterXSize="{nx}" rasterYSize="{ny}">
  <SRS>EPSG:4326</SRS>
  <GeoTransform>{west!r}, {res!r}, 0.0, {north!r}, 0.0, {-res!r}</GeoTransform>
  <VRTRasterBand dataType="Float32" band="1">
    <NoDataValue>-9999</NoDataValue>
{sources}  </VRTRasterBand>
</VRTDataset>
""")
    return path


def targets(folder: Path, points: list[tuple[str, float, float]], **props: object) -> str:
    """An area file of EO/IR orbit targets (name, lon, lat) in ``folder``; its name."""
    features = [{"type": "Feature",
                 "properties": {"task": "orbit", "name": name, "sensor": "eo-ir", "dwell_min": 30, **props},
                 "geometry": {"type": "Point", "coordinates": [lon, lat]}} for name, lon, lat in points]
    (folder / "targets.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return "targets.geojson"


BEYOND = [("T0", BASE_LON, BASE_LAT + 0.55), ("T1", BASE_LON + 0.3, BASE_LAT + 0.7),
          ("T2", BASE_LON - 0.3, BASE_LAT + 0.65)]
"""Targets 60–80 km north of the base, beyond the ridge."""


def scenario(folder: Path, *, satcom: bool = True, dem: str | list[str] | None = "dem.tif", clearance: float = 300,
             extra: str = "", base_extra: str = "elev_m = 800", areas: str = "targets.geojson",
             base: tuple[float, float] = (BASE_LON, BASE_LAT)) -> Path:
    """A one-Anka scenario at the base; ``dem`` None leaves the terrain out."""
    payload = '["eo-ir", "satcom"]' if satcom else '["eo-ir"]'
    terrain = ""
    if dem is not None:
        terrain = f"\n[terrain]\ndem = {json.dumps(dem)}\nclearance_m = {clearance:g}\n{extra}"
    path = folder / "scenario.toml"
    path.write_text(f"""name = "ridge"
start = "2026-12-01T04:00:00Z"
areas = ["{areas}"]

[[base]]
name = "Base"
lon = {base[0]}
lat = {base[1]}
{base_extra}

[[fleet]]
aircraft = "anka"
count = 1
base = "Base"
payload = {payload}

[solver]
time_limit_s = 30
max_iterations = 200
{terrain}""")
    return path


def ridge_case(folder: Path, *, satcom: bool = True, terrain: bool = True, crest_m: float = 6200.0,
               points: list[tuple[str, float, float]] | None = None) -> Path:
    """The issue's measured scenario: a ``crest_m`` ridge 25 km north of the base, targets beyond it."""
    folder.mkdir(parents=True, exist_ok=True)
    write_dem(folder / "dem.tif", ridge(*lonlat(), crest_m=crest_m))
    targets(folder, BEYOND if points is None else points)
    return scenario(folder, satcom=satcom, dem="dem.tif" if terrain else None)


@dataclass(frozen=True)
class Lowest:
    """The lowest clearance found (m above the DEM) and where."""

    clearance_m: float
    lon: float
    lat: float
    what: str


class NativeDem:
    """A DEM read whole (test DEMs are small), sampled bilinearly between its own cell centres."""

    def __init__(self, path: Path) -> None:
        with rasterio.open(path) as src:
            self.z = src.read(1, masked=True).astype(float).filled(np.nan)
            self.inv = ~src.transform
            self.crs = src.crs

    def height(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        assert self.crs.to_epsg() == 4326
        col, row = self.inv * (np.asarray(lon, float), np.asarray(lat, float))
        fc, fr = col - 0.5, row - 0.5
        c0 = np.clip(np.floor(fc).astype(int), 0, self.z.shape[1] - 2)
        r0 = np.clip(np.floor(fr).astype(int), 0, self.z.shape[0] - 2)
        tx, ty = np.clip(fc - c0, 0, 1), np.clip(fr - r0, 0, 1)
        z = self.z
        return ((z[r0, c0] * (1 - tx) + z[r0, c0 + 1] * tx) * (1 - ty)
                + (z[r0 + 1, c0] * (1 - tx) + z[r0 + 1, c0 + 1] * tx) * ty)


def _along(lon1: float, lat1: float, lon2: float, lat2: float, step_m: float) -> tuple[np.ndarray, np.ndarray]:
    dist = GEOD.inv(lon1, lat1, lon2, lat2)[2]
    n = max(1, math.ceil(dist / step_m))
    mid = GEOD.npts(lon1, lat1, lon2, lat2, n - 1) if n > 1 else []
    return (np.array([lon1, *(p[0] for p in mid), lon2]), np.array([lat1, *(p[1] for p in mid), lat2]))


def _circle(lon: float, lat: float, radius_m: float, step_m: float) -> tuple[np.ndarray, np.ndarray]:
    n = max(36, math.ceil(2 * math.pi * radius_m / step_m))
    az = np.arange(n) * 360.0 / n
    clon, clat, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, radius_m))
    return np.asarray(clon), np.asarray(clat)


def lowest_clearance(waypoints: Path, dem: NativeDem, step_m: float = 100.0) -> Lowest:
    """Fly the ``.waypoints`` file (read by pymavlink) as ArduPilot does and find the lowest clearance over
    ``dem`` every ``step_m``: legs with altitude linear between items (the take-off climb and the landing
    leg are the airfield's and left out), loiter circles (loiter turns p3, loiter time p3, loiter to
    altitude p2) at the lower of their arrival and item altitude."""
    loader = mavwp.MAVWPLoader()
    loader.load(str(waypoints))
    home = loader.wp(0)
    here = (home.y, home.x, home.z)
    best = Lowest(math.inf, home.y, home.x, "")
    for i in range(1, loader.count()):
        wp = loader.wp(i)
        if wp.command not in (16, 17, 18, 19, 21, 22, 31):
            continue
        alt = wp.z + (home.z if wp.frame == 3 else 0.0)
        there = (wp.y, wp.x, alt) if (wp.x, wp.y) != (0.0, 0.0) else (here[0], here[1], alt)
        if wp.command not in (21, 22):
            lon, lat = _along(here[0], here[1], there[0], there[1], step_m)
            share = np.linspace(0.0, 1.0, lon.size)
            flown = here[2] + (there[2] - here[2]) * share
            c = flown - dem.height(lon, lat)
            k = int(np.argmin(c))
            if c[k] < best.clearance_m:
                best = Lowest(float(c[k]), float(lon[k]), float(lat[k]), f"leg to item {i}")
        radius = {18: abs(wp.param3), 19: abs(wp.param3), 31: abs(wp.param2)}.get(wp.command, 0.0)
        if radius > 0:
            lon, lat = _circle(there[0], there[1], radius, step_m)
            c = min(here[2], there[2]) - dem.height(lon, lat)
            k = int(np.argmin(c))
            if c[k] < best.clearance_m:
                best = Lowest(float(c[k]), float(lon[k]), float(lat[k]), f"circle of item {i}")
        here = there
    return best
