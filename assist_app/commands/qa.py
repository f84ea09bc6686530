"""``assist-app qa``: transcribe a recording, analyse and score it, write JSON and an HTML report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assist_app.commands.common import EXIT_CANNOT_START, add_engine_option, err, make_analyzer, open_out, outputs_ok
from assist_app.commands.transcribe import run_transcription
from assist_app.events import Speaker
from assist_app.outfiles import write_text


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``qa``."""
    p = sub.add_parser("qa", help="录音质检：转写 + 分析 + 评分，输出 JSON 和 HTML 报告")
    p.add_argument("audio", nargs="+", type=Path, metavar="AUDIO", help="一个立体声文件或 坐席、客户两个文件")
    p.add_argument("--model", type=Path, default=None, help="语音识别模型文件夹（Vosk 或 Whisper）")
    add_engine_option(p)
    p.add_argument(
        "--mono-speaker", choices=[s.value for s in Speaker], default="agent", help="单声道文件的说话人"
    )
    p.add_argument("--library", type=Path, default=None, help="话术库目录（默认内置）")
    p.add_argument("--report", type=Path, default=None, metavar="OUT.html", help="HTML 质检报告")
    p.add_argument(
        "--json", type=Path, default=None, metavar="OUT.json", help="质检结果 JSON（默认标准输出）"
    )
    p.set_defaults(handler=_qa)


def _qa(args: argparse.Namespace) -> int:
    from assist_app.pipeline.qa_report import build_qa, render_html

    args.call_id = None
    if not outputs_ok([(args.json, False), (args.report, False)], args.audio):
        return EXIT_CANNOT_START
    transcript, code = run_transcription(args, "转写")
    if transcript is None:
        return code
    analyzer = make_analyzer(args.library, transcript.call_id)
    if analyzer is None:
        return EXIT_CANNOT_START
    qa = build_qa(transcript, analyzer, audio=[str(p) for p in args.audio])
    with open_out(args.json) as out:
        out.write(json.dumps(qa.to_json(), ensure_ascii=False, indent=1) + "\n")
    if args.report:
        write_text(args.report, render_html(qa))
        err(f"质检报告：{args.report}")
    if qa.score is None:
        err(qa.note or "未评分")
    else:
        err(f"质检得分：{round(qa.score.total, 1):.1f} / 100（{len(transcript.finals)} 句）")
    return code
