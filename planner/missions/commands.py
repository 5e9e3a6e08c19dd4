"""MAVLink mission command ids and frames the planner writes and the checker reads (MAVLink ``common.xml``)."""

from __future__ import annotations

__all__ = [
    "CMD",
    "DO_CHANGE_SPEED",
    "DO_JUMP",
    "FRAME_GLOBAL",
    "FRAME_MISSION",
    "FRAME_RELATIVE",
    "FRAME_TERRAIN",
    "LOITERS",
    "NAN_P4_OK",
    "NAV_LAND",
    "NAV_LOITER_TIME",
    "NAV_LOITER_TO_ALT",
    "NAV_LOITER_TURNS",
    "NAV_LOITER_UNLIM",
    "NAV_POSITIONAL",
    "NAV_RETURN_TO_LAUNCH",
    "NAV_TAKEOFF",
    "NAV_WAYPOINT",
]

NAV_WAYPOINT = 16
NAV_LOITER_UNLIM = 17
NAV_LOITER_TURNS = 18
NAV_LOITER_TIME = 19
NAV_RETURN_TO_LAUNCH = 20
NAV_LAND = 21
NAV_TAKEOFF = 22
NAV_LOITER_TO_ALT = 31
DO_JUMP = 177
DO_CHANGE_SPEED = 178
DO_LAND_START = 189
DO_SET_ROI_LOCATION = 195
DO_SET_ROI_NONE = 197
DO_SET_CAM_TRIGG_DIST = 206

CMD = {
    "NAV_WAYPOINT": NAV_WAYPOINT,
    "NAV_LOITER_TURNS": NAV_LOITER_TURNS,
    "NAV_LOITER_TIME": NAV_LOITER_TIME,
    "NAV_RETURN_TO_LAUNCH": NAV_RETURN_TO_LAUNCH,
    "NAV_LAND": NAV_LAND,
    "NAV_TAKEOFF": NAV_TAKEOFF,
    "NAV_LOITER_TO_ALT": NAV_LOITER_TO_ALT,
    "DO_JUMP": DO_JUMP,
    "DO_CHANGE_SPEED": DO_CHANGE_SPEED,
    "DO_LAND_START": DO_LAND_START,
    "DO_SET_ROI_LOCATION": DO_SET_ROI_LOCATION,
    "DO_SET_ROI_NONE": DO_SET_ROI_NONE,
    "DO_SET_CAM_TRIGG_DIST": DO_SET_CAM_TRIGG_DIST,
}
"""The commands the planner writes, by name."""

NAV_POSITIONAL = frozenset({16, 17, 18, 19, 21, 22, 31})
"""NAV commands with a position the aircraft flies to."""
LOITERS = frozenset({17, 18, 19, 31})
NAN_P4_OK = frozenset({16, 21, 22})
"""Commands whose p4 may be NaN (ArduPilot rejects NaN anywhere else)."""

FRAME_GLOBAL = 0  # altitude AMSL
FRAME_MISSION = 2  # non-positional
FRAME_RELATIVE = 3  # altitude relative to home
FRAME_TERRAIN = 10  # altitude above the terrain (ArduPilot's terrain database)
