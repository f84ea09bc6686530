"""``assist-app demo``: the trainer demo (GUI), or a headless run that prints the session summary.

With a display it opens the panel in demo mode. With ``--headless``, or when there is no display
(no DISPLAY/WAYLAND_DISPLAY, e.g. ``make demo`` over SSH or in CI), it plays the scenario through
the real session and engine as fast as possible (or at ``--speed``), prints the summary in Chinese,
writes ``-o`` events and a ``--screenshot`` (default ``out/demo.png`` when no display), exits 0.
"""

from __future__ import annotations

import argparse
import os
import sys
import unicodedata
from pathlib import Path
from typing import Any

from assist_app.demo.scenario import ScenarioError, find_scenario, load_scenarios
from assist_app.demo.source import SPEED_MAX, SPEED_MIN
from assist_app.outfiles import OutputPathError, check_output, replace_into

DEFAULT_SCENARIO = "angry_bill"
DEFAULT_SCREENSHOT = Path("out") / "demo.png"


def _speed(text: str) -> float:
    try:
        value = float(text.rstrip("x×"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"速度应为数字，例如 2 或 1.5：{text}") from None
    if not SPEED_MIN <= value <= SPEED_MAX:
        raise argparse.ArgumentTypeError(f"速度应在 {SPEED_MIN:g}–{SPEED_MAX:g} 倍之间：{text}")
    return value


def display_width(text: str) -> int:
    """Terminal columns of ``text``: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (str.ljust counts CJK as one)."""
    return text + " " * max(0, width - display_width(text))


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="培训演示：播放内置场景（无需语音模型）",
                       description="播放演示场景，展示坐席在通话中看到的提示；无显示器时自动以无界面方式运行。")
    p.add_argument("--scenario", metavar="ID", help=f"场景 id（默认 {DEFAULT_SCENARIO}；--list 查看全部）")
    p.add_argument("--list", action="store_true", help="列出内置场景")
    p.add_argument("--speed", type=_speed, default=None, metavar="X",
                   help="播放速度 0.5–4（界面默认 1；无界面默认尽快播放）")
    p.add_argument("--headless", action="store_true", help="不打开窗口：播放完打印总结")
    p.add_argument("--screenshot", type=Path, metavar="PNG", help="把结束时的界面保存为图片")
    p.add_argument("--db", type=Path, metavar="PATH", help="通话记录数据库（默认用户数据目录）")
    p.add_argument("-o", "--output", type=Path, metavar="EVENTS.jsonl", help="把事件流写入 JSONL 文件")
    p.set_defaults(handler=run)


def _has_display() -> bool:
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_agent_window(parser: argparse.ArgumentParser) -> int:
    """``assist-app`` with no command: the agent panel, or help when there is no display."""
    if not _has_display():
        parser.print_help()
        print("\n没有检测到显示器，无法打开坐席面板；可以运行 assist-app demo --headless 试用。")
        return 0
    from assist_app.ui.app import run_window

    return run_window()


def run(args: argparse.Namespace) -> int:
    try:
        scenarios = load_scenarios()
    except ScenarioError as exc:
        print("演示场景有错误：\n" + str(exc), file=sys.stderr)
        return 1
    if args.list:
        id_w = max(display_width(s.id) for s in scenarios) + 2 if scenarios else 0
        level_w = max(display_width(s.difficulty_zh) for s in scenarios) + 2 if scenarios else 0
        for s in scenarios:
            print(f"{pad(s.id, id_w)}{pad(s.difficulty_zh, level_w)}{len(s.turns):2d} 句  {s.title}")
        return 0
    key = args.scenario or DEFAULT_SCENARIO
    scenario = find_scenario(scenarios, key)
    if scenario is None:
        ids = "、".join(s.id for s in scenarios)
        print(f"找不到演示场景：{key}（可用：{ids}）", file=sys.stderr)
        return 2
    headless = args.headless or not _has_display()
    if not headless:
        from assist_app.ui.app import run_window

        return run_window(demo=True, scenario_id=scenario.id, speed=args.speed or 1.0, autoplay=True,
                          db=args.db)
    return run_headless(scenario, args)


def run_headless(scenario: Any, args: argparse.Namespace) -> int:
    from assist_app.demo.runner import format_summary, run_demo, write_events

    shot = args.screenshot or (None if args.headless else DEFAULT_SCREENSHOT)
    try:  # before the demo runs: outputs that cannot be written are refused now
        check_output(args.output)
        check_output(shot)
    except OutputPathError as exc:
        print(exc.message_zh, file=sys.stderr)
        return 2
    if not args.headless:
        print("没有检测到显示器，以无界面方式运行演示。")
    try:
        result = run_demo(scenario, speed=args.speed)
    except Exception as exc:  # the library or engine is broken: say so plainly
        print(f"演示无法运行：{exc}", file=sys.stderr)
        return 1
    print(format_summary(result))
    if args.output:
        write_events(args.output, result.events)
        print(f"事件流已写入：{args.output}")
    if args.db:
        saved = _save_to_store(args.db, result)
        if saved:
            print(f"通话记录已保存：{args.db}（{saved}）")
    if shot is not None:
        try:
            from assist_app.ui.screenshot import render_result

            stand_in = shot.with_name(f"{shot.stem}.partial-{os.getpid()}{shot.suffix}")  # Qt reads the suffix
            render_result(result, stand_in)
            replace_into(stand_in, shot)
            print(f"截图已保存：{shot}")
        except Exception as exc:
            print(f"截图失败：{exc}", file=sys.stderr)
            return 1
    return 0


def _save_to_store(db: Path, result: Any) -> str | None:
    """Record the demo call through the store (replaying its events into a recorder)."""
    try:
        from assist_app.store import CallStore
        from assist_app.store.models import CallMeta
    except ImportError:
        print("通话记录模块不可用，未保存。", file=sys.stderr)
        return None
    with CallStore(db) as store:
        recorder = store.recorder(CallMeta(mode="demo", scenario_id=result.scenario.id))
        for ev in result.events:
            recorder(ev)
        cid = getattr(recorder, "call_id", None)
        if cid and result.score is not None:
            store.flush()
            store.save_score(cid, result.score)
        store.flush()
        return str(cid) if cid else None
