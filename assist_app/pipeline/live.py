"""The live ``CallSource``: an audio feed (devices or files) → levels/VAD → one ASR worker per
channel → transcript events with acoustic cues.

Threads (STYLE.md): the feed's own callback/pump (``run`` thread of the session) computes
level and VAD per block and queues audio to the ASR workers; each worker emits partial/final
text. Level events carry voice activity, from which the analysis engine times silent lines.
An audio error (file corrupt, device missing) becomes a ``StatusEvent`` in Chinese and
ends the call; everything emitted before stays with the session.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from assist_app.asr.engine import RecognizerFactory
from assist_app.audio.blocks import AudioBlock, AudioFeed
from assist_app.audio.errors import AudioError
from assist_app.audio.levels import dbfs
from assist_app.events import LevelEvent, StatusCode, StatusEvent
from assist_app.pipeline.acoustics import AcousticTracker
from assist_app.pipeline.asr_worker import AsrWorker
from assist_app.pipeline.second_pass import UtteranceAudio
from assist_app.pipeline.session import EmitFn

log = logging.getLogger(__name__)


class LiveSource:
    """A ``CallSource`` over an ``AudioFeed``; recognition is optional (levels only without)."""

    def __init__(
        self,
        feed: AudioFeed,
        recognizer_factory: RecognizerFactory | None,
        *,
        emit_levels: bool = True,
        on_utterance: Callable[[UtteranceAudio], object] | None = None,
    ) -> None:
        self.feed = feed
        self._on_utterance = on_utterance  # the second pass (``SecondPass.submit``), if on
        self.name = feed.name
        self._factory = recognizer_factory
        self._emit_levels = emit_levels
        self.tracker = AcousticTracker()
        self.error: AudioError | None = None
        self.workers: list[AsrWorker] = []

    def run(self, emit: EmitFn, stop: threading.Event) -> None:
        self.workers = []
        if self._factory is not None:
            self.workers = [
                AsrWorker(sp, self._factory, emit, self.tracker, on_utterance=self._on_utterance)
                for sp in self.feed.speakers
            ]
        by_speaker = {w.speaker: w for w in self.workers}
        for w in self.workers:
            w.start()

        def on_block(block: AudioBlock) -> None:
            level = dbfs(block.samples)
            voiced = self.tracker.observe(block.speaker, block.t, block.end, level)
            if self._emit_levels:
                emit(LevelEvent(t=block.t, speaker=block.speaker, dbfs=level, voiced=voiced))
            worker = by_speaker.get(block.speaker)
            if worker is not None:
                worker.put(block, stop)

        def on_status(event: StatusEvent) -> None:
            emit(event)

        try:
            self.feed.run(on_block, on_status, stop)
        except AudioError as exc:
            log.error("audio source %s failed: %s", self.name, exc)
            self.error = exc
            emit(StatusEvent(t=self.tracker.last_t, code=StatusCode.AUDIO_ERROR, message=exc.message_zh))
        finally:
            for w in self.workers:
                w.finish(abort=stop.is_set())
        failed = [w for w in self.workers if w.error is not None]
        if failed:
            raise RuntimeError(f"ASR worker(s) failed: {[w.speaker.value for w in failed]}")
