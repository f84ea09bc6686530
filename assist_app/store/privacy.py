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

Groups read or typed with separators are one number: spaces (also several, or full-width),
hyphens and dashes, commas, 、, dots, and a hesitation between groups (``138，1234，5678``,
``1 3 8 - 1 2 3 4 - 5 6 7 8``, ``一三八 嗯 一二三四 五六七八``); financial numerals
(``壹叁捌…``) are digits too; 15-digit (first-generation) ID cards keep their last 4. A number read
over two or three utterances of the same speaker is masked in each of them (``CallMasker``).

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
    # Financial numerals (大写数字), as read out for account and card numbers.
    "壹": "1",
    "贰": "2",
    "貳": "2",
    "叁": "3",
    "參": "3",
    "肆": "4",
    "伍": "5",
    "陆": "6",
    "陸": "6",
    "柒": "7",
    "捌": "8",
    "玖": "9",
}
_FULLWIDTH = {chr(0xFF10 + i): str(i) for i in range(10)}
_DIGIT_CHARS = "0-9" + "".join(_FULLWIDTH) + "".join(_CN_DIGITS)

# What people put between the groups of a number they read out or type: spaces (also full-width),
# hyphens and dashes, commas, 、, dots, and a hesitation (嗯/呃/啊…) — up to ``_MAX_SEP`` of them in a
# row ("138，1234，5678", "1 3 8 - 1 2 3 4", "一三八 嗯 一二三四").
_SEP_CHARS = r"\s\u3000\-－–—,，、.。·・/"
_FILLERS = "嗯呃额啊哦唔"
_SEP = rf"[{_SEP_CHARS}{_FILLERS}]"
_MAX_SEP = 3
_MAX_NUMBER_DIGITS = 19
_SEP_SPLIT_RE = re.compile(rf"({_SEP}+)")
# Separators that usually end a number (a comma, 、, a dot, a filler, a wide space): a group between
# them is first tried as a number on its own.
_STRONG_SPLIT_RE = re.compile(rf"({_SEP}*(?:[,，、.。·・/\u3000{_FILLERS}]|\s{{2,}}){_SEP}*)")
# A run of digits (ASCII, full-width or Chinese) joined by such separators, with an optional ID-card
# check letter at the end. Lookarounds keep us from starting inside a longer run.
_RUN_RE = re.compile(
    rf"(?<![{_DIGIT_CHARS}])(?:\+)?[{_DIGIT_CHARS}](?:{_SEP}{{0,{_MAX_SEP}}}[{_DIGIT_CHARS}])*(?:[Xx])?"
)

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
    if _old_id_card(digits):  # first-generation (15-digit) ID card
        return set(range(n - 4, n))
    if re.fullmatch(r"0\d{9,11}", digits):  # landline with area code
        area = 3 if digits[1] in "12" else 4
        local = n - area
        if 7 <= local <= 8:
            return set(range(area)) | set(range(n - 4, n))
    return None


def _old_id_card(digits: str) -> bool:
    """A 15-digit ID card: region code (first digit 1–8), then YYMMDD, then 3 digits. The date
    check keeps a year read before a mobile number ("2023 13812345678") from looking like one."""
    if not re.fullmatch(r"[1-8]\d{14}", digits):
        return False
    month, day = int(digits[8:10]), int(digits[10:12])
    return 1 <= month <= 12 and 1 <= day <= 31


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


def _mask_weak(run: str) -> str:
    """Mask a run whose groups are joined by spaces and hyphens only."""
    whole = _mask_chunk(run)
    if whole is not None:
        return whole
    # Separators may join two numbers ("2023 13812345678"): try the longest window of
    # separator-delimited segments first, left to right.
    segments = _SEP_SPLIT_RE.split(run)
    return _mask_windows(segments[0::2], segments[1::2])


def _mask_windows(parts: list[str], seps: list[str], done: list[bool] | None = None) -> str:
    """Mask the longest windows of consecutive ``parts`` that form a number, left to right.

    ``done`` marks parts already masked on their own (never merged with their neighbours)."""
    out_parts = list(parts)
    i = 0
    while i < len(parts):
        if done is not None and done[i]:
            i += 1
            continue
        # A number has at most 19 digits, so at most 19 segments (bounds the work on long runs).
        hi = min(len(parts), i + _MAX_NUMBER_DIGITS)
        if done is not None:
            hi = next((k for k in range(i, hi) if done[k]), hi)
        for j in range(hi, i, -1):
            chunk = "".join(p + (seps[k] if k < j - 1 else "") for k, p in enumerate(parts[i:j], start=i))
            masked = _mask_chunk(chunk)
            if masked is not None:
                # Cut the masked chunk back into its segments (masking keeps every length).
                at = 0
                for k in range(i, j):
                    out_parts[k] = masked[at:at + len(parts[k])]
                    at += len(parts[k]) + (len(seps[k]) if k < j - 1 else 0)
                i = j
                break
        else:
            i += 1
    return "".join(p + (seps[k] if k < len(seps) else "") for k, p in enumerate(out_parts))


def _mask_run(run: str) -> str:
    """Groups split by strong separators (commas, 、, dots, fillers, wide spaces) are masked on their
    own first; the groups that are not a number alone are then tried together ("138，1234，5678")."""
    pieces = _STRONG_SPLIT_RE.split(run)
    groups, seps = pieces[0::2], pieces[1::2]
    if len(groups) == 1:
        return _mask_weak(run)
    masked = [_mask_weak(g) for g in groups]
    done = [m != g for m, g in zip(masked, groups, strict=True)]
    merged = _mask_windows(groups, seps, done)
    # Take the merged result for the groups left alone, the per-group result for the others.
    out: list[str] = []
    at = 0
    for k, g in enumerate(groups):
        piece = masked[k] if done[k] else merged[at:at + len(g)]
        out.append(piece)
        at += len(g) + (len(seps[k]) if k < len(seps) else 0)
    return "".join(p + (seps[k] if k < len(seps) else "") for k, p in enumerate(out))


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


# A number read out over two or three utterances ("一三八一二三四" / "五六七八"): an utterance that
# ends in digits is kept so the next one of the same speaker can be masked together with it.
_ENDS_IN_DIGIT_RE = re.compile(rf"[{_DIGIT_CHARS}Xx][{_SEP_CHARS}{_FILLERS}？?！!]*$")
_STARTS_WITH_DIGIT_RE = re.compile(rf"^[{_SEP_CHARS}{_FILLERS}]*[{_DIGIT_CHARS}]")


def _merge_masks(a: str, b: str) -> str:
    """Character-wise union of two maskings of the same text."""
    return "".join(MASK if MASK in (x, y) else x for x, y in zip(a, b, strict=True))


class CallMasker:
    """Masks the utterances of one call as they arrive, across utterance boundaries per speaker.

    ``add(speaker, text)`` returns the masked text and the corrections of earlier utterances of the
    same speaker (``(k, text)``: the k-th previous one must now read ``text``) when this utterance
    completes a number they started. Up to ``WINDOW`` utterances in a row take part.
    """

    WINDOW = 3

    def __init__(self, masker: Masker) -> None:
        self.masker = masker
        self._chain: dict[str, list[list[str]]] = {}  # speaker -> [[raw, masked], ...] ending in digits

    def add(self, speaker: str, text: str) -> tuple[str, list[tuple[int, str]]]:
        masked = self.masker(text)
        chain = self._chain.get(speaker, [])
        corrections: list[tuple[int, str]] = []
        if self.masker.numbers and chain and _STARTS_WITH_DIGIT_RE.match(text):
            raws = [raw for raw, _ in chain] + [text]
            joined = mask_numbers(" ".join(raws))
            at = 0
            for k, raw in enumerate(raws):
                piece = joined[at:at + len(raw)]
                at += len(raw) + 1
                if k == len(chain):
                    masked = _merge_masks(masked, piece)
                    continue
                updated = _merge_masks(chain[k][1], piece)
                if updated != chain[k][1]:
                    chain[k][1] = updated
                    corrections.append((len(chain) - k, updated))
        else:
            chain = []
        ends_in_digit = _ENDS_IN_DIGIT_RE.search(text) is not None
        self._chain[speaker] = [*chain, [text, masked]][-(self.WINDOW - 1):] if ends_in_digit else []
        return masked, corrections

    def preview(self, speaker: str, text: str) -> tuple[str, list[tuple[int, str]]]:
        """``text`` masked as if it were the speaker's next utterance, without remembering it.

        For provisional (partial) text: it is masked together with the earlier utterances it may
        continue, but only the final utterance becomes part of the chain.
        """
        saved = {k: [list(pair) for pair in chain] for k, chain in self._chain.items()}
        try:
            return self.add(speaker, text)
        finally:
            self._chain = saved


class LiveMasker:
    """What the live panel shows of one call when 隐去号码 is on (issue 13): finals, partials and the
    text a flag points into, all masked the same way, across utterance boundaries per speaker.

    ``final`` returns the shown text plus ``(back, text)`` corrections of the speaker's earlier finals
    (``back`` 1 = the final before this one); ``shown`` gives the masked form of a text
    the panel already displayed, so a flag's span is highlighted on what is on screen. With
    ``numbers=False`` everything passes through unchanged.
    """

    KEEP = 8  # finals per speaker remembered for ``shown`` (flags arrive right after their utterance)

    def __init__(self, numbers: bool) -> None:
        self.numbers = numbers
        self._calls = CallMasker(Masker(numbers=True))
        self._finals: dict[str, list[tuple[str, str]]] = {}  # speaker -> [(raw, shown)], newest last

    def final(self, speaker: str, text: str) -> tuple[str, list[tuple[int, str]]]:
        if not self.numbers:
            return text, []
        masked, corrections = self._calls.add(speaker, text)
        mine = self._finals.setdefault(speaker, [])
        for back, corrected in corrections:
            if back <= len(mine):
                mine[-back] = (mine[-back][0], corrected)
        mine.append((text, masked))
        del mine[:-self.KEEP]
        return masked, corrections

    def partial(self, speaker: str, text: str) -> tuple[str, list[tuple[int, str]]]:
        """Provisional text, masked with the finals it may continue; corrections as in ``final``
        but ``back`` 1 is the latest final (the partial is not one yet)."""
        return self._calls.preview(speaker, text) if self.numbers else (text, [])

    def shown(self, speaker: str, text: str) -> str:
        if not self.numbers:
            return text
        for raw, masked in reversed(self._finals.get(speaker, [])):
            if raw == text:
                return masked
        return self.partial(speaker, text)[0]
