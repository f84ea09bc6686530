"""One call: a source feeds transcript events, one analysis thread turns them into guidance.

The same ``CallSession`` runs live calls (an audio source with ASR workers), demo mode (a
scripted transcript) and tests; only the injected ``CallSource`` changes (STYLE.md: one path for
live, demo and test). Threads:

- the source's own thread(s) call ``emit`` with transcript-level events (level, partial, final);
- one analysis thread drains the inbound queue, runs the ``Analyzer`` and publishes every event
  (transcript and guidance) to the bounded ``outbound`` queue and to the sinks (store, JSONL);
- the GUI drains ``outbound`` with a timer; nothing here knows about Qt.

Shutdown order: stop the source → sentinel to the analysis thread → join with timeouts →
``CallEnded`` published → sinks closed by their owners.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from assist_app.events import CallEnded, CallStarted, EndReason, Event, FinalText, StatusCode, StatusEvent

log = logging.getLogger(__name__)

EmitFn = Callable[[Event], None]
Sink = Callable[[Event], None]


class CallSource(Protocol):
    """Produces transcript-level events for one call until exhausted or asked to stop.

    ``run`` is called on a thread the session owns. It calls ``emit`` with ``LevelEvent``,
    ``PartialText``, ``FinalText`` and ``StatusEvent`` objects whose ``t`` is call-audio time, and
    returns when the source is exhausted or ``stop`` is set. It must return within about a second
    of ``stop`` being set.
    """

    name: str

    def run(self, emit: EmitFn, stop: threading.Event) -> None: ...


class Analyzer(Protocol):
    """Turns transcript events into guidance events (implemented by analysis.GuidanceEngine)."""

    def handle(self, event: Event) -> list[Event]: ...

    def tick(self, t: float) -> list[Event]: ...

    def finish(self, t: float) -> list[Event]: ...


_SENTINEL = object()


class CallSession:
    """Runs one call from ``start()`` to ``stop()``; see the module docstring for the threads."""

    TICK_S = 0.5  # how often timers (hold reminders, silence) are checked without input

    def __init__(
        self,
        *,
        source: CallSource,
        analyzer: Analyzer,
        sinks: Sequence[Sink] = (),
        call_id: str | None = None,
        outbound_size: int = 10_000,
        inbound_size: int = 10_000,
    ) -> None:
        self.call_id = call_id or uuid.uuid4().hex[:12]
        self.source = source
        self._analyzer = analyzer
        self._sinks = list(sinks)
        self.outbound: queue.Queue[Event] = queue.Queue(maxsize=outbound_size)
        self._inbound: queue.Queue[object] = queue.Queue(maxsize=inbound_size)
        self._stop = threading.Event()
        self._source_done = threading.Event()
        self._ended = threading.Event()
        self._source_thread: threading.Thread | None = None
        self._analysis_thread: threading.Thread | None = None
        self._last_t = 0.0
        self.dropped_outbound = 0
        self.dropped_inbound = 0
        self._end_reason = EndReason.NORMAL
        self._utterances = 0  # final utterances numbered so far (``Event.utterance``)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._source_thread is not None:
            raise RuntimeError("session already started")
        self._publish(CallStarted(t=0.0, call_id=self.call_id, source=self.source.name))
        self._analysis_thread = threading.Thread(target=self._analysis_loop, name="analysis", daemon=True)
        self._analysis_thread.start()
        self._source_thread = threading.Thread(target=self._source_main, name="source", daemon=True)
        self._source_thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the call has ended (source exhausted and analysis drained)."""
        return self._ended.wait(timeout)

    def stop(self, reason: EndReason | str = EndReason.NORMAL, timeout: float = 5.0) -> None:
        """Stop the source, drain analysis, publish ``CallEnded``; idempotent. ``reason`` must be an
        ``EndReason`` value (a misspelt one raises here, not in the store)."""
        self._end_reason = EndReason(reason) if not self._ended.is_set() else self._end_reason
        self._stop.set()
        deadline = time.monotonic() + timeout
        for th in (self._source_thread, self._analysis_thread):
            if th is not None:
                th.join(max(0.1, deadline - time.monotonic()))
                if th.is_alive():
                    log.error("thread %s did not stop within %.1fs", th.name, timeout)

    def send(self, command: Event) -> bool:
        """Queue a command from the panel (e.g. ``SuggestionUsed``) for the analysis thread, in
        order with the source's events; False when the call is not running or the queue is full.

        The GUI thread never calls the analyzer itself: state the analysis thread owns is only
        changed there (issue 11)."""
        if not self.running or self._stop.is_set():
            return False
        try:
            self._inbound.put_nowait(command)
        except queue.Full:
            self.dropped_inbound += 1
            return False
        return True

    @property
    def source_finished(self) -> bool:
        """The source came to its end by itself (a scenario played through), not by ``stop``."""
        return self._source_done.is_set() and not self._stop.is_set()

    @property
    def running(self) -> bool:
        return self._source_thread is not None and not self._ended.is_set()

    # -- threads -----------------------------------------------------------------------------

    def _emit_from_source(self, event: Event) -> None:
        try:
            self._inbound.put_nowait(event)
        except queue.Full:
            self.dropped_inbound += 1

    def _source_main(self) -> None:
        try:
            self.source.run(self._emit_from_source, self._stop)
        except Exception as exc:  # a broken source must not lose what was captured
            log.exception("call source %s failed", self.source.name)
            self._end_reason = EndReason.ERROR
            self._emit_from_source(StatusEvent(t=self._last_t, code=StatusCode.SOURCE_ERROR,
                                               message=f"音频来源出错：{exc}"))
        finally:
            self._source_done.set()
            self._inbound.put(_SENTINEL)

    def _analysis_loop(self) -> None:
        try:
            while True:
                try:
                    item = self._inbound.get(timeout=self.TICK_S)
                except queue.Empty:
                    for ev in self._analyzer.tick(self._last_t):
                        self._publish(ev)
                    continue
                if item is _SENTINEL:
                    break
                assert isinstance(item, Event)
                if isinstance(item, FinalText) and item.text.strip():
                    # One index per final utterance, carried by everything derived from it.
                    item = replace(item, utterance=self._utterances)
                    self._utterances += 1
                self._last_t = max(self._last_t, item.t)
                self._publish(item)
                for ev in self._analyzer.handle(item):
                    self._publish(ev)
            for ev in self._analyzer.finish(self._last_t):
                self._publish(ev)
        except Exception:
            log.exception("analysis thread failed")
            self._end_reason = EndReason.ERROR
        finally:
            self._publish(CallEnded(t=self._last_t, call_id=self.call_id, reason=self._end_reason))
            self._ended.set()

    def _publish(self, event: Event) -> None:
        try:
            self.outbound.put_nowait(event)
        except queue.Full:
            self.dropped_outbound += 1
        for sink in self._sinks:
            try:
                sink(event)
            except Exception:
                log.exception("sink %r failed on %s", sink, event.type_name)
