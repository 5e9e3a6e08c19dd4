"""``planner show``: a saved plan's summary, read back from plan.json, reads the same as when it was planned."""

from __future__ import annotations

import json

import pytest

from planner.api import plan_scenario
from planner.cli import app, main
from planner.cli.show import show_command
from planner.core.errors import InputError
from planner.io.plan_json import plan_document
from planner.io.plan_json_reader import read_plan_document
from tests.conftest import target, write_scenario


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("show")
    feats = [target("a", 73.5, 49.2, dwell_min=60), target("b", 73.2, 49.6, sensor="sigint", priority=3),
             target("c", 73.8, 49.4, dwell_min=30)]
    path = write_scenario(root / "in", feats)
    plan, _, out = plan_scenario(path, root / "out", max_iterations=100)
    return plan, out


def test_show_prints_the_same_tables_as_plan(tmp_path, capsys):
    feats = [target("a", 73.5, 49.2, dwell_min=60), target("b", 73.2, 49.6, sensor="sigint", priority=3)]
    path = write_scenario(tmp_path / "in", feats)
    assert main(["plan", str(path), "-o", str(tmp_path / "out"), "--max-iterations", "100"]) == 0
    planned = capsys.readouterr().out
    show_command(tmp_path / "out")
    shown = capsys.readouterr().out
    assert shown == planned
    assert "anka-1" in shown and "no aircraft carries a sigint sensor" in shown and "1 task not served" in shown


def test_show_accepts_the_plan_json_file_itself(saved, capsys):
    _, out = saved
    show_command(out)
    by_folder = capsys.readouterr().out
    show_command(out / "plan.json")
    assert capsys.readouterr().out == by_folder


def test_show_json_is_the_plan_summary(saved, capsys):
    plan, out = saved
    show_command(out, as_json=True)
    doc = json.loads(capsys.readouterr().out)
    full = plan_document(plan)
    assert doc["name"] == plan.name and doc["start"] == "2026-12-01T04:00:00Z"
    assert doc["metrics"] == pytest.approx(full["metrics"])
    assert doc["unserved"] == [{"task": "b", "reason": "no aircraft carries a sigint sensor",
                                "reasons": ["no aircraft carries a sigint sensor"], "priority": 3.0}]
    assert [s["name"] for s in doc["sorties"]] == [s.name for s in plan.sorties]
    assert all("legs" not in s for s in doc["sorties"])
    assert doc["sorties"][0]["flight_s"] == pytest.approx(plan.sorties[0].flight_s, abs=1e-3)
    assert doc["output"] == str(out)


def _broken(doc, change):
    doc = json.loads(json.dumps(doc))
    change(doc)
    return doc


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema="planner-plan/9"), "schema 'planner-plan/9' is not 'planner-plan/1'"),
        (lambda d: d.pop("metrics"), "missing 'metrics'"),
        (lambda d: d["sorties"][0].pop("flight_s"), "sorties[0]: 'flight_s' must be a finite number"),
        (lambda d: d["sorties"][0].update(takeoff="yesterday"), "sorties[0]: 'takeoff': 'yesterday' is not an ISO"),
        (lambda d: d["sorties"][0].update(endurance_s=0), "'endurance_s' must be > 0"),
        (lambda d: d["unserved"].append({"task": 3}), "unserved[1] needs 'task' and 'reason' strings"),
        (lambda d: d.update(sorties={}), "'sorties' must be a list"),
    ],
)
def test_a_damaged_plan_json_is_an_input_error_naming_the_field(saved, tmp_path, change, message):
    _, out = saved
    doc = json.loads((out / "plan.json").read_text())
    (tmp_path / "plan.json").write_text(json.dumps(_broken(doc, change)))
    with pytest.raises(InputError) as info:
        read_plan_document(tmp_path)
    assert message in str(info.value) and str(tmp_path / "plan.json") in str(info.value)


def test_missing_or_unreadable_plan_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"holds no plan\.json"):
        read_plan_document(tmp_path)
    with pytest.raises(InputError, match="nowhere: not found"):
        read_plan_document(tmp_path / "nowhere")
    (tmp_path / "plan.json").write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        read_plan_document(tmp_path)
    (tmp_path / "plan.json").write_text("[]")
    with pytest.raises(InputError, match="expected a JSON object"):
        read_plan_document(tmp_path)


@pytest.mark.skipif("show" not in {c.name for c in app.registered_commands}, reason="`show` not registered yet")
def test_cli_show_exit_codes(saved, tmp_path, capsys):
    _, out = saved
    assert main(["show", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["output"] == str(out)
    assert main(["show", str(tmp_path)]) == 3
    assert "holds no plan.json" in capsys.readouterr().err
