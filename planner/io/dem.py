"""Reads digital elevation models into a :class:`~planner.model.terrain.Terrain`.

Any raster GDAL reads (GeoTIFF, SRTM ``.hgt``, VRT, …) in any CRS, heights in metres AMSL, one file or a
list of tiles. Only the part covering the plan region is read: each file is warped by GDAL, chunk by chunk
(``rasterio.warp.reproject``, maximum resampling), onto one grid in the terrain's gnomonic plane, so a large
DEM is never loaded whole. The grid keeps the DEM's own cell size unless the region would need more than
:data:`MAX_CELLS` cells; then each cell holds the highest height of the DEM cells it covers (clearance is
never overstated; docs/terrain.md). A file much finer than the grid is first reduced to the maxima of
blocks of its cells, read window by window in strips of rows, and the (much smaller) maxima are warped.

Nodata cells and places the files do not cover are unknown. Inside the *required* region (the bases and
task geometries and :data:`REQUIRED_MARGIN_M` round them) they are an input error naming what is missing,
unless ``missing_m`` gives the height to assume there (it then fills every unknown cell).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import rasterio
import shapely
from rasterio.enums import Resampling
from rasterio.errors import RasterioError
from rasterio.transform import Affine
from rasterio.warp import reproject, transform, transform_bounds
from rasterio.windows import Window, WindowError, from_bounds
from shapely.geometry import MultiPoint

from planner.core import geo
from planner.core.errors import InputError
from planner.core.raster import Grid
from planner.missions.file_model import Mission
from planner.model.scenario import Task
from planner.model.terrain import CLEARANCE_DEFAULT_M, Terrain

__all__ = ["MAX_CELLS", "MISSION_MARGIN_M", "REQUIRED_MARGIN_M", "Needed", "mission_terrain", "point_heights",
           "read_terrain"]

MAX_CELLS = 2048 * 2048  # most cells of the working grid (about 16 MiB of heights)
REQUIRED_MARGIN_M = 5000.0  # heights needed this far round every base and task
MISSION_MARGIN_M = 10_000.0  # terrain read round a checked mission's positions (its loiter circles)
_REDUCE_MARGIN = 1.0  # a DEM this many times finer than the grid is first reduced to block maxima (numpy)
_STRIP_ROWS = 1024  # rows of the DEM read at a time when reducing
_WARP_MIB = 256  # GDAL's working memory for a warp

Needed = tuple[str, np.ndarray, np.ndarray]
"""Something the DEM must cover: its label for messages ("base 'Anka'"), and the lon, lat of its points."""


def _open(path: Path) -> rasterio.DatasetReader:
    if not path.exists():
        raise InputError(f"terrain: DEM file {path} does not exist")
    try:
        src = rasterio.open(path)
    except RasterioError as exc:
        raise InputError(f"terrain: cannot read DEM {path}: {exc}") from None
    if src.crs is None:
        src.close()
        raise InputError(f"terrain: DEM {path} has no coordinate reference system")
    if src.count < 1:
        src.close()
        raise InputError(f"terrain: DEM {path} has no band of heights")
    return src


def _block_maxima(src: rasterio.DatasetReader, bounds: tuple[float, float, float, float],
                  factor: int) -> tuple[np.ndarray | None, Affine]:
    """The part of ``src`` inside ``bounds`` (its own CRS) as the maxima of ``factor`` × ``factor`` blocks of its
    cells (NaN where a block has no data), read in strips of rows, and their transform; (None, …) when
    ``src`` has nothing inside ``bounds``."""
    try:
        window = from_bounds(*bounds, transform=src.transform)
    except WindowError:
        return None, src.transform
    # whole cells covering the bounds, cut to the file (rounded by hand: Window's rounding differs by version)
    col0, row0 = max(0, math.floor(window.col_off)), max(0, math.floor(window.row_off))
    col1 = min(src.width, math.ceil(window.col_off + window.width))
    row1 = min(src.height, math.ceil(window.row_off + window.height))
    width, height = col1 - col0, row1 - row0
    if width <= 0 or height <= 0:
        return None, src.transform
    out_rows, out_cols = math.ceil(height / factor), math.ceil(width / factor)
    out = np.full((out_rows, out_cols), np.nan, np.float32)
    strip = factor * max(1, _STRIP_ROWS // factor)
    for start in range(0, height, strip):
        rows = min(strip, height - start)
        block = src.read(1, window=Window(col0, row0 + start, width, rows), masked=True)
        values = np.full((math.ceil(rows / factor) * factor, out_cols * factor), np.nan, np.float32)
        values[:rows, :width] = block.astype(np.float32).filled(np.nan)
        reduced = np.fmax.reduce(np.fmax.reduce(values.reshape(-1, factor, out_cols, factor), axis=3), axis=1)
        out[start // factor:start // factor + reduced.shape[0]] = reduced
    return out, src.window_transform(Window(col0, row0, width, height)) * Affine.scale(factor, factor)


def _cell_m(src: rasterio.DatasetReader, lat0: float) -> float:
    """The DEM's own cell size in metres (the smaller side)."""
    rx, ry = (abs(v) for v in src.res)
    if src.crs.is_geographic:
        metres = math.pi / 180.0 * geo.GEOD.a
        return min(rx * metres * max(math.cos(math.radians(lat0)), 0.01), ry * metres)
    factor = src.crs.linear_units_factor[1] if src.crs.linear_units_factor else 1.0
    return min(rx, ry) * factor


def read_terrain(
    paths: Sequence[Path],
    lons: np.ndarray,
    lats: np.ndarray,
    margin_m: float,
    needed: Sequence[Needed],
    *,
    clearance_m: float = CLEARANCE_DEFAULT_M,
    missing_m: float | None = None,
    frame: str = "amsl",
    max_cells: int = MAX_CELLS,
) -> Terrain:
    """The terrain of the region holding every (lons, lats) point plus ``margin_m``, read from ``paths``.

    Raises InputError for a file that cannot be read or has no CRS, and for unknown heights anywhere
    ``needed`` (unless ``missing_m`` is given).
    """
    if not paths:
        raise InputError("terrain: 'dem' names no file")
    frame_c = geo.LocalFrame.around(lons, lats)
    plane = geo.GnomonicPlane(frame_c.lon0, frame_c.lat0)
    xy = plane.xy(lons, lats)
    x0, y0 = xy.min(axis=0) - margin_m
    x1, y1 = xy.max(axis=0) + margin_m
    sources = [_open(Path(p)) for p in paths]
    try:
        native = min(_cell_m(s, frame_c.lat0) for s in sources)
        cell = max(native, math.sqrt((x1 - x0) * (y1 - y0) / max_cells))
        nx, ny = max(1, math.ceil((x1 - x0) / cell)), max(1, math.ceil((y1 - y0) / cell))
        top = y0 + ny * cell
        dst = Affine(cell, 0.0, x0, 0.0, -cell, top)
        crs = plane.crs.to_wkt()
        heights = np.full((ny, nx), np.nan, np.float32)
        for src in sources:
            part = np.full((ny, nx), np.nan, np.float32)
            try:
                factor = math.floor(cell / _cell_m(src, frame_c.lat0) / _REDUCE_MARGIN)
                bounds = transform_bounds(crs, src.crs, x0, y0, x0 + nx * cell, top, densify_pts=21)
                reduced = _block_maxima(src, bounds, factor) if factor >= 2 else None
                if reduced is None:
                    source, src_transform, nodata = rasterio.band(src, 1), src.transform, src.nodata
                else:
                    source, src_transform = reduced
                    nodata = np.nan
                if source is not None:
                    reproject(source=source, destination=part, src_transform=src_transform, src_crs=src.crs,
                              src_nodata=nodata, dst_transform=dst, dst_crs=crs, dst_nodata=np.nan,
                              resampling=Resampling.max, warp_mem_limit=_WARP_MIB)
            except RasterioError as exc:
                raise InputError(f"terrain: cannot read DEM {src.name}: {exc}") from None
            heights = np.fmax(heights, part)
    finally:
        for s in sources:
            s.close()
    values = heights[::-1].copy()  # row 0 at the south
    names = ", ".join(Path(p).name for p in paths)
    grid = Grid(values, float(x0), float(y0), float(cell))
    if np.isnan(values).any():
        if missing_m is not None:
            values[np.isnan(values)] = missing_m
        else:
            _check_coverage(grid, plane, needed, names)
    return Terrain(names, plane, grid, clearance_m=clearance_m, native_m=float(native), frame=frame)


def mission_terrain(paths: Sequence[Path], missions: Sequence[Mission], clearance_m: float,
                    tasks: Sequence[Task] = ()) -> Terrain | None:
    """The terrain under ``missions`` (their home and every item with a position) and ``tasks`` (the coverage
    check's targets, areas and lines: their vertices), plus :data:`MISSION_MARGIN_M`, read from ``paths``;
    None without a mission. Raises InputError where the DEM has no heights under a mission or a task."""
    needed: list[Needed] = []
    for m in missions:
        lon = [m.home.lon] + [it.lon for it in m.items if math.isfinite(it.lat + it.lon) and (it.lat, it.lon) != (0, 0)]
        lat = [m.home.lat] + [it.lat for it in m.items if math.isfinite(it.lat + it.lon) and (it.lat, it.lon) != (0, 0)]
        needed.append((f"mission {Path(m.source).name}", np.array(lon), np.array(lat)))
    for t in tasks:
        xy = shapely.get_coordinates(t.geometry)
        needed.append((f"task '{t.name}'", xy[:, 0], xy[:, 1]))
    if not needed:
        return None
    lons = np.concatenate([n[1] for n in needed])
    lats = np.concatenate([n[2] for n in needed])
    return read_terrain(paths, lons, lats, MISSION_MARGIN_M, needed, clearance_m=clearance_m)


def _check_coverage(grid: Grid, plane: geo.GnomonicPlane, needed: Sequence[Needed], names: str) -> None:
    """Raise InputError naming what has unknown heights inside the required region."""
    hint = "; give a DEM covering them or [terrain] missing_m = <height> to assume a height there"
    missing = []
    for label, lon, lat in needed:
        xy = plane.xy(lon, lat)
        if np.isnan(grid.bilinear(xy[:, 0], xy[:, 1])).any():
            missing.append(label)
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise InputError(f"terrain: the DEM ({names}) has no heights at {', '.join(missing[:3])}{more}{hint}")
    points = np.concatenate([plane.xy(lon, lat) for _, lon, lat in needed]) if needed else np.zeros((0, 2))
    if not len(points):
        return
    region = MultiPoint(points).convex_hull.buffer(REQUIRED_MARGIN_M)
    cx, cy = grid.centres()
    gx, gy = np.meshgrid(cx, cy)
    inside = shapely.contains_xy(region, gx, gy)
    holes = inside & np.isnan(grid.values)
    if holes.any():
        cells = np.argwhere(holes)
        iy, ix = cells[np.argmin(np.abs(cells - cells.mean(axis=0)).sum(axis=1))]  # near the middle of the holes
        lon, lat = plane.lonlat(np.array([[cx[ix], cy[iy]]]))[0]
        share = holes.sum() / max(inside.sum(), 1)
        raise InputError(
            f"terrain: the DEM ({names}) has no heights over {share:.1%} of the plan region (the bases and tasks "
            f"and {REQUIRED_MARGIN_M / 1000:g} km round them), e.g. at {abs(lat):.4f}°{'N' if lat >= 0 else 'S'} "
            f"{abs(lon):.4f}°{'E' if lon >= 0 else 'W'}; fill the DEM's holes or set [terrain] missing_m = <height> "
            "to assume a height there"
        )


def point_heights(paths: Sequence[Path], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Heights (m AMSL) of the DEM files at points, bilinear between the DEM's own cell centres (a 2 × 2
    window read per point); NaN where no file has data."""
    lon = np.atleast_1d(np.asarray(lon, float))
    lat = np.atleast_1d(np.asarray(lat, float))
    out = np.full(lon.size, np.nan)
    for path in paths:
        todo = np.flatnonzero(np.isnan(out))
        if not todo.size:
            break
        with _open(Path(path)) as src:
            xs, ys = transform("EPSG:4326", src.crs, lon[todo].tolist(), lat[todo].tolist())
            inv = ~src.transform
            w, h = src.width, src.height
            for k, x, y in zip(todo.tolist(), xs, ys, strict=True):
                col, row = inv * (x, y)
                if not (0.0 <= col <= w and 0.0 <= row <= h):
                    continue
                c0 = min(max(math.floor(col - 0.5), 0), max(w - 2, 0))
                r0 = min(max(math.floor(row - 0.5), 0), max(h - 2, 0))
                block = src.read(1, window=Window(c0, r0, min(2, w), min(2, h)), masked=True)
                block = np.pad(block.astype(float).filled(np.nan), ((0, 2 - block.shape[0]), (0, 2 - block.shape[1])),
                               mode="edge")
                tx = min(max(col - 0.5 - c0, 0.0), 1.0)
                ty = min(max(row - 0.5 - r0, 0.0), 1.0)
                out[k] = ((block[0, 0] * (1 - tx) + block[0, 1] * tx) * (1 - ty)
                          + (block[1, 0] * (1 - tx) + block[1, 1] * tx) * ty)
    return out
