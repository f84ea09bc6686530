"""Session sinks: the JSONL event stream (DESIGN.md §5) written line by line, flushed as it goes
so a crash or a lost device never loses what was already written."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import IO

from assist_app.events import Event
from assist_app.outfiles import partial_path, replace_into


class JsonlSink:
    """Writes ``Event.to_json()`` one object a line to a file or stream (callable as a sink)."""

    def __init__(self, target: Path | IO[str]) -> None:
        self._target: Path | None = None
        if isinstance(target, Path):
            # Lines go to the stand-in as they come (a crash keeps them there); ``close`` renames it
            # over the target, so the target is never half-written (``outfiles``).
            target.parent.mkdir(parents=True, exist_ok=True)
            self._target = target
            self._fh: IO[str] = partial_path(target).open("w", encoding="utf-8")
            self._owns = True
        else:
            self._fh = target
            self._owns = False
        self._lock = threading.Lock()
        self.count = 0

    def __call__(self, event: Event) -> None:
        line = json.dumps(event.to_json(), ensure_ascii=False)
        with self._lock:
            self._fh.write(line + "\n")
            self._fh.flush()
            self.count += 1

    def close(self) -> None:
        with self._lock:
            if self._owns and not self._fh.closed:
                self._fh.close()
                if self._target is not None:
                    replace_into(partial_path(self._target), self._target)


class CollectSink:
    """Keeps every event in memory (tests, ``transcribe``, ``qa``)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)

    def snapshot(self) -> list[Event]:
        with self._lock:
            return list(self.events)
