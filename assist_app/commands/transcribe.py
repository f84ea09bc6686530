"""``assist-app transcribe``: recordings to ``analyze`` input lines (and the transcription ``qa`` shares)."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assist_app.commands.common import (
    EXIT_CANNOT_START,
    EXIT_OK,
    EXIT_PROBLEMS,
    add_engine_option,
    choose_engine,
    err,
    find_model_or_explain,
    find_whisper_or_explain,
    load_engine,
    load_whisper,
    open_out,
    outputs_ok,
)
from assist_app.commands.progress import ProgressBar
from assist_app.events import Speaker

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``transcribe``."""
    p = sub.add_parser("transcribe", help="把录音文件转写成 analyze 输入格式 JSONL")
    p.add_argument(
        "audio",
        nargs="+",
        type=Path,
        metavar="AUDIO",
        help="一个立体声文件（左坐席右客户）或 坐席、客户两个文件",
    )
    p.add_argument("--model", type=Path, default=None, help="语音识别模型文件夹（Vosk 或 Whisper）")
    add_engine_option(p)
    p.add_argument(
        "--mono-speaker", choices=[s.value for s in Speaker], default="agent", help="单声道文件的说话人"
    )
    p.add_argument("--call-id", default=None, help="通话编号（默认取文件名）")
    p.add_argument(
        "-o", "--output", type=Path, default=None, metavar="OUT.jsonl", help="输出文件（默认标准输出）"
    )
    p.set_defaults(handler=_transcribe)


def run_transcription(args: argparse.Namespace, label: str) -> tuple[Any, int]:
    """Shared by transcribe and qa: (Transcript or None, exit code if it failed)."""
    from assist_app.audio.errors import AudioError
    from assist_app.audio.replay import FileReplay
    from assist_app.pipeline.offline import transcribe_files, transcribe_files_whisper

    try:  # check the audio before loading a model for nothing
        FileReplay.from_paths(args.audio)
    except AudioError as exc:
        log.error("%s", exc)
        err(exc.message_zh)
        return None, EXIT_PROBLEMS
    engine_name = choose_engine(args.engine, args.model)
    if engine_name is None:
        return None, EXIT_CANNOT_START
    if engine_name == "whisper":
        whisper_dir = find_whisper_or_explain(args.model)
        engine = load_whisper(whisper_dir) if whisper_dir is not None else None
        err("识别引擎：Whisper（按语音分段逐句识别）")
    else:
        model_dir = find_model_or_explain(args.model)
        engine = load_engine(model_dir) if model_dir is not None else None
    if engine is None:
        return None, EXIT_CANNOT_START
    bar = ProgressBar(label)
    progress: Callable[[float, float], None] = lambda done, total: bar.update(done, total, " 秒")  # noqa: E731
    try:
        if engine_name == "whisper":
            transcript = transcribe_files_whisper(
                args.audio,
                engine,
                call_id=getattr(args, "call_id", None),
                mono_speaker=Speaker(args.mono_speaker),
                on_progress=lambda done, total: bar.update(done, total, " 秒语音"),
            )
        else:
            transcript = transcribe_files(
                args.audio,
                engine.new_recognizer,
                call_id=getattr(args, "call_id", None),
                mono_speaker=Speaker(args.mono_speaker),
                on_progress=progress,
            )
    except AudioError as exc:
        bar.close()
        err(exc.message_zh)
        return None, EXIT_PROBLEMS
    if engine_name != "whisper":
        bar.update(transcript.duration, transcript.duration, " 秒")
    bar.close()
    for st in transcript.statuses:
        err(st.message)
    return transcript, EXIT_PROBLEMS if transcript.error is not None else EXIT_OK


def _transcribe(args: argparse.Namespace) -> int:
    if not outputs_ok([(args.output, False)], args.audio):
        return EXIT_CANNOT_START
    transcript, code = run_transcription(args, "转写")
    if transcript is None:
        return code
    with open_out(args.output) as out:
        for line in transcript.analyze_lines():
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    err(f"转写完成：{len(transcript.finals)} 句，{transcript.duration:.1f} 秒音频")
    return code
