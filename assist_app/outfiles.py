"""Output files of the command line: checked before the work starts, written atomically (issue 13).

Every command that writes a file goes through this module:

- ``check_output(path, inputs=...)`` before any long work: refuses an output that *is* one of the
  inputs (same file, also through a symlink or hardlink: ``os.path.samefile``), a folder given
  where a file is expected, and a folder that cannot be created or written (read-only disk,
  missing permissions). It raises ``OutputPathError`` with a Chinese message; commands print it
  and exit 2.
- ``atomic_write(path)`` writes to ``<name>.partial-<pid>`` in the same folder, fsyncs and renames
  over the target only when the whole output was written, so an interrupted run never leaves a
  half-written or emptied file at the target (what was written so far stays in the ``.partial``).
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

log = logging.getLogger(__name__)

STDIO = "-"


class OutputPathError(ValueError):
    """An output path that cannot be used; ``message_zh`` is for the user."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _writable_folder(folder: Path) -> None:
    """Create ``folder`` if needed and prove a file can be created in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(
            f"无法创建输出文件夹 {folder}：{exc.strerror or exc}",
            f"cannot create output folder {folder}: {exc}",
        ) from exc
    if not folder.is_dir():
        raise OutputPathError(f"输出位置 {folder} 不是文件夹。", f"{folder} is not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise OutputPathError(
            f"输出文件夹 {folder} 无法写入：{exc.strerror or exc}",
            f"output folder {folder} is not writable: {exc}",
        ) from exc


def check_output(
    path: str | os.PathLike[str] | None,
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    folder: bool = False,
) -> None:
    """Raise ``OutputPathError`` unless ``path`` can be written (``None``/``-``: standard output)."""
    if path is None or str(path) == STDIO:
        return
    target = Path(path)
    for inp in inputs:
        if str(inp) != STDIO and target.exists() and _same(target, Path(inp)):
            raise OutputPathError(
                f"输出文件 {target} 就是输入文件，写入会覆盖输入。请换一个输出文件名。",
                f"output {target} is the input file {inp}",
            )
    if folder:
        if target.exists() and not target.is_dir():
            raise OutputPathError(f"输出位置 {target} 是文件，需要文件夹。", f"{target} is a file, not a folder")
        _writable_folder(target)
        return
    if target.is_dir():
        raise OutputPathError(f"输出位置 {target} 是文件夹，需要文件名。", f"{target} is a folder, not a file")
    if _special(target):  # /dev/null, a named pipe: written in place, so only it must be writable
        if not os.access(target, os.W_OK):
            raise OutputPathError(f"无法写入 {target}。", f"{target} is not writable")
        return
    _writable_folder(target.parent if str(target.parent) else Path("."))


def _special(path: Path) -> bool:
    """An existing path that is not a regular file (a device such as /dev/null, a pipe, a socket):
    it is written in place, never replaced by a rename."""
    try:
        return path.exists() and not path.is_file()
    except OSError:
        return False


@contextlib.contextmanager
def atomic_write(path: Path, *, encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO[str]]:
    """Open a stand-in of ``path`` for text; on a clean exit it is fsynced and renamed over ``path``.

    A device or pipe (``/dev/null``) is written in place: renaming over it would replace the device."""
    path = Path(path)
    if _special(path):
        with open(path, "w", encoding=encoding, newline=newline) as direct:
            yield direct
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_path(path)
    fh = open(tmp, "w", encoding=encoding, newline=newline)  # noqa: SIM115
    try:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        os.replace(tmp, path)
    except BaseException:
        fh.close()
        with contextlib.suppress(OSError):
            if tmp.exists() and tmp.stat().st_size == 0:
                tmp.unlink()
        raise


def partial_path(path: Path) -> Path:
    """Where ``atomic_write`` collects ``path`` until it is complete."""
    return path.with_name(f"{path.name}.partial-{os.getpid()}")


def replace_into(tmp: Path, path: Path) -> None:
    """Move a finished stand-in (written by a library that wants a path) over ``path``."""
    if _special(path):
        with open(tmp, "rb") as src, open(path, "wb") as dst:
            dst.write(src.read())
        tmp.unlink()
        return
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """``Path.write_text``, atomically."""
    with atomic_write(path, encoding=encoding) as fh:
        fh.write(text)


# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection,
# OWASP): an agent named "=HYPERLINK(...)" must arrive in Excel as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(cell: str) -> str:
    """A CSV cell that a spreadsheet shows as text, never evaluates (prefixed with ``'``)."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """A UTF-8-with-BOM CSV (Excel-friendly), formula-safe and atomic; returns the data row count."""
    n = 0
    with atomic_write(path, encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([csv_safe(c) for c in header])
        for row in rows:
            w.writerow([csv_safe(c) for c in row])
            n += 1
    return n
