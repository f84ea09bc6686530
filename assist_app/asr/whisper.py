"""Whisper base through faster-whisper (CTranslate2, int8 on CPU): utterance-at-a-time recognition.

Whisper does not stream, so it never replaces Vosk for live partials. It serves recorded calls
(``transcribe``/``qa``), the live second pass that corrects finished utterances, and the Mandarin
end-to-end tests. Settings are the ones measured in DESIGN.md §4: ``language="zh"``, beam 5,
``condition_on_previous_text=False``, output through OpenCC t2s (Whisper often writes traditional
characters). Long audio is cut with the Silero VAD that faster-whisper ships and decoded one
utterance at a time, because Whisper's own long-form decoding skips whole chunks.

``WhisperEngine.decode`` returns the same ``RecognitionResult`` as the Vosk engine's parser, so the
rest of the pipeline does not care which engine produced a final. faster-whisper and its runtime
are optional (the ``whisper`` extra); ``whisper_runtime_available`` says whether they import.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from assist_app.asr.engine import SAMPLE_RATE, ModelLoadError, RecognitionResult
from assist_app.textnorm import to_simplified

log = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]

# Whisper's window is 30 s; an utterance longer than this is cut by the VAD at its quietest point.
MAX_UTTERANCE_S = 25.0
# Silero VAD settings for one speaker's channel of a call: turns are separated by the other
# side talking (the default 2 s minimum silence would glue several turns together).
VAD_MIN_SILENCE_MS = 600
VAD_SPEECH_PAD_MS = 200
VAD_MIN_SPEECH_MS = 250
MIN_DECODE_S = 0.3  # shorter clips are noise more often than speech; Whisper invents text for them


def whisper_runtime_available() -> bool:
    """True when faster-whisper (and so CTranslate2) can be imported."""
    try:
        return importlib.util.find_spec("faster_whisper") is not None
    except (ImportError, ValueError):
        return False


@dataclass(frozen=True, slots=True)
class SpeechSpan:
    """One stretch of speech found by the VAD, in seconds from the start of the samples."""

    start: float
    end: float


def as_float32(samples: npt.NDArray[Any]) -> F32:
    """16 kHz mono int16 or float samples → float32 in [-1, 1] (what faster-whisper takes)."""
    arr = np.asarray(samples).reshape(-1)
    if arr.dtype == np.int16:
        return (arr.astype(np.float32) / np.float32(32768.0)).astype(np.float32)
    return arr.astype(np.float32, copy=False)


def speech_spans(samples: npt.NDArray[Any], *, max_utterance_s: float = MAX_UTTERANCE_S) -> list[SpeechSpan]:
    """Utterances in one channel of 16 kHz audio, by faster-whisper's Silero VAD."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    audio = as_float32(samples)
    if len(audio) == 0:
        return []
    opts = VadOptions(
        min_silence_duration_ms=VAD_MIN_SILENCE_MS,
        speech_pad_ms=VAD_SPEECH_PAD_MS,
        min_speech_duration_ms=VAD_MIN_SPEECH_MS,
        max_speech_duration_s=max_utterance_s,
    )
    stamps = get_speech_timestamps(audio, opts, sampling_rate=SAMPLE_RATE)
    return [SpeechSpan(float(s["start"]) / SAMPLE_RATE, float(s["end"]) / SAMPLE_RATE) for s in stamps]


class WhisperEngine:
    """One loaded Whisper model; ``decode`` is safe to call from several threads (serialised)."""

    kind = "whisper"

    def __init__(
        self,
        model_dir: Path,
        *,
        cpu_threads: int = 0,
        beam_size: int = 5,
        compute_type: str = "int8",
    ) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise ModelLoadError(
                f"faster-whisper is not installed: {exc}",
                "没有安装 Whisper 运行库（faster-whisper），请安装：pip install 'assist-app[whisper]'",
            ) from exc
        self.model_dir = model_dir
        self.beam_size = beam_size
        t0 = time.perf_counter()
        try:
            self._model = WhisperModel(
                str(model_dir), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads
            )
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError for bad folders
            raise ModelLoadError(
                f"faster-whisper could not load the model in {model_dir}: {exc}",
                f"无法加载 Whisper 模型（文件夹不是可用的 Whisper 模型或已损坏）：{model_dir}",
            ) from exc
        self.load_seconds = time.perf_counter() - t0
        self._lock = threading.Lock()
        log.info("loaded Whisper model %s in %.2fs", model_dir, self.load_seconds)

    def decode(self, samples: npt.NDArray[Any]) -> RecognitionResult:
        """Recognise one utterance (16 kHz mono); simplified Chinese text, no word timings."""
        audio = as_float32(samples)
        if len(audio) < MIN_DECODE_S * SAMPLE_RATE:
            return RecognitionResult(text="", words=())
        with self._lock:  # one decode at a time: each already uses all the CPU threads it was given
            segments, _info = self._model.transcribe(
                audio,
                language="zh",
                task="transcribe",
                beam_size=self.beam_size,
                condition_on_previous_text=False,
                vad_filter=False,
                without_timestamps=True,
            )
            text = "".join(seg.text for seg in segments)  # the generator decodes as it is consumed
        return RecognitionResult(text=to_simplified(text.strip()), words=())
