"""Where the call-records database lives: the user data folder, overridable by ``--db``/``ASSIST_DB``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_DIR_NAME = "AgentAssist"
DB_FILE_NAME = "calls.db"
ENV_VAR = "ASSIST_DB"


def default_db_path() -> Path:
    """``<user data dir>/AgentAssist/calls.db`` (e.g. ``%LOCALAPPDATA%\\AgentAssist`` on Windows)."""
    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False)) / DB_FILE_NAME


def resolve_db_path(cli_value: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The database path: the command-line value, else ``$ASSIST_DB``, else the default."""
    if cli_value:
        return Path(cli_value).expanduser()
    environ = os.environ if env is None else env
    if environ.get(ENV_VAR):
        return Path(environ[ENV_VAR]).expanduser()
    return default_db_path()
