"""The command line's text progress bar (downloads, transcription)."""

from __future__ import annotations

import sys
import time
from typing import IO


class ProgressBar:
    """A one-line text progress bar on stderr (redrawn in place on a terminal, sparse otherwise)."""

    def __init__(self, label: str, stream: IO[str] | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_pct = -1
        self._last_draw = 0.0

    def update(self, done: float, total: float | None, unit: str = "") -> None:
        if total and total > 0:
            pct = int(100 * min(done, total) / total)
            now = time.monotonic()
            step_ok = pct >= self._last_pct + (1 if self._tty else 10) or pct == 100
            if (
                pct == self._last_pct
                or not step_ok
                or (self._tty and now - self._last_draw < 0.1 and pct < 100)
            ):
                return
            self._last_pct, self._last_draw = pct, now
            fill = int(self.width * pct / 100)
            bar = "#" * fill + "-" * (self.width - fill)
            text = f"{self.label} [{bar}] {pct:3d}%  {done:.1f}/{total:.1f}{unit}"
        else:
            text = f"{self.label} {done:.1f}{unit}"
        self.stream.write(("\r" + text) if self._tty else (text + "\n"))
        self.stream.flush()

    def close(self) -> None:
        if self._tty and self._last_pct >= 0:
            self.stream.write("\n")
            self.stream.flush()
