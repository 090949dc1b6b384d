"""A progress bar for long commands: redrawn in place on a terminal, one line per tenth
elsewhere (logs, CI)."""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["TerminalProgress"]


class TerminalProgress:
    def __init__(self, stream: TextIO, *, enabled: bool = True, width: int = 30) -> None:
        self.stream = stream
        self.enabled = enabled
        self.width = width
        self.tty = stream.isatty()
        self.last_tenth = -1
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def show(self, done: int, total: int, *, counts: str = "", finished: bool = False) -> None:
        """`counts` replaces the plain "done/total" after the percentage."""
        if not self.enabled or not total:
            return
        fraction = done / total
        filled = int(self.width * fraction)
        text = (
            f"[{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} "
            f"{counts or f'{done}/{total}'}"
        )
        if self.tty:
            self.stream.write(f"\r{text}")
            if finished:
                self.stream.write("\n")
        elif int(fraction * 10) != self.last_tenth:
            self.last_tenth = int(fraction * 10)
            self.stream.write(f"{text}\n")
        self.stream.flush()
