"""Terrain cost: ``planner plan`` of 2,000 targets with and without a 10,000 × 10,000-cell DEM, side by side.

Usage::

    python benchmarks/terrain.py [--targets 2000] [--cells 10000] [--time-limit S] [--seed N]

The scenario is ``plan_scale.py``'s (targets uniform on a 1,500 km square over central Kazakhstan, ten
Ankas with EO/IR and SATCOM at three bases). The DEM is generated in code and written to a temporary
GeoTIFF (int16 metres, deflate, 512-cell tiles, EPSG:4326, 26° × 15°, about 190 × 170 m cells): a plain
at 300–900 m with four mountain ranges whose crests reach 4,200–6,600 m, so that some targets sit on
high ground (orbits raised), some transits must climb over ridges and the radio stations are masked.
The same scenario is planned twice in one process each, once with ``[terrain]`` (clearance 300 m) and
once without, at the same time limit; the optimiser's budget is the same, so the difference in total
time is what terrain adds before and after it. Columns: seconds to read (the DEM warped onto the
working grid included), to build the model (layout and costs: designs fitted to the ground, every
candidate transit judged, radio sight), to the first feasible plan, the whole plan, the exports
(profiles included); peak memory (MiB); orbits after sharing; tasks served; priority served. Then the DEM
read alone, in a fresh process each: the scenario read with its DEM by windows onto the working grid, against
reading the whole file at once with rasterio (the naive way): seconds, peak memory, cells held.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import plan_scale

WEST, EAST, SOUTH, NORTH = 58.0, 84.0, 41.0, 56.0
RANGES = (  # (lon, lat) of the ends, crest m, half-width deg
    ((62.0, 44.0), (70.0, 46.5), 6600.0, 0.12),
    ((72.0, 47.0), (79.0, 50.5), 5800.0, 0.10),
    ((66.0, 52.0), (74.0, 53.0), 4200.0, 0.15),
    ((68.5, 48.0), (69.5, 51.5), 6200.0, 0.08),
)


def heights(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The generated terrain (m AMSL) at points: rolling plain plus the :data:`RANGES` ridges."""
    z = 600.0 + 300.0 * np.sin(lon * 1.7) * np.cos(lat * 2.3)
    for (x0, y0), (x1, y1), crest, width in RANGES:
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((lon - x0) * dx + (lat - y0) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
        d = np.hypot(lon - (x0 + t * dx), lat - (y0 + t * dy))
        z = np.maximum(z, crest * np.exp(-((d / width) ** 2)) * (0.85 + 0.15 * np.sin(40.0 * t)))
    return z


def write_dem(path: Path, cells: int) -> float:
    """Write the ``cells`` × ``cells`` DEM strip by strip; seconds taken."""
    import rasterio
    from rasterio.transform import from_bounds
    from rasterio.windows import Window

    t0 = time.perf_counter()
    res_x, res_y = (EAST - WEST) / cells, (NORTH - SOUTH) / cells
    profile = {"driver": "GTiff", "width": cells, "height": cells, "count": 1, "dtype": "int16", "crs": "EPSG:4326",
               "transform": from_bounds(WEST, SOUTH, EAST, NORTH, cells, cells), "nodata": -32768,
               "compress": "deflate", "tiled": True, "blockxsize": 512, "blockysize": 512, "BIGTIFF": "IF_SAFER"}
    lon = WEST + (np.arange(cells) + 0.5) * res_x
    with rasterio.open(path, "w", **profile) as dst:
        for row in range(0, cells, 512):
            rows = min(512, cells - row)
            lat = NORTH - (row + np.arange(rows) + 0.5) * res_y
            glon, glat = np.meshgrid(lon, lat)
            dst.write(np.round(heights(glon, glat)).astype(np.int16), 1, window=Window(0, row, cells, rows))
    return time.perf_counter() - t0


def read_child(what: str, path: Path) -> dict[str, float]:
    """In this process: read the scenario ``path`` (its DEM by windows onto the working grid: ``what`` =
    "windows") or the whole DEM ``path`` with rasterio (``what`` = "whole", the naive way); seconds, peak MiB."""
    import rasterio

    from planner.io.scenario_file import read_scenario

    t0 = time.perf_counter()
    if what == "windows":
        scenario = read_scenario(path)
        assert scenario.terrain is not None
        cells = scenario.terrain.ground.values.size
    else:
        with rasterio.open(path) as src:
            cells = src.read(1, masked=True).astype(np.float32).filled(np.nan).size
    seconds = time.perf_counter() - t0
    return {"read_s": seconds, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            "cells": float(cells)}


def _child(args: list[str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(args)}: the run failed\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--read-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--targets", type=int, default=2000)
    parser.add_argument("--cells", type=int, default=10_000, help="DEM cells a side")
    parser.add_argument("--time-limit", type=float, default=60.0, help="optimiser time limit, s")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.read_child:
        print(json.dumps(read_child(args.read_child[0], Path(args.read_child[1]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dem = folder / "dem.tif"
        made = write_dem(dem, args.cells)
        print(f"DEM {args.cells:,} × {args.cells:,} cells written in {made:.1f} s "
              f"({dem.stat().st_size / 2**20:.0f} MiB on disk); {args.targets} targets; time limit {args.time_limit:g} s")
        path = plan_scale.write_case(folder, args.targets, args.time_limit, args.seed)
        flat = path.read_text()
        rows = []
        for label, text in (("without terrain", flat), ("with terrain", flat + '\n[terrain]\ndem = "dem.tif"\n')):
            path.write_text(text)
            done = subprocess.run([sys.executable, plan_scale.__file__, "--child", str(path), str(folder / label)],
                                  capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"{label}: the run failed\n{done.stderr}")
            rows.append((label, json.loads(done.stdout.strip().splitlines()[-1])))
        # reading alone: the scenario's DEM by windows onto the working grid, against the whole file read at once
        windows = _child(["--read-child", "windows", str(path)])
        whole = _child(["--read-child", "whole", str(dem)])
    print(f"{'':>16} {'read s':>6} {'model s':>7} {'first s':>7} {'plan s':>6} {'export s':>8} {'peak MiB':>8} "
          f"{'orbits':>6} {'served':>6} {'priority':>8}")
    for label, r in rows:
        print(f"{label:>16} {r['read_s']:6.1f} {r['model_s']:7.1f} {r['first_s']:7.1f} {r['plan_s']:6.1f} "
              f"{r['export_s']:8.1f} {r['peak_mib']:8.0f} {r['orbits']:6d} {r['served']:6d} {r['priority']:8.0f}")
    print(f"\nDEM reading alone ({args.cells:,} × {args.cells:,} cells, one process each): "
          f"{'seconds':>7} {'peak MiB':>8} {'cells held':>12}")
    for label, r in (("by windows onto the working grid", windows), ("whole file at once (rasterio read)", whole)):
        print(f"  {label:<36} {r['read_s']:7.1f} {r['peak_mib']:8.0f} {r['cells']:12,.0f}")


if __name__ == "__main__":
    main()
