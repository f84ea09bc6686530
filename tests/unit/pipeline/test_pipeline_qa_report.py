"""QA summary and HTML report over the real guidance engine (mini library, no model needed)."""

from __future__ import annotations

import re

from assist_app.analysis.engine import GuidanceEngine, PhraseSettings
from assist_app.events import AcousticFeatures, FinalText, Speaker
from assist_app.library import ScriptLibrary
from assist_app.pipeline.offline import Transcript
from assist_app.pipeline.qa_report import build_qa, render_html


def _final(sp: Speaker, text: str, start: float, end: float, overlap: float = 0.0) -> FinalText:
    return FinalText(
        t=end,
        speaker=sp,
        text=text,
        start=start,
        end=end,
        acoustic=AcousticFeatures(overlap_s=overlap, rate_cpm=190.0),
    )


def _transcript() -> Transcript:
    finals = (
        _final(Speaker.AGENT, "您好，很高兴为您服务", 0.0, 2.0),
        _final(Speaker.CUSTOMER, "你们怎么回事，我要投诉", 3.0, 5.0),
        _final(Speaker.AGENT, "这不归我管", 4.0, 6.0, overlap=1.0),
        _final(Speaker.CUSTOMER, "好的谢谢", 8.0, 9.0),
    )
    return Transcript(call_id="qa1", finals=finals, statuses=(), duration=10.0, error=None)


def test_qa_summary_has_score_flags_emotion_and_coverage(mini_library: ScriptLibrary) -> None:
    engine = GuidanceEngine(mini_library, settings=PhraseSettings(), call_id="qa1")
    qa = build_qa(_transcript(), engine, audio=["call.wav"]).to_json()
    assert 0 <= qa["score"]["total"] < 100  # a banned phrase costs points
    assert {it["key"] for it in qa["score"]["items"]} >= {"opening", "language"}
    assert [f["matched"] for f in qa["flags"] if f["kind"] == "banned_phrase"] == ["不归我管"]
    assert qa["flags"][0]["t"] == 4.0
    assert qa["emotions"][0]["label"] == "complaint_escalation" and qa["emotions"][0]["t"] == 3.0
    cov = {c["step"]: c for c in qa["coverage"]}
    assert cov["greeting"]["done"] and cov["greeting"]["first_t"] == 0.0
    assert not cov["soothing"]["done"]
    assert [u["speaker"] for u in qa["utterances"]] == ["agent", "customer", "agent", "customer"]
    assert qa["utterances"][2]["acoustic"]["overlap_s"] == 1.0
    assert qa["talk_seconds"] == {"agent": 4.0, "customer": 3.0}


def test_html_report_is_self_contained_and_readable(mini_library: ScriptLibrary) -> None:
    engine = GuidanceEngine(mini_library, settings=PhraseSettings(), call_id="qa1")
    page = render_html(build_qa(_transcript(), engine, audio=["call.wav"]))
    assert page.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in page
    assert "<mark>不归我管</mark>" in page  # the banned phrase is highlighted in the transcript
    assert "这个问题我帮您联系相关部门处理" in page  # with the phrase to use instead
    assert "<svg" in page and "<polyline" in page  # emotion over time, inline
    assert "话术公式完成情况" in page and "✘ 缺失" in page
    assert not re.search(r"""(src|href)=["']https?:""", page)  # nothing fetched from the network
    assert "<script" not in page


def test_html_escapes_transcript_text(mini_library: ScriptLibrary) -> None:
    engine = GuidanceEngine(mini_library, settings=PhraseSettings(), call_id="x")
    tr = Transcript(
        call_id="x",
        finals=(_final(Speaker.CUSTOMER, "<b>我要投诉</b>", 0.0, 1.0),),
        statuses=(),
        duration=1.0,
        error=None,
    )
    page = render_html(build_qa(tr, engine))
    assert "<b>我要投诉</b>" not in page and "&lt;b&gt;" in page


def test_a_silent_recording_says_there_was_no_speech_and_gets_no_score(mini_library: ScriptLibrary) -> None:
    # Issue 13 item 12: an hour of silence scored 55/100 with no problem listed.
    silent = Transcript(call_id="quiet", finals=(), statuses=(), duration=3600.0, error=None)
    result = build_qa(silent, GuidanceEngine(mini_library, PhraseSettings(), "quiet"))
    qa = result.to_json()
    assert qa["score"]["total"] is None and qa["score"]["items"] == []
    assert any("没有检测到说话声" in p for p in qa["problems"])
    page = render_html(result)
    assert "没有检测到说话声" in page and "/ 100" not in page


def test_a_truncated_wav_is_played_with_a_warning(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import threading

    import numpy as np
    import soundfile as sf

    from assist_app.audio.replay import FileReplay, wav_truncation
    from assist_app.events import StatusEvent

    wav = tmp_path / "call.wav"
    sf.write(str(wav), np.zeros(16000 * 4, dtype="float32"), 16000, subtype="PCM_16")
    whole = wav.read_bytes()
    assert wav_truncation(wav) is None
    wav.write_bytes(whole[: len(whole) // 2])  # a copy cut short: the header still says 4 s
    assert wav_truncation(wav) is not None
    statuses: list[StatusEvent] = []
    replay = FileReplay.single(wav, Speaker.CUSTOMER, speed=0)
    replay.run(lambda _b: None, statuses.append, threading.Event())  # type: ignore[arg-type]
    [warning] = [s for s in statuses if s.code == "audio_truncated"]
    assert "不完整" in warning.message and "2 秒" in warning.message
