"""Masking of customer data before anything is written to disk (seeds' 保密 rules).

What is masked by default, in transcripts, flags and work orders:

- mainland mobile numbers (``1[3-9]`` + 9 digits, optional ``+86``/``86`` prefix): first 3 and last
  4 digits kept, ``138****5678`` (the usual Chinese 脱敏 form, enough to tell callers apart);
- landlines with an area code (``0xx-xxxxxxxx`` / ``0xxx-xxxxxxx``, with or without the hyphen):
  area code and last 4 digits kept;
- 18-character ID-card numbers (17 digits + digit or X): only the last 4 kept;
- bank-card numbers (16–19 digits): only the last 4 kept.

Numbers the Mandarin ASR writes as Chinese digits, one character per digit, possibly separated by
spaces (``一三八 一二三四 五六七八``, ``幺三八…``), are recognised the same way and masked in place,
with the same positions kept. Multi-character numerals with 十/百/千 (``二十四小时``) are amounts or
times, not identifiers, and are left alone; so are short numbers (prices, counts, times).

Optionally (``mask_names=True``) the name in front of 先生/女士/小姐 and after 我姓/我叫 is masked.

Masking keeps the length and the separators of what it masks, so flag spans computed on the
original text still point at the same characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK = "*"

_CN_DIGITS = {
    "零": "0",
    "〇": "0",
    "洞": "0",
    "一": "1",
    "幺": "1",
    "二": "2",
    "两": "2",
    "三": "3",
    "四": "4",
    "五": "5",
    "六": "6",
    "七": "7",
    "八": "8",
    "九": "9",
}
_FULLWIDTH = {chr(0xFF10 + i): str(i) for i in range(10)}
_DIGIT_CHARS = "0-9" + "".join(_FULLWIDTH) + "".join(_CN_DIGITS)

# A run of digits (ASCII, full-width or Chinese), allowing single spaces/hyphens between digits and
# an optional ID-card check letter at the end. Lookarounds keep us from starting inside a longer run.
_RUN_RE = re.compile(rf"(?<![{_DIGIT_CHARS}])(?:\+)?[{_DIGIT_CHARS}](?:[ \-]?[{_DIGIT_CHARS}])*(?:[Xx])?")

_NAME_TITLE_RE = re.compile(r"([\u4e00-\u9fff]{1,3})(?=先生|女士|小姐)")
_NAME_AFTER_RE = re.compile(r"(?<=我姓)[\u4e00-\u9fff]|(?<=我叫)[\u4e00-\u9fff]{2,3}")
# Characters that end a name when walking back from 先生/女士: greetings, pronouns, particles.
_NOT_NAME = set("的是好谢请问您你我他她位这那给跟和叫姓喂吗呢啊吧了对找和与及各个")


def _to_ascii_digit(ch: str) -> str | None:
    if "0" <= ch <= "9":
        return ch
    if ch in _FULLWIDTH:
        return _FULLWIDTH[ch]
    return _CN_DIGITS.get(ch)


def _keep_positions(digits: str) -> set[int] | None:
    """Indices (into ``digits``) to keep visible, or None if the run is not sensitive."""
    n = len(digits)
    body, offset = digits, 0
    if digits.startswith("86") and n == 13 and re.fullmatch(r"1[3-9]\d{9}", digits[2:]):
        body, offset = digits[2:], 2
    if re.fullmatch(r"1[3-9]\d{9}", body):  # mobile
        return set(range(offset)) | {offset, offset + 1, offset + 2} | set(range(n - 4, n))
    if re.fullmatch(r"\d{17}[\dX]", digits):  # ID card (also a 18-digit bank card: same mask)
        return set(range(n - 4, n))
    if re.fullmatch(r"\d{16,19}", digits):  # bank card
        return set(range(n - 4, n))
    if re.fullmatch(r"0\d{9,11}", digits):  # landline with area code
        area = 3 if digits[1] in "12" else 4
        local = n - area
        if 7 <= local <= 8:
            return set(range(area)) | set(range(n - 4, n))
    return None


def _digits_of(chunk: str) -> tuple[list[int], str]:
    """Positions of the digit characters in ``chunk`` and their ASCII digits."""
    positions: list[int] = []
    digits: list[str] = []
    for i, ch in enumerate(chunk):
        if ch in "Xx" and i == len(chunk) - 1:
            positions.append(i)
            digits.append("X")
            continue
        d = _to_ascii_digit(ch)
        if d is not None:
            positions.append(i)
            digits.append(d)
    return positions, "".join(digits)


def _mask_chunk(chunk: str) -> str | None:
    positions, digits = _digits_of(chunk)
    if digits.endswith("X") and len(digits) != 18:  # a check letter only ends an ID-card number
        positions, digits = positions[:-1], digits[:-1]
    keep = _keep_positions(digits)
    if keep is None:
        return None
    out = list(chunk)
    for k, pos in enumerate(positions):
        if k not in keep:
            out[pos] = MASK
    return "".join(out)


def _mask_run(run: str) -> str:
    whole = _mask_chunk(run)
    if whole is not None:
        return whole
    # Separators may join two numbers ("2023 13812345678"): try the longest window of
    # separator-delimited segments first, left to right.
    segments = re.split(r"([ \-])", run)
    parts = segments[0::2]
    seps = segments[1::2]
    if len(parts) < 2:
        return run
    out_parts = list(parts)
    i = 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            chunk = "".join(p + (seps[k] if k < j - 1 else "") for k, p in enumerate(parts[i:j], start=i))
            masked = _mask_chunk(chunk)
            if masked is not None:
                # Re-split the masked chunk back into its segments.
                pieces = re.split(r"[ \-]", masked)
                out_parts[i:j] = pieces
                i = j
                break
        else:
            i += 1
    return "".join(p + (seps[k] if k < len(seps) else "") for k, p in enumerate(out_parts))


def mask_numbers(text: str) -> str:
    """Mask phone, ID-card and bank-card numbers in ``text`` (see the module docstring)."""
    if not text:
        return text
    return _RUN_RE.sub(lambda m: _mask_run(m.group(0)), text)


def mask_names(text: str) -> str:
    """Mask a name in front of 先生/女士/小姐 and after 我姓/我叫 (one ``*`` per character)."""

    def title(m: re.Match[str]) -> str:
        chunk = m.group(1)
        # Walk back from the title while the characters can be part of a name.
        k = len(chunk)
        while k > 0 and chunk[k - 1] not in _NOT_NAME:
            k -= 1
        return chunk[:k] + MASK * (len(chunk) - k)

    text = _NAME_TITLE_RE.sub(title, text)
    return _NAME_AFTER_RE.sub(lambda m: MASK * len(m.group(0)), text)


@dataclass(frozen=True, slots=True)
class Masker:
    """The masking policy applied to every piece of text before it is stored."""

    numbers: bool = True
    names: bool = False

    def __call__(self, text: str) -> str:
        if self.numbers:
            text = mask_numbers(text)
        if self.names:
            text = mask_names(text)
        return text
