"""User settings: a typed model, validation that names every bad field, and per-user JSON storage.

Plain Python (no Qt) so it is tested headless; it lives in ``ui/`` because only the desktop app
reads it. Stored as ``settings.json`` in the platformdirs user config folder; unknown keys are
reported, not silently kept, and a broken file never stops the app from opening (defaults are used
and the problems are shown).

Saving keeps one backup (issue 13): the file being replaced is first copied to ``settings.json.bak``
and the new one is written through ``outfiles.write_text`` (temp file, fsync, rename), so a crash
mid-save leaves either the old or the new file, never a half-written one. When ``settings.json`` is
unreadable, ``load`` falls back to the backup before falling back to the defaults.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from assist_app import outfiles
from assist_app.validation import Collector, ValidationError, field_keys

log = logging.getLogger(__name__)

APP_NAME = "assist-app"
FONT_MIN, FONT_MAX = 10, 24


@dataclass(frozen=True, slots=True)
class AppSettings:
    """Everything the user can set in 设置; field names are the JSON keys."""

    agent_device: str = ""  # sounddevice name of the headset microphone ("" = system default)
    customer_device: str = ""  # the customer's line (a loopback/second input)
    model_dir: str = ""  # Vosk model folder ("" = look in the usual places)
    library_dir: str = ""  # script library folder ("" = the shipped one)
    agent_name: str = ""
    agent_id: str = ""  # 工号
    company: str = ""
    store_transcripts: bool = True
    mask_numbers: bool = True
    font_size: int = 13
    always_on_top: bool = False
    compact: bool = False
    second_pass: bool = False  # 精校转写: Whisper re-decodes finished utterances for the record (issue 14)


class SettingsError(ValidationError):
    """Invalid settings; ``problems`` lists ``field: why`` in Chinese."""


def _typed(c: Collector, key: str, value: object, default: object) -> object | None:
    """``value`` read as the type of the field's default (a wrong type is reported)."""
    if isinstance(default, bool):
        return c.boolean(key, value)
    if isinstance(default, int):
        return c.integer(key, value)
    return c.text(key, value, required=False)


def validate(data: dict[str, Any]) -> tuple[AppSettings, list[str]]:
    """Settings from ``data`` plus every problem found; bad fields fall back to their defaults."""
    c = Collector()
    defaults = AppSettings()
    c.unknown_keys("", data, field_keys(AppSettings))
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in field_keys(AppSettings):
            reported = len(c.problems)
            typed = _typed(c, key, value, getattr(defaults, key))
            if len(c.problems) == reported:  # a value of the wrong type keeps the default
                values[key] = typed
    if "font_size" in values and not FONT_MIN <= values["font_size"] <= FONT_MAX:
        c.add("font_size", f"字号应在 {FONT_MIN}–{FONT_MAX} 之间")
        del values["font_size"]
    agent_id = values.get("agent_id", "")
    if agent_id and not (agent_id.isalnum() and len(agent_id) <= 12):
        c.add("agent_id", "工号只能是字母或数字，最多 12 位")
        del values["agent_id"]
    for key, limit in (("agent_name", 20), ("company", 30)):
        if len(values.get(key, "")) > limit:
            c.add(key, f"最多 {limit} 个字")
            del values[key]
    for key in ("model_dir", "library_dir"):
        folder = values.get(key, "")
        if folder and not Path(folder).expanduser().is_dir():
            c.add(key, f"文件夹不存在：{folder}")
    if values.get("agent_device") and values.get("agent_device") == values.get("customer_device"):
        c.add("customer_device", "坐席和客户不能用同一个输入设备")
    return replace(defaults, **values), c.messages("zh")


def default_path() -> Path:
    """``settings.json`` in the per-user config folder (``ASSIST_APP_CONFIG_DIR`` overrides it)."""
    override = os.environ.get("ASSIST_APP_CONFIG_DIR")
    if override:
        return Path(override) / "settings.json"
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "settings.json"


def backup_path(path: Path) -> Path:
    """Where ``save`` keeps the previous settings file: ``settings.json.bak`` beside it."""
    return path.with_name(path.name + ".bak")


def _read(p: Path) -> tuple[dict[str, Any] | None, str]:
    """The JSON object in ``p``, or ``None`` and why it could not be used (in Chinese)."""
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, f"无法读取设置文件（{exc}）"
    if not isinstance(data, dict):
        return None, "设置文件格式不对"
    return data, ""


def load(path: Path | None = None) -> tuple[AppSettings, list[str]]:
    """Read settings; a missing file gives defaults, a broken one its backup or the defaults, with why."""
    p = path or default_path()
    if not p.exists():
        return AppSettings(), []
    data, why = _read(p)
    if data is not None:
        return validate(data)
    bak = backup_path(p)
    if bak.exists():
        bak_data, _ = _read(bak)
        if bak_data is not None:
            settings, problems = validate(bak_data)
            return settings, [f"{p.name}: {why}，已使用上一次保存的设置", *problems]
    return AppSettings(), [f"{p.name}: {why}，已使用默认设置"]


def save(settings: AppSettings, path: Path | None = None) -> Path:
    """Validate, back up the current file to ``.bak``, then write atomically.

    Raises ``SettingsError`` instead of writing bad settings. Only a readable previous file becomes
    the backup, so saving over a broken file never replaces a good backup with garbage.
    """
    _, problems = validate(asdict(settings))
    if problems:
        raise SettingsError(problems)
    p = path or default_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.exists():
        previous, _ = _read(p)
        if previous is not None:
            try:
                outfiles.write_text(backup_path(p), p.read_text(encoding="utf-8"))
            except OSError as exc:  # a backup that cannot be written must not stop the save
                log.warning("settings backup not written: %s", exc)
    outfiles.write_text(p, json.dumps(asdict(settings), ensure_ascii=False, indent=2))
    return p
