"""Session sinks: the JSONL event stream (DESIGN.md §5) written line by line, flushed as it goes
so a crash or a lost device never loses what was already written. Unlike the other outputs
(``outfiles.atomic_write``) the event file is written in place: it is a live stream that tools
read while the call runs (``listen -o``); its path is checked before listening starts."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import IO

from assist_app.events import Event


class JsonlSink:
    """Writes ``Event.to_json()`` one object a line to a file or stream (callable as a sink)."""

    def __init__(self, target: Path | IO[str]) -> None:
        if isinstance(target, Path):
            target.parent.mkdir(parents=True, exist_ok=True)
            self._fh: IO[str] = target.open("w", encoding="utf-8")
            self._owns = True
        else:
            self._fh = target
            self._owns = False
        self._lock = threading.Lock()
        self.count = 0

    def __call__(self, event: Event) -> None:
        if not event.on_wire:
            return
        line = json.dumps(event.to_json(), ensure_ascii=False)
        with self._lock:
            self._fh.write(line + "\n")
            self._fh.flush()
            self.count += 1

    def close(self) -> None:
        with self._lock:
            if self._owns and not self._fh.closed:
                self._fh.close()


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
