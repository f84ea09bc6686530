"""Connection settings for the centre: where the PostgreSQL server is and who this seat is.

Saved as JSON (``centre.json``) in the user's config folder next to the app's ``settings.json``;
never contains a password (see ``credentials``). Replication is off until ``enabled`` is set
(``assist-app centre setup``).

TLS: when the server is not on this machine the default ``sslmode`` is ``require`` (encrypted;
``verify-full`` with a CA file is documented in docs/centre.md). A local server (a unix socket,
``localhost``, ``127.0.0.1``, ``::1``) defaults to ``prefer``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

APP_NAME = "assist-app"
SEAT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


def default_config_dir() -> Path:
    """``$ASSIST_CONFIG_DIR`` or the platform's per-user config folder."""
    env = os.environ.get("ASSIST_CONFIG_DIR")
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def is_local_host(host: str) -> bool:
    return host in LOCAL_HOSTS or host.startswith("/")


def default_sslmode(host: str) -> str:
    return "prefer" if is_local_host(host) else "require"


class CentreConfigError(ValueError):
    """A setting is missing or malformed; the message is for the user (Chinese)."""


@dataclass(frozen=True, slots=True)
class CentreConfig:
    """Where the centre is and as whom this machine connects (no secrets)."""

    host: str = ""
    port: int = 5432
    dbname: str = "assist"
    user: str = ""
    seat_id: str = ""
    sslmode: str = ""  # empty: default_sslmode(host)
    sslrootcert: str = ""
    enabled: bool = False
    interval_s: float = 0.5
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def effective_sslmode(self) -> str:
        return self.sslmode or default_sslmode(self.host)

    def validate(self) -> None:
        if not self.host:
            raise CentreConfigError("未设置中心数据库地址（--host）")
        if not self.user:
            raise CentreConfigError("未设置数据库用户名（--user）")
        if self.seat_id and not SEAT_ID_RE.match(self.seat_id):
            raise CentreConfigError(f"坐席编号只能包含字母、数字、-、_（1–40 个字符）：{self.seat_id!r}")
        if self.effective_sslmode not in {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}:
            raise CentreConfigError(f"sslmode 不正确：{self.sslmode}")
        if not is_local_host(self.host) and self.effective_sslmode in {"disable", "allow", "prefer"}:
            raise CentreConfigError("中心数据库不在本机时必须加密连接（sslmode=require 或更严格）")

    def conninfo(self, password: str | None, *, application_name: str = "assist-app", connect_timeout: int = 5) -> str:
        """A libpq connection string; ``password`` None lets libpq use PGPASSWORD or ~/.pgpass."""
        from psycopg.conninfo import make_conninfo

        params: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "dbname": self.dbname,
            "user": self.user,
            "sslmode": self.effective_sslmode,
            "connect_timeout": connect_timeout,
            "application_name": application_name,
            # A dead server or network is noticed within ~30 s instead of the OS default of hours.
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
        }
        if self.sslrootcert:
            params["sslrootcert"] = self.sslrootcert
        if password is not None:
            params["password"] = password
        return str(make_conninfo("", **params))


def config_path(config_dir: Path | None = None) -> Path:
    return (config_dir or default_config_dir()) / "centre.json"


def load_config(path: Path | None = None) -> CentreConfig:
    """The saved settings, or the defaults (disabled) when there is no file."""
    p = path or config_path()
    if not p.is_file():
        return CentreConfig()
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CentreConfigError(f"无法读取中心设置 {p}：{exc}") from exc
    if not isinstance(raw, dict):
        raise CentreConfigError(f"中心设置 {p} 格式不正确")
    known = {f for f in CentreConfig.__dataclass_fields__ if f != "extra"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise CentreConfigError(f"中心设置 {p} 含未知项：{', '.join(unknown)}")
    try:
        cfg = CentreConfig(**raw)
        cfg = replace(cfg, port=int(cfg.port), interval_s=float(cfg.interval_s), enabled=bool(cfg.enabled))
    except (TypeError, ValueError) as exc:
        raise CentreConfigError(f"中心设置 {p} 格式不正确：{exc}") from exc
    return cfg


def save_config(cfg: CentreConfig, path: Path | None = None) -> Path:
    p = path or config_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    data = {k: v for k, v in asdict(cfg).items() if k != "extra"}
    tmp = p.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, p)
    return p
