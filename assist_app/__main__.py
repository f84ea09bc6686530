"""``assist-app`` entry point: builds the argument parser from the command modules."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from assist_app import __version__
from assist_app.commands import analyze as analyze_cmd
from assist_app.commands import centre as centre_cmd
from assist_app.commands import demo as demo_cmd
from assist_app.commands import history as history_cmd
from assist_app.commands import learn as learn_cmd
from assist_app.commands import library as library_cmd
from assist_app.commands import live as live_cmd
from assist_app.commands import supervisor as supervisor_cmd
from assist_app.commands import training as training_cmd

# Each command module adds its subcommands; order is the order shown in --help.
COMMAND_MODULES = [analyze_cmd, library_cmd, live_cmd, demo_cmd, history_cmd, training_cmd, learn_cmd,
                   centre_cmd, supervisor_cmd]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assist-app", description="坐席助手：通话实时辅助（离线）")
    parser.add_argument("--version", action="version", version=f"assist-app {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="详细日志（英文）")
    parser.add_argument("--self-test", action="store_true",
                        help="自检：检查话术库、分词、情感词典、语音识别、音频库、演示和数据库，全部通过时退出码为 0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.self_test:
        from assist_app import selftest

        return selftest.main()
    handler = getattr(args, "handler", None)
    if handler is None:  # no command: the agent window (help instead when there is no display)
        return demo_cmd.open_agent_window(parser)
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
