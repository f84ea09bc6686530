"""The language-model graph without its duplicate word table, and the model view that uses it.

The files here are written byte by byte in OpenFst's layout (``assist_app.asr.fstfile``'s
docstring); the real Korean model's ``Gr.fst`` is checked in the integration tests, where
recognition with and without the table is compared.
"""

from __future__ import annotations

import errno
import shutil
import struct
from pathlib import Path

import pytest

from assist_app.asr import engine, fstfile

WORDS = ["<eps>", "안녕하세요", "요금", "确认", "#0"]
BODY = bytes(range(256)) * 40  # stands for the grammar's own data, which must be copied as it is


def _string(text: str | bytes) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return struct.pack("<i", len(data)) + data


def symbol_table(words: list[str], name: str = "words.txt") -> bytes:
    out = struct.pack("<i", fstfile.SYMBOL_TABLE_MAGIC) + _string(name)
    out += struct.pack("<qq", len(words), len(words))
    for key, word in enumerate(words):
        out += _string(word) + struct.pack("<q", key)
    return out


def fst_bytes(flags: int, tables: list[bytes], body: bytes = BODY, fst_type: str = "ngram") -> bytes:
    head = struct.pack("<i", fstfile.FST_MAGIC) + _string(fst_type) + _string("standard")
    head += struct.pack("<ii", 4, flags) + struct.pack("<Qqqq", 0x3, 1, 433, 0)
    return head + b"".join(tables) + body


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_input_table_left_out_and_everything_else_kept(tmp_path: Path) -> None:
    table = symbol_table(WORDS)
    src = write(tmp_path / "Gr.fst", fst_bytes(0x3, [table, table]))
    layout = fstfile.duplicate_input_symbols(src)
    assert layout is not None and layout.fst_type == "ngram"
    dst = tmp_path / "out.fst"
    fstfile.write_without_input_symbols(src, dst, layout)

    # What a reader of the new file sees: output table only, then the same data.
    assert dst.read_bytes() == fst_bytes(0x2, [table])
    again = fstfile.read_layout(dst)
    assert again.isymbols is None and again.osymbols is not None
    assert dst.stat().st_size == src.stat().st_size - len(table)


def test_tables_that_differ_or_are_missing_are_left_alone(tmp_path: Path) -> None:
    table = symbol_table(WORDS)
    other = symbol_table([*WORDS[:-1], "#1"])
    assert fstfile.duplicate_input_symbols(write(tmp_path / "a.fst", fst_bytes(0x3, [table, other]))) is None
    assert fstfile.duplicate_input_symbols(write(tmp_path / "b.fst", fst_bytes(0x2, [table]))) is None
    assert fstfile.duplicate_input_symbols(write(tmp_path / "c.fst", fst_bytes(0x0, []))) is None


@pytest.mark.parametrize("cut", [3, 20, 80, -len(BODY) - 5])
def test_truncated_or_foreign_files_are_not_understood(tmp_path: Path, cut: int) -> None:
    table = symbol_table(WORDS)
    whole = fst_bytes(0x3, [table, table])
    path = write(tmp_path / "Gr.fst", whole[:cut])
    assert fstfile.duplicate_input_symbols(path) is None
    assert fstfile.duplicate_input_symbols(write(tmp_path / "x.fst", b"PK\x03\x04" + whole[4:])) is None


def test_a_symbol_table_longer_than_one_read_block(tmp_path: Path) -> None:
    words = [f"词{i:06d}" for i in range(60_000)]  # ~1.3 MB: walked across several blocks
    table = symbol_table(words)
    src = write(tmp_path / "Gr.fst", fst_bytes(0x3, [table, table]))
    layout = fstfile.duplicate_input_symbols(src)
    assert layout is not None and layout.isymbols == (65, 65 + len(table))


def fake_model(root: Path) -> Path:
    table = symbol_table(WORDS)
    write(root / "am" / "final.mdl", b"am")
    write(root / "conf" / "model.conf", b"--beam=10.0\n--frames-per-chunk=21\n")
    write(root / "conf" / "mfcc.conf", b"--sample-frequency=16000\n")
    write(root / "graph" / "HCLr.fst", fst_bytes(0x0, [], fst_type="olabel_lookahead"))
    write(root / "graph" / "Gr.fst", fst_bytes(0x3, [table, table]))
    write(root / "graph" / "phones" / "word_boundary.int", b"1 nonword\n")
    return root


def test_model_view_reads_as_the_model_with_a_compact_grammar(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "model")
    view = engine._model_view(model, {"frames-per-chunk": "6"})
    assert view is not None
    try:
        assert (view / "graph" / "Gr.fst").read_bytes() == fst_bytes(0x2, [symbol_table(WORDS)])
        assert not (view / "graph" / "Gr.fst").is_symlink()
        assert "--frames-per-chunk=6" in (view / "conf" / "model.conf").read_text()
        for rel in ("am", "graph/HCLr.fst", "graph/phones", "conf/mfcc.conf"):
            assert (view / rel).is_symlink() and (view / rel).resolve() == (model / rel).resolve()
        assert (model / "graph" / "Gr.fst").read_bytes() == fst_bytes(0x3, [symbol_table(WORDS)] * 2)
    finally:
        shutil.rmtree(view)

    # No decoder settings: the view still exists, for the grammar alone.
    view = engine._model_view(model, {})
    assert view is not None and (view / "conf").is_symlink()
    shutil.rmtree(view)


def test_model_without_a_lookahead_graph_needs_no_view(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "model")
    (model / "graph" / "HCLr.fst").unlink()
    assert engine._model_view(model, {}) is None


def test_full_disk_falls_back_to_the_models_own_grammar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    model = fake_model(tmp_path / "model")

    def no_space(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fstfile.shutil, "copyfileobj", no_space)
    view = engine._model_view(model, {"frames-per-chunk": "6"})
    assert view is not None
    try:
        gr = view / "graph" / "Gr.fst"
        assert gr.is_symlink() and gr.resolve() == (model / "graph" / "Gr.fst").resolve()
        assert "--frames-per-chunk=6" in (view / "conf" / "model.conf").read_text()
        assert "No space left" in caplog.text
    finally:
        shutil.rmtree(view)
