"""``assist-app training list|export``: trainees' practice history for the trainer (issue 7).

- ``training list [--trainee NAME] [--json]`` — sessions, newest first, with score and pass;
- ``training export [--trainee NAME] [--csv OUT.csv] [--html OUT.html]`` — one CSV row per session
  and/or a printable HTML page with the moments that cost points and the better phrase.

The database is ``--db PATH``, else ``$ASSIST_DB``, else the user data folder (as ``history``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assist_app.outfiles import OutputPathError, check_output
from assist_app.store import CallStore, StoreUnavailableError, TraineeSession
from assist_app.training.scorecard import stored_verdict


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("training", help="培训练习记录：查询与导出")
    p.add_argument("--db", type=Path, default=None, help="通话记录数据库（默认：$ASSIST_DB 或用户数据目录）")
    tsub = p.add_subparsers(dest="training_command", metavar="{list,export}")
    p.set_defaults(handler=lambda args: _usage(p))
    lp = tsub.add_parser("list", help="列出练习记录")
    lp.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="通话记录数据库")
    lp.add_argument("--trainee", default=None, help="只看这位学员")
    lp.add_argument("--json", action="store_true", help="以 JSON 行输出")
    lp.set_defaults(handler=run_list)
    ep = tsub.add_parser("export", help="导出练习记录（CSV 和/或 HTML）")
    ep.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="通话记录数据库")
    ep.add_argument("--trainee", default=None, help="只导出这位学员")
    ep.add_argument("--csv", type=Path, default=None, metavar="OUT.csv", help="每次练习一行：得分、各评分项")
    ep.add_argument("--html", type=Path, default=None, metavar="OUT.html", help="可打印的报告，含扣分点和更好的说法")
    ep.set_defaults(handler=run_export)


def _usage(p: argparse.ArgumentParser) -> int:
    p.print_help(sys.stderr)
    return 2


def _scenario_facts() -> tuple[dict[str, str], dict[str, float]]:
    try:
        from assist_app.demo.scenario import ScenarioError, load_scenarios

        scenarios = load_scenarios()
    except (ScenarioError, OSError):
        return {}, {}
    return {s.id: s.title for s in scenarios}, {s.id: s.pass_score for s in scenarios}


def _sessions(args: argparse.Namespace) -> list[TraineeSession] | None:
    store = CallStore(args.db)
    try:
        return store.list_trainee_sessions(args.trainee)
    except StoreUnavailableError as exc:
        print(f"无法打开通话记录库：{exc.message_zh}", file=sys.stderr)
        return None
    finally:
        store.close()


def run_list(args: argparse.Namespace) -> int:
    sessions = _sessions(args)
    if sessions is None:
        return 1
    titles, passes = _scenario_facts()
    for s in sessions:
        verdict = stored_verdict(s.items, s.score, passes.get(s.scenario_id, 60.0))
        passed = None if not verdict else verdict == "通过"
        if args.json:
            print(json.dumps({"id": s.id, "trainee": s.trainee, "scenario": s.scenario_id,
                              "started": s.started.isoformat(timespec="seconds"), "score": s.score,
                              "passed": passed}, ensure_ascii=False))
        else:
            score = "—" if s.score is None else f"{s.score:.0f}"
            mark = verdict
            title = titles.get(s.scenario_id, s.scenario_id)
            print(f"{s.started:%Y-%m-%d %H:%M}  {s.trainee}  {title}  {score} {mark}")
    if not sessions and not args.json:
        print("没有练习记录" + (f"（学员：{args.trainee}）" if args.trainee else ""), file=sys.stderr)
    return 0


def run_export(args: argparse.Namespace) -> int:
    from assist_app.training.history import sessions_csv, sessions_html

    if args.csv is None and args.html is None:
        print("请指定 --csv 和/或 --html 输出文件", file=sys.stderr)
        return 2
    try:
        check_output(args.csv)
        check_output(args.html)
    except OutputPathError as exc:
        print(exc.message_zh, file=sys.stderr)
        return 2
    sessions = _sessions(args)
    if sessions is None:
        return 1
    titles, passes = _scenario_facts()
    try:
        if args.csv is not None:
            sessions_csv(sessions, args.csv, titles=titles, pass_scores=passes)
            print(f"已导出 {len(sessions)} 次练习：{args.csv}", file=sys.stderr)
        if args.html is not None:
            sessions_html(sessions, args.html, titles=titles, pass_scores=passes)
            print(f"已导出报告：{args.html}", file=sys.stderr)
    except OSError as exc:
        print(f"无法写入导出文件：{exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0
