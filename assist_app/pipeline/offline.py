"""Offline transcription of recorded calls through the live pipeline (file replay at full speed).

``transcribe_files`` runs the same ``LiveSource`` → ``CallSession`` path as a live call, with a
pass-through analyzer, and returns the final utterances in call-time order. The two channels are
recognised in parallel, so finals arrive interleaved; sorting by start time restores the order a
live call would have had, which is what the analysis engine expects (DESIGN.md §5 ``analyze``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assist_app.asr.engine import RecognizerFactory
from assist_app.audio.errors import AudioError
from assist_app.audio.replay import FileReplay, ProgressFn
from assist_app.events import Event, FinalText, Speaker, StatusEvent
from assist_app.pipeline.live import LiveSource
from assist_app.pipeline.session import CallSession
from assist_app.pipeline.sinks import CollectSink

log = logging.getLogger(__name__)


class PassThroughAnalyzer:
    """An ``Analyzer`` that adds nothing (transcription only)."""

    def handle(self, event: Event) -> list[Event]:
        return []

    def tick(self, t: float) -> list[Event]:
        return []

    def finish(self, t: float) -> list[Event]:
        return []


@dataclass(frozen=True, slots=True)
class Transcript:
    """What came out of one recording."""

    call_id: str
    finals: tuple[FinalText, ...]  # sorted by start time
    statuses: tuple[StatusEvent, ...]
    duration: float
    error: AudioError | None

    def analyze_lines(self) -> list[dict[str, Any]]:
        """The ``analyze`` input format (DESIGN.md §5), one dict per utterance."""
        return [
            {
                "call_id": self.call_id,
                "speaker": f.speaker.value if f.speaker else Speaker.AGENT.value,
                "text": f.text,
                "start": f.start,
                "end": f.end,
            }
            for f in self.finals
        ]


def _order_key(f: FinalText) -> tuple[float, int]:
    start = f.start if f.start is not None else f.t
    return (start, 0 if f.speaker is Speaker.AGENT else 1)


def transcribe_files(
    paths: Sequence[Path],
    recognizer_factory: RecognizerFactory,
    *,
    call_id: str | None = None,
    mono_speaker: Speaker = Speaker.AGENT,
    on_progress: ProgressFn | None = None,
    timeout_s: float | None = None,
) -> Transcript:
    """Transcribe one stereo file or agent + customer mono files; raises ``AudioFileError``
    before starting if a file is missing or unreadable."""
    feed = FileReplay.from_paths(list(paths), mono_speaker=mono_speaker, speed=0, on_progress=on_progress)
    source = LiveSource(feed, recognizer_factory, emit_levels=False)
    sink = CollectSink()
    cid = call_id or Path(paths[0]).stem
    session = CallSession(source=source, analyzer=PassThroughAnalyzer(), sinks=[sink], call_id=cid)
    session.start()
    try:
        if not session.wait(timeout_s):
            log.error("transcription of %s timed out", [str(p) for p in paths])
    except KeyboardInterrupt:
        session.stop(reason="interrupted")
        raise
    finally:
        session.stop()
    events = sink.snapshot()
    finals = sorted((e for e in events if isinstance(e, FinalText)), key=_order_key)
    statuses = tuple(e for e in events if isinstance(e, StatusEvent))
    return Transcript(
        call_id=cid,
        finals=tuple(finals),
        statuses=statuses,
        duration=feed.duration,
        error=source.error,
    )

