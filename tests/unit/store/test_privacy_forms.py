"""Issue 13 item 5: the spoken and typed forms of phone and ID numbers are masked wherever they are
stored — across separators and fillers, over two utterances, in financial numerals, in practice."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from assist_app.events import CallEnded, CallStarted, FinalText, Speaker
from assist_app.store import CallStore, TraineeSession
from assist_app.store.privacy import Masker, mask_numbers
from assist_app.store.report import render_call_report

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
CN = "零一二三四五六七八九"
FIN = "零壹贰叁肆伍陆柒捌玖"
SEPARATORS = st.sampled_from(["，", ",", ".", "、", "  ", " - ", "-", " ", "\u3000", "·"])


def _cn(number: str, digits: str = CN) -> str:
    return "".join(digits[int(d)] for d in number)


def _hidden(number: str, masked: str) -> None:
    """The middle four digits of the mobile are gone; first three and last four stay."""
    kept = [c for c in masked if c.isdigit() or c in CN or c in FIN or c == "*"]
    assert len(kept) == 11, masked
    assert "".join(kept[3:7]) == "****", masked


@given(mobiles, SEPARATORS)
def test_grouped_with_separators(number: str, sep: str) -> None:
    text = f"我的电话是{number[:3]}{sep}{number[3:7]}{sep}{number[7:]}，谢谢"
    _hidden(number, mask_numbers(text))


@given(mobiles)
def test_spelled_out_digit_by_digit_with_spaced_hyphens(number: str) -> None:
    spaced = " - ".join(" ".join(g) for g in (number[:3], number[3:7], number[7:]))
    _hidden(number, mask_numbers(spaced))


@given(mobiles, st.sampled_from(["嗯", "呃", " 嗯 ", "，呃，"]))
def test_a_filler_inside_the_spoken_number(number: str, filler: str) -> None:
    spoken = _cn(number)
    text = f"号码是{spoken[:3]}{filler}{spoken[3:7]} {spoken[7:]}"
    _hidden(number, mask_numbers(text))


@given(mobiles)
def test_financial_numerals(number: str) -> None:
    _hidden(number, mask_numbers("卡上预留的号码" + _cn(number, FIN)))


@given(st.from_regex(r"[1-8][0-9]{5}[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}", fullmatch=True))
def test_fifteen_digit_old_id_cards(number: str) -> None:
    out = mask_numbers(f"身份证{number}号")
    assert number not in out and out.endswith(number[-4:] + "号") and out.count("*") == 11


def test_a_year_before_a_mobile_is_not_taken_for_an_old_id_card() -> None:
    assert mask_numbers("2023 13812345678") == "2023 138****5678"


@given(mobiles, st.integers(min_value=4, max_value=8))
def test_split_over_two_utterances_of_the_same_speaker_is_masked_in_both(
    number: str, cut: int
) -> None:
    from assist_app.store.privacy import CallMasker

    cm = CallMasker(Masker())
    spoken = _cn(number)
    _first, fix1 = cm.add("customer", spoken[:cut])
    cm.add("agent", "好的您说")  # the other side talking in between does not break it
    second, fixes = cm.add("customer", spoken[cut:])
    assert fix1 == []
    [(back, corrected)] = fixes
    assert back == 1
    combined = corrected + second
    _hidden(number, combined)


def _record_call(store: CallStore, parts: list[tuple[Speaker, str]]) -> str:
    sink = store.recorder()
    sink(CallStarted(t=0.0, call_id="c", source="test"))
    t = 0.0
    for speaker, text in parts:
        t += 1.0
        sink(FinalText(t=t, speaker=speaker, text=text, start=t - 1, end=t))
    sink(CallEnded(t=t + 1, call_id="c", reason="normal"))
    assert store.flush()
    cid = sink.call_id  # type: ignore[attr-defined]
    assert isinstance(cid, str)
    return cid


def test_the_stored_call_and_its_html_export_never_hold_the_split_number(tmp_path: Path) -> None:
    C, A = Speaker.CUSTOMER, Speaker.AGENT
    with CallStore(tmp_path / "calls.db") as store:
        cid = _record_call(store, [
            (C, "我的手机号是一三八一二三四"), (C, "五六七八"),
            (C, "一三八 嗯 一二三四 五六七八"),
            (C, "138，1234，5678"), (A, "好的"), (C, "138.1234.5678"),
            (C, "身份证号110105800101123"), (C, "壹叁捌壹贰叁肆伍陆柒捌"),
        ])
        record = store.get_call(cid)
        assert record is not None
        stored = " ".join(u.text for u in record.transcript)
        html = render_call_report(record)
    for leak in ("一二三四", "1234", "贰叁肆", "80010"):
        assert leak not in stored and leak not in html, leak
    assert record.transcript[0].text == "我的手机号是一三八****"


def test_practice_moments_are_masked_when_stored(tmp_path: Path) -> None:
    with CallStore(tmp_path / "calls.db") as store:
        store.save_trainee_session(TraineeSession(
            scenario_id="s", trainee="小王", started=datetime(2025, 3, 1, 9, 0), score=50.0,
            items=({"key": "banned", "moments": [{"said": "您的号码13812345678对吗", "better": "好的"}]},),
        ))
        [session] = store.list_trainee_sessions()
    assert "13812345678" not in repr(session.items) and "138****5678" in repr(session.items)
