"""The maskers: customer numbers never reach the file; ordinary numbers and text are untouched."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assist_app.store.privacy import Masker, mask_names, mask_numbers

# Text around a number: Chinese characters and punctuation, no digits (so the number stays one run).
filler = st.text(alphabet="您好我的号码是请帮查一下宽带账单，。？！ab", max_size=12).filter(
    lambda s: not s.endswith(("一", "X", "x")) and not s.startswith("一")
)
mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
id_cards = st.from_regex(r"[1-6][0-9]{16}[0-9X]", fullmatch=True)
bank_cards = st.from_regex(r"62[0-9]{14,17}", fullmatch=True)
landlines = st.one_of(
    st.from_regex(r"0[12][0-9]-[2-8][0-9]{7}", fullmatch=True),
    st.from_regex(r"0[3-9][0-9]{2}-[2-8][0-9]{6}", fullmatch=True),
)
CN = "零一二三四五六七八九"


def _middle_hidden(original: str, masked: str, keep_head: int, keep_tail: int) -> None:
    assert original not in masked
    assert len(masked) == len(original)
    assert masked[:keep_head] == original[:keep_head]
    assert masked[len(masked) - keep_tail :] == original[len(original) - keep_tail :]
    assert set(masked[keep_head : len(masked) - keep_tail]) <= {"*", "-"}


@given(filler, mobiles, filler)
def test_mobile_numbers_keep_only_first_three_and_last_four(before: str, number: str, after: str) -> None:
    out = mask_numbers(before + number + after)
    assert out.startswith(before) and out.endswith(after)
    _middle_hidden(number, out[len(before) : len(out) - len(after)], 3, 4)


@given(filler, id_cards, filler)
def test_id_card_numbers_keep_only_last_four(before: str, number: str, after: str) -> None:
    out = mask_numbers(before + number + after)
    _middle_hidden(number, out[len(before) : len(out) - len(after)], 0, 4)


@given(filler, bank_cards, filler)
def test_bank_card_numbers_keep_only_last_four(before: str, number: str, after: str) -> None:
    out = mask_numbers(before + number + after)
    _middle_hidden(number, out[len(before) : len(out) - len(after)], 0, 4)


@given(filler, landlines, filler)
def test_landlines_keep_area_code_and_last_four(before: str, number: str, after: str) -> None:
    out = mask_numbers(before + number + after)
    area = number.index("-")
    masked = out[len(before) : len(out) - len(after)]
    _middle_hidden(number, masked, area + 1, 4)


@given(mobiles, st.booleans())
def test_mobile_numbers_spoken_as_chinese_digits_are_masked(number: str, spaced: bool) -> None:
    spoken = "".join(CN[int(d)] for d in number)
    if spaced:  # Vosk often separates words with spaces: 一三八 一二三四 五六七八
        spoken = spoken[:3] + " " + spoken[3:7] + " " + spoken[7:]
    out = mask_numbers("我的电话是" + spoken + "谢谢")
    masked = out[len("我的电话是") : -len("谢谢")]
    assert spoken not in out
    digits = [ch for ch in masked if ch != " "]
    assert "".join(digits) == spoken.replace(" ", "")[:3] + "****" + spoken.replace(" ", "")[-4:]


@given(st.text(alphabet="您好请问二十四小时五十块钱第3次7天abc，。 ", max_size=40))
def test_text_without_identifiers_is_unchanged(text: str) -> None:
    assert mask_numbers(text) == text


@given(st.integers(min_value=0, max_value=999_999), filler)
def test_short_numbers_such_as_amounts_and_order_numbers_are_kept(n: int, after: str) -> None:
    text = f"多扣了{n}元{after}"
    assert mask_numbers(text) == text


@given(st.lists(st.one_of(filler, mobiles, id_cards, bank_cards, landlines), max_size=6))
def test_masking_is_idempotent_and_keeps_length(parts: list[str]) -> None:
    text = "，".join(parts)
    once = Masker(numbers=True, names=True)(text)
    assert Masker(numbers=True, names=True)(once) == once
    assert len(mask_numbers(text)) == len(text)


def test_examples_a_reviewer_would_check() -> None:
    assert mask_numbers("号码 138 1234 5678") == "号码 138 **** 5678"
    assert mask_numbers("+8613812345678") == "+86138****5678"
    assert mask_numbers("身份证11010519491231002X") == "身份证**************002X"
    assert mask_numbers("去年2023 13812345678") == "去年2023 138****5678"
    assert mask_numbers("幺三八一二三四五六七八") == "幺三八****五六七八"
    assert mask_numbers("我们会在二十四小时内回复") == "我们会在二十四小时内回复"


def test_names_are_masked_only_when_asked() -> None:
    assert Masker()("王先生您好") == "王先生您好"
    assert mask_names("王先生您好") == "*先生您好"
    assert mask_names("您好李女士") == "您好*女士"
    assert mask_names("免贵，我姓张") == "免贵，我姓*"
