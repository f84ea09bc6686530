"""A throwaway PostgreSQL cluster in a folder: for trying the centre on one machine, tests and benchmarks.

Uses the server binaries of Debian's ``postgresql`` package (``/usr/lib/postgresql/<v>/bin``, or
``$PG_BIN``). Listens on 127.0.0.1 only and on a unix socket inside the folder. The administrator
connects through the socket without a password (only the cluster's OS user and root can reach it);
seats and viewers connect over TCP with SCRAM passwords, as they would to a real server.

PostgreSQL refuses to run as root, so when run as root the cluster belongs to an unprivileged OS
user (``postgres`` when it exists, else one created for it: ``assist-pg``) and its commands run
through ``runuser``.

    python -m assist_app.centre.throwaway start /tmp/centre     # prints the settings to use
    python -m assist_app.centre.throwaway stop /tmp/centre
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ADMIN = "assist_admin"
DBNAME = "assist"


def find_bin() -> Path:
    env = os.environ.get("PG_BIN")
    if env and (Path(env) / "initdb").is_file():
        return Path(env)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    raise FileNotFoundError("PostgreSQL server binaries not found (apt install postgresql, or set PG_BIN)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cluster_user() -> str | None:
    """None when not root; else the unprivileged OS user that will own the cluster."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "assist-pg"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "assist-pg"],
                   check=True)
    return "assist-pg"


class PgCluster:
    """A cluster in ``root`` (created on first start); ``port`` on 127.0.0.1."""

    def __init__(self, root: Path, port: int | None = None, *, max_connections: int = 100,
                 settings: dict[str, str] | None = None) -> None:
        self.root = Path(root)
        self.data = self.root / "data"
        self.sock = self.root / "sock"
        self.log = self.root / "server.log"
        self.port = port or free_port()
        self.bin = find_bin()
        self.user = _cluster_user()
        self.max_connections = max_connections
        self.settings = settings or {}

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        res = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)
        if check and res.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({res.returncode}): {res.stdout}{res.stderr}")
        return res

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.sock.mkdir(exist_ok=True)
        if self.user:
            pw = pwd.getpwnam(self.user)
            for p in (self.root, self.sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        os.chmod(self.root, 0o700)
        os.chmod(self.sock, 0o700)
        self._run("initdb", "-D", str(self.data), "-U", ADMIN, "--auth-local=trust", "--auth-host=scram-sha-256",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")

    def start(self) -> None:
        if not (self.data / "PG_VERSION").exists():
            self.init()
        opts = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.sock),
            "max_connections": str(self.max_connections),
            "fsync": "on",
            **self.settings,
        }
        o = " ".join(f"-c {k}={v}" for k, v in opts.items())
        res = self._run("pg_ctl", "start", "-D", str(self.data), "-w", "-t", "60", "-l", str(self.log), "-o", o,
                        check=False)
        if res.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {res.stdout}{res.stderr}\n{self.tail_log()}")
        self._ensure_db()

    def tail_log(self, n: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def _ensure_db(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_conninfo("postgres"), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DBNAME,)).fetchone():
                conn.execute(f"CREATE DATABASE {DBNAME}")

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60", check=False)

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill9(self) -> None:
        """SIGKILL the postmaster and every server process it started (a crash, as the OOM killer does)."""
        pid = self.postmaster_pid()
        if pid is None:
            return
        children = _children(pid)
        for p in [pid, *children]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(p) for p in [pid, *children]):
            time.sleep(0.05)

    def admin_conninfo(self, dbname: str = DBNAME) -> str:
        return f"host={self.sock} port={self.port} user={ADMIN} dbname={dbname}"

    def admin_connect(self, **kw: Any) -> Any:
        import psycopg

        return psycopg.connect(self.admin_conninfo(), **kw)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m assist_app.centre.throwaway", description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["start", "stop", "destroy"])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--port", type=int, default=None)
    args = ap.parse_args(argv)
    port_file = args.folder / "port"
    port = args.port or (int(port_file.read_text()) if port_file.exists() else None)
    cluster = PgCluster(args.folder, port)
    if args.action == "start":
        cluster.start()
        port_file.write_text(str(cluster.port))
        print(f"PostgreSQL running: host=127.0.0.1 port={cluster.port} dbname={DBNAME}")
        print(f"administrator: --admin-dsn \"{cluster.admin_conninfo()}\"")
    elif args.action == "stop":
        cluster.stop()
    else:
        cluster.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
