"""Text normalisation shared by the library loader and the analysers.

Recogniser output and library patterns are compared in one canonical form: NFKC (full-width →
half-width), traditional → simplified (OpenCC t2s, seed 000 is traditional), ASCII lower-case,
Arabic digits → Chinese digits (Vosk's Mandarin models spell numbers in characters, so "12315"
and "一二三一五" must meet), and no punctuation or white space. ``normalize`` keeps a map from
every normalised character back to its offset in the original text, so flag spans point into
what the user sees.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")
_DIGITS = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
# Spoken variants of digits that ASR and people use in numbers ("幺" for 1, "〇" for 0).
_DIGIT_VARIANTS = {"幺": "一", "〇": "零"}


@dataclass(frozen=True, slots=True)
class NormText:
    """Normalised text plus, for each of its characters, the offset in the original text."""

    text: str
    offsets: tuple[int, ...]
    original: str

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised [start, end) span to the original text's [start, end)."""
        if not self.offsets or start >= end:
            pos = self.offsets[start] if start < len(self.offsets) else len(self.original)
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1


@lru_cache(maxsize=65536)
def _norm_char(ch: str) -> str:
    """Canonical form of one original character ('' if it is dropped)."""
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        cat = unicodedata.category(c)
        if cat[0] in "PZC" or cat in ("Sm", "Sc", "Sk", "So"):
            continue  # punctuation, separators, controls, symbols (emoji included)
        c = c.lower()
        c = _DIGITS.get(c, c)
        c = _DIGIT_VARIANTS.get(c, c)
        if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff":
            simp = _T2S.convert(c)
            if len(simp) == 1:
                c = simp
        out.append(c)
    return "".join(out)


def normalize(text: str) -> NormText:
    """Normalise ``text`` for matching, keeping offsets into the original."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        n = _norm_char(ch)
        for c in n:
            chars.append(c)
            offsets.append(i)
    return NormText("".join(chars), tuple(offsets), text)


def norm_str(text: str) -> str:
    """Just the normalised string (for patterns, dictionary words and comparisons)."""
    return "".join(_norm_char(ch) for ch in text)


def to_simplified(text: str) -> str:
    """Traditional → simplified, keeping punctuation (for display text such as phrases)."""
    return str(_T2S.convert(text))
