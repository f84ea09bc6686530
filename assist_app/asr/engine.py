"""Vosk behind a small interface: one ``Model`` shared, one recognizer per channel.

``StreamingRecognizer`` mirrors the part of ``vosk.KaldiRecognizer`` the pipeline uses, so
unit tests inject scripted fakes and the real engine is only needed by integration tests.
Results are parsed into ``RecognizedWord``/``RecognitionResult`` here, with times relative to
the recognizer's own stream start; the ASR worker shifts them to call time.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000


class ModelLoadError(Exception):
    """The model folder could not be loaded by Vosk; ``message_zh`` is for the user."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh


class StreamingRecognizer(Protocol):
    """The subset of ``vosk.KaldiRecognizer`` we use (same method names and JSON strings)."""

    def AcceptWaveform(self, data: bytes) -> bool: ...

    def Result(self) -> str: ...

    def PartialResult(self) -> str: ...

    def FinalResult(self) -> str: ...


RecognizerFactory = Callable[[], StreamingRecognizer]


@dataclass(frozen=True, slots=True)
class RecognizedWord:
    """One recognized word with times from the recognizer's stream start and confidence."""

    word: str
    start: float
    end: float
    conf: float


@dataclass(frozen=True, slots=True)
class RecognitionResult:
    """A final result: text plus word timings (seconds from the recognizer's stream start)."""

    text: str
    words: tuple[RecognizedWord, ...]


def parse_final(raw: str) -> RecognitionResult:
    data: dict[str, Any] = json.loads(raw) if raw else {}
    words = tuple(
        RecognizedWord(
            word=str(w.get("word", "")),
            start=float(w.get("start", 0.0)),
            end=float(w.get("end", 0.0)),
            conf=float(w.get("conf", 1.0)),
        )
        for w in data.get("result", []) or []
    )
    return RecognitionResult(text=str(data.get("text", "")).strip(), words=words)


def parse_partial(raw: str) -> str:
    data: dict[str, Any] = json.loads(raw) if raw else {}
    return str(data.get("partial", "")).strip()


class VoskEngine:
    """Loads one Vosk model and makes recognizers for it (thread-safe to share the model)."""

    def __init__(self, model_dir: Path) -> None:
        import vosk

        vosk.SetLogLevel(-1)  # Kaldi logs to stderr otherwise; our logging says what matters
        self.model_dir = model_dir
        t0 = time.perf_counter()
        try:
            self._model = vosk.Model(str(model_dir))
        except Exception as exc:
            raise ModelLoadError(
                f"Vosk could not load the model in {model_dir}: {exc}",
                f"无法加载语音识别模型（文件夹不是可用的 Vosk 模型或已损坏）：{model_dir}",
            ) from exc
        self.load_seconds = time.perf_counter() - t0
        self._lock = threading.Lock()
        log.info("loaded Vosk model %s in %.2fs", model_dir, self.load_seconds)

    def new_recognizer(self) -> StreamingRecognizer:
        import vosk

        with self._lock:  # recognizer creation touches the shared model's caches
            rec = vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        rec.SetWords(True)
        rec.SetPartialWords(False)
        return rec  # type: ignore[no-any-return]
