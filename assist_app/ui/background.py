"""Blocking store calls off the GUI thread (issue 11).

The store's reads and writes run on its single writer thread and block their caller until done
(``StoreWriter.call``, up to 30 s). Calling them from a slot froze the window for that long when
the disk was slow, so the panel and 记录 start them from a short-lived worker thread, and a timer
delivers each result on the GUI thread (STYLE.md: no cross-thread Qt emits).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer


class BackgroundJobs(QObject):
    """Runs blocking calls on worker threads; results come back on the GUI thread.

    Each call gets its own short-lived thread (store calls are rare and user-driven); ``shutdown``
    joins them with a bound, so a closed window leaves no thread behind.
    """

    def __init__(self, parent: QObject | None = None, *, name: str = "store-job") -> None:
        super().__init__(parent)
        self._name = name
        self._results: queue.SimpleQueue[tuple[Callable[[Any], None], Any]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._timer = QTimer(self)
        self._timer.setInterval(20)
        self._timer.timeout.connect(self._drain)

    @property
    def busy(self) -> bool:
        """A job is running or its result has not been delivered yet."""
        return bool(self._threads)

    def submit(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
               on_error: Callable[[BaseException], None]) -> None:
        def run() -> None:
            try:
                result = fn()
            except Exception as exc:  # reported to the GUI thread, which shows it
                self._results.put((on_error, exc))
            else:
                self._results.put((on_done, result))

        thread = threading.Thread(target=run, name=self._name, daemon=True)
        self._threads.append(thread)
        thread.start()
        self._timer.start()

    def _drain(self) -> None:
        # Prune finished threads first: a finished thread has already queued its result.
        self._threads = [t for t in self._threads if t.is_alive()]
        while True:
            try:
                callback, value = self._results.get_nowait()
            except queue.Empty:
                break
            callback(value)
        if not self._threads:
            self._timer.stop()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Wait (bounded) for running jobs and drop their results; ``submit`` works again after."""
        self._timer.stop()
        for t in self._threads:
            t.join(timeout)
        self._threads = []
        while True:
            try:
                self._results.get_nowait()
            except queue.Empty:
                break
