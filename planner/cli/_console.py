"""Shared consoles: data to stdout, progress and messages to stderr.

When stdout is not a terminal (a pipe, a log, CI) tables are laid out 160 columns wide instead of
rich's default 80, so names are not cut.
"""

from __future__ import annotations

import sys

from rich.console import Console

PIPE_WIDTH = 160

out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else PIPE_WIDTH)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else PIPE_WIDTH)
