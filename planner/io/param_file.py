"""ArduPilot parameter files: ``ardupilot.param`` written in Mission Planner's format, and read back.

Written: ASCII, LF, ``#`` comment lines, one ``NAME,VALUE`` line per parameter (Mission Planner, MAVProxy's
``param load`` and ``planner upload --params`` read it). Read: Mission Planner (``NAME,VALUE``), MAVProxy
(``NAME VALUE``) and QGroundControl (``SYSID<TAB>COMPID<TAB>NAME<TAB>VALUE<TAB>TYPE``) files.
"""

from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path

from planner.core.errors import InputError
from planner.io.input_file import read_input
from planner.missions.parameters import ParameterSet

__all__ = ["PARAM_FILE", "format_param_file", "parse_param_file", "read_param_file"]

PARAM_FILE = "ardupilot.param"
_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,15}")
_ASCII = str.maketrans({"°": " deg", "²": "^2", "×": "x", "…": "...", "–": "-", "—": "-", "’": "'", "→": "->", "·": "*"})


def _ascii(text: str) -> str:
    return text.translate(_ASCII).encode("ascii", "replace").decode("ascii")


def _value(x: float) -> str:
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _comment(text: str) -> list[str]:
    return [f"# {line}" for line in textwrap.wrap(_ascii(text), 100)]


def format_param_file(params: ParameterSet, *, plan_name: str) -> str:
    """The file text: a header, each parameter with its reason as a comment, then the notes (not set)."""
    lines = _comment(f"ArduPilot parameters the missions of '{plan_name}' rely on, for every sortie of the plan.")
    lines += _comment("Load with Mission Planner (Config > Full Parameter List > Load from file), MAVProxy "
                      "(param load ardupilot.param) or planner upload MISSION --params ardupilot.param.")
    for p in params.parameters:
        lines.append("#")
        lines += _comment(f"{p.name}: {p.why}")
        lines.append(f"{p.name},{_value(p.value)}")
    if params.notes:
        lines.append("#")
        lines += _comment("Not set here (the airframe's own set-up the missions assume):")
        for note in params.notes:
            lines += [f"#   - {line[2:]}" if i == 0 else f"#     {line[2:]}" for i, line in enumerate(_comment(note))]
    return "\n".join(lines) + "\n"


def parse_param_file(text: str, source: str) -> dict[str, float]:
    """Name -> value from the text of a parameter file; InputError naming the line of any unreadable one."""
    out: dict[str, float] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split("\t") if "\t" in line else re.split(r"[,\s]+", line)
        if len(fields) == 5 and fields[0].strip().isdigit() and fields[1].strip().isdigit():
            fields = fields[2:4]  # QGroundControl: sysid, compid, name, value, type
        if len(fields) != 2:
            raise InputError(f"{source} line {number}: expected NAME,VALUE, got {raw.strip()!r}")
        name, value = fields[0].strip(), fields[1].strip()
        if not _NAME.fullmatch(name):
            raise InputError(f"{source} line {number}: {name!r} is not a parameter name")
        try:
            number_value = float(value)
        except ValueError:
            raise InputError(f"{source} line {number}: value {value!r} of {name} is not a number") from None
        if not math.isfinite(number_value):
            raise InputError(f"{source} line {number}: value of {name} is not finite")
        out[name] = number_value
    if not out:
        raise InputError(f"{source}: no parameters in the file")
    return out


def read_param_file(path: Path) -> dict[str, float]:
    """Read a parameter file (see :func:`parse_param_file`); InputError when missing or unreadable."""
    data = read_input(path, "a parameter file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a parameter file (not text)") from None
    return parse_param_file(text, str(path))
