"""``python -m tests.golden``: regenerate the golden outputs (then review the diff)."""

from tests.golden import FILES, regenerate

regenerate()
print(f"rewrote {FILES}; review `git diff --stat {FILES}` before committing")
