"""``assist-app library check [DIR]``: validate a script library folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assist_app.library import LibraryError, load_library
from assist_app.resources import library_dir


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("library", help="话术库工具")
    lsub = p.add_subparsers(dest="library_command", metavar="ACTION", required=True)
    check = lsub.add_parser("check", help="检查话术库文件")
    check.add_argument("dir", nargs="?", type=Path, default=None, help="话术库目录（默认：内置话术库）")
    check.set_defaults(handler=_check)


def _check(args: argparse.Namespace) -> int:
    root = args.dir or library_dir()
    try:
        lib = load_library(root)
    except LibraryError as exc:
        print(f"话术库有 {len(exc.problems)} 处问题（{root}）：", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    from assist_app.analysis.learned.store import describe

    learned_lines, learned_problems = describe([c.id for c in lib.banned.categories])
    if learned_problems:
        print(f"学习层有 {len(learned_problems)} 处问题：", file=sys.stderr)
        for problem in learned_problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    c = lib.counts()
    print(
        f"OK  {root}\n"
        f"  公式步骤 {c['steps']}，标准话术 {c['phrases']} 条，服务忌语规则 {c['banned_rules']} 条，"
        f"场景 {c['situations']} 个，情绪线索 {c['emotion_cues']} 条"
    )
    for line in learned_lines:
        print(f"  {line}")
    return 0
