"""Features shared by training and inference: character and sound n-grams of normalised text,
and units.

Text is normalised by ``textnorm`` first (traditional → simplified, full-width → half-width,
digits as characters, punctuation dropped), so recognition output and written text meet. Two
blocks of binary n-grams, each scaled to unit length:

- characters (1–3-grams with boundary marks);
- sounds: each character's folded toneless syllable (``matcher.char_sound``: zh/z, ch/c, sh/s,
  n/l, -ng/-n folded, the confusions Mandarin recognisers and accents make), so a homophone that a
  recogniser wrote in place of the spoken character still meets the weight learned for it.

Which blocks a model reads is part of the model (``FeatureSpec`` in its metadata), so a model
trained before the sound block existed still reads exactly what it was trained on. Named extra
features (the rule layer's reading, the speaker, the previous turn…) are added with value 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from assist_app.analysis.matcher import char_sound
from assist_app.textnorm import NormText

N_MAX = 3
BOUNDARY_START, BOUNDARY_END = "^", "$"
# Original characters that end a clause (the normalised text has no punctuation left).
CLAUSE_BREAKS = frozenset("，。！？；：、,.!?;: \t…～~")
MIN_UNIT_CHARS = 2


def ngrams(text: str, n_max: int = N_MAX) -> Iterator[tuple[str, int, int]]:
    """Character n-grams of ``text`` with boundary marks, as (gram, start, end) in ``text``.

    The boundary marks make "喂" at the start of a turn differ from "喂" inside a word.
    """
    padded = BOUNDARY_START + text + BOUNDARY_END
    size = len(padded)
    for n in range(1, n_max + 1):
        for i in range(size - n + 1):
            gram = padded[i : i + n]
            if gram in (BOUNDARY_START, BOUNDARY_END):
                continue
            start = max(0, i - 1)
            end = min(len(text), i - 1 + n)
            yield gram, start, end


def gram_list(text: str, n_max: int = N_MAX) -> list[str]:
    """The n-grams of ``ngrams`` without their spans (the hot path: built with slicing only)."""
    padded = BOUNDARY_START + text + BOUNDARY_END
    size = len(padded)
    out = list(text) if n_max >= 1 else []  # the 1-grams: a mark alone is no gram, wherever it is
    if BOUNDARY_START in text or BOUNDARY_END in text:
        out = [c for c in out if c != BOUNDARY_START and c != BOUNDARY_END]
    out += [padded[i : i + n] for n in range(2, n_max + 1) for i in range(size - n + 1)]
    return out


SOUND_PREFIX = "y:"
SOUND_JOIN = "-"


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """Which n-gram blocks a model reads: character n-grams up to ``char_n``, sound n-grams from
    ``sound_min`` to ``sound_n`` syllables (``sound_n`` 0: none) scaled by ``sound_weight``."""

    char_n: int = N_MAX
    sound_n: int = 0
    sound_weight: float = 1.0
    sound_min: int = 1

    def to_meta(self) -> dict[str, Any]:
        return {"char_n": self.char_n, "sound_n": self.sound_n, "sound_weight": self.sound_weight,
                "sound_min": self.sound_min}

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> FeatureSpec:
        """The spec a model was trained with (models without one read characters only)."""
        raw = meta.get("feature_spec")
        if not isinstance(raw, Mapping):
            return cls()
        return cls(int(raw.get("char_n", N_MAX)), int(raw.get("sound_n", 0)), float(raw.get("sound_weight", 1.0)),
                   int(raw.get("sound_min", 1)))


CHARS_ONLY = FeatureSpec()


def sounds(text: str) -> list[str]:
    return [char_sound(ch) for ch in text]


def sound_grams(text: str, n_max: int, n_min: int = 1) -> Iterator[tuple[str, int, int]]:
    """Sound n-grams of ``text`` with boundary marks, as (name, start, end) in ``text``."""
    padded = [BOUNDARY_START, *sounds(text), BOUNDARY_END]
    size = len(padded)
    for n in range(n_min, n_max + 1):
        for i in range(size - n + 1):
            if n == 1 and i in (0, size - 1):
                continue
            yield SOUND_PREFIX + SOUND_JOIN.join(padded[i : i + n]), max(0, i - 1), min(len(text), i - 1 + n)


def sound_gram_list(text: str, n_max: int, n_min: int = 1) -> list[str]:
    """The names of ``sound_grams`` without their spans (the hot path: joins and slices only)."""
    syllables = sounds(text)
    padded = [BOUNDARY_START, *syllables, BOUNDARY_END]
    size = len(padded)
    out = [SOUND_PREFIX + sy for sy in syllables] if n_min <= 1 else []
    for n in range(max(n_min, 2), n_max + 1):
        if n == 2:  # the common case, without a list per gram
            out += [f"{SOUND_PREFIX}{a}{SOUND_JOIN}{b}" for a, b in pairwise(padded)]
        else:
            out += [SOUND_PREFIX + SOUND_JOIN.join(padded[i : i + n]) for i in range(size - n + 1)]
    return out  # the order of ``sound_grams``: a model's inputs, so its training, do not change


@dataclass(slots=True)
class Features:
    """One example's features in blocks; every name of a block has the block's value.

    A block is (prefix, names, value): its features are ``prefix + name``. Names within a block are
    distinct and prefixes keep blocks apart, so an example never repeats a feature. Training reads
    the (name, value) pairs; the models find blocks by key without building the prefixed names
    (``linear.LinearModel.feature_rows``), and two blocks may share one list of names.
    """

    blocks: list[tuple[str, list[str], float]] = field(default_factory=list)

    def add(self, prefix: str, names: list[str], value: float) -> None:
        if names:
            self.blocks.append((prefix, names, value))

    def extend(self, other: Features, prefix: str = "", factor: float = 1.0) -> None:
        """Add ``other``'s blocks under a further prefix, their values times ``factor``."""
        for p, names, v in other.blocks:
            self.blocks.append((prefix + p, names, v if factor == 1.0 else factor * v))

    def extra(self, names: Iterable[str]) -> None:
        """Named features with value 1 (the rule layer's reading, the speaker, …)."""
        self.add("__", list(names), 1.0)

    def pairs(self) -> list[tuple[str, float]]:
        return [(prefix + n, v) for prefix, names, v in self.blocks for n in names]

    def __len__(self) -> int:
        return sum(len(names) for _, names, _ in self.blocks)


def unit_blocks(text: str, n_max: int = N_MAX, spec: FeatureSpec = CHARS_ONLY) -> Features:
    """Unit-length binary n-gram blocks of ``text``, one per kind the spec reads (empty text → no
    blocks). ``n_max`` caps both kinds (context features read shorter grams)."""
    out = Features()
    _add_unit(out, gram_list(text, min(n_max, spec.char_n)))
    sound_n = min(n_max, spec.sound_n)
    if sound_n and text:
        _add_unit(out, sound_gram_list(text, sound_n, spec.sound_min), spec.sound_weight)
    return out


def _add_unit(out: Features, names: list[str], scale: float = 1.0) -> None:
    grams = list(dict.fromkeys(names))
    if grams:
        out.add("", grams, scale / math.sqrt(len(grams)))


def spanned_grams(text: str, spec: FeatureSpec = CHARS_ONLY) -> list[tuple[str, int, int]]:
    """Every n-gram name the spec reads, with its span in ``text`` (for explaining a score)."""
    out = [(g, s, e) for g, s, e in ngrams(text, spec.char_n)]
    if spec.sound_n:
        out.extend(sound_grams(text, spec.sound_n, spec.sound_min))
    return out


def clause_units(norm: NormText) -> list[tuple[int, int]]:
    """Clause spans of the normalised text, split where the original had punctuation or space."""
    text, offsets, original = norm.text, norm.offsets, norm.original
    if not text:
        return []
    units: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(text)):
        between = original[offsets[i - 1] + 1 : offsets[i]]
        if any(ch in CLAUSE_BREAKS for ch in between):
            units.append((start, i))
            start = i
    units.append((start, len(text)))
    return [(s, e) for s, e in units if e - s >= MIN_UNIT_CHARS]


def analysis_units(norm: NormText) -> list[tuple[int, int]]:
    """The whole utterance, its clauses, and adjacent clause pairs (normalised spans)."""
    clauses = clause_units(norm)
    units = [(0, len(norm.text))] if norm.text else []
    if len(clauses) > 1:
        units.extend(clauses)
        if len(clauses) > 2:
            units.extend((a[0], b[1]) for a, b in pairwise(clauses))
    return list(dict.fromkeys(units))


def max_span(scores: list[float]) -> tuple[int, int] | None:
    """The contiguous run with the largest positive sum (Kadane), or None when nothing is positive."""
    best, best_span = 0.0, None
    run, run_start = 0.0, 0
    for i, s in enumerate(scores):
        if run <= 0.0:
            run, run_start = s, i
        else:
            run += s
        if run > best:
            best, best_span = run, (run_start, i + 1)
    return best_span
