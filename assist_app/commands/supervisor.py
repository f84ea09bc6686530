"""``assist-app supervisor`` — the supervisor/trainer window over the centre (issue 16).

``assist-app supervisor --host H [--port P] [--dbname D] --user NAME [--sslmode M] [--wallboard]
[--screenshot PNG [--tab wall|trends|progress|calls]]``. The password comes from the OS keyring /
0600 file saved by ``--save-password`` (read from stdin), else libpq's PGPASSWORD or ~/.pgpass.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("supervisor", help="班长/培训师看板：实时墙、提醒、趋势、学员进度、通话回顾")
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, default=5432)
    p.add_argument("--dbname", default="assist")
    p.add_argument("--user", required=True)
    p.add_argument("--sslmode", default="")
    p.add_argument("--sslrootcert", default="")
    p.add_argument("--config-dir", type=Path, default=None)
    p.add_argument("--save-password", action="store_true", help="从标准输入读取密码并保存（钥匙串或 0600 文件）")
    p.add_argument("--wallboard", action="store_true", help="全屏大屏模式")
    p.add_argument("--screenshot", type=Path, default=None, help="（无界面）等待数据后截图并退出")
    p.add_argument("--tab", choices=["wall", "trends", "progress", "calls"], default="wall")
    p.add_argument("--wait", type=float, default=4.0, help="截图前等待秒数")
    p.set_defaults(handler=cmd_supervisor)


def cmd_supervisor(args: argparse.Namespace) -> int:
    from assist_app.centre.config import CentreConfig, CentreConfigError, default_config_dir
    from assist_app.centre.credentials import CredentialError, CredentialStore

    cfg = CentreConfig(host=args.host, port=args.port, dbname=args.dbname, user=args.user, sslmode=args.sslmode,
                       sslrootcert=args.sslrootcert)
    try:
        cfg.validate()
        creds = CredentialStore(args.config_dir or default_config_dir())
        if args.save_password:
            creds.set(cfg.host, cfg.port, cfg.dbname, cfg.user, sys.stdin.readline().rstrip("\n"))
        password = creds.get(cfg.host, cfg.port, cfg.dbname, cfg.user)
    except (CentreConfigError, CredentialError) as exc:
        print(exc, file=sys.stderr)
        return 1
    from assist_app.ui.supervisor_app import run_supervisor

    return run_supervisor(cfg.conninfo(password, application_name="assist-supervisor"), who=args.user,
                          wallboard=args.wallboard, screenshot=args.screenshot, tab=args.tab, wait=args.wait)
