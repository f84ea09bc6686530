"""The library's small pattern language (docs/library-format.md), parsed into literal variants.

A pattern such as ``^(我)?不(归|是)我(们)?管…的`` expands to a finite list of ``Variant``s: runs
of literal text ("segments") separated by gaps of up to ``GAP_MAX`` characters, optionally
anchored at the start/end of the utterance. Finite expansion is what lets the matcher use one
Aho-Corasick pass plus sound-alike (pinyin) and one-edit tolerance per segment, which a regex
could not give.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from assist_app.textnorm import norm_str

GAP_MAX = 8
# Matching cost grows with the variants of a pattern, and much faster when gaps let each variant
# try many places (issue 13: a 3,072-variant gap pattern took 29 s on a 1,000-character utterance).
# The shipped library's largest patterns have 1,080 variants (no gap) and 900 (with a gap).
MAX_VARIANTS = 2048
MAX_GAP_VARIANTS = 1024
MAX_GAPS = 2


class PatternError(ValueError):
    """A pattern string that does not follow the syntax; the message says why (English)."""


@dataclass(frozen=True, slots=True)
class Variant:
    segments: tuple[str, ...]
    anchor_start: bool = False
    anchor_end: bool = False

    @property
    def literal_len(self) -> int:
        return sum(len(s) for s in self.segments)


_GAP = object()


# Not cached (issue 15): the loader and the kit's pattern sets parse each pattern two or three
# times in all, ~0.1 s; a cache held ~10 MB of expanded variants through the whole build, and the
# small objects of that peak left ~9 MB of Python's heap that could not be handed back.
# Over 60 lines on purpose: a one-pass tokenizer and expander for the whole pattern grammar,
# kept in one function so the grammar reads top to bottom in one place.
def parse_pattern(pattern: str) -> tuple[Variant, ...]:
    """Expand ``pattern`` into its variants; raise ``PatternError`` on bad syntax."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise PatternError("empty pattern")
    src = pattern.strip().replace("...", "…")
    anchor_start = src.startswith("^")
    anchor_end = src.endswith("$") and len(src) > 1
    if anchor_start:
        src = src[1:]
    if anchor_end:
        src = src[:-1]
    if "^" in src or "$" in src:
        raise PatternError("'^' and '$' are allowed only at the very start and end")

    # Tokens: list of alternatives-lists; a gap is the _GAP marker.
    tokens: list[object] = []
    i = 0
    gaps = 0
    while i < len(src):
        ch = src[i]
        if ch == "(":
            close = src.find(")", i + 1)
            if close < 0:
                raise PatternError(f"unclosed '(' at {i}")
            body = src[i + 1 : close]
            if "(" in body:
                raise PatternError("nested groups are not supported")
            if "…" in body:
                raise PatternError("a gap '…' cannot be inside a group")
            alts = [norm_str(a) for a in body.split("|")]
            i = close + 1
            optional = i < len(src) and src[i] == "?"
            if optional:
                i += 1
                alts.append("")
            elif any(a == "" for a in alts):
                raise PatternError(f"empty alternative in '({body})'")
            tokens.append(tuple(dict.fromkeys(alts)))
        elif ch == ")":
            raise PatternError(f"unmatched ')' at {i}")
        elif ch in "|?":
            raise PatternError(f"'{ch}' outside a group at {i}")
        elif ch == "…":
            gaps += 1
            if gaps > MAX_GAPS:
                raise PatternError(f"more than {MAX_GAPS} gaps")
            tokens.append(_GAP)
            i += 1
        else:
            lit = norm_str(ch)
            if lit:
                tokens.append((lit,))
            i += 1

    choices = [t if t is not _GAP else ("\0",) for t in tokens]
    limit = MAX_GAP_VARIANTS if gaps else MAX_VARIANTS
    total = 1
    for c in choices:
        total *= len(c)  # type: ignore[arg-type]
        if total > limit:
            kind = "a pattern with a gap '…'" if gaps else "a pattern"
            raise PatternError(f"expands to more than {limit} variants (the most {kind} may have); "
                               "split it into several patterns")

    variants: dict[Variant, None] = {}
    for combo in itertools.product(*choices):  # type: ignore[call-overload]
        joined = "".join(combo)
        segments = tuple(s for s in joined.split("\0") if s)
        if not segments:
            continue
        variants[Variant(segments, anchor_start, anchor_end)] = None
    if not variants:
        raise PatternError("pattern has no literal text")
    return tuple(variants)
