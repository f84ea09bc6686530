"""The post-call review with 精校转写 (issue 14): the corrected transcript replaces the live one
(corrected lines marked, the live text in the tooltip), alerts the corrected text no longer
supports are marked, banned phrases only it shows are added, also when corrections arrive after
hang-up; the history review of the stored call says the same."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from assist_app.asr.engine import RecognitionResult
from assist_app.events import CallEnded, CallStarted, Event, FinalText, Flag, FlagRaised, Speaker
from assist_app.pipeline.call_corrector import CallCorrector
from assist_app.pipeline.second_pass import UtteranceAudio
from assist_app.store import CallStore
from assist_app.ui.app import build_panel, ensure_app
from assist_app.ui.review import ReviewView
from assist_app.ui.settings import AppSettings

SHIRK = "这不归我管，你找别人去"


class HeldDecoder:
    """Answers by the utterance's first sample; waits for ``release`` (the pass lagging behind)."""

    def __init__(self, answers: dict[int, str]) -> None:
        self.answers = answers
        self.release = threading.Event()

    def decode(self, samples: npt.NDArray[Any]) -> RecognitionResult:
        self.release.wait(10)
        return RecognitionResult(text=self.answers.get(int(samples[0]), ""), words=())


def _engine(library: Any) -> Any:
    from assist_app.demo.runner import build_engine

    return build_engine(library)


def _items(view: ReviewView, which: str) -> list[tuple[str, str]]:
    lst = view.transcript_list if which == "transcript" else view.flags_list
    return [(lst.item(i).text(), lst.item(i).toolTip()) for i in range(lst.count())]


def test_review_follows_corrections_arriving_after_hang_up(qtbot: Any, shipped_library: Any) -> None:
    ensure_app(13)
    view = ReviewView()
    qtbot.addWidget(view)
    decoder = HeldDecoder({1: "这个我马上帮您查一下", 2: "这不归我管"})
    corrector = CallCorrector(decoder, [lambda e: None], make_engine=lambda: _engine(shipped_library))
    corrector.start()
    emit = corrector.wrap_emit(lambda e: None)
    live = _engine(shipped_library)
    shown: list[tuple[float, Flag]] = []
    for n, text in enumerate((SHIRK, "好的我记一下"), start=1):
        final = FinalText(t=n * 4.0 + 2, speaker=Speaker.AGENT, text=text, start=n * 4.0, end=n * 4.0 + 2,
                          utterance_id=f"u{n}")
        emit(final)
        shown += [(e.t, e.flag) for e in live.handle(final) if isinstance(e, FlagRaised)]
        samples = np.full(16_000, n, dtype=np.int16)
        assert corrector.submit(UtteranceAudio(f"u{n}", Speaker.AGENT, n * 4.0, n * 4.0 + 2, text, samples))
    corrector.call_ended()
    try:
        view.show_score(50.0, [])  # the live score, shown at hang-up
        view.follow(corrector, shown)  # the review opens at hang-up, before any correction
        view.show()
        assert view.transcript_frame.isVisible()
        assert "进行中" in view.second_pass_status.text()
        assert [t for t, _ in _items(view, "transcript")] == ["00:04 坐席：" + SHIRK, "00:08 坐席：好的我记一下"]
        assert not any("精校" in t for t, _ in _items(view, "flags"))
        decoder.release.set()
        qtbot.waitUntil(lambda: "精校转写完成" in view.second_pass_status.text(), timeout=10_000)
        lines = _items(view, "transcript")
        assert lines == [("00:04 坐席（精校）：这个我马上帮您查一下", f"实时识别：{SHIRK}"),
                         ("00:08 坐席（精校）：这不归我管", "实时识别：好的我记一下")]
        flags = [t for t, _ in _items(view, "flags")]
        assert any(t.startswith("00:06  【精校后未见此说法】") for t in flags), flags
        assert any(t.startswith("00:08  【精校发现】") for t in flags), flags
        assert "更正 2 句" in view.second_pass_status.text()
        # The score card now shows the re-score on the corrected text (the banned phrase 精校 found).
        assert corrector.score is not None
        assert view.total.text() == f"{corrector.score.total:.0f}" and "重新评分" in view.total_note.text()
    finally:
        corrector.second.stop()


def test_demo_review_shows_the_calls_transcript(qtbot: Any, shipped_library: Any) -> None:
    """Without 精校转写 the review still lists what was said (the analysed transcript)."""
    ensure_app(13)
    window, controller = build_panel(AppSettings(), library=shipped_library, with_live=False)
    qtbot.addWidget(window)
    window.show()
    try:
        assert controller.select_scenario_id("bad_agent")
        with qtbot.waitSignal(controller.call_finished, timeout=60_000) as blocker:
            controller.start_demo(flat_out=True)
        outcome = blocker.args[0]
        review = window.review
        lines = [t for t, _ in _items(review, "transcript")]
        assert len(lines) == len(outcome.scenario.turns)
        assert not review.second_pass_status.isVisible()
        assert not any("精校" in t for t in lines)
    finally:
        controller.shutdown()
        window.close()


def test_history_review_shows_stored_verdicts_and_first_pass_text(qtbot: Any, shipped_library: Any,
                                                                   tmp_path: Path) -> None:
    from assist_app.ui.history import HistoryController, HistoryDialog

    ensure_app(13)
    with CallStore(tmp_path / "calls.db") as store:
        rec = store.recorder()
        rec(CallStarted(t=0.0, call_id="s"))
        live = _engine(shipped_library)
        # Numbered as the session numbers finals: the engine copies the index onto its flags.
        final = FinalText(t=2.0, speaker=Speaker.AGENT, text=SHIRK, start=0.0, end=2.0, utterance_id="u1",
                          utterance=0)
        events: list[Event] = [final, *live.handle(final)]
        for e in events:
            rec(e)
        rec(CallEnded(t=3.0, call_id="s"))
        from assist_app.events import CorrectedText

        checker = _engine(shipped_library).analyzer
        rec(CorrectedText(t=2.0, speaker=Speaker.AGENT, utterance_id="u1", text="这个我马上帮您查一下",
                          original=SHIRK, start=0.0, end=2.0, banned=tuple(checker.banned_on("这个我马上帮您查一下"))))
        assert store.flush() and rec.call_id
        dialog = HistoryDialog()
        qtbot.addWidget(dialog)
        ctl = HistoryController(dialog, store)
        try:
            with qtbot.waitSignal(ctl.call_opened, timeout=10_000):
                ctl.open_call(rec.call_id)
            html = dialog.transcript.toPlainText()
            assert "（精校）" in html and f"实时识别：{SHIRK}" in html and "这个我马上帮您查一下" in html
            flags = [dialog.review.flags_list.item(i).text() for i in range(dialog.review.flags_list.count())]
            assert flags and all("【精校后未见此说法】" in t for t in flags if "推诿" in t)
            assert not dialog.review.transcript_frame.isVisible()  # the dialog has its own transcript pane
        finally:
            ctl.shutdown()
