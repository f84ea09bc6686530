"""OpenFst file headers, and a language-model graph without the word table it stores twice.

A Vosk model decoded by on-the-fly composition (``graph/HCLr.fst`` + ``graph/Gr.fst``, the
layout of small-cn and of the Korean test model) keeps its vocabulary as symbol tables inside
``Gr.fst``: the grammar is an acceptor, so its input and output tables are the same table, written
twice. Vosk only reads the output table (the words it prints); the composition checks the input
table against ``HCLr.fst``'s output table, which it does not have. Each table costs ~70 MB of
memory for the Korean model's 503,352 words (11 MB on disk), so loading a copy of ``Gr.fst`` that
lacks the input table saves that much with identical recognition (BENCHMARKS.md, issue 15).

The format, as OpenFst writes it (``fst/fst.h``, ``FstHeader::Write``; ``fst/symbol-table.cc``,
``SymbolTableImpl::Write``), little-endian:

- header: int32 magic, string fst type, string arc type, int32 version, int32 flags,
  uint64 properties, int64 start, int64 number of states, int64 number of arcs
  (a string is an int32 length and that many bytes);
- then the input symbol table if ``flags & HAS_ISYMBOLS``, the output table if
  ``flags & HAS_OSYMBOLS``: int32 magic, string name, int64 available key, int64 size,
  then ``size`` pairs of (string symbol, int64 key);
- then the FST's own data, which this module copies unchanged.
"""

from __future__ import annotations

import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

FST_MAGIC = 2125659606
SYMBOL_TABLE_MAGIC = 2125658996
HAS_ISYMBOLS = 0x1
HAS_OSYMBOLS = 0x2
_COPY_CHUNK = 1 << 20


class FstFormatError(ValueError):
    """The file is not an OpenFst file this module understands (it is then left alone)."""


@dataclass(frozen=True, slots=True)
class FstLayout:
    """Where the parts of an OpenFst file start and end (byte offsets)."""

    fst_type: str
    flags: int
    flags_offset: int
    header_end: int
    isymbols: tuple[int, int] | None  # [start, end) of the input symbol table
    osymbols: tuple[int, int] | None
    size: int


class _Reader:
    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.pos = 0

    def take(self, n: int) -> bytes:
        data = self._stream.read(n)
        if len(data) != n:
            raise FstFormatError("file ends inside the header or a symbol table")
        self.pos += n
        return data

    def int32(self) -> int:
        return int(struct.unpack("<i", self.take(4))[0])

    def int64(self) -> int:
        return int(struct.unpack("<q", self.take(8))[0])

    def string(self) -> bytes:
        n = self.int32()
        if n < 0 or n > 1 << 20:
            raise FstFormatError(f"implausible string length {n}")
        return self.take(n)

    def skip_symbol_table(self) -> None:
        """Step over one symbol table, leaving the stream right after it."""
        if self.int32() != SYMBOL_TABLE_MAGIC:
            raise FstFormatError("symbol table magic number not found")
        self.string()  # name
        self.int64()  # available key
        size = self.int64()
        if size < 0:
            raise FstFormatError(f"negative symbol table size {size}")
        # Entries are walked in bulk: read a block, step over (length, symbol, key) records in it.
        buffer = b""
        offset = 0
        for _ in range(size):
            if len(buffer) - offset < 4:
                buffer = buffer[offset:] + self._stream.read(_COPY_CHUNK)
                offset = 0
            if len(buffer) - offset < 4:
                raise FstFormatError("file ends inside a symbol table")
            n = int.from_bytes(buffer[offset : offset + 4], "little", signed=True)
            if n < 0 or n > 1 << 20:
                raise FstFormatError(f"implausible symbol length {n}")
            need = 4 + n + 8
            if len(buffer) - offset < need:
                buffer = buffer[offset:] + self._stream.read(max(_COPY_CHUNK, need))
                offset = 0
                if len(buffer) < need:
                    raise FstFormatError("file ends inside a symbol table")
            offset += need
            self.pos += need
        # Put the stream back right after the table (the block read may have gone past it).
        self._stream.seek(self.pos)


def read_layout(path: Path) -> FstLayout:
    """The header and symbol-table positions of the OpenFst file at ``path``."""
    with path.open("rb") as stream:
        reader = _Reader(stream)
        if reader.int32() != FST_MAGIC:
            raise FstFormatError(f"{path.name} is not an OpenFst file")
        fst_type = reader.string().decode("ascii", errors="replace")
        reader.string()  # arc type
        reader.int32()  # version
        flags_offset = reader.pos
        flags = reader.int32()
        reader.take(8 + 8 + 8 + 8)  # properties, start, states, arcs
        header_end = reader.pos
        tables: list[tuple[int, int] | None] = []
        for bit in (HAS_ISYMBOLS, HAS_OSYMBOLS):
            if flags & bit:
                start = reader.pos
                reader.skip_symbol_table()
                tables.append((start, reader.pos))
            else:
                tables.append(None)
        size = path.stat().st_size
    if reader.pos > size:
        raise FstFormatError("symbol tables run past the end of the file")
    return FstLayout(fst_type, flags, flags_offset, header_end, tables[0], tables[1], size)


def duplicate_input_symbols(path: Path) -> FstLayout | None:
    """The layout of ``path`` when its input symbol table is byte for byte its output table
    (so dropping it loses nothing Vosk reads); None otherwise or when the file is not one we know."""
    try:
        layout = read_layout(path)
    except (OSError, FstFormatError):
        return None
    if layout.isymbols is None or layout.osymbols is None:
        return None
    (i0, i1), (o0, o1) = layout.isymbols, layout.osymbols
    if i1 - i0 != o1 - o0:
        return None
    with path.open("rb") as first, path.open("rb") as second:  # compared a block at a time
        first.seek(i0)
        second.seek(o0)
        left = i1 - i0
        while left > 0:
            n = min(left, _COPY_CHUNK)
            if first.read(n) != second.read(n):
                return None
            left -= n
    return layout


def write_without_input_symbols(src: Path, dst: Path, layout: FstLayout) -> None:
    """Write ``src`` to ``dst`` with its input symbol table left out (``layout`` from
    ``duplicate_input_symbols``). Raises ``OSError`` (e.g. a full disk) with ``dst`` removed."""
    if layout.isymbols is None:
        raise ValueError("the file has no input symbol table to leave out")
    start, end = layout.isymbols
    try:
        with src.open("rb") as inp, dst.open("wb") as out:
            head = bytearray(inp.read(layout.header_end))
            struct.pack_into("<i", head, layout.flags_offset, layout.flags & ~HAS_ISYMBOLS)
            out.write(head)
            inp.seek(end)
            shutil.copyfileobj(inp, out, _COPY_CHUNK)
            expected = layout.size - (end - start)
            if out.tell() != expected:
                raise OSError(f"wrote {out.tell()} bytes of {dst.name}, expected {expected}")
    except OSError:
        dst.unlink(missing_ok=True)
        raise
