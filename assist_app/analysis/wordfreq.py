"""jieba's prefix dictionary in ~7 MB instead of ~60 MB (issue 15).

A ``jieba.Tokenizer`` keeps its dictionary as one Python ``dict``: 349,046 words plus every prefix
of every word (~585,000 keys), each a ``str`` and an ``int`` object — about 60 MB, the largest
single item of the analysis side. Segmentation only asks that dict three things: is a fragment a
word or a word's prefix (``in``), and a word's frequency (``[]`` / ``get``). ``CompactFreq``
answers them from two sorted arrays (the 64-bit ``hash`` of each key, its frequency) plus a
small overlay dict for words added later (the library's cue words). The tokenizer keeps jieba's
own ``cut`` code, so segmentation is jieba's: same keys, same frequencies, same total. The only
difference would be a 64-bit hash collision between a fragment of an utterance and a dictionary
key (~10^-13 per look-up); ``hash`` of ``str`` is seeded per process, so one would not even
repeat.

Why not a smaller dictionary: keeping words of frequency ≥ 10 changed the segmentation of a third
of the demo scenarios' sentences (BENCHMARKS.md, issue 15).
"""

from __future__ import annotations

import logging
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from typing import IO

import jieba
import numpy as np

from assist_app.procutil import malloc_trim

log = logging.getLogger(__name__)


class CompactFreq:
    """The mapping ``jieba.Tokenizer.FREQ`` as two sorted arrays plus an overlay of later changes."""

    __slots__ = ("_freqs", "_hashes", "_overlay")

    def __init__(self, hashes: np.ndarray, freqs: np.ndarray) -> None:
        # ``array`` rather than numpy for the look-up: ``bisect`` on it is ~3x faster than
        # ``np.searchsorted`` for one key at a time.
        self._hashes = array("q", hashes.astype(np.int64).tobytes())  # sorted, unique
        self._freqs = array("i", freqs.astype(np.int32).tobytes())
        self._overlay: dict[str, int] = {}  # words set after loading (add_word, restores)

    def _base(self, key: str) -> int | None:
        h = _key(key)
        i = bisect_left(self._hashes, h)
        if i < len(self._hashes) and self._hashes[i] == h:
            return self._freqs[i]
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

    def get(self, key: str, default: int | None = None) -> int | None:
        value = self._overlay.get(key)
        if value is not None:
            return value
        base = self._base(key)
        return default if base is None else base

    def __setitem__(self, key: str, value: int) -> None:
        self._overlay[key] = int(value)

    def __len__(self) -> int:
        return len(self._hashes) + sum(1 for k in self._overlay if self._base(k) is None)

    @property
    def nbytes(self) -> int:
        return len(self._hashes) * self._hashes.itemsize + len(self._freqs) * self._freqs.itemsize


def _key(text: str) -> int:
    """A 64-bit key for ``text``. Not ``hash(text)`` alone: CPython hashes a string's internal bytes,
    so a two-byte-per-character string and a Latin-1 one of twice the length can hash alike
    ("偂" and "BP" did); the length tells them apart."""
    return hash((text, len(text)))


def _entries(fh: IO[bytes]) -> Iterator[tuple[int, int, int]]:
    """(hash, frequency, 1 for a word / 0 for a prefix) for every key ``gen_pfdict`` would make."""
    for lineno, raw in enumerate(fh, 1):
        line = raw.strip().decode("utf-8")
        try:
            word, freq_s = line.split(" ")[:2]
            freq = int(freq_s)
        except ValueError as exc:
            raise ValueError(f"invalid dictionary entry at line {lineno}: {line}") from exc
        yield _key(word), freq, 1
        for end in range(1, len(word)):
            yield _key(word[:end]), 0, 0


def load_compact(fh: IO[bytes]) -> tuple[CompactFreq, int]:
    """The prefix dictionary of a jieba word list (``word freq [tag]`` lines) and its total.

    Same keys and values as ``jieba.Tokenizer.gen_pfdict``: a word listed twice keeps its last
    frequency (both count towards the total), a prefix that is no word has frequency 0.
    """
    rows = np.fromiter(_entries(fh), dtype=np.dtype([("h", np.int64), ("f", np.int64), ("w", np.int8)]))
    total = int(rows["f"][rows["w"] == 1].sum())
    order = np.arange(len(rows), dtype=np.int64)
    # Per hash: prefixes first, then words in file order; the last row of a group is the value.
    idx = np.lexsort((order, rows["w"], rows["h"]))
    hashes = rows["h"][idx]
    last = np.ones(len(hashes), dtype=bool)
    last[:-1] = hashes[1:] != hashes[:-1]
    keep = idx[last]
    return CompactFreq(rows["h"][keep], rows["f"][keep]), total


def compact_tokenizer() -> jieba.Tokenizer:
    """A jieba tokenizer on the default dictionary, ready to cut, with ``CompactFreq`` behind it."""
    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    with tok.get_dict_file() as fh:
        freq, total = load_compact(fh)
    tok.FREQ = freq
    tok.total = total
    tok.initialized = True  # jieba's own loader (and its /tmp cache file) is not used
    malloc_trim()  # the ~40 MB of temporary arrays would otherwise stay in the process
    log.debug("jieba dictionary: %d keys in %.1f MB", len(freq), freq.nbytes / 1e6)
    return tok
