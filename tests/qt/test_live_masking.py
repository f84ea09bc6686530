"""隐去号码 covers the live page too (issue 13): finals, partials and flags show masked numbers,
also when the caller reads a number over two utterances."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from assist_app.events import FinalText, PartialText, Speaker


def test_live_transcript_masks_numbers_across_utterances(panel: Any) -> None:
    window, controller = panel
    controller.reset_views()
    dispatch = controller.bridge.dispatch
    dispatch(PartialText(t=1.0, speaker=Speaker.CUSTOMER, text="我的手机是13812345678"))
    assert "13812345678" not in window.transcript.toPlainText()
    assert "138****5678" in window.transcript.provisional()["customer"]
    dispatch(FinalText(t=2.0, speaker=Speaker.CUSTOMER, text="我的手机是13812345678", start=1.0, end=2.0))
    # read out over two utterances: the second completes the number begun in the first
    dispatch(FinalText(t=4.0, speaker=Speaker.CUSTOMER, text="备用号码一三八一二三四", start=3.0, end=4.0))
    dispatch(PartialText(t=4.5, speaker=Speaker.CUSTOMER, text="五六七八"))
    # already while the rest is still provisional, the start of the number is hidden
    assert "一三八一二三四" not in window.transcript.toPlainText()
    dispatch(FinalText(t=5.0, speaker=Speaker.CUSTOMER, text="五六七八", start=4.5, end=5.0))
    finals = [t for who, t in window.transcript.finals() if who == "customer"]
    assert finals == ["我的手机是138****5678", "备用号码一三八****", "五六七八"]
    # a partial continuing a number is masked together with the final it continues
    dispatch(FinalText(t=7.0, speaker=Speaker.AGENT, text="您的号码是138", start=6.0, end=7.0))
    dispatch(PartialText(t=7.5, speaker=Speaker.AGENT, text="1234 5678"))
    assert window.transcript.provisional()["agent"] == "**** 5678"
    assert "13812345678" not in window.transcript.toPlainText()


def test_masking_off_shows_numbers_as_said(panel: Any) -> None:
    window, controller = panel
    controller.apply_settings(replace(controller.settings, mask_numbers=False))
    controller.reset_views()
    controller.bridge.dispatch(FinalText(t=2.0, speaker=Speaker.CUSTOMER, text="电话13812345678", start=1.0, end=2.0))
    assert window.transcript.finals()[-1] == ("customer", "电话13812345678")


def test_a_flag_on_an_utterance_with_a_number_highlights_the_masked_text(panel: Any) -> None:
    from assist_app.events import Flag, FlagKind, FlagRaised, Severity

    window, controller = panel
    controller.reset_views()
    text = "13812345678这不归我管"
    controller.bridge.dispatch(FinalText(t=2.0, speaker=Speaker.AGENT, text=text, start=1.0, end=2.0))
    flag = Flag(rule="shirk.x", kind=FlagKind.BANNED_PHRASE, severity=Severity.HIGH, span=(11, 16),
                matched="这不归我管", message="推诿", replacement="")
    controller.bridge.dispatch(FlagRaised(t=2.0, speaker=Speaker.AGENT, flag=flag, text=text, final=True))
    assert window.transcript.flagged_words() == ["这不归我管"]
    assert "13812345678" not in window.transcript.toPlainText()
