"""``assist-app centre …`` — the seat's link to the centre, and the administrator's role tools (issue 16).

Seat (the agent's PC):
- ``centre setup --host H [--port P] [--dbname D] --seat ID --user ROLE [--sslmode M] [--password-stdin]``
  saves the settings (``centre.json``) and the password (OS keyring or a 0600 file), tests the
  connection and turns replication on (``--disable`` turns it off);
- ``centre status [--db PATH]`` — settings, connection, rows kept here vs. at the centre;
- ``centre sync [--db PATH] [--follow]`` — ship everything new now (``--follow``: keep running).

Administrator (the centre's DBA, ``--admin-dsn`` is a libpq connection string of an owner role):
- ``centre init --admin-dsn DSN`` — create/upgrade the central schema;
- ``centre add-seat ID --team T``, ``centre add-supervisor NAME --team T…``,
  ``centre add-trainer NAME --trainee X…`` — create a login role and print its password once.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from dataclasses import replace
from pathlib import Path

from assist_app.centre.config import (
    CentreConfig,
    CentreConfigError,
    config_path,
    default_config_dir,
    load_config,
    save_config,
)
from assist_app.centre.credentials import CredentialError, CredentialStore


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("centre", help="中心数据库：复制通话记录到中心（PostgreSQL）与角色管理")
    p.add_argument("--config-dir", type=Path, default=None, help="设置文件夹（默认：用户配置目录）")
    cs = p.add_subparsers(dest="centre_command", metavar="ACTION", required=True)

    s = cs.add_parser("setup", help="本坐席连接中心：保存设置与密码，测试连接，开启复制")
    s.add_argument("--host", required=True)
    s.add_argument("--port", type=int, default=5432)
    s.add_argument("--dbname", default="assist")
    s.add_argument("--seat", required=True, help="坐席编号（管理员 add-seat 时给出）")
    s.add_argument("--user", required=True, help="数据库用户名（管理员 add-seat 时给出）")
    s.add_argument("--sslmode", default="", help="默认：中心不在本机时 require")
    s.add_argument("--sslrootcert", default="", help="CA 证书文件（配合 sslmode=verify-full）")
    s.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    s.add_argument("--disable", action="store_true", help="关闭复制（保留设置）")
    s.add_argument("--no-test", action="store_true", help="不测试连接")
    s.set_defaults(handler=cmd_setup)

    st = cs.add_parser("status", help="显示复制状态：本机与中心的记录数")
    st.add_argument("--db", type=Path, default=None)
    st.set_defaults(handler=cmd_status)

    sy = cs.add_parser("sync", help="立即补传新记录")
    sy.add_argument("--db", type=Path, default=None)
    sy.add_argument("--follow", action="store_true", help="持续运行，直到 Ctrl+C")
    sy.set_defaults(handler=cmd_sync)

    i = cs.add_parser("init", help="（管理员）创建或升级中心数据库结构")
    i.add_argument("--admin-dsn", required=True)
    i.set_defaults(handler=cmd_init)
    a = cs.add_parser("add-seat", help="（管理员）新建坐席账号")
    a.add_argument("seat_id")
    a.add_argument("--team", required=True)
    a.add_argument("--admin-dsn", required=True)
    a.set_defaults(handler=cmd_add_seat)
    su = cs.add_parser("add-supervisor", help="（管理员）新建班长账号（按班组授权）")
    su.add_argument("name")
    su.add_argument("--team", action="append", required=True)
    su.add_argument("--admin-dsn", required=True)
    su.set_defaults(handler=cmd_add_supervisor)
    t = cs.add_parser("add-trainer", help="（管理员）新建培训师账号（按学员授权）")
    t.add_argument("name")
    t.add_argument("--trainee", action="append", required=True)
    t.add_argument("--admin-dsn", required=True)
    t.set_defaults(handler=cmd_add_trainer)


def _dir(args: argparse.Namespace) -> Path:
    return Path(args.config_dir) if args.config_dir else default_config_dir()


def _err(msg: str) -> int:
    print(msg, file=sys.stderr)
    return 1


def seat_password(cfg: CentreConfig, config_dir: Path) -> str | None:
    return CredentialStore(config_dir).get(cfg.host, cfg.port, cfg.dbname, cfg.user)


def cmd_setup(args: argparse.Namespace) -> int:
    cdir = _dir(args)
    cfg = CentreConfig(host=args.host, port=args.port, dbname=args.dbname, user=args.user, seat_id=args.seat,
                       sslmode=args.sslmode, sslrootcert=args.sslrootcert, enabled=not args.disable)
    try:
        cfg.validate()
    except CentreConfigError as exc:
        return _err(str(exc))
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("数据库密码：")
    if not args.no_test:
        import psycopg

        try:
            with psycopg.connect(cfg.conninfo(password)) as conn:
                seat = conn.execute("SELECT assist.my_seat()").fetchone()
        except psycopg.Error as exc:
            return _err(f"连接中心失败：{exc}".strip())
        if not seat or seat[0] != cfg.seat_id:
            return _err(f"该账号不属于坐席 {cfg.seat_id}（中心登记为：{seat[0] if seat else '无'}）")
    creds = CredentialStore(cdir)
    try:
        creds.set(cfg.host, cfg.port, cfg.dbname, cfg.user, password)
    except (CredentialError, OSError) as exc:
        return _err(f"无法保存密码：{exc}")
    path = save_config(cfg, config_path(cdir))
    print(f"已保存中心设置：{path}")
    print(f"密码保存在：{creds.backend_zh}")
    print(f"连接加密：sslmode={cfg.effective_sslmode}")
    print("复制已开启。" if cfg.enabled else "复制已关闭。")
    return 0


def _load(args: argparse.Namespace) -> tuple[CentreConfig, str | None]:
    cdir = _dir(args)
    cfg = load_config(config_path(cdir))
    if not cfg.host or not cfg.seat_id:
        raise CentreConfigError("尚未设置中心连接：请先运行 assist-app centre setup")
    return cfg, seat_password(cfg, cdir)


def cmd_status(args: argparse.Namespace) -> int:
    from assist_app.centre.replicator import central_counts, local_counts
    from assist_app.store.paths import resolve_db_path

    try:
        cfg, password = _load(args)
    except (CentreConfigError, CredentialError) as exc:
        return _err(str(exc))
    db = resolve_db_path(args.db)
    print(f"中心：{cfg.user}@{cfg.host}:{cfg.port}/{cfg.dbname}（sslmode={cfg.effective_sslmode}）")
    print(f"坐席：{cfg.seat_id}；复制：{'开启' if cfg.enabled else '关闭'}；本机记录库：{db}")
    local = local_counts(db) if db.exists() else {}
    import psycopg

    try:
        with psycopg.connect(cfg.conninfo(password)) as conn:
            central = central_counts(conn, cfg.seat_id)
            marks = conn.execute("SELECT max(updated) FROM assist.sync_state WHERE seat_id = %s",
                                 (cfg.seat_id,)).fetchone()
    except psycopg.Error as exc:
        print(f"连不上中心：{exc}".strip())
        for k, v in local.items():
            print(f"  {k:18} 本机 {v}")
        return 1
    behind = 0
    for k in central:
        lv = local.get(k, 0)
        behind += max(0, lv - central[k])
        print(f"  {k:18} 本机 {lv:>8}  中心 {central[k]:>8}")
    print(f"最近一次补传：{marks[0] if marks and marks[0] else '从未'}")
    print("已全部同步。" if behind == 0 else f"待补传约 {behind} 行（应用运行时会自动补传，或运行 centre sync）。")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from assist_app.centre.replicator import Replicator
    from assist_app.store.paths import resolve_db_path

    try:
        cfg, password = _load(args)
    except (CentreConfigError, CredentialError) as exc:
        return _err(str(exc))
    db = resolve_db_path(args.db)
    if not db.exists():
        return _err(f"本机记录库不存在：{db}")
    rep = Replicator(db, replace(cfg, enabled=True), password)
    try:
        if not args.follow:
            n = rep.sync_once()
            print(f"已补传 {n} 行。")
            return 0
        rep.start()
        print("正在持续补传，按 Ctrl+C 结束。")
        last = -1
        while True:
            time.sleep(2.0)
            if rep.stats.rows_sent != last:
                last = rep.stats.rows_sent
                state = "已连接" if rep.stats.connected else f"未连接（{rep.stats.last_error}）"
                print(f"{time.strftime('%H:%M:%S')} 已补传 {last} 行，{state}", flush=True)
    except Exception as exc:
        return _err(f"补传失败：{exc}")
    finally:
        rep.stop()


def _admin(dsn: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(dsn)


def cmd_init(args: argparse.Namespace) -> int:
    from assist_app.centre import admin

    with _admin(args.admin_dsn) as conn:
        before, after = admin.init_schema(conn)
    print(f"中心数据库结构：版本 {before} → {after}")
    return 0


def cmd_add_seat(args: argparse.Namespace) -> int:
    from assist_app.centre import admin

    try:
        with _admin(args.admin_dsn) as conn:
            role, pw = admin.add_seat(conn, args.seat_id, args.team)
    except admin.AdminError as exc:
        return _err(str(exc))
    print(f"坐席 {args.seat_id}（班组 {args.team}）\n用户名：{role}\n密码（只显示这一次）：{pw}")
    return 0


def cmd_add_supervisor(args: argparse.Namespace) -> int:
    from assist_app.centre import admin

    try:
        with _admin(args.admin_dsn) as conn:
            pw = admin.add_supervisor(conn, args.name, args.team)
    except admin.AdminError as exc:
        return _err(str(exc))
    print(f"班长 {args.name}（班组：{'、'.join(args.team)}）\n密码（只显示这一次）：{pw}")
    return 0


def cmd_add_trainer(args: argparse.Namespace) -> int:
    from assist_app.centre import admin

    try:
        with _admin(args.admin_dsn) as conn:
            pw = admin.add_trainer(conn, args.name, args.trainee)
    except admin.AdminError as exc:
        return _err(str(exc))
    print(f"培训师 {args.name}（学员：{'、'.join(args.trainee)}）\n密码（只显示这一次）：{pw}")
    return 0


def start_replicator_from_settings(db_path: Path, config_dir: Path | None = None):  # type: ignore[no-untyped-def]
    """The running app's replicator when replication is set up and on, else None (never raises)."""
    import logging

    log = logging.getLogger(__name__)
    cdir = config_dir or default_config_dir()
    try:
        cfg = load_config(config_path(cdir))
        if not cfg.enabled or not cfg.host or not cfg.seat_id:
            return None
        from assist_app.centre.replicator import Replicator

        rep = Replicator(db_path, cfg, seat_password(cfg, cdir))
        rep.start()
        return rep
    except Exception:
        log.exception("could not start the centre replicator")
        return None
