"""User settings: a typed model, validation that names every bad field, and per-user JSON storage.

Plain Python (no Qt) so it is tested headless; it lives in ``ui/`` because only the desktop app
reads it. Stored as ``settings.json`` in the platformdirs user config folder; unknown keys are
reported, not silently kept, and a broken file never stops the app from opening (defaults are used
and the problems are shown).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

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


class SettingsError(ValueError):
    """Invalid settings; ``problems`` lists ``field: why`` in Chinese."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def validate(data: dict[str, Any]) -> tuple[AppSettings, list[str]]:
    """Settings from ``data`` plus every problem found; bad fields fall back to their defaults."""
    problems: list[str] = []
    defaults = AppSettings()
    known = {f.name: f for f in fields(AppSettings)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            problems.append(f"{key}: 未知设置项")
            continue
        default = getattr(defaults, key)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                problems.append(f"{key}: 应为 true 或 false")
                continue
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                problems.append(f"{key}: 应为整数")
                continue
        elif not isinstance(value, str):
            problems.append(f"{key}: 应为文本")
            continue
        values[key] = value.strip() if isinstance(value, str) else value
    if "font_size" in values and not FONT_MIN <= values["font_size"] <= FONT_MAX:
        problems.append(f"font_size: 字号应在 {FONT_MIN}–{FONT_MAX} 之间")
        del values["font_size"]
    agent_id = values.get("agent_id", "")
    if agent_id and not (agent_id.isalnum() and len(agent_id) <= 12):
        problems.append("agent_id: 工号只能是字母或数字，最多 12 位")
        del values["agent_id"]
    for key, limit in (("agent_name", 20), ("company", 30)):
        if len(values.get(key, "")) > limit:
            problems.append(f"{key}: 最多 {limit} 个字")
            del values[key]
    for key in ("model_dir", "library_dir"):
        folder = values.get(key, "")
        if folder and not Path(folder).expanduser().is_dir():
            problems.append(f"{key}: 文件夹不存在：{folder}")
    if values.get("agent_device") and values.get("agent_device") == values.get("customer_device"):
        problems.append("customer_device: 坐席和客户不能用同一个输入设备")
    return replace(defaults, **values), problems


def default_path() -> Path:
    """``settings.json`` in the per-user config folder (``ASSIST_APP_CONFIG_DIR`` overrides it)."""
    override = os.environ.get("ASSIST_APP_CONFIG_DIR")
    if override:
        return Path(override) / "settings.json"
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "settings.json"


def load(path: Path | None = None) -> tuple[AppSettings, list[str]]:
    """Read settings; a missing file gives defaults, a broken one defaults plus its problems."""
    p = path or default_path()
    if not p.exists():
        return AppSettings(), []
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return AppSettings(), [f"{p.name}: 无法读取设置文件（{exc}），已使用默认设置"]
    if not isinstance(data, dict):
        return AppSettings(), [f"{p.name}: 设置文件格式不对，已使用默认设置"]
    return validate(data)


def save(settings: AppSettings, path: Path | None = None) -> Path:
    """Validate then write atomically; raises ``SettingsError`` instead of writing bad settings."""
    _, problems = validate(asdict(settings))
    if problems:
        raise SettingsError(problems)
    p = path or default_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(settings), ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(p)
    return p
