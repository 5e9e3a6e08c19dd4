"""Every bad input of the corpus gives exit 3 and a one-line message naming the problem."""

from __future__ import annotations

import pytest

from planner.cli import main
from tests.bad_inputs import CORPUS, GOOD_AREAS, GOOD_TOML, case


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_input_exits_3_with_one_line(tmp_path, capsys, name):
    files, message = CORPUS[name]
    for file, text in files.items():
        (tmp_path / file).write_text(text)
    code = main(["plan", str(tmp_path / "scenario.toml"), "-o", str(tmp_path / "out"), "--max-iterations", "10"])
    err = capsys.readouterr().err.strip()
    assert code == 3, err
    assert message in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_the_good_case_of_the_corpus_plans(tmp_path, capsys):
    for file, text in case(GOOD_TOML, GOOD_AREAS).items():
        (tmp_path / file).write_text(text)
    assert main(["plan", str(tmp_path / "scenario.toml"), "-o", str(tmp_path / "out"), "--max-iterations", "10"]) == 0


def test_areas_across_the_antimeridian_and_at_the_pole_are_planned(tmp_path, capsys):
    """Handled, not refused: a zone split at ±180° and a survey reaching the pole."""
    areas = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"task": "orbit", "name": "east"},
         "geometry": {"type": "Point", "coordinates": [179.6, 65.2]}},
        {"type": "Feature", "properties": {"task": "orbit", "name": "west"},
         "geometry": {"type": "Point", "coordinates": [-179.5, 65.4]}},
        {"type": "Feature", "properties": {"task": "nofly", "name": "split zone"},
         "geometry": {"type": "MultiPolygon", "coordinates": [
             [[[179.0, 66.5], [180.0, 66.5], [180.0, 67.0], [179.0, 67.0], [179.0, 66.5]]],
             [[[-180.0, 66.5], [-179.0, 66.5], [-179.0, 67.0], [-180.0, 67.0], [-180.0, 66.5]]]]}},
        {"type": "Feature", "properties": {"task": "survey", "name": "polar cap"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 85], [90, 85], [90, 90], [0, 90], [0, 85]]]}},
    ]}
    import json

    toml = GOOD_TOML.replace("lon = 73.0", "lon = 178.8").replace("lat = 49.0", "lat = 64.7")
    for file, text in case(toml, json.dumps(areas)).items():
        (tmp_path / file).write_text(text)
    assert main(["plan", str(tmp_path / "scenario.toml"), "-o", str(tmp_path / "out"), "--max-iterations", "50",
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert sorted(t for s in doc["sorties"] for t in s["tasks"]) == ["east", "west"]
