"""The second pass (精校转写, issue 14) without Whisper: the ASR worker hands each final's audio
over, the background pass publishes corrections without ever blocking the producer, falls behind
gracefully (bounded, finishes after the call and says so), and the recorder stores corrected
text next to what the live recognizer heard — also when the correction comes after the call."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from assist_app.asr.engine import RecognitionResult
from assist_app.audio.blocks import AudioBlock
from assist_app.events import CallEnded, CallStarted, CorrectedText, Event, FinalText, Speaker, StatusEvent
from assist_app.pipeline.acoustics import AcousticTracker
from assist_app.pipeline.asr_worker import AsrWorker
from assist_app.pipeline.call_corrector import corrected_finals
from assist_app.pipeline.second_pass import SecondPass, UtteranceAudio, better_text
from assist_app.store import CallStore

from .fakes import FakeRecognizer

RATE = 16_000


def _block(t: float, loud: bool, seconds: float = 0.1) -> AudioBlock:
    n = int(seconds * RATE)
    samples = np.full(n, 8000 if loud else 0, dtype=np.int16)
    return AudioBlock(speaker=Speaker.AGENT, t=t, samples=samples)


def test_asr_worker_hands_each_final_with_its_audio_and_id() -> None:
    events: list[Event] = []
    got: list[UtteranceAudio] = []
    worker = AsrWorker(Speaker.AGENT, FakeRecognizer, events.append, AcousticTracker(), on_utterance=got.append)
    worker.start()
    stop = threading.Event()
    t = 0.0
    for loud in [False] * 5 + [True] * 10 + [False] * 5 + [True] * 4 + [False] * 3:  # two utterances
        worker.put(_block(t, loud), stop)
        t += 0.1
    worker.finish(abort=False)
    finals = [e for e in events if isinstance(e, FinalText)]
    assert len(finals) == 2 and len(got) == 2
    assert [g.utterance_id for g in got] == [f.utterance_id for f in finals]
    assert len({f.utterance_id for f in finals}) == 2
    first, second = got
    # Cut at the word times (0.5-1.5 s and 2.0-2.4 s) with 0.2 s of padding each side.
    assert abs(first.start - 0.3) < 0.01 and abs(first.end - 1.6) < 0.11
    assert abs(first.seconds - (first.end - first.start)) < 0.01
    assert np.count_nonzero(first.samples) == 10 * 1600  # all of the first utterance's loud audio
    assert abs(second.start - 1.8) < 0.11 and np.count_nonzero(second.samples) == 4 * 1600
    assert first.text == finals[0].text


class ScriptedDecoder:
    """Returns queued answers; can be held so the producer side can be shown not to wait."""

    def __init__(self, answers: dict[int, str]) -> None:
        self.answers = answers
        self.release = threading.Event()
        self.release.set()
        self.calls = 0

    def decode(self, samples: npt.NDArray[Any]) -> RecognitionResult:
        self.release.wait(10)
        self.calls += 1
        return RecognitionResult(text=self.answers.get(int(samples[0]), ""), words=())


def _utt(n: int, text: str, seconds: float = 1.0) -> UtteranceAudio:
    samples = np.full(int(seconds * RATE), n, dtype=np.int16)
    return UtteranceAudio(f"u{n}", Speaker.CUSTOMER, float(n), float(n) + seconds, text, samples)


def test_better_text_prefers_the_second_pass_but_not_empty_or_invented() -> None:
    assert better_text("我要投书你们", "我要投诉你们") == "我要投诉你们"
    assert better_text("我要投诉你们", "我要投诉你們！") is None  # same after normalisation
    assert better_text("好的", "") is None
    assert better_text("嗯", "谢谢大家收看本期节目请订阅点赞转发我们下期再见") is None  # hallucination on a grunt


def test_corrections_published_in_the_background_and_status_after_the_call() -> None:
    published: list[Event] = []
    decoder = ScriptedDecoder({1: "我要投诉你们", 2: "好的"})
    sp = SecondPass(decoder, published.append)
    sp.start()
    decoder.release.clear()  # the decoder is slow: submitting must still return at once
    for n, text in ((1, "我要投书你们"), (2, "好的"), (3, "嗯")):
        assert sp.submit(_utt(n, text))
    assert decoder.calls == 0
    sp.call_ended()  # call over with corrections still queued
    decoder.release.set()
    assert sp.wait(10)
    sp.stop()
    corrections = [e for e in published if isinstance(e, CorrectedText)]
    assert [(c.utterance_id, c.text, c.original) for c in corrections] == [("u1", "我要投诉你们", "我要投书你们")]
    statuses = [e for e in published if isinstance(e, StatusEvent)]
    assert statuses[0].code == "second_pass_behind" and "还有 3 句" in statuses[0].message
    assert statuses[-1].code == "second_pass_done" and "更正 1 句" in statuses[-1].message
    assert sp.stats.decoded == 3 and sp.stats.corrected == 1 and sp.stats.after_call == 3


def test_queue_is_bounded_by_seconds_of_audio_and_drops_are_counted() -> None:
    decoder = ScriptedDecoder({})
    decoder.release.clear()
    sp = SecondPass(decoder, lambda e: None, max_queued_s=2.5)
    sp.start()
    results = [sp.submit(_utt(n, "嗯")) for n in range(1, 6)]
    assert results.count(False) >= 2 and sp.stats.dropped == results.count(False)
    decoder.release.set()
    sp.call_ended()
    assert sp.wait(10)
    sp.stop()
    assert not any(t.is_alive() for t in threading.enumerate() if t.name == "second-pass")


def test_recorder_stores_corrections_during_and_after_the_call(tmp_path: Path) -> None:
    with CallStore(tmp_path / "calls.db") as store:
        rec = store.recorder()
        rec(CallStarted(t=0.0, call_id="s1"))
        rec(FinalText(t=2.0, speaker=Speaker.AGENT, text="您好很高兴为您服务", start=0.0, end=2.0, utterance_id="a-1"))
        # A correction that outruns its final waits for it.
        rec(CorrectedText(t=4.0, speaker=Speaker.CUSTOMER, utterance_id="c-1", text="我要投诉你们",
                          original="我要投书你们"))
        rec(FinalText(t=4.0, speaker=Speaker.CUSTOMER, text="我要投书你们", start=2.5, end=4.0, utterance_id="c-1"))
        rec(CallEnded(t=5.0, call_id="s1"))
        rec(StatusEvent(t=5.0, code="second_pass_behind", message="精校转写：还有 1 句"))  # not a new call
        assert store.flush() and len(store.list_calls()) == 1
        # After the call (and during the next one) a late correction still lands on its line.
        rec(CallStarted(t=0.0, call_id="s2"))
        rec(CorrectedText(t=2.0, speaker=Speaker.AGENT, utterance_id="a-1", text="您好，很高兴为您服务。",
                          original="您好很高兴为您服务"))
        assert store.flush()
        calls = store.list_calls()
        first = next(c for c in calls if c.utterance_count == 2)
        record = store.get_call(first.id)
        assert record is not None
        lines = {ln.idx: ln for ln in record.transcript}
        assert lines[1].text == "我要投诉你们" and lines[1].corrected and lines[1].asr_text == "我要投书你们"
        assert lines[0].text == "您好，很高兴为您服务。" and lines[0].asr_text == "您好很高兴为您服务"
        assert store.search("投诉")  # full-text search sees the corrected text


def test_corrected_finals_replace_text_and_keep_times() -> None:
    events: list[Event] = [
        FinalText(t=2.0, speaker=Speaker.CUSTOMER, text="我要投书", start=1.0, end=2.0, utterance_id="x"),
        CorrectedText(t=2.0, speaker=Speaker.CUSTOMER, utterance_id="x", text="我要投诉", original="我要投书"),
    ]
    out = corrected_finals(events)
    assert len(out) == 1 and isinstance(out[0], FinalText)
    assert out[0].text == "我要投诉" and out[0].start == 1.0 and out[0].end == 2.0


def test_call_corrector_sends_corrections_to_the_record_and_rescores(shipped_library: Any) -> None:
    """What the agent window wires up: statuses to the live session while the call runs,
    corrections straight to the recorder, and a re-score on the corrected text at the end."""
    from assist_app.demo.runner import build_engine
    from assist_app.pipeline.call_corrector import CallCorrector

    session_events: list[Event] = []
    record: list[Event] = []
    rescored: list[Any] = []
    decoder = ScriptedDecoder({1: "这不归我管", 2: "你找别人去"})
    decoder.release.clear()
    corrector = CallCorrector(decoder, [record.append], make_engine=lambda: build_engine(shipped_library),
                              on_rescored=rescored.append)
    corrector.start()
    emit = corrector.wrap_emit(session_events.append)
    for n, (heard, start) in enumerate((("这不贵我管", 0.0), ("你找别人去", 2.0)), start=1):
        final = FinalText(t=start + 1.5, speaker=Speaker.AGENT, text=heard, start=start, end=start + 1.5,
                          utterance_id=f"u{n}")
        emit(final)
        assert corrector.submit(_utt(n, heard))
    corrector.call_ended()  # both still queued: the panel is told before the session closes
    assert [e.code for e in session_events if isinstance(e, StatusEvent)] == ["second_pass_behind"]
    decoder.release.set()
    assert corrector.second.wait(10)
    corrector.second.stop()
    fixes = [e for e in record if isinstance(e, CorrectedText)]
    assert [(f.utterance_id, f.text) for f in fixes] == [("u1", "这不归我管")]
    assert any(isinstance(e, StatusEvent) and e.code == "second_pass_done" for e in record)
    assert len(rescored) == 1 and rescored[0] is corrector.score
    # The re-score saw the corrected text: the shirking phrase is now caught.
    engine = build_engine(shipped_library)
    from assist_app.pipeline.call_corrector import rescore

    assert rescore(engine, session_events + fixes).total == rescored[0].total
    assert any(f.rule.startswith("shirk") for a in engine.analyses for f in a.flags)


def test_call_corrector_is_the_reviews_feed_with_banned_phrases_checked(shipped_library: Any) -> None:
    """What the post-call review follows: the transcript with corrected lines (live text kept),
    each agent correction checked for banned phrases, and a version that moves until it is done."""
    from assist_app.demo.runner import build_engine
    from assist_app.pipeline.call_corrector import CallCorrector

    decoder = ScriptedDecoder({1: "这不归我管", 2: "好的，我帮您查询一下"})
    decoder.release.clear()
    corrector = CallCorrector(decoder, [lambda e: None], make_engine=lambda: build_engine(shipped_library))
    corrector.start()
    emit = corrector.wrap_emit(lambda e: None)
    heard = ("好的我记一下", "好的我帮您查一下")
    for n, text in enumerate(heard, start=1):
        emit(FinalText(t=n + 1.0, speaker=Speaker.AGENT, text=text, start=float(n), end=n + 1.0,
                       utterance_id=f"u{n}"))
        samples = np.full(RATE, n, dtype=np.int16)
        assert corrector.submit(UtteranceAudio(f"u{n}", Speaker.AGENT, float(n), n + 1.0, text, samples))
    v0 = corrector.version
    assert not corrector.finished and [ln.text for ln in corrector.lines()] == list(heard)
    corrector.call_ended()
    decoder.release.set()
    assert corrector.second.wait(10)
    corrector.second.stop()
    assert corrector.finished and corrector.version > v0
    lines = corrector.lines()
    assert [(ln.text, ln.corrected, ln.first_pass) for ln in lines] == [
        ("这不归我管", True, "好的我记一下"), ("好的，我帮您查询一下", True, "好的我帮您查一下")]
    fixes = corrector.corrections()
    assert fixes[0].banned and all(f.rule.startswith("shirk") for f in fixes[0].banned)
    assert fixes[1].banned == ()
