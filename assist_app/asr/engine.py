"""Vosk behind a small interface: one ``Model`` shared, one recognizer per channel.

``StreamingRecognizer`` mirrors the part of ``vosk.KaldiRecognizer`` the pipeline uses, so
unit tests inject scripted fakes and the real engine is only needed by integration tests.
Results are parsed into ``RecognizedWord``/``RecognitionResult`` here, with times relative to
the recognizer's own stream start; the ASR worker shifts them to call time.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from assist_app.asr import fstfile

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


# Decoder settings for live use, chosen by measurement (BENCHMARKS.md, "Flags at the first word"):
# ``frames-per-chunk``: Vosk's looped nnet3 decodable advances the best path once per chunk; the
# Kaldi default (20, rounded up to 21 by the frame subsampling of 3) holds every word back by up
# to 210 ms; 6 brought the median word to the screen ~0.1 s sooner for ~40 % more CPU. The
# endpoint rules' trailing silences decide how soon a final comes after speech stops (rule2:
# after a confident hypothesis, rule3: after any); the model's own are 0.5 / 1.0 s. A banned
# phrase that never shows in a partial is flagged when the final comes, so sooner finals matter.
LIVE_DECODER: Mapping[str, str] = {
    "frames-per-chunk": "6",
    "endpoint.rule2.min-trailing-silence": "0.2",
    "endpoint.rule3.min-trailing-silence": "0.7",
}
# Capture block for live calls: Vosk only sees audio a block at a time, so a block adds up to its
# length to every word's latency; 50 ms halves the old 100 ms at no measurable CPU cost.
LIVE_BLOCK_S = 0.05


def model_conf_with(text: str, overrides: Mapping[str, str]) -> str:
    """``model.conf`` text with ``--key=value`` lines replaced or appended for ``overrides``."""
    lines = []
    seen: set[str] = set()
    for line in text.splitlines():
        key = line.strip().split("=", 1)[0].removeprefix("--")
        if key in overrides:
            lines.append(f"--{key}={overrides[key]}")
            seen.add(key)
        else:
            lines.append(line)
    lines += [f"--{k}={v}" for k, v in overrides.items() if k not in seen]
    return "\n".join(lines) + "\n"


def _write_conf(model_dir: Path, overrides: Mapping[str, str]) -> Callable[[Path], None]:
    def write(dst: Path) -> None:
        text = (model_dir / "conf" / "model.conf").read_text(encoding="utf-8", errors="replace")
        dst.write_text(model_conf_with(text, overrides), encoding="utf-8")

    return write


def _replacements(model_dir: Path, overrides: Mapping[str, str]) -> dict[str, Callable[[Path], None]]:
    """Files of the model's view that differ from the model folder, by path inside it, with
    what writes them: ``conf/model.conf`` with ``overrides``, and ``graph/Gr.fst`` without the
    copy of its word table that Vosk never reads (``fstfile``: ~70 MB less memory for the Korean
    model, identical recognition)."""
    out: dict[str, Callable[[Path], None]] = {}
    if overrides and (model_dir / "conf" / "model.conf").is_file():
        out["conf/model.conf"] = _write_conf(model_dir, overrides)
    graph = model_dir / "graph"
    if (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file():
        layout = fstfile.duplicate_input_symbols(graph / "Gr.fst")
        if layout is not None:
            out["graph/Gr.fst"] = partial(fstfile.write_without_input_symbols, graph / "Gr.fst", layout=layout)
    return out


def _fill_view(source: Path, view: Path, replace: Mapping[str, Callable[[Path], None]], prefix: str = "") -> None:
    """Mirror ``source`` into the folder ``view`` with symlinks, descending only into folders
    that hold a replaced file; a replacement that cannot be written (a full disk) falls back
    to a link to the original, so the model still loads, only with its own file."""
    for entry in source.iterdir():
        rel = prefix + entry.name
        target = view / entry.name
        if rel in replace:
            try:
                replace[rel](target)
                continue
            except OSError as exc:
                log.warning("cannot write %s for the model view (%s); using the model's own file", rel, exc)
                target.unlink(missing_ok=True)
        if entry.is_dir() and any(key.startswith(rel + "/") for key in replace):
            target.mkdir()
            _fill_view(entry, target, replace, rel + "/")
        else:
            os.symlink(entry.resolve(), target, target_is_directory=entry.is_dir())


def _model_view(model_dir: Path, overrides: Mapping[str, str]) -> Path | None:
    """A temporary folder that reads as ``model_dir`` (entries symlinked) but with the files of
    ``_replacements`` written anew; None when nothing differs, when symlinks are not possible
    (Windows without the right; then the model loads as it is) or the temporary folder cannot
    be made."""
    replace = _replacements(model_dir, overrides)
    if not replace:
        return None
    try:
        view = Path(tempfile.mkdtemp(prefix="assist-model-"))
    except OSError as exc:
        log.warning("cannot make a model view for %s (%s); loading the model as it is", model_dir, exc)
        return None
    try:
        _fill_view(model_dir, view, replace)
    except OSError as exc:
        log.warning("cannot make a model view for %s (%s); loading the model as it is", model_dir, exc)
        shutil.rmtree(view, ignore_errors=True)
        return None
    return view


class VoskEngine:
    """Loads one Vosk model and makes recognizers for it (thread-safe to share the model).

    ``decoder``: ``model.conf`` options to override (e.g. ``LIVE_DECODER``). The model folder is
    never written to: Vosk reads a temporary view of it (those settings, and a lookahead model's
    ``Gr.fst`` without its duplicate word table) that is deleted once the model is loaded.
    """

    def __init__(self, model_dir: Path, *, decoder: Mapping[str, str] | None = None) -> None:
        import vosk

        vosk.SetLogLevel(-1)  # Kaldi logs to stderr otherwise; our logging says what matters
        self.model_dir = model_dir
        self.decoder = dict(decoder or {})
        t0 = time.perf_counter()
        view = _model_view(model_dir, self.decoder)
        try:
            self._model = vosk.Model(str(view or model_dir))
        except Exception as exc:
            raise ModelLoadError(
                f"Vosk could not load the model in {model_dir}: {exc}",
                f"无法加载语音识别模型（文件夹不是可用的 Vosk 模型或已损坏）：{model_dir}",
            ) from exc
        finally:
            if view is not None:
                shutil.rmtree(view, ignore_errors=True)
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
