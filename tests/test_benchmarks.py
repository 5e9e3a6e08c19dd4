"""The benchmark tools themselves: generated TOP instances and the real-valued re-check."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from benchmarks import top, top_instances


def test_generated_instances_are_deterministic_and_read_back(tmp_path: Path) -> None:
    assert top_instances.main([str(tmp_path / "a"), "--set", "tune"]) == 0
    assert top_instances.main([str(tmp_path / "b"), "--set", "tune"]) == 0
    names = sorted(p.name for p in (tmp_path / "a").glob("*.txt"))
    assert len(names) == len(top_instances.SIZES) * len(top_instances.KINDS)
    for name in names:
        text = (tmp_path / "a" / name).read_bytes()
        assert text == (tmp_path / "b" / name).read_bytes()
        inst = top.read_instance(tmp_path / "a" / name)
        points = int(name[1:].split(".")[0])
        assert len(inst.scores) == points + 2 and inst.name == name.removesuffix(".txt")
        assert 4 <= inst.vehicles <= 10 and inst.tmax > 0
        assert inst.scores[0] == inst.scores[-1] == 0
        assert np.all((inst.scores[1:-1] >= 1) & (inst.scores[1:-1] <= 30))
        assert np.all((inst.points >= 0) & (inst.points <= top_instances.SIDE))
        # a route of the start alone and back is within the limit: every instance has a feasible plan
        assert inst.distances()[0, -1] <= inst.tmax


def test_tuning_and_reported_instances_differ() -> None:
    tune = {g.name for g in top_instances.instances("tune")}
    report = {g.name for g in top_instances.instances("report")}
    assert tune.isdisjoint(report) and len(report) == 2 * len(tune)


def test_clustered_points_are_clustered() -> None:
    uniform = top_instances.generate("uniform", 500, 1)
    clustered = top_instances.generate("clustered", 500, 1)

    def nearest(points: np.ndarray) -> float:
        d = np.sqrt(((points[:, None] - points[None]) ** 2).sum(axis=2))
        np.fill_diagonal(d, np.inf)
        return float(np.median(d.min(axis=1)))

    assert nearest(clustered.points[1:-1]) < 0.5 * nearest(uniform.points[1:-1])


def test_check_scores_with_real_lengths(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("n 4\nm 1\ntmax 2.0\n0 0 0\n1 0 5\n0 1 7\n0 0 0\n")
    inst = top.read_instance(path)
    assert top.check(inst, [[1]]) == (5.0, True)  # 0 -> (1, 0) -> 0: length 2
    assert top.check(inst, [[1, 2]]) == (12.0, False)  # 1 + sqrt(2) + 1 > 2
    assert top.check(inst, [[1], [2]]) == (12.0, False)  # two routes, one vehicle


def test_rescore_agrees_with_the_claimed_scores(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("n 4\nm 1\ntmax 2.0\n0 0 0\n1 0 5\n0 1 7\n0 0 0\n")
    lines = [{"instance": "t", "solver": "ours", "time_limit": 1, "score": 5.0, "feasible": True, "routes": [[1]]}]
    (tmp_path / "good.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    assert top.rescore(tmp_path / "good.jsonl", [path]) == 0
    lines[0]["score"] = 12.0
    (tmp_path / "bad.jsonl").write_text(json.dumps(lines[0]))
    assert top.rescore(tmp_path / "bad.jsonl", [path]) == 1


@pytest.mark.parametrize("kind", top_instances.KINDS)
def test_tmax_lets_a_fair_share_of_points_be_reached(kind: str) -> None:
    g = top_instances.generate(kind, 1000, 101)
    detour = np.linalg.norm(g.points - g.points[0], axis=1) + np.linalg.norm(g.points - g.points[-1], axis=1)
    reachable = float(np.mean(detour[1:-1] <= g.tmax))
    assert reachable > 0.2 and math.isfinite(g.tmax)
