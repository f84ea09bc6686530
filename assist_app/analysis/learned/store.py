"""Where the learned layer's model folder is found.

In order: ``$ASSIST_APP_LEARNED`` (a folder, or ``off`` to run on the rules alone), the user's
data folder (``learned/``, written by ``assist-app learn`` from a centre's own labelled data), and
the folder shipped with the app (``resources/learned/``). A folder that fails verification is
skipped with a log line, so a damaged centre model falls back to the shipped one.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from platformdirs import user_data_dir

from assist_app.analysis.learned.layer import LearnedLayer
from assist_app.analysis.learned.linear import ModelFileError
from assist_app.resources import resources_dir

log = logging.getLogger(__name__)

ENV = "ASSIST_APP_LEARNED"
_lock = threading.Lock()
_cache: dict[Path, LearnedLayer] = {}


def shipped_dir() -> Path:
    return resources_dir() / "learned"


def user_dir() -> Path:
    return Path(user_data_dir("assist-app", appauthor=False)) / "learned"


def candidate_dirs() -> list[Path]:
    env = os.environ.get(ENV, "").strip()
    if env.lower() == "off":
        return []
    if env:
        return [Path(env)]
    return [user_dir(), shipped_dir()]


def default_layer() -> LearnedLayer | None:
    """The first folder that loads and verifies (cached per folder), or None."""
    for folder in candidate_dirs():
        if not (folder / "manifest.json").exists():
            continue
        with _lock:
            layer = _cache.get(folder)
            if layer is None:
                try:
                    layer = LearnedLayer.load(folder)
                except ModelFileError as exc:
                    log.warning("learned models in %s not used: %s", folder, exc)
                    continue
                _cache[folder] = layer
            return layer
    return None


def forget() -> None:
    """Drop cached layers (after ``assist-app learn`` replaced a folder)."""
    with _lock:
        _cache.clear()


def describe(categories: list[str] | None = None) -> tuple[list[str], list[str]]:
    """(lines describing the learned folders, problems) for ``library check`` and ``--self-test``.

    A folder that exists but fails verification is a problem. A banned-phrase model with categories
    the library lacks is noted (its hits in those categories are not shown: they could not name a
    category or a replacement) but is no problem: the rules and the other models still work.
    """
    lines: list[str] = []
    problems: list[str] = []
    used = False
    for folder in candidate_dirs():
        if not (folder / "manifest.json").exists():
            continue
        try:
            layer = LearnedLayer.load(folder)
        except ModelFileError as exc:
            problems.append(f"{folder}: {exc}")
            continue
        tasks = [t for t in ("banned", "emotion", "phase") if getattr(layer, t) is not None]
        state = "使用中" if not used else "备用"
        used = True
        lines.append(f"学习层（{state}）{folder}：{', '.join(tasks)}，校验通过")
        if categories is not None and layer.banned is not None:
            unknown = [c for c in layer.banned.labels if c != "ok" and c not in categories]
            if unknown:
                lines.append(
                    f"  注意：服务忌语模型的类别 {', '.join(unknown)} 不在该话术库中，这些类别的相近说法不会提示"
                )
    if not lines and not problems:
        problems.append("没有找到学习层模型（resources/learned/）")
    return lines, problems
