"""Simulated Mandarin recognition errors, shared by the evaluation set's noisy copies
(``eval/make_noisy.py``) and the learned layer's training augmentation.

- homophone substitutions: another common character (GB2312 level 1) with the same toneless
  pinyin (pypinyin, read in context), weighted by jieba word frequency;
- near-homophones: zh/z, ch/c, sh/s, n/l, -ng/-n confusions, then a common character with that
  reading;
- dropped characters and inserted characters (short function words or a sound-alike);
- punctuation mostly stripped (Vosk outputs none).

``corrupt`` returns each output character with the index of its source character, so labelled
spans can be re-mapped (``remap_spans``). Deterministic for a given ``random.Random``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jieba
from pypinyin import Style, lazy_pinyin
from rapidfuzz.distance import Levenshtein

PUNCT = set("，。！？、；：…,.!?;:“”\"'（）()～~—- ")
KEEP_PUNCT_PROB = 0.1
FILLERS = "的了一是个那啊呢吧就这在有"

# Share of the target rate given to each kind of error (sums to 1).
MIX = {"homophone": 0.50, "near": 0.20, "delete": 0.15, "insert": 0.15}

NEAR_INITIALS = {"zh": "z", "ch": "c", "sh": "s", "z": "zh", "c": "ch", "s": "sh", "n": "l", "l": "n"}
NEAR_FINALS = {"ang": "an", "an": "ang", "eng": "en", "en": "eng", "ing": "in", "in": "ing"}


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


@lru_cache(maxsize=1)
def common_chars() -> tuple[str, ...]:
    """GB2312 level-1 characters (the 3,755 most common hanzi)."""
    chars: list[str] = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                ch = bytes([hi, lo]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            if is_han(ch):
                chars.append(ch)
    return tuple(chars)


@lru_cache(maxsize=1)
def char_weights() -> dict[str, float]:
    """How often each common character occurs in jieba's word list (frequency-weighted), so a
    substitution prefers the characters a recogniser's language model would actually produce."""
    counts: dict[str, float] = dict.fromkeys(common_chars(), 1.0)
    dict_path = Path(jieba.__file__).with_name("dict.txt")
    with dict_path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                for ch in parts[0]:
                    if ch in counts:
                        counts[ch] += float(parts[1])
    return {ch: c**0.8 for ch, c in counts.items()}


@lru_cache(maxsize=1)
def by_pinyin() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for ch in common_chars():
        py = lazy_pinyin(ch, style=Style.NORMAL)[0]
        table.setdefault(py, []).append(ch)
    return {k: tuple(v) for k, v in table.items()}


def pick(cands: Sequence[str], rng: random.Random) -> str:
    weights = char_weights()
    return rng.choices(list(cands), weights=[weights[c] for c in cands])[0]


def split_syllable(py: str) -> tuple[str, str]:
    for ini in ("zh", "ch", "sh"):
        if py.startswith(ini):
            return ini, py[len(ini) :]
    if py and py[0] in "bpmfdtnlgkhjqxrzcsyw":
        return py[0], py[1:]
    return "", py


def near_variants(py: str) -> list[str]:
    ini, fin = split_syllable(py)
    out: list[str] = []
    if ini in NEAR_INITIALS:
        out.append(NEAR_INITIALS[ini] + fin)
    for a, b in NEAR_FINALS.items():
        if fin.endswith(a):
            out.append(ini + fin[: -len(a)] + b)
            break
    return [v for v in out if v in by_pinyin() and v != py]


def _blank_per_char(run: str) -> Any:
    return ["" for _ in run]  # pypinyin accepts a list: one item per character of the run


def context_pinyin(text: str) -> list[str]:
    """Toneless pinyin per character, read in context (polyphones); '' for non-hanzi."""
    pys: list[str] = lazy_pinyin(text, style=Style.NORMAL, errors=_blank_per_char)
    if len(pys) != len(text):  # fall back to character by character
        pys = [lazy_pinyin(ch, style=Style.NORMAL)[0] if is_han(ch) else "" for ch in text]
    return pys


def sound_alike(ch: str, py: str, rng: random.Random, *, near: bool) -> str | None:
    table = by_pinyin()
    if near:
        variants = near_variants(py)
        if not variants:
            return None
        cands = [c for c in table[rng.choice(variants)] if c != ch]
    else:
        cands = [c for c in table.get(py, ()) if c != ch]
    return pick(cands, rng) if cands else None


Aligned = list[tuple[str, int | None]]


def corrupt(text: str, rng: random.Random, rate: float) -> Aligned:
    """Return the noisy text as (character, index of the source character or None) pairs."""
    pys = context_pinyin(text)
    out: Aligned = []
    p_hom = rate * MIX["homophone"]
    p_near = rate * MIX["near"]
    p_del = rate * MIX["delete"]
    p_ins = rate * MIX["insert"]
    for i, ch in enumerate(text):
        if ch in PUNCT:
            if rng.random() < KEEP_PUNCT_PROB:
                out.append((ch, i))
            continue
        r = rng.random()
        if r < p_del:
            pass
        elif is_han(ch) and pys[i] and r < p_del + p_hom + p_near:
            near = r >= p_del + p_hom
            sub = sound_alike(ch, pys[i], rng, near=near) or sound_alike(ch, pys[i], rng, near=not near)
            out.append((sub or ch, i))
        else:
            out.append((ch, i))
        if rng.random() < p_ins:
            if is_han(ch) and pys[i] and rng.random() < 0.4:
                ins = sound_alike(ch, pys[i], rng, near=False) or rng.choice(FILLERS)
            else:
                ins = rng.choice(FILLERS)
            out.append((ins, None))
    return out


def remap_spans(aligned: Aligned, spans: Sequence[Sequence[int]]) -> list[list[int]] | None:
    """Map [start, end) source spans onto the noisy text; None if a span vanished."""
    result: list[list[int]] = []
    for start, end in spans:
        pos = [k for k, (_, src) in enumerate(aligned) if src is not None and start <= src < end]
        if not pos:
            return None
        lo, hi = min(pos), max(pos) + 1
        if not any(not c.isspace() and c not in PUNCT for c, _ in aligned[lo:hi]):
            return None
        result.append([lo, hi])
    return result


def strip_punct(text: str) -> str:
    return "".join(ch for ch in text if ch not in PUNCT)


def levenshtein(a: str, b: str) -> int:
    """Character edit distance (rapidfuzz's Levenshtein, in C)."""
    return int(Levenshtein.distance(a, b))


def noisy_turn_text(text: str, spans: Sequence[Sequence[int]], key: str, rate: float) -> tuple[str, list[list[int]]]:
    """``text`` with simulated recognition errors and its spans re-mapped (deterministic per key).

    Falls back to the clean text when no attempt keeps every span.
    """
    for attempt in range(20):
        rng = random.Random(f"{key}:{attempt}")
        aligned = corrupt(text, rng, rate)
        noisy = "".join(c for c, _ in aligned)
        if not strip_punct(noisy):
            continue
        mapped = remap_spans(aligned, spans)
        if mapped is not None:
            return noisy, mapped
    return text, [list(s) for s in spans]
