"""``assist-app analyze [IN.jsonl|-] [-o OUT.jsonl|-] [--library DIR]`` (DESIGN.md §5).

One JSON utterance per input line; one analysis per valid line, same order. Utterances of a
call are processed in order, as live. A malformed line is reported on stderr with its line
number and skipped; the exit status is 1 if any line was bad.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, BinaryIO

from assist_app.analysis.analyzer import kit_for
from assist_app.analysis.engine import EngineFactory, GuidanceEngine
from assist_app.analysis.suggest import PhraseSettings
from assist_app.events import Speaker, Utterance, UtteranceAnalysis
from assist_app.library import LibraryError, load_library
from assist_app.outfiles import OutputPathError, atomic_write, check_output

log = logging.getLogger(__name__)
DEFAULT_CALL = "call"
# Longest utterance analysed in full. Speech recognisers end an utterance within seconds (a few
# dozen characters); a longer "utterance" is a pasted document, and matching cost grows with length
# (issue 13: 100,000 characters took 45 s). Only the first MAX_ANALYSED_CHARS are analysed.
MAX_ANALYSED_CHARS = 2000


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("analyze", help="分析通话文字记录（JSONL）")
    p.add_argument("input", nargs="?", default="-", help="输入 JSONL 文件，- 为标准输入（默认）")
    p.add_argument("-o", "--output", default="-", help="输出 JSONL 文件，- 为标准输出（默认）")
    p.add_argument("--library", type=Path, default=None, help="话术库目录（默认：内置话术库）")
    p.add_argument(
        "--format", choices=("jsonl", "text"), default="jsonl", help="输出格式：jsonl（默认）或便于阅读的 text"
    )
    p.add_argument("--company", default="", help="话术中的公司名")
    p.add_argument("--agent-id", default="", help="话术中的工号")
    p.set_defaults(handler=run)


class BadLine(ValueError):
    """A line that cannot be analysed: the English reason for logs, ``reason_zh`` for the user."""

    def __init__(self, reason: str, reason_zh: str = "格式有误") -> None:
        super().__init__(reason)
        self.reason_zh = reason_zh


def _check_text(value: str, field: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # JSON escapes such as "\ud83d" give half of a character that no file can hold.
        raise BadLine(f"{field} contains an unpaired surrogate (a broken \\u escape)",
                      f"{field} 含有残缺的字符（不成对的 \\u 转义）") from None


def parse_line(raw: str) -> tuple[str, Utterance]:
    """Parse one input line into (call_id, utterance); raise ``BadLine`` saying why."""
    try:
        obj: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadLine(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise BadLine("expected a JSON object")
    speaker = obj.get("speaker")
    if speaker not in ("agent", "customer"):
        raise BadLine(f"speaker must be 'agent' or 'customer', got {speaker!r}")
    text = obj.get("text")
    if not isinstance(text, str):
        raise BadLine("text must be a string")
    _check_text(text, "text")
    call_id = obj.get("call_id", DEFAULT_CALL)
    if isinstance(call_id, bool) or not isinstance(call_id, str | int):
        raise BadLine("call_id must be a string")
    _check_text(str(call_id), "call_id")
    times: dict[str, float | None] = {}
    for key in ("start", "end"):
        value = obj.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise BadLine(f"{key} must be a number of seconds")
        times[key] = float(value) if value is not None else None
    start, end = times["start"], times["end"]
    if start is not None and end is not None and end < start:
        raise BadLine("end is before start")
    return str(call_id), Utterance(Speaker(speaker), text, str(call_id), 0, start, end)


@contextmanager
def _open_out(path: str) -> Iterator[IO[str]]:
    if path == "-":
        yield sys.stdout
    else:
        with atomic_write(Path(path)) as fh:
            yield fh


def _open_in(path: str) -> BinaryIO:
    """Bytes, decoded line by line: one badly encoded line must not garble or stop the others."""
    if path == "-":
        return sys.stdin.buffer
    return open(path, "rb")


def decode_line(raw: bytes, lineno: int) -> str:
    """One input line as text; ``BadLine`` (with a Chinese reason) when it is not UTF-8."""
    if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 byte-order mark (Notepad)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadLine(
            f"not UTF-8 (byte {exc.start + 1}: {raw[exc.start:exc.start + 2]!r}; GBK?)",
            "不是 UTF-8 编码的文字（可能是 GBK 编码），请转成 UTF-8 后重试",
        ) from None


def format_text(result: UtteranceAnalysis) -> str:
    """A readable rendering of one analysis (for people, not for tools)."""
    u = result.utterance
    who = "坐席" if u.speaker is Speaker.AGENT else "客户"
    where = f"第 {u.index + 1} 句" if u.call_id == DEFAULT_CALL else f"通话 {u.call_id} 第 {u.index + 1} 句"
    lines = [f"{where} {who}：{u.text}"]
    info = f"    阶段：{result.phase.label_zh}（通话进度：{result.call_phase.label_zh}）"
    if result.emotion is not None:
        e = result.emotion
        cues = "、".join(e.cues) if e.cues else "无"
        info += f"  情绪：{e.label.label_zh} {e.intensity:.2f}（线索：{cues}）"
    lines.append(info)
    for f in result.flags:
        lines.append(f"    ⚠ {f.message}「{f.matched}」→ 建议：{f.replacement}")
    for s in result.suggestions:
        lines.append(f"    → [{s.step.label_zh}] {s.text}  （{s.reason}）")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:  # before any work: an output that cannot be written, or that is the input, is refused now
        check_output(args.output, inputs=[args.input])
    except OutputPathError as exc:
        log.error("%s", exc)
        print(exc.message_zh, file=sys.stderr)
        return 2
    try:
        source = _open_in(args.input)
    except OSError as exc:
        print(f"无法读取输入文件 {args.input}：{exc.strerror}", file=sys.stderr)
        return 2
    try:
        library = load_library(args.library)
    except LibraryError as exc:
        source.close()
        print(f"话术库有问题，无法分析：\n{exc}", file=sys.stderr)
        return 2
    # one kit shared by every call in the input
    factory = EngineFactory(kit_for(library), PhraseSettings(company=args.company, agent_id=args.agent_id))
    engines: dict[str, GuidanceEngine] = {}
    bad = 0
    with source, _open_out(args.output) as out:
        for lineno, raw_bytes in enumerate(source, start=1):
            if not raw_bytes.strip():
                continue
            try:
                raw = decode_line(raw_bytes, lineno)
                call_id, utt = parse_line(raw)
            except BadLine as exc:
                bad += 1
                log.warning("line %d skipped: %s", lineno, exc)
                print(f"第 {lineno} 行{exc.reason_zh}，已跳过（line {lineno}: {exc}）", file=sys.stderr)
                continue
            if len(utt.text) > MAX_ANALYSED_CHARS:
                log.warning("line %d: utterance of %d characters, analysing the first %d",
                            lineno, len(utt.text), MAX_ANALYSED_CHARS)
                print(f"第 {lineno} 行过长（{len(utt.text)} 字），只分析前 {MAX_ANALYSED_CHARS} 字"
                      f"（line {lineno}: truncated to {MAX_ANALYSED_CHARS} characters）", file=sys.stderr)
                utt = replace(utt, text=utt.text[:MAX_ANALYSED_CHARS])
            engine = engines.get(call_id)
            if engine is None:
                engine = engines[call_id] = factory(call_id)
            result = engine.analyze_utterance(utt)
            if args.format == "text":
                out.write(format_text(result) + "\n")
            else:
                out.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
            out.flush()
    return 1 if bad else 0
