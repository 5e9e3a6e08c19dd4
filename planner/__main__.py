"""``python -m planner`` and the ``planner`` command."""

import os
import signal
import sys


def _interrupted_while_loading(signum: int, frame: object) -> None:
    sys.stderr.write("interrupted; nothing written\n")
    os._exit(130)


def run() -> int:
    """Load the CLI and run it; Ctrl-C while it loads exits 130 with the CLI's line, not a traceback."""
    signal.signal(signal.SIGINT, _interrupted_while_loading)
    from planner.cli import main  # after the handler: loading the CLI takes seconds on a busy machine

    signal.signal(signal.SIGINT, signal.default_int_handler)
    return main()


if __name__ == "__main__":
    sys.exit(run())
