"""``assist-app history list|export``: call history for QA teams (DESIGN.md §5, issue 5).

- ``history list [--since D] [--until D] [--agent A] [--flags|--no-flags] [--min-score N]
  [--max-score N] [--emotion L] [--status S] [--search TEXT] [--limit N] [--json]``
- ``history export CALL_ID... -o OUT`` — printable HTML report(s) with the emotion timeline and
  the score card (``OUT`` is a file for one call, a folder for several);
- ``history export --since D --until D [--csv CALLS.csv] [--flags-csv FLAGS.csv] [--html-dir DIR]``
  — scores (one row per call) and flags (one row per flag) for a date range; a progress bar on
  stderr for large exports.

The database is ``--db PATH``, else ``$ASSIST_DB``, else the user data folder. Export is the only
way records leave the PC, and what is exported is already masked.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, TypeVar

from assist_app.formatting import duration_zh
from assist_app.outfiles import OutputPathError, check_output, write_csv, write_text
from assist_app.store import CallFilter, CallStore, CallSummary, StoreUnavailableError, resolve_db_path
from assist_app.store.report import (
    CALL_CSV_HEADER,
    FLAG_CSV_HEADER,
    call_csv_row,
    emotion_zh,
    flag_csv_rows,
    render_call_report,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

EMOTIONS = ("complaint_escalation", "angry", "anxious", "negative_other", "neutral", "positive")
PROGRESS_MIN = 20  # exports of this many calls or more show a progress bar


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("history", help="通话记录：查询与导出")
    p.add_argument("--db", type=Path, default=None, help="通话记录数据库（默认：$ASSIST_DB 或用户数据目录）")
    hsub = p.add_subparsers(dest="history_command", metavar="{list,export}")
    p.set_defaults(handler=lambda args: _usage(p))

    lp = hsub.add_parser("list", help="列出通话（可筛选、搜索）")
    _add_filters(lp)
    lp.add_argument("--search", default=None, metavar="TEXT", help="全文搜索通话内容（多个词用空格分隔）")
    lp.add_argument("--limit", type=_positive_int, default=50, help="最多显示多少条（默认 50）")
    lp.add_argument("--json", action="store_true", help="以 JSON 行输出")
    lp.set_defaults(handler=run_list)

    ep = hsub.add_parser("export", help="导出通话报告（HTML）或某段时间的评分/违规（CSV）")
    ep.add_argument("call_ids", nargs="*", metavar="CALL_ID", help="要导出报告的通话编号")
    ep.add_argument("-o", "--output", type=Path, default=None, help="报告文件（一个通话）或目录（多个通话）")
    _add_filters(ep)
    ep.add_argument("--csv", type=Path, default=None, metavar="CALLS.csv", help="每通话一行：评分、情绪、违规数")
    ep.add_argument("--flags-csv", type=Path, default=None, metavar="FLAGS.csv", help="每条违规一行")
    ep.add_argument("--html-dir", type=Path, default=None, metavar="DIR", help="为时间段内每个通话生成 HTML 报告")
    ep.set_defaults(handler=run_export)


def _usage(p: argparse.ArgumentParser) -> int:
    p.print_help(sys.stderr)
    return 2


def _add_filters(p: argparse.ArgumentParser) -> None:
    # Also accepted after the subcommand; SUPPRESS keeps an absent one from hiding the parent's.
    p.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="通话记录数据库")
    p.add_argument("--since", type=_date, default=None, metavar="YYYY-MM-DD", help="起始日期（含）")
    p.add_argument("--until", type=_date, default=None, metavar="YYYY-MM-DD", help="结束日期（含）")
    p.add_argument("--agent", default=None, help="坐席工号或姓名")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--flags", dest="has_flags", action="store_const", const=True, default=None, help="只要有违规的")
    g.add_argument("--no-flags", dest="has_flags", action="store_const", const=False, help="只要无违规的")
    p.add_argument("--min-score", type=float, default=None, help="最低评分")
    p.add_argument("--max-score", type=float, default=None, help="最高评分")
    p.add_argument("--emotion", choices=EMOTIONS, default=None, help="通话中最强烈的客户情绪")
    p.add_argument("--status", choices=("normal", "interrupted", "active"), default=None, help="通话状态")
    p.add_argument("--mode", choices=("live", "demo", "practice"), default=None,
                   help="通话类型：实时通话、演示或练习（默认全部）")


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def _filters(args: argparse.Namespace, limit: int = 1_000_000) -> CallFilter:
    return CallFilter(
        since=args.since,
        until=args.until + timedelta(days=1) if args.until else None,  # --until is inclusive
        agent=args.agent,
        has_flags=args.has_flags,
        min_score=args.min_score,
        max_score=args.max_score,
        emotion=args.emotion,
        status=args.status,
        mode=getattr(args, "mode", None),
        limit=limit,
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数：{text}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数（至少 1）：{text}")
    return value


def _open(args: argparse.Namespace) -> CallStore:
    # Read-only: listing and exporting must work on a read-only or full disk, and change nothing.
    store = CallStore(args.db, read_only=True)
    for notice in store.notices:
        print(notice.message, file=sys.stderr)
    return store


# -- list ------------------------------------------------------------------------------------------


def _summary_json(s: CallSummary) -> dict[str, object]:
    return {
        "id": s.id,
        "started": s.started.isoformat(timespec="seconds"),
        "ended": s.ended.isoformat(timespec="seconds") if s.ended else None,
        "duration": s.duration,
        "status": s.status,
        "agent_id": s.agent_id,
        "agent_name": s.agent_name,
        "mode": s.mode,
        "scenario": s.scenario_id or None,
        "score": s.score,
        "max_emotion": s.max_emotion,
        "utterances": s.utterance_count,
        "flags": s.flag_count,
        "high_flags": s.high_flag_count,
    }


def run_list(args: argparse.Namespace) -> int:
    if not resolve_db_path(args.db).is_file():  # nothing recorded yet on this PC (read-only: not created)
        print("还没有通话记录。")
        return 0
    try:
        with _open(args) as store:
            f = _filters(args, limit=args.limit)
            if args.search:
                hits = store.search(args.search, f)
                calls = [h.call for h in hits]
                lines = {h.call.id: h.lines for h in hits}
            else:
                calls = store.list_calls(f)
                lines = {}
    except StoreUnavailableError as exc:
        print(exc.message_zh, file=sys.stderr)
        return 1
    out = sys.stdout
    if args.json:
        for s in calls:
            row = _summary_json(s)
            if s.id in lines:
                row["matches"] = [{"idx": ln.idx, "speaker": ln.speaker, "text": ln.text} for ln in lines[s.id]]
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return 0
    if not calls:
        print("没有符合条件的通话。")
        return 0
    cols = (24, 18, 9, 10, 10, 6, 10, 4)
    print(_row(("通话编号", "开始时间", "时长", "坐席", "状态", "评分", "最高情绪", "违规"), cols))
    for s in calls:
        score = "—" if s.score is None else f"{s.score:.0f}"
        agent = s.agent_id or s.agent_name or "—"
        started = f"{s.started:%Y-%m-%d %H:%M}"
        cells = (s.id, started, duration_zh(s.duration), agent, s.status_zh, score, emotion_zh(s.max_emotion),
                 str(s.flag_count))  # fmt: skip
        print(_row(cells, cols))
        for ln in lines.get(s.id, ()):
            who = "坐席" if ln.speaker == "agent" else "客户"
            print(f"    {who}：{ln.text}")
    print(f"共 {len(calls)} 通")
    return 0


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _row(cells: Iterable[str], widths: Iterable[int]) -> str:
    """Columns padded by display width (a Chinese character takes two terminal cells)."""
    return "".join(c + " " * max(1, w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()


# -- export ----------------------------------------------------------------------------------------


def progress(items: list[T], label: str, stream: IO[str] | None = None) -> Iterator[T]:
    """Yield ``items``, drawing a progress bar on stderr when there are many of them."""
    stream = stream or sys.stderr
    total = len(items)
    show = total >= PROGRESS_MIN
    width = 30
    last = -1
    for i, item in enumerate(items, 1):
        yield item
        if show:
            pct = i * 100 // total
            if pct != last:
                last = pct
                done = width * i // total
                stream.write(f"\r{label} [{'#' * done}{'.' * (width - done)}] {i}/{total} {pct:3d}%")
                stream.flush()
    if show:
        stream.write("\n")
        stream.flush()


def _write_report(store: CallStore, call_id: str, path: Path) -> bool:
    rec = store.get_call(call_id)
    if rec is None:
        print(f"找不到通话：{call_id}", file=sys.stderr)
        return False
    write_text(path, render_call_report(rec))
    return True


def run_export(args: argparse.Namespace) -> int:
    if not args.call_ids and not (args.csv or args.flags_csv or args.html_dir):
        print("请指定要导出的通话编号（配合 -o），或用 --csv / --flags-csv / --html-dir 导出一段时间的记录。",
              file=sys.stderr)  # fmt: skip
        return 2
    if args.call_ids and args.output is None:
        print("导出报告需要 -o 指定输出文件或目录。", file=sys.stderr)
        return 2
    try:  # every output is checked before the export starts
        if args.call_ids:
            one_file = len(args.call_ids) == 1 and args.output.suffix.lower() in (".html", ".htm")
            check_output(args.output, folder=not one_file)
        check_output(args.csv)
        check_output(args.flags_csv)
        if args.html_dir:
            check_output(args.html_dir, folder=True)
    except OutputPathError as exc:
        log.error("%s", exc)
        print(exc.message_zh, file=sys.stderr)
        return 2
    status = 0
    try:
        with _open(args) as store:
            if args.call_ids:
                status |= _export_reports(store, args.call_ids, args.output)
            if args.csv or args.flags_csv or args.html_dir:
                status |= _export_range(store, args)
    except StoreUnavailableError as exc:
        print(exc.message_zh, file=sys.stderr)
        return 1
    except OSError as exc:
        log.error("export failed: %s", exc)
        print(f"导出失败：{exc}", file=sys.stderr)
        return 1
    return status


def _export_reports(store: CallStore, call_ids: list[str], output: Path) -> int:
    status = 0
    if len(call_ids) == 1 and output.suffix.lower() in (".html", ".htm"):
        if not _write_report(store, call_ids[0], output):
            return 1
        print(f"已导出报告：{output}")
        return 0
    for cid in progress(call_ids, "导出报告"):
        if not _write_report(store, cid, output / f"{cid}.html"):
            status = 1
    print(f"已导出报告到：{output}")
    return status


def _export_range(store: CallStore, args: argparse.Namespace) -> int:
    calls = list(reversed(store.list_calls(_filters(args))))  # oldest first
    if not calls:
        print("该时间段内没有通话。", file=sys.stderr)
    call_rows: list[list[str]] = []
    flag_rows: list[list[str]] = []
    item_names: dict[str, str] = {}
    item_points: dict[str, dict[str, float]] = {}
    for s in progress(calls, "导出通话"):
        need_detail = bool(args.flags_csv or args.html_dir or args.csv)
        rec = store.get_call(s.id) if need_detail else None
        call_rows.append(call_csv_row(s))
        if rec is None:
            continue
        if rec.score is not None:
            for item in rec.score.items:
                item_names.setdefault(item.key, item.name_zh)
                item_points.setdefault(s.id, {})[item.key] = item.points
        flag_rows.extend(flag_csv_rows(rec))
        if args.html_dir:
            write_text(args.html_dir / f"{s.id}.html", render_call_report(rec))
    if args.csv:
        keys = list(item_names)
        header = [*CALL_CSV_HEADER, *(item_names[k] for k in keys)]
        rows: Iterable[list[str]] = (
            [*row, *(_points(item_points.get(s.id, {}), k) for k in keys)]
            for row, s in zip(call_rows, calls, strict=True)
        )
        n = write_csv(args.csv, header, rows)
        print(f"已导出 {n} 通通话的评分：{args.csv}")
    if args.flags_csv:
        n = write_csv(args.flags_csv, FLAG_CSV_HEADER, flag_rows)
        print(f"已导出 {n} 条违规/行为提示：{args.flags_csv}")
    if args.html_dir:
        print(f"已导出 {len(calls)} 份报告到：{args.html_dir}")
    return 0


def _points(points: dict[str, float], key: str) -> str:
    return f"{points[key]:.1f}" if key in points else ""
