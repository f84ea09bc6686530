"""The audio commands as a user runs them: ``transcribe``, ``qa``, and what happens without a
model or with a broken file (Chinese message, non-zero exit, no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_cli(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "ASSIST_MODEL_DIR"}
    full_env.update({"HOME": str(tmp_path / "home"), "XDG_DATA_HOME": str(tmp_path / "home" / "data")})
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "assist_app", *args],
        cwd=REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_transcribe_stereo_wav_gives_analyze_input(
    ko_model_dir: Path, speech_wavs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "t.jsonl"
    res = run_cli(["transcribe", str(speech_wavs["stereo"]), "--model", str(ko_model_dir), "-o", str(out)], tmp_path)
    assert res.returncode == 0, res.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows and all(set(r) == {"call_id", "speaker", "text", "start", "end"} for r in rows)
    assert {r["speaker"] for r in rows} == {"agent", "customer"}
    assert [r["start"] for r in rows] == sorted(r["start"] for r in rows)
    assert all(r["call_id"] == "call" for r in rows)
    assert "转写完成" in res.stderr and "100%" in res.stderr


def test_qa_writes_json_and_html_report(ko_model_dir: Path, speech_wavs: dict[str, Path], tmp_path: Path) -> None:
    report, js = tmp_path / "qa.html", tmp_path / "qa.json"
    res = run_cli(
        ["qa", str(speech_wavs["stereo"]), "--model", str(ko_model_dir), "--report", str(report), "--json", str(js)],
        tmp_path,
    )
    assert res.returncode == 0, res.stderr
    qa = json.loads(js.read_text(encoding="utf-8"))
    assert 0.0 <= qa["score"]["total"] <= 100.0
    assert {u["speaker"] for u in qa["utterances"]} == {"agent", "customer"}
    assert len(qa["coverage"]) == 7
    page = report.read_text(encoding="utf-8")
    assert "通话质检报告" in page and "<svg" in page
    assert qa["utterances"][0]["text"] in page
    assert "质检得分" in res.stderr


def test_without_a_model_listen_explains_how_to_install(tmp_path: Path) -> None:
    res = run_cli(["listen", "--agent", "a", "--customer", "b"], tmp_path)
    assert res.returncode == 2
    assert "没有找到语音识别模型" in res.stderr and "model install" in res.stderr
    assert "Traceback" not in res.stderr
    res = run_cli(["model", "list"], tmp_path)
    assert res.returncode == 0 and "没有找到任何模型" in res.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "找不到音频文件"), (b"RIFF\x10\x00\x00\x00WAVEfmt garbage", "无法读取音频文件")],
)
def test_bad_audio_file_is_a_clear_error(
    ko_model_dir: Path, tmp_path: Path, content: bytes | None, expected: str
) -> None:
    path = tmp_path / "call.wav"
    if content is not None:
        path.write_bytes(content)
    res = run_cli(["transcribe", str(path), "--model", str(ko_model_dir)], tmp_path)
    assert res.returncode == 1
    assert expected in res.stderr and "Traceback" not in res.stderr
    assert res.stdout == ""
