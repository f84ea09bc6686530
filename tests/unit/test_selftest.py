"""``assist-app --self-test`` from the source tree: the real checks pass, and a broken part fails
the run with its reason on the report line (issue 6). No Qt: the window check is left out here."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from assist_app import selftest
from assist_app.__main__ import build_parser
from assist_app.selftest import Check, CheckFailed, CheckSkipped, SelfTestContext, Status, run_self_test


def test_every_check_passes_from_the_source_tree() -> None:
    out = io.StringIO()
    report = run_self_test(ui=False, out=out)
    text = out.getvalue()
    assert report.ok, text
    assert [r.id for r in report.results] == [
        "library", "learned", "textnorm", "jieba", "dutir", "vosk", "whisper", "audio", "demo"
    ]
    # A PC (or CI box) without a microphone is not ready to listen: the audio line warns instead.
    audio = next(r for r in report.results if r.id == "audio")
    expected_audio = Status.WARNING if "0 input devices" in audio.detail else Status.OK
    assert audio.status is expected_audio, text
    assert all(r.status is Status.OK for r in report.results if r.id != "audio"), text
    demo = report.results[-1]
    assert "bad_agent" in demo.detail and "忌语提示" in demo.detail  # guidance was actually raised
    last = text.splitlines()[-1]
    assert ("自检通过" in last) if expected_audio is Status.OK else ("警告" in last and "录音" in audio.detail)
    assert text.count("✓") == (9 if expected_audio is Status.OK else 8)
    learned = report.results[1]
    assert "校验通过" in learned.detail and "试判" in learned.detail


def test_broken_library_fails_with_the_file_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "scripts_library"
    broken.mkdir()
    (broken / "banned.yaml").write_text("rules: [oops\n", encoding="utf-8")
    monkeypatch.setattr("assist_app.library.loader.library_dir", lambda: broken)
    out = io.StringIO()
    checks = [c for c in selftest.default_checks(ui=False) if c.id in ("library", "dutir")]
    report = run_self_test(checks, out=out)
    assert not report.ok
    library = report.results[0]
    assert library.status is Status.FAILED
    assert "话术库" in library.detail and "banned.yaml" in library.detail
    assert report.results[1].status is Status.OK  # later checks still run and report
    assert "自检失败" in out.getvalue() and "✗" in out.getvalue()


def test_main_exit_status_follows_the_checks(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    def boom(_ctx: SelfTestContext) -> str:
        raise KeyError("missing.dll")

    def skipped(_ctx: SelfTestContext) -> str:
        raise CheckSkipped("no model")

    monkeypatch.setattr(selftest, "default_checks", lambda ui=True: [Check("s", "skip", skipped)])
    assert selftest.main(ui=False) == 0  # a skipped check does not fail the run
    monkeypatch.setattr(selftest, "default_checks", lambda ui=True: [Check("x", "boom", boom)])
    assert selftest.main(ui=False) == 1
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("✗"))
    assert "KeyError" in line and "missing.dll" in line and "test_selftest.py" in line


def test_check_failed_reason_is_shown_verbatim() -> None:
    def fails(_ctx: SelfTestContext) -> str:
        raise CheckFailed("vosk 本地库无法加载 (libvosk failed to load)")

    out = io.StringIO()
    report = run_self_test([Check("vosk", "语音识别 vosk", fails)], out=out)
    assert report.failed[0].detail == "vosk 本地库无法加载 (libvosk failed to load)"
    assert "语音识别 vosk" in out.getvalue().splitlines()[-1]


def test_cli_flag_is_top_level() -> None:
    assert build_parser().parse_args(["--self-test"]).self_test is True
    assert build_parser().parse_args(["demo", "--headless"]).self_test is False


def test_damaged_learned_models_fail_the_self_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assist_app.analysis.learned import store

    bad = tmp_path / "learned"
    bad.mkdir()
    for p in store.shipped_dir().iterdir():
        (bad / p.name).write_bytes(p.read_bytes())
    (bad / "banned.npz").write_bytes(b"x")
    monkeypatch.setenv(store.ENV, str(bad))
    store.forget()
    out = io.StringIO()
    report = run_self_test([c for c in selftest.default_checks(ui=False) if c.id in ("library", "learned")], out=out)
    assert not report.ok
    assert report.results[1].status is Status.FAILED and "banned.npz" in report.results[1].detail


def test_no_input_device_is_a_warning_not_a_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    import sounddevice

    monkeypatch.setattr(sounddevice, "query_devices", lambda: [{"name": "out", "max_input_channels": 0}])
    out = io.StringIO()
    report = run_self_test([Check("audio", "音频 audio", selftest.check_audio)], out=out)
    [result] = report.results
    assert result.status is Status.WARNING and "没有找到任何录音设备" in result.detail
    assert "⚠" in out.getvalue() and "自检通过" not in out.getvalue()


def test_a_model_set_through_the_environment_is_the_one_checked(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from assist_app.asr import models

    model = tmp_path / "vosk-model-env"
    for rel in ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf", "graph/HCLG.fst",
                "ivector/final.ie", "ivector/final.dubm", "ivector/final.mat"):
        (model / rel).parent.mkdir(parents=True, exist_ok=True)
        (model / rel).write_bytes(b"not a real model")
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(model))
    report = run_self_test([Check("vosk", "语音识别 vosk", selftest.check_vosk)], out=io.StringIO())
    [result] = report.results
    assert "未附带语音模型" not in result.detail and "未找到语音模型" not in result.detail
    # This folder only looks like a model: the check loads it, and says it does not work.
    assert result.status is Status.FAILED
