"""Multi-pattern matching that survives speech-recognition errors.

Every library pattern is expanded to literal variants (``library.patterns``). Text and segments
are mapped to *sound codes*: each character's toneless pinyin, folded for the confusions Mandarin
ASR and southern accents make (zh/z, ch/c, sh/s, n/l, -ng/-n), becomes one private-use character.
One Aho-Corasick pass (pyahocorasick) over the coded text then finds every homophone occurrence of
every segment. Segments of 4+ characters also match with one inserted character, and segments of
6+ with one dropped or substituted character (shorter phrases that lose a sound turn into other
words too easily: "什么玩意" vs "什么可以"). By pigeonhole one of a segment's two halves must occur
exactly, and each such candidate is
verified with a Levenshtein distance (rapidfuzz); the first and last character must sound right,
so a growing partial hypothesis does not match before the words are complete. Single characters match exactly only (a
sound-alike single character is mostly noise).
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

import ahocorasick
from rapidfuzz.distance import Levenshtein

from assist_app.library.patterns import GAP_MAX, parse_pattern
from assist_app.resources import resources_dir
from assist_app.textnorm import NormText

P = TypeVar("P")

FUZZY_MIN_LEN = 4  # segments this long tolerate one inserted character
FUZZY_LOSSY_MIN_LEN = 6  # ...and this long also one dropped or substituted character
_INITIAL_FOLD = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_code_of: dict[str, str] = {}


def _fold(syllable: str) -> str:
    for src, dst in _INITIAL_FOLD:
        if syllable.startswith(src):
            syllable = dst + syllable[len(src) :]
            break
    if syllable.endswith("ng") and len(syllable) > 2:
        syllable = syllable[:-1]
    return syllable


def _syllable_code(syllable: str) -> str:
    code = _code_of.get(syllable)
    if code is None:
        code = chr(0xF0000 + len(_code_of))  # supplementary private-use plane: never in real text
        _code_of[syllable] = code
    return code


_HAN = re.compile(r"[\u3400-\u9fff]")
_HAN_FIRST = 0x3400
_READINGS_FILE = "pinyin/readings.txt"


@lru_cache(maxsize=1)
def _readings() -> tuple[array[int], tuple[str, ...]]:
    """Per code point from U+3400, the index of its toneless syllable (0: no reading), and the
    syllables (index 0 unused).

    From ``resources/pinyin/readings.txt``, pypinyin's single-character readings written out by
    ``scripts/build_pinyin_table.py``: importing pypinyin itself for them cost ~11 MB of RSS
    (issue 15); this takes ~60 KB. ``tests/unit/analysis/test_pinyin_table.py`` checks every
    character against pypinyin.
    """
    index = array("H", bytes(2 * (0xA000 - _HAN_FIRST)))
    syllables = [""]
    path = resources_dir() / _READINGS_FILE
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        syllable, chars = line.split("\t")
        for ch in chars:
            index[ord(ch) - _HAN_FIRST] = len(syllables)
        syllables.append(syllable)
    return index, tuple(syllables)


def _reading(ch: str) -> str | None:
    """The toneless pinyin of one character, or None (not Han, or without a reading)."""
    if not _HAN.match(ch):
        return None
    index, syllables = _readings()
    i = index[ord(ch) - _HAN_FIRST]
    return syllables[i] if i else None


@lru_cache(maxsize=65536)
def char_sound(ch: str) -> str:
    """The folded toneless syllable of one normalised character ("zi" for 知 and 资); a character
    without a reading (not Han, or unknown to pypinyin) stands for itself."""
    reading = _reading(ch)
    return ch if reading is None else _fold(reading)


@lru_cache(maxsize=65536)
def char_code(ch: str) -> str:
    """The sound code of one normalised character (non-Han characters code as themselves)."""
    sound = char_sound(ch)
    return ch if sound == ch else _syllable_code(sound)


def _codes_of(text: str) -> str:
    return "".join(char_code(c) for c in text)


@lru_cache(maxsize=512)
def sound_codes(text: str) -> str:
    """Sound codes of a normalised text (cached: every analyser of an utterance asks for them)."""
    return _codes_of(text)


@dataclass(frozen=True, slots=True)
class Match(Generic[P]):
    """One pattern occurrence in normalised-text offsets."""

    payload: P
    pattern: str
    start: int
    end: int
    quality: int  # 0 exact characters, 1 sound-alike, 2 sound-alike with one edit

    @property
    def exact(self) -> bool:
        return self.quality == 0


@lru_cache(maxsize=65536)
def strict_pinyin(ch: str) -> str:
    """Toneless pinyin without near-homophone folding (non-Han characters as themselves)."""
    reading = _reading(ch)
    return ch if reading is None else reading


def _strict(text: str) -> tuple[str, ...]:
    return tuple(strict_pinyin(c) for c in text)


class PatternSet(Generic[P]):
    """A compiled set of patterns, each with a payload; ``find`` returns every match.

    Matches of one pattern variant never overlap each other; different patterns may overlap.

    Stored as flat arrays rather than an object per segment, variant and automaton key (issue 15:
    the shipped library expands to ~30,000 variants, and the object-per-item layout took ~26 MB
    for the banned phrases alone). Segment ``sid`` is ``_texts[_seg_at[sid]:_seg_at[sid + 1]]``
    and its sound codes the same slice of ``_codes`` (one code per character); variant ``vid``
    has segments ``_var_segs[_var_at[vid]:_var_at[vid + 1]]`` and comes from pattern and payload
    number ``_var_entry[vid]``; the automaton stores key number
    ``k`` (``STORE_INTS``, no Python object per key), whose length is ``_key_len[k]`` and whose
    targets are ``(_tgt_sid[t], _tgt_off[t])`` for ``t`` in ``_tgt_at[k]:_tgt_at[k + 1]`` (offset
    in the segment, ``-1``: a one-character segment).
    """

    def __init__(self, entries: Iterable[tuple[str, P]]) -> None:
        self._payloads: list[P] = []  # per entry (pattern, payload)
        self._patterns: list[str] = []
        self._var_entry = array("i")  # per variant: its entry
        self._anchors = bytearray()  # per variant: 1 anchored at the start, 2 at the end
        self._var_segs = array("i")
        self._var_at = array("i", [0])
        texts = self._add_variants(entries)
        self._index_first_segments(len(texts))
        # One string each for all segment texts and codes: ~40,000 fewer objects for the library.
        # Codes are per character, so the codes of the joined texts are the joined codes.
        self._texts = "".join(texts)
        self._codes = _codes_of(self._texts)
        self._seg_at = array("i", [0])
        for text in texts:
            self._seg_at.append(self._seg_at[-1] + len(text))
        del texts
        if len(self._codes) != len(self._texts):
            raise AssertionError("sound codes must be one per character")
        self._empty = not self._build_automaton()
        if not self._empty:
            self._automaton.make_automaton()

    def _add_variants(self, entries: Iterable[tuple[str, P]]) -> list[str]:
        """Every pattern's variants, their segments shared: returns the segment texts."""
        texts: list[str] = []
        seg_index: dict[str, int] = {}
        for pattern, payload in entries:
            entry = len(self._payloads)
            self._payloads.append(payload)
            self._patterns.append(pattern)
            for v in parse_pattern(pattern):
                for s in v.segments:
                    sid = seg_index.get(s)
                    if sid is None:
                        sid = seg_index[s] = len(texts)
                        texts.append(s)
                    self._var_segs.append(sid)
                self._var_at.append(len(self._var_segs))
                self._var_entry.append(entry)
                self._anchors.append((1 if v.anchor_start else 0) | (2 if v.anchor_end else 0))
        return texts

    def _index_first_segments(self, n_seg: int) -> None:
        """Variants by their first segment, in variant order: ``_first_vids[_first_at[sid]:_first_at[sid + 1]]``."""
        var_segs, var_at = self._var_segs, self._var_at
        firsts = array("i", (var_segs[var_at[vid]] for vid in range(len(self._var_entry))))
        self._first_at, self._first_vids = _group(firsts, n_seg)

    def _build_automaton(self) -> bool:
        """The automaton over the segments' sound codes (whole, and halves for fuzzy matching);
        False when there is nothing to find."""
        # Key numbers in order of first use, found in the automaton itself; (key, seg id, offset
        # in seg) rows in flat arrays. Issue 15: a dict of keys and a list of tuples per key were
        # ~7 MB of short-lived objects for the banned phrases, which left Python's heap that much
        # larger for good.
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        self._key_len = array("i")
        row_key, row_sid, row_off = array("i"), array("i"), array("i")
        all_codes, seg_at = self._codes, self._seg_at
        for sid in range(len(seg_at) - 1):
            codes = all_codes[seg_at[sid] : seg_at[sid + 1]]
            if len(codes) == 1:
                rows = [(codes, -1)]  # verified as the exact character below
            elif len(codes) >= FUZZY_MIN_LEN:
                half = len(codes) // 2
                rows = [(codes, 0), (codes[:half], 0), (codes[half:], half)]
            else:
                rows = [(codes, 0)]
            for key, offset in rows:
                k = self._automaton.get(key, -1)
                if k == -1:
                    k = len(self._key_len)
                    self._automaton.add_word(key, k)
                    self._key_len.append(len(key))
                row_key.append(k)
                row_sid.append(sid)
                row_off.append(offset)
        # Targets grouped by key, each key's in the order they were added.
        self._tgt_at, order = _group(row_key, len(self._key_len))
        self._tgt_sid = array("i", (row_sid[r] for r in order))
        self._tgt_off = array("i", (row_off[r] for r in order))
        return len(self._key_len) > 0

    def __len__(self) -> int:
        return len(self._var_entry)

    def _segment_hits(self, norm: str, codes: str) -> dict[int, dict[tuple[int, int], int]]:
        """seg id -> {(start, end): quality} for every occurrence (see ``Match.quality``)."""
        hits: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
        checked: set[tuple[int, int]] = set()
        if self._empty or not codes:
            return hits
        texts, all_codes, seg_at = self._texts, self._codes, self._seg_at
        tgt_sid, tgt_off, tgt_at, key_len = self._tgt_sid, self._tgt_off, self._tgt_at, self._key_len
        n_codes = len(codes)
        for end_idx, k in self._automaton.iter(codes):
            klen = key_len[k]
            kstart = end_idx - klen + 1
            for t in range(tgt_at[k], tgt_at[k + 1]):
                sid, offset = tgt_sid[t], tgt_off[t]
                at, end = seg_at[sid], seg_at[sid + 1]
                if offset == -1:
                    if norm[kstart] == texts[at]:
                        hits[sid][(kstart, kstart + 1)] = 0
                    continue
                n = end - at
                if offset == 0 and klen == n:  # the key is the whole segment
                    window = norm[kstart : end_idx + 1]
                    text = texts[at:end]
                    if window == text:
                        hits[sid][(kstart, end_idx + 1)] = 0
                    elif len(text) > 2 or _strict(window) == _strict(text):
                        # Two-syllable words collide too often under folding (们是 ≈ 闷死):
                        # they must sound exactly alike.
                        hits[sid][(kstart, end_idx + 1)] = 1
                    continue
                # A half of a long segment: look for the whole with one edit around it.
                base = kstart - offset
                # An inserted character keeps every sound of the phrase; a dropped or replaced
                # one loses information, so only long phrases may lose one.
                shortest = n + 1 if n < FUZZY_LOSSY_MIN_LEN else n - 1
                # Cheap first: the whole must fit, and start (base ± 1) and end with the segment's sounds.
                last = base + shortest - 2  # the earliest its last sound can be
                if (
                    last >= n_codes
                    or all_codes[at] not in codes[base - 1 if base > 0 else 0 : base + 2]
                    or all_codes[end - 1] not in codes[last if last > 0 else 0 : base + n + 2]
                ):
                    continue
                if (sid, base) in checked:
                    continue
                checked.add((sid, base))
                seg_code = all_codes[at:end]
                lengths = (n + 1,) if n < FUZZY_LOSSY_MIN_LEN else (n + 1, n, n - 1)
                for start in (base - 1, base, base + 1):
                    # Edits only inside: both ends must sound right, or a growing partial
                    # ("不归我…") and near-words ("不是我们的") would match early.
                    if start < 0 or codes[start] != seg_code[0]:
                        continue
                    for length in lengths:
                        stop = start + length
                        if stop > len(codes) or codes[stop - 1] != seg_code[-1]:
                            continue
                        if hits[sid].get((start, stop), 3) <= 2:
                            continue
                        if Levenshtein.distance(codes[start:stop], seg_code, score_cutoff=1) <= 1:
                            hits[sid][(start, stop)] = 2
        return hits

    def find(self, norm: NormText | str) -> list[Match[P]]:
        text = norm.text if isinstance(norm, NormText) else norm
        codes = sound_codes(text)
        hits = self._segment_hits(text, codes)
        # Per segment: exact before sound-alike, longer before shorter, so a pattern prefers the
        # best reading of the same place.
        ranked = {
            sid: sorted(occ.items(), key=lambda o: (o[0][0], o[1], -(o[0][1] - o[0][0])))
            for sid, occ in hits.items()
            if occ
        }
        # Start offsets per segment (``ranked`` is ordered by start): ``_extend`` bisects them so a
        # gap looks only at the occurrences within its reach, not at every one in the utterance.
        starts = {sid: [o[0][0] for o in occs] for sid, occs in ranked.items()}
        candidates: dict[tuple[int, str], list[Match[P]]] = defaultdict(list)
        first_at, first_vids, var_at, var_segs = self._first_at, self._first_vids, self._var_at, self._var_segs
        for first_sid, occs in ranked.items():
            for vid in first_vids[first_at[first_sid] : first_at[first_sid + 1]]:
                a, b = var_at[vid], var_at[vid + 1]
                # A later segment that occurs nowhere in the utterance: no match.
                if b - a > 1 and (
                    not ranked.get(var_segs[a + 1])
                    or (b - a > 2 and not all(ranked.get(var_segs[j]) for j in range(a + 2, b)))
                ):
                    continue
                entry = self._var_entry[vid]
                payload, pattern, anchors = self._payloads[entry], self._patterns[entry], self._anchors[vid]
                ids = var_segs[a:b]
                for (s0, e0), q0 in occs:
                    if anchors & 1 and s0 != 0:
                        continue
                    found = self._extend(ranked, starts, ids, 1, e0, q0)
                    if found is None:
                        continue
                    end, quality = found
                    if anchors & 2 and end != len(text):
                        continue
                    candidates[(id(payload), pattern)].append(Match(payload, pattern, s0, end, quality))
        out: list[Match[P]] = []
        for group in candidates.values():
            # A number in a pattern (12315) must not be part of a longer number (a phone number).
            group = [m for m in group if not _inside_number(text, m.start, m.end)]
            # Keep the best non-overlapping occurrences of each pattern.
            group.sort(key=lambda m: (m.quality, -(m.end - m.start), m.start))
            taken: list[Match[P]] = []
            for m in group:
                if all(m.end <= t.start or m.start >= t.end for t in taken):
                    taken.append(m)
            out.extend(taken)
        out.sort(key=lambda m: (m.start, -(m.end - m.start)))
        return out

    def _extend(
        self,
        hits: dict[int, list[tuple[tuple[int, int], int]]],
        starts: dict[int, list[int]],
        ids: Sequence[int],
        k: int,
        pos: int,
        quality: int,
    ) -> tuple[int, int] | None:
        if k == len(ids):
            return pos, quality
        occs = hits.get(ids[k])
        if not occs:
            return None
        at = starts[ids[k]]
        in_reach = occs[bisect_left(at, pos) : bisect_right(at, pos + GAP_MAX)]
        for (_s, e), q in sorted(in_reach, key=lambda o: o[1]):
            found = self._extend(hits, starts, ids, k + 1, e, max(quality, q))
            if found is not None:
                return found
        return None


def _group(groups: array[int], n: int) -> tuple[array[int], array[int]]:
    """Items ``0..len(groups)-1`` grouped by ``groups[i]`` (each in ``0..n-1``), keeping their order
    within a group: returns ``at`` and ``items``, group ``g`` being ``items[at[g]:at[g + 1]]``."""
    at = array("i", bytes(4 * (n + 1)))
    for g in groups:
        at[g + 1] += 1
    for g in range(n):
        at[g + 1] += at[g]
    slots = array("i", at[:-1])
    items = array("i", bytes(4 * len(groups)))
    for i, g in enumerate(groups):
        items[slots[g]] = i
        slots[g] += 1
    return at, items


_NUMERALS = frozenset("零一二三四五六七八九0123456789")


def _inside_number(text: str, start: int, end: int) -> bool:
    """True if a digit at either end of the match continues into more digits outside it."""
    if text[start] in _NUMERALS and start > 0 and text[start - 1] in _NUMERALS:
        return True
    return text[end - 1] in _NUMERALS and end < len(text) and text[end] in _NUMERALS
