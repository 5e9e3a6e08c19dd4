"""Our files through the strictest consumers that run offline: MAVSDK's QGroundControl importer and the
KML 2.2 schemas shipped with pykml."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from planner.api import plan_scenario
from tests.conftest import target, write_scenario

ZONE = {"type": "Feature", "properties": {"task": "nofly", "name": "R1"},
        "geometry": {"type": "Polygon", "coordinates": [[[73.8, 49.8], [74.2, 49.8], [74.2, 50.1], [73.8, 49.8]]]}}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("strict")
    feats = [target(f"T{i}", 72.4 + 0.3 * i, 49.0 + 0.1 * (i % 3), dwell_min=40) for i in range(6)] + [ZONE]
    path = write_scenario(root / "in", feats, fleet='[[fleet]]\naircraft = "anka"\ncount = 2\nbase = "Alpha"\n'
                          'payload = ["eo-ir"]\n')
    _, _, out = plan_scenario(path, root / "out", max_iterations=100)
    return out


@pytest.fixture(scope="module")
def mission_raw() -> Iterator[object]:
    """MAVSDK's MissionRaw plugin on a system whose heartbeat pymavlink sends over loopback."""
    mavsdk = pytest.importorskip("mavsdk.mavsdk")
    from mavsdk.component_type import ComponentType
    from mavsdk.plugins.mission_raw.mission_raw import MissionRaw
    from pymavlink import mavutil

    port = 14600 + (int(time.time()) % 300)
    stop = threading.Event()

    def heartbeat() -> None:
        conn = mavutil.mavlink_connection(f"udpout:127.0.0.1:{port}", source_system=1, source_component=1)
        while not stop.is_set():
            conn.mav.heartbeat_send(mavutil.mavlink.MAV_TYPE_FIXED_WING,
                                    mavutil.mavlink.MAV_AUTOPILOT_ARDUPILOTMEGA, 0, 0, 0)
            time.sleep(0.1)

    thread = threading.Thread(target=heartbeat, daemon=True)
    thread.start()
    sdk = mavsdk.Mavsdk(mavsdk.Configuration.create_with_component_type(ComponentType.GROUND_STATION))
    sdk.add_any_connection(f"udpin://127.0.0.1:{port}")
    system = sdk.first_autopilot(15.0)
    if system is None:
        stop.set()
        pytest.fail("MAVSDK saw no heartbeat on loopback")
    yield MissionRaw(system)
    stop.set()
    thread.join(timeout=2)


def test_every_plan_file_imports_in_mavsdk(outputs, mission_raw):
    files = sorted(outputs.glob("*.plan"))
    assert files
    for path in files:
        data = mission_raw.import_qgroundcontrol_mission(str(path))
        doc = json.loads(path.read_text())
        # MAVSDK prepends the planned home position as item 0
        assert len(data.mission_items) == len(doc["mission"]["items"]) + 1
        assert [it.command for it in data.mission_items[1:]] == [it["command"] for it in doc["mission"]["items"]]
        assert len(data.geofence_items) == 3  # the no-fly triangle's vertices
        assert len(data.rally_items) == 1


def test_kml_validates_against_the_kml22_schema(outputs):
    from pykml.parser import Schema

    schema = Schema("ogckml22.xsd")
    doc = etree.parse(str(outputs / "plan.kml"))
    schema.assertValid(doc)
