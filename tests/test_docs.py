"""The documentation stays true: the command reference matches the CLI, links resolve, every command
line shown parses, and the newcomer example plans."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer

import planner
from planner.cli import app

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
MARKDOWN = [REPO / "README.md", *sorted(DOCS.rglob("*.md"))]
FIRST_PLAN = DOCS / "examples" / "first-plan" / "scenario.toml"

# Fenced blocks whose lines are commands to type: shell ones, and unlabelled ones.
_SHELL_FENCES = {"", "bash", "sh", "shell", "console"}
_FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+-]*)")
# click's UsageError, whichever click typer brings (its own copy or the click package).
_CLICK_USAGE_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_cli_reference", DOCS / "make_cli_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


# --- (a) docs/cli.md is generated from the CLI and up to date ---------------------------------------


def test_cli_reference_is_up_to_date():
    generator = _load_generator()
    expected = generator.render()
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == expected, (
        "docs/cli.md is out of date: run python docs/make_cli_reference.py"
    )


def test_cli_reference_covers_every_command():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    root = typer.main.get_command(app)
    stack: list[tuple[str, Any]] = [("planner", root)]
    while stack:
        title, command = stack.pop()
        assert f"\n## {title}\n" in text, f"docs/cli.md has no section for `{title}`"
        for param in command.params:
            for opt in param.opts if param.param_type_name == "option" else ():
                assert f"`{opt}`" in text, f"docs/cli.md does not list {opt} of `{title}`"
        stack += [(f"{title} {name}", sub) for name, sub in getattr(command, "commands", {}).items()]
    assert "\n## Exit codes\n" in text


def test_cli_reference_check_mode(capsys: pytest.CaptureFixture[str]):
    assert _load_generator().main(["--check"]) == 0, capsys.readouterr().err


# --- (b) relative links point at files that exist ----------------------------------------------------

_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _prose(text: str) -> str:
    """``text`` without fenced code blocks and inline code spans, where brackets are not links."""
    kept: list[str] = []
    fence: str | None = None
    for line in text.splitlines():
        match = _FENCE.match(line)
        if match and fence is None:
            fence = match.group(1)
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None:
            kept.append(re.sub(r"`[^`]*`", "", line))
    return "\n".join(kept)


def _links(path: Path) -> list[str]:
    return _links_in(path.read_text(encoding="utf-8"))


def _links_in(text: str) -> list[str]:
    prose = _prose(text)
    return _INLINE_LINK.findall(prose) + _REFERENCE_LINK.findall(prose)


@pytest.mark.parametrize("path", MARKDOWN, ids=_rel)
def test_relative_links_resolve(path: Path):
    broken = []
    for target in _links(path):
        if target.startswith("#") or _SCHEME.match(target):
            continue
        file_part = target.split("#", 1)[0]
        if not (path.parent / file_part).exists():
            broken.append(target)
    assert not broken, f"{_rel(path)}: links to missing files: {broken}"


def test_link_finder_finds_links():
    assert "docs/getting-started.md" in _links(REPO / "README.md")
    assert {"cli.md", "examples/first-plan/", "scenario.md"} <= set(_links(DOCS / "getting-started.md"))
    assert "img/map.png" in _links(DOCS / "gallery.md")  # images too
    assert not _links_in("`[a](nowhere.md)` and\n```\n[b](nowhere.md)\n```\n")


# --- (c) every `planner …` command line shown in the docs parses -------------------------------------


def _shell_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of every line in the file's shell and unlabelled fenced blocks."""
    found: list[tuple[int, str]] = []
    fence: str | None = None
    shell = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _FENCE.match(line)
        if fence is None and match:
            fence, shell = match.group(1), match.group(2).lower() in _SHELL_FENCES
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is not None and shell:
            found.append((number, line.strip()))
    return found


def _planner_commands(line: str) -> list[list[str]]:
    """The argument lists of the ``planner`` invocations on a shell line (after ``&&``, ``;`` or ``|`` too)."""
    line = line.removeprefix("$ ")
    if not re.search(r"(^|[\s/])planner\s", line):
        return []
    tokens = shlex.split(line, comments=True)
    commands: list[list[str]] = []
    segment: list[str] = []
    for token in [*tokens, "&&"]:
        if token in ("&&", "||", ";", "|"):
            if segment and (segment[0] == "planner" or segment[0].endswith("/planner")):
                commands.append(segment[1:])
            segment = []
        else:
            segment.append(token)
    return commands


def _documented_commands() -> list[Any]:
    params = []
    for path in MARKDOWN:
        for number, line in _shell_lines(path):
            if "..." in line or "…" in line:  # a synopsis or an elided example, not a command to type
                continue
            for args in _planner_commands(line):
                params.append(pytest.param(line, args, id=f"{_rel(path)}:{number}"))
    return params


def _parse(args: list[str]) -> None:
    """Parse ``planner ARGS`` as the CLI would, without running it; raises click's UsageError."""
    command: Any = typer.main.get_command(app)
    name = "planner"
    ctx = command.context_class(command, info_name=name)
    while hasattr(command, "commands"):
        if not args:
            raise _CLICK_USAGE_ERROR(f"`{name}` needs a command", ctx=ctx)
        if args[0] in ("--help", "--version"):
            return
        sub = command.commands.get(args[0])
        if sub is None:
            raise _CLICK_USAGE_ERROR(f"`{name}` has no command {args[0]!r}", ctx=ctx)
        name, command, args = args[0], sub, args[1:]
        if hasattr(command, "commands"):
            ctx = command.context_class(command, info_name=name, parent=ctx)
    if "--help" in args:
        return
    command.make_context(name, list(args), parent=ctx, resilient_parsing=False)


DOCUMENTED = _documented_commands()


def test_documented_commands_found():
    ids = {p.id.split(":")[0] for p in DOCUMENTED}
    assert {"README.md", "docs/getting-started.md"} <= ids
    assert len(DOCUMENTED) >= 5


@pytest.mark.parametrize(("line", "args"), DOCUMENTED)
def test_documented_command_parses(line: str, args: list[str]):
    try:
        _parse(args)
    except _CLICK_USAGE_ERROR as exc:
        pytest.fail(f"{line!r} does not parse: {exc.format_message()}")


@pytest.mark.parametrize(
    "line",
    [
        "planner plan --no-such-option",
        "planner frobnicate",
        "planner aircraft",
        "planner aircraft fly anka",
        "planner batch -o out/",
        "planner batch in.toml -o out/ --workers 0",
        "planner check",
    ],
)
def test_parse_refuses_bad_lines(line: str):
    (args,) = _planner_commands(line)
    with pytest.raises(_CLICK_USAGE_ERROR):
        _parse(args)


def test_planner_commands_split_chains_and_comments():
    line = "python3 -m venv .venv && .venv/bin/planner plan -o demo --overwrite  # the demo"
    assert _planner_commands(line) == [["plan", "-o", "demo", "--overwrite"]]
    assert _planner_commands("dask worker tcp://host:8786 --nworkers 8") == []


# --- (d) the newcomer example plans and serves every task --------------------------------------------


def test_first_plan_example_serves_every_task():
    scenario = planner.read_scenario(FIRST_PLAN)
    plan = planner.make_plan(scenario, time_limit_s=5, seed=0, max_iterations=300)
    tasks = {t.name for t in plan.tasks if t.kind != "nofly"}
    assert 3 <= len(tasks) <= 6
    assert not plan.unserved, plan.unserved
    assert set(plan.served) == tasks
