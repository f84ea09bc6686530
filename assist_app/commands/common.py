"""Helpers shared by the live-pipeline commands: messages, exit codes, outputs, model and engine loading.

User-facing output is Simplified Chinese on stderr; machine output (JSONL/JSON) goes to the file
given with ``-o``/``--json`` or to stdout. Exit status: 0 done, 1 finished with problems (bad audio,
some files failed), 2 could not start (no model, no device, bad arguments).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from assist_app.outfiles import OutputPathError, atomic_write, check_output

log = logging.getLogger(__name__)

EXIT_OK, EXIT_PROBLEMS, EXIT_CANNOT_START = 0, 1, 2


def err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@contextmanager
def open_out(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
    else:
        with atomic_write(path) as fh:
            yield fh


def outputs_ok(outputs: list[tuple[Path | None, bool]], inputs: list[Path]) -> bool:
    """Check (path, is_folder) outputs before a long run; False (message printed) if one is unusable."""
    try:
        for path, folder in outputs:
            check_output(path, inputs=inputs, folder=folder)
    except OutputPathError as exc:
        log.error("%s", exc)
        err(exc.message_zh)
        return False
    return True


def add_engine_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=["auto", "vosk", "whisper"],
        default="auto",
        help="识别引擎：auto（默认，已安装 Whisper 时用 Whisper，否则 Vosk）、vosk、whisper",
    )


def find_model_or_explain(cli_model: Path | None) -> Path | None:
    from assist_app.asr.models import ModelNotFoundError, find_model

    try:
        return find_model(cli_model)
    except ModelNotFoundError as exc:
        err(exc.message_zh)
        return None


def find_whisper_or_explain(cli_model: Path | None) -> Path | None:
    from assist_app.asr.models import ModelNotFoundError, find_whisper_model

    try:
        return find_whisper_model(cli_model)
    except ModelNotFoundError as exc:
        err(exc.message_zh)
        return None


def choose_engine(wanted: str, cli_model: Path | None) -> str | None:
    """``vosk`` or ``whisper`` for ``--engine``; None (after saying why) if it cannot be used.

    ``auto``: the kind of ``--model`` when given, else Whisper when its runtime and a Whisper
    model are installed, else Vosk.
    """
    from assist_app.asr.models import ModelKind, ModelNotFoundError, detect_kind, find_whisper_model
    from assist_app.asr.whisper import whisper_runtime_available

    if wanted == "auto":
        if cli_model is not None and cli_model.is_dir():
            wanted = detect_kind(cli_model).value
        else:
            try:
                find_whisper_model(None)
                has_model = True
            except ModelNotFoundError:
                has_model = False
            wanted = "whisper" if has_model and whisper_runtime_available() else "vosk"
    if wanted == ModelKind.WHISPER.value and not whisper_runtime_available():
        err("没有安装 Whisper 运行库（faster-whisper），请安装：pip install 'assist-app[whisper]'，"
             "或改用 --engine vosk")
        return None
    return wanted


def load_engine(model_dir: Path, *, live: bool = False) -> Any:
    """The model; ``live``: with the live decoder settings (``LIVE_DECODER``, issue 15)."""
    from assist_app.asr.engine import LIVE_DECODER, ModelLoadError, VoskEngine

    err(f"正在加载语音识别模型：{model_dir}")
    try:
        return VoskEngine(model_dir, decoder=LIVE_DECODER if live else None)
    except ModelLoadError as exc:
        log.error("%s", exc)
        err(exc.message_zh)
        return None


def load_whisper(model_dir: Path) -> Any:
    from assist_app.asr.engine import ModelLoadError
    from assist_app.asr.whisper import WhisperEngine

    err(f"正在加载 Whisper 模型：{model_dir}")
    try:
        return WhisperEngine(model_dir)
    except ModelLoadError as exc:
        log.error("%s", exc)
        err(exc.message_zh)
        return None


def make_analyzer(library_dir: Path | None, call_id: str) -> Any:
    """The guidance engine if it loads, else None (with the reason on stderr)."""
    try:
        from assist_app.analysis.engine import EngineFactory
        from assist_app.library import load_library
    except ImportError as exc:  # the analysis core is optional for transcription
        log.error("analysis engine unavailable: %s", exc)
        err("分析引擎不可用，只输出转写结果")
        return None
    try:
        library = load_library(library_dir)
    except Exception as exc:
        problems = getattr(exc, "problems", None)
        err(
            "话术库有问题：\n  " + "\n  ".join(str(p) for p in problems)
            if problems
            else f"话术库有问题：{exc}"
        )
        return None
    return EngineFactory(library)(call_id)
