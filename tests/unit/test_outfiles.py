"""Issue 13 items 2, 3 and 6: outputs are checked before the work, never overwrite the input, are
written atomically, and CSV cells cannot run as spreadsheet formulas."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from assist_app.__main__ import main
from assist_app.outfiles import OutputPathError, atomic_write, check_output, csv_safe, write_csv

MINI = Path(__file__).parent / "fixtures" / "mini_library"
LINES = [
    {"call_id": "c1", "speaker": "agent", "text": "您好，很高兴为您服务"},
    {"call_id": "c1", "speaker": "customer", "text": "我要投诉你们"},
]


def _write_input(path: Path) -> bytes:
    data = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in LINES).encode("utf-8")
    path.write_bytes(data)
    return data


def test_analyze_refuses_to_write_over_its_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    same = tmp_path / "same.jsonl"
    data = _write_input(same)
    assert main(["analyze", str(same), "-o", str(same), "--library", str(MINI)]) == 2
    assert "就是输入文件" in capsys.readouterr().err
    assert same.read_bytes() == data  # the input is untouched


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
def test_analyze_refuses_an_output_that_is_the_input_under_another_name(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    data = _write_input(src)
    alias = tmp_path / "alias.jsonl"
    (os.symlink if kind == "symlink" else os.link)(src, alias)
    assert main(["analyze", str(src), "-o", str(alias), "--library", str(MINI)]) == 2
    assert src.read_bytes() == data


def test_analyze_into_a_missing_folder_creates_it_and_writes_whole_output(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    _write_input(src)
    out = tmp_path / "new" / "deeper" / "out.jsonl"
    assert main(["analyze", str(src), "-o", str(out), "--library", str(MINI)]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    assert [p.name for p in out.parent.iterdir()] == ["out.jsonl"]  # no stand-in left behind


def test_analyze_output_that_cannot_be_created_fails_before_the_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    _write_input(src)
    blocker = tmp_path / "file"
    blocker.write_text("x")  # a file where the output folder should be (root ignores mode bits)
    assert main(["analyze", str(src), "-o", str(blocker / "out.jsonl"), "--library", str(MINI)]) == 2
    err = capsys.readouterr().err
    assert "无法创建输出文件夹" in err and "Traceback" not in err


def test_qa_json_into_a_folder_fails_before_transcribing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    audio = tmp_path / "call.wav"
    audio.write_bytes(b"not needed: the output is refused first")
    assert main(["qa", str(audio), "--json", str(tmp_path)]) == 2
    assert "是文件夹" in capsys.readouterr().err


def test_transcribe_to_an_unwritable_place_fails_before_transcribing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    audio = tmp_path / "call.wav"
    audio.write_bytes(b"x")
    out_dir = tmp_path / "ro"
    out_dir.mkdir()
    real = os.open

    def read_only_fs(path: str | os.PathLike[str], flags: int, *a: object, **k: object) -> int:
        if str(path).startswith(str(out_dir)) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(30, "Read-only file system")
        return real(path, flags, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", read_only_fs)
    assert main(["transcribe", str(audio), "-o", str(out_dir / "t.jsonl")]) == 2
    assert "无法写入" in capsys.readouterr().err


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_write(target) as fh:
        fh.write("half")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old"


def test_check_output_accepts_stdout_and_a_writable_file(tmp_path: Path) -> None:
    check_output("-", inputs=["-"])
    check_output(None)
    check_output(tmp_path / "ok.json", inputs=[tmp_path / "other.json"])
    with pytest.raises(OutputPathError):
        check_output(tmp_path)


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\",\"a\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_start_like_a_formula_are_escaped(tmp_path: Path, name: str) -> None:
    path = tmp_path / "calls.csv"
    write_csv(path, ["坐席"], [[name], ["张三"]])
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1] == ["'" + name] and rows[2] == ["张三"]
    assert csv_safe("10") == "10" and csv_safe("") == ""


def test_writing_to_dev_null_leaves_the_device_in_place(tmp_path: Path) -> None:
    import stat

    from assist_app.outfiles import atomic_write, check_output, write_text

    null = Path(os.devnull)
    check_output(null)
    write_text(null, "nothing\n")
    with atomic_write(null) as fh:
        fh.write("still nothing\n")
    assert stat.S_ISCHR(null.stat().st_mode), "/dev/null was replaced by a regular file"
    assert not list(null.parent.glob("null.partial-*"))
