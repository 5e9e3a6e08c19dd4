"""Behaviour guard: the recorded commands write exactly the recorded files (tests/golden/).

Regenerate on purpose with ``python -m tests.golden`` when a change means to alter outputs, and review
the diff. PNG pictures are compared by pixels within a small tolerance (a newer matplotlib or FreeType
may antialias text a little differently); SVG byte for byte only when matplotlib is the recorded
version; every other file byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib import image

from planner.cli import main
from tests.golden import CASES, FILES, VERSIONS, Case, produce

_PNG_MEAN_TOLERANCE = 0.01  # mean absolute difference of RGBA values in [0, 1]
_PNG_CHANGED_SHARE = 0.02  # share of pixels that may differ by more than a shade


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _same_png(got: Path, want: Path) -> str:
    a, b = image.imread(got), image.imread(want)
    if a.shape != b.shape:
        return f"size {a.shape} against {b.shape}"
    diff = np.abs(a.astype(float) - b.astype(float))
    changed = float((diff.max(axis=-1) > 0.1).mean())
    if diff.mean() > _PNG_MEAN_TOLERANCE or changed > _PNG_CHANGED_SHARE:
        return f"pixels differ: mean {diff.mean():.4f}, {changed:.1%} of pixels changed"
    return ""


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_outputs_match_the_golden_files(case: Case, tmp_path: Path) -> None:
    out = produce(case, tmp_path, main)
    want_dir = FILES / case.name
    assert _files(out) == _files(want_dir), "the set of files written changed"
    recorded = json.loads(VERSIONS.read_text())["matplotlib"]
    differ = []
    for name in sorted(_files(want_dir)):
        got, want = out / name, want_dir / name
        if name.endswith(".png"):
            why = _same_png(got, want)
            if why:
                differ.append(f"{name}: {why}")
        elif name.endswith(".svg") and matplotlib.__version__ != recorded:
            continue  # vector output follows matplotlib's own writer: compared only at the recorded version
        elif got.read_bytes() != want.read_bytes():
            differ.append(name)
    assert not differ, f"outputs differ from tests/golden/files/{case.name}: {differ}"
