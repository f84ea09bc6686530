"""Where a seat's (or a supervisor's) database password is kept: never in the settings file.

The OS keyring is used when the ``keyring`` package has a usable backend (Windows Credential
Locker, macOS Keychain, Secret Service). Otherwise — a headless Linux seat, a locked-down image —
the password goes into a file only the user can read (mode 0600, refused if the mode is wider).
"""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

SERVICE = "assist-app-centre"


class CredentialError(RuntimeError):
    """The password file exists but is unsafe or unreadable (message in Chinese)."""


def _keyring_usable() -> bool:
    if os.environ.get("ASSIST_NO_KEYRING"):
        return False
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    try:
        kr = keyring.get_keyring()
    except Exception:
        return False
    if isinstance(kr, fail.Keyring):
        return False
    try:
        return float(getattr(kr, "priority", 0)) > 0
    except Exception:
        return False


def _key(host: str, port: int, dbname: str, user: str) -> str:
    return f"{user}@{host}:{port}/{dbname}"


class CredentialStore:
    """Get and set passwords by (host, port, dbname, user)."""

    def __init__(self, config_dir: Path, *, use_keyring: bool | None = None) -> None:
        self.file = config_dir / "centre-secrets.json"
        self.use_keyring = _keyring_usable() if use_keyring is None else use_keyring

    @property
    def backend_zh(self) -> str:
        return "系统钥匙串" if self.use_keyring else f"仅本用户可读的文件 {self.file}"

    def set(self, host: str, port: int, dbname: str, user: str, password: str) -> None:
        key = _key(host, port, dbname, user)
        if self.use_keyring:
            import keyring

            keyring.set_password(SERVICE, key, password)
            return
        data = self._read_file()
        data[key] = password
        self.file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.file)

    def get(self, host: str, port: int, dbname: str, user: str) -> str | None:
        key = _key(host, port, dbname, user)
        if self.use_keyring:
            import keyring

            return keyring.get_password(SERVICE, key)
        return self._read_file().get(key)

    def _read_file(self) -> dict[str, str]:
        if not self.file.exists():
            return {}
        if os.name == "posix":
            mode = stat.S_IMODE(self.file.stat().st_mode)
            if mode & 0o077:
                raise CredentialError(f"密码文件 {self.file} 的权限过宽（{mode:o}），请改为 600 后重试")
        try:
            raw = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CredentialError(f"无法读取密码文件 {self.file}：{exc}") from exc
        return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
