"""Features shared by training and inference: character n-grams of normalised text, and units.

Text is normalised by ``textnorm`` first (traditional → simplified, full-width → half-width,
digits as characters, punctuation dropped), so recognition output and written text meet. An
example's n-gram features are binary and scaled to unit length; named extra features (the rule
layer's reading, the speaker, the previous turn…) are added with value 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from itertools import pairwise

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
    out = [padded[i : i + n] for n in range(1, n_max + 1) for i in range(size - n + 1)]
    return [g for g in out if g != BOUNDARY_START and g != BOUNDARY_END]


def gram_features(text: str, prefix: str = "", n_max: int = N_MAX) -> list[tuple[str, float]]:
    """Unit-length binary n-gram features of ``text`` (empty text → no features)."""
    grams = list(dict.fromkeys(gram_list(text, n_max)))
    if not grams:
        return []
    v = 1.0 / math.sqrt(len(grams))
    if prefix:
        return [(prefix + g, v) for g in grams]
    return [(g, v) for g in grams]


def extra(names: Iterable[str]) -> list[tuple[str, float]]:
    return [("__" + n, 1.0) for n in names]


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
