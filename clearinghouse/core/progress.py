"""A plain progress bar for long commands, without a dependency."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sized
from typing import Any, TypeVar

T = TypeVar("T")


def progress_bar(items: Iterable[T], *, label: str = "", total: int | None = None, stream: Any = None) -> Iterator[T]:
    """Yield the items while drawing ``label [####----] n/total`` on the stream (stderr by default)."""
    stream = stream or sys.stderr
    if total is None and isinstance(items, Sized):
        total = len(items)
    is_tty = hasattr(stream, "isatty") and stream.isatty()
    started = time.monotonic()
    done = 0
    last_drawn = 0.0

    def draw(final: bool = False) -> None:
        nonlocal last_drawn
        now = time.monotonic()
        if not final and now - last_drawn < 0.1:
            return
        last_drawn = now
        if total:
            filled = int(30 * done / total)
            bar = f"[{'#' * filled}{'-' * (30 - filled)}] {done}/{total}"
        else:
            bar = f"{done}"
        line = f"{label} {bar} {now - started:.1f}s"
        if is_tty:
            stream.write("\r" + line + ("\n" if final else ""))
        elif final:
            stream.write(line + "\n")
        stream.flush()

    for item in items:
        yield item
        done += 1
        draw()
    draw(final=True)
