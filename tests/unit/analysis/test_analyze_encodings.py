"""Issue 13 item 10: badly encoded lines are reported one by one and every good line is analysed."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assist_app.__main__ import main

MINI = Path(__file__).parents[1] / "fixtures" / "mini_library"


def _line(text: str, speaker: str = "agent") -> bytes:
    return (json.dumps({"call_id": "c1", "speaker": speaker, "text": text}, ensure_ascii=False) + "\n").encode()


def test_a_gbk_line_in_a_utf8_file_is_reported_and_the_rest_analysed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    gbk = json.dumps({"speaker": "agent", "text": "这事不归我管"}, ensure_ascii=False).encode("gbk") + b"\n"
    src.write_bytes(_line("您好") + gbk + _line("这事不归我管"))
    out = tmp_path / "out.jsonl"
    assert main(["analyze", str(src), "-o", str(out), "--library", str(MINI)]) == 1
    err = capsys.readouterr().err
    assert "第 2 行" in err and "UTF-8" in err and "GBK" in err
    results = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in results] == ["您好", "这事不归我管"]  # nothing garbled, nothing lost
    assert results[1]["flags"] and results[1]["flags"][0]["rule"] == "shirk.not_my_job"


def test_gbk_bytes_on_stdin_with_an_output_file_do_not_stop_the_run(tmp_path: Path) -> None:
    data = _line("您好") + "不归我管".encode("gbk") + b"\n" + _line("这事不归我管")
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([sys.executable, "-m", "assist_app", "analyze", "-", "-o", str(out), "--library",
                           str(MINI)], input=data, capture_output=True, timeout=120)
    assert proc.returncode == 1, proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in proc.stderr.decode("utf-8", "replace")
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2


def test_a_lone_surrogate_skips_only_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _line("您好") + b'{"speaker": "customer", "text": "\\ud83d broken"}\n' + _line("这事不归我管")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    out = tmp_path / "out.jsonl"
    assert main(["analyze", "-", "-o", str(out), "--library", str(MINI)]) == 1
    assert "第 2 行" in capsys.readouterr().err
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2


def test_a_utf8_bom_is_not_a_bad_line(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + _line("您好"))
    out = tmp_path / "out.jsonl"
    assert main(["analyze", str(src), "-o", str(out), "--library", str(MINI)]) == 0
