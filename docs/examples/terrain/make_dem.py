"""Writes dem.tif, the SYNTHETIC terrain of this example: not real heights, made in code.

A plain north of a base near Almaty rises to a ridge whose crest reaches 5,600 m 25 km south of it; beyond
the ridge lies a valley at about 1,800 m with a steep-walled canyon and a high plateau. The base and the
targets are real places' coordinates, the heights under them are invented. Run from this folder:

    python make_dem.py

It writes the same heights every time (no randomness): EPSG:4326, 0.001° cells (about 80 × 110 m),
int16 metres AMSL, deflate-compressed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

WEST, NORTH, RES, COLS, ROWS = 76.5, 43.55, 0.001, 900, 870


def heights(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The invented terrain (m AMSL)."""
    plain = 650.0 + 900.0 * np.clip((43.35 - lat) / 0.15, 0.0, 1.0)  # the plain rises towards the mountains
    crest = 5000.0 + 600.0 * np.cos((lon - 76.95) * 6.0)  # 5,600 m south of the base, lower east and west
    ridge = crest * np.exp(-(((lat - 43.07) / 0.045) ** 2))
    valley = 1800.0 + 300.0 * np.sin(lon * 9.0)
    south = np.where(lat < 43.02, valley, 0.0)
    canyon_wall = 4900.0 * ((np.abs(lat - (42.90 - 0.0055)) < 0.0035) & (np.abs(lon - 77.05) < 0.06))
    plateau = 4200.0 * np.exp(-(((lon - 76.75) / 0.05) ** 4 + ((lat - 42.85) / 0.04) ** 4))
    return np.maximum.reduce([plain, ridge, south, canyon_wall, plateau])


def main() -> None:
    lon = WEST + (np.arange(COLS) + 0.5) * RES
    lat = NORTH - (np.arange(ROWS) + 0.5) * RES
    z = np.round(heights(*np.meshgrid(lon, lat))).astype(np.int16)
    path = Path(__file__).resolve().parent / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=COLS, height=ROWS, count=1, dtype="int16", crs="EPSG:4326",
                       transform=from_origin(WEST, NORTH, RES, RES), nodata=-32768, compress="deflate", predictor=2) as dst:
        dst.write(z, 1)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
