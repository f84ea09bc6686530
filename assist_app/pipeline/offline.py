"""Offline transcription of recorded calls through the live pipeline (file replay at full speed).

``transcribe_files`` runs the same ``LiveSource`` → ``CallSession`` path as a live call, with a
pass-through analyzer, and returns the final utterances in call-time order. The two channels are
recognised in parallel, so finals arrive interleaved; sorting by start time restores the order a
live call would have had, which is what the analysis engine expects (DESIGN.md §5 ``analyze``).

``transcribe_files_whisper`` is the Whisper path (issue 14): Whisper does not stream, so each side
is read whole, cut into utterances by the VAD and decoded one utterance at a time; the result is
the same ``Transcript``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from assist_app.asr.engine import RecognitionResult, RecognizerFactory
from assist_app.asr.whisper import SpeechSpan, speech_spans
from assist_app.audio.blocks import TARGET_RATE
from assist_app.audio.errors import AudioError
from assist_app.audio.replay import FileReplay, ProgressFn
from assist_app.events import EndReason, Event, FinalText, Speaker, StatusCode, StatusEvent
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
        session.stop(reason=EndReason.INTERRUPTED)
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



class UtteranceDecoder(Protocol):
    """What the Whisper path needs from an engine: one utterance of 16 kHz audio in, text out."""

    def decode(self, samples: npt.NDArray[Any]) -> RecognitionResult: ...


SpanFinder = Callable[[npt.NDArray[np.int16]], Sequence[SpeechSpan]]


def read_channels(feed: FileReplay) -> tuple[dict[Speaker, npt.NDArray[np.int16]], AudioError | None]:
    """Every channel of a replay as one 16 kHz int16 array per speaker (what was readable, and
    the error that stopped reading, if any)."""
    blocks: dict[Speaker, list[npt.NDArray[np.int16]]] = {sp: [] for sp in feed.speakers}
    error: AudioError | None = None
    try:
        feed.run(lambda b: blocks[b.speaker].append(b.samples), lambda _s: None, threading.Event())
    except AudioError as exc:
        log.warning("reading %s stopped: %s", feed.name, exc)
        error = exc
    empty = np.zeros(0, dtype=np.int16)
    return {sp: np.concatenate(parts) if parts else empty for sp, parts in blocks.items()}, error


def transcribe_files_whisper(
    paths: Sequence[Path],
    engine: UtteranceDecoder,
    *,
    call_id: str | None = None,
    mono_speaker: Speaker = Speaker.AGENT,
    on_progress: ProgressFn | None = None,
    find_spans: SpanFinder | None = None,
) -> Transcript:
    """Transcribe a recording with an utterance-at-a-time engine (Whisper).

    Each side's channel is cut into utterances by the VAD and decoded one at a time; the result
    has the same shape as ``transcribe_files`` (finals in call-time order with start/end), so
    ``analyze``/``qa`` work on it unchanged. ``on_progress`` gets (seconds of speech decoded,
    seconds of speech found). Raises ``AudioFileError`` before starting for unreadable files.
    """
    feed = FileReplay.from_paths(list(paths), mono_speaker=mono_speaker, speed=0)
    cid = call_id or Path(paths[0]).stem
    channels, error = read_channels(feed)
    finder = find_spans or speech_spans
    work = [(sp, span) for sp, audio in channels.items() for span in finder(audio)]
    total = sum(span.end - span.start for _sp, span in work)
    done = 0.0
    finals: list[FinalText] = []
    for speaker, span in work:
        audio = channels[speaker]
        clip = audio[int(span.start * TARGET_RATE) : int(span.end * TARGET_RATE)]
        result = engine.decode(clip)
        done += span.end - span.start
        if on_progress is not None:
            on_progress(done, total)
        if not result.text:
            continue
        finals.append(
            FinalText(
                t=span.end,
                speaker=speaker,
                text=result.text,
                start=round(span.start, 3),
                end=round(span.end, 3),
            )
        )
    statuses: tuple[StatusEvent, ...] = ()
    if error is not None:
        statuses = (StatusEvent(t=max((f.end or 0.0 for f in finals), default=0.0), speaker=None,
                                code=StatusCode.AUDIO_ERROR, message=error.message_zh),)
    return Transcript(
        call_id=cid,
        finals=tuple(sorted(finals, key=_order_key)),
        statuses=statuses,
        duration=feed.duration,
        error=error,
    )
