"""``python -m planner`` and the ``planner`` command."""

import os
import signal
import sys
from types import FrameType

_INTERRUPTED = "interrupted; nothing written"  # planner.cli.INTERRUPTED, before the CLI is loaded


def _unsafe(frame: FrameType | None) -> bool:
    """Whether a KeyboardInterrupt raised in ``frame`` would come out as another error's traceback: while a
    module loads (numpy's C extensions turn it into an ImportError) or inside numba's dispatcher (a
    SystemError), outside a batch (whose workers stop on their own and whose summary must be written)."""
    batch = sys.argv[1:2] == ["batch"]
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith("<frozen importlib") or (not batch and f"{os.sep}numba{os.sep}" in name):
            return True
        frame = frame.f_back
    return False


def _on_ctrl_c(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C: a KeyboardInterrupt, except where that would surface as another error (:func:`_unsafe`); there
    nothing is being written, so exit 130 at once with the CLI's line."""
    if not _unsafe(frame):
        raise KeyboardInterrupt
    cli = sys.modules.get("planner.cli")
    line = cli.interrupted_line() if cli is not None and hasattr(cli, "interrupted_line") else _INTERRUPTED
    sys.stderr.write(line + "\n")
    os._exit(130)


def run() -> int:
    """Run the CLI with Ctrl-C handled while it and each command's libraries load (exit 130, one line)."""
    signal.signal(signal.SIGINT, _on_ctrl_c)
    from planner.cli import main  # after the handler: loading the CLI takes seconds on a busy machine

    return main()


if __name__ == "__main__":
    sys.exit(run())
