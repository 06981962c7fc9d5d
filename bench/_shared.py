"""What the bench scripts share: messages on stderr, measuring in a process of its own, the table they print,
and the code they measured.

Each script runs as ``python bench/<name>.py``, which puts this directory first on ``sys.path``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def table(header: list[str], rows: list[list[str]], left: int = 1) -> str:
    """Columns aligned: the first ``left`` to the left (labels), the others to the right (figures)."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i < left else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def code_version() -> str:
    """The commit under test, and whether files differ from it (another change in progress is measured too)."""
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)  # noqa: S603 S607
    status = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)  # noqa: S603 S607
    changed = len(status.stdout.splitlines())
    return f"commit {commit.stdout.strip() or '?'}" + (f" with {changed} modified files" if changed else "")


def measure_in_process(script: str, arguments: list[str], env: dict[str, str], label: str) -> Any:
    """Run ``script --measure …`` in a process of its own (Django configured for one database) and read the
    JSON it prints last."""
    done = subprocess.run(  # noqa: S603 (a bench script, fixed arguments)
        [sys.executable, script, "--measure", *arguments], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    if done.returncode:
        sys.exit(f"{label}: measuring failed (exit status {done.returncode}):\n{done.stdout}")
    return json.loads(done.stdout.strip().splitlines()[-1])
