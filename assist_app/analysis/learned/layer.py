"""The learned layer the analyser consults after the library's rules.

Three models, each a ``LinearModel`` file in one folder with a ``manifest.json``:

- ``banned.npz`` — agent speech: ``ok`` or one of the library's banned categories. Each unit of an
  utterance (the whole, each clause, adjacent clause pairs) is scored; a unit whose banned
  probability reaches the model's threshold is a hit, and the words that drive it (the run of
  characters with the largest positive push, from the n-gram weights) become the flag's span.
- ``emotion.npz`` — customer emotion, six labels; reads the text and the rule layer's reading.
- ``phase.npz`` — the utterance's formula step or ``other``; reads the text, the speaker, the
  previous turn and the rule layer's vote.

The manifest records the format version, each model's labels and the SHA-256 of each file; a
folder whose files do not match it is refused with a reason (``check_folder``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assist_app.analysis.learned.features import (
    CHARS_ONLY,
    Features,
    FeatureSpec,
    analysis_units,
    gram_list,
    max_span,
    spanned_grams,
    unit_blocks,
)
from assist_app.analysis.learned.linear import FloatArray, LinearModel, ModelFileError, sha256_file
from assist_app.events import EmotionLabel, EmotionReading, Phase, Speaker
from assist_app.textnorm import NormText

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
TASKS = ("banned", "emotion", "phase")
OK = "ok"
DEFAULT_THRESHOLD = 0.5
PARTIAL_SHARE = 0.5  # a partial hypothesis must close this share of the gap between threshold and 1
MAX_CHARS = 400  # longer utterances are scored on their first MAX_CHARS characters


# -- feature builders (shared with training) -----------------------------------------------------


def banned_features(text: str, spec: FeatureSpec = CHARS_ONLY) -> Features:
    return unit_blocks(text, spec=spec)


def emotion_features(norm: NormText, rule: EmotionReading | None, spec: FeatureSpec = CHARS_ONLY) -> Features:
    feats = unit_blocks(norm.text[:MAX_CHARS], spec=spec)
    names: list[str] = []
    if rule is not None:
        names.append(f"rule={rule.label.value}")
        if rule.label is not EmotionLabel.NEUTRAL:
            names.append(f"rule={rule.label.value}:{'hi' if rule.intensity >= 0.6 else 'lo'}")
    orig = norm.original
    if "!" in orig or "！" in orig:
        names.append("bang")
    if "?" in orig or "？" in orig:
        names.append("question")
    names.append(f"len={_bucket(len(norm.text))}")
    feats.extra(names)
    return feats


@dataclass(frozen=True, slots=True)
class PhaseContext:
    """What the phase model reads about one turn and the turn before it."""

    speaker: Speaker
    text: str  # normalised
    asks: bool  # ends in a question mark
    rule_phase: Phase
    index: int
    banned: bool = False
    banned_most: bool = False  # banned words cover most of the turn
    holds: bool = False
    identifier: bool = False
    emotion: EmotionLabel | None = None
    prev_speaker: Speaker | None = None
    prev_text: str = ""
    prev_rule_phase: Phase | None = None


def phase_features(ctx: PhaseContext, spec: FeatureSpec = CHARS_ONLY) -> Features:
    text = ctx.text[:MAX_CHARS]
    spk = "a" if ctx.speaker is Speaker.AGENT else "c"
    grams = unit_blocks(text, spec=spec)
    feats = Features()
    feats.extend(grams)  # the text's n-grams twice: as they are, and as this speaker's
    feats.extend(grams, spk + ":")
    if ctx.prev_text:
        feats.extend(unit_blocks(ctx.prev_text[-30:], n_max=2, spec=spec), "p:", 0.5)
    names = [
        f"spk={spk}",
        f"rule={ctx.rule_phase.value}",
        f"{spk}:rule={ctx.rule_phase.value}",
        f"turn={min(ctx.index, 4)}",
        f"{spk}:len={_bucket(len(text))}",
    ]
    if ctx.asks:
        names += ["question", f"{spk}:question"]
    if ctx.banned:
        names.append("banned")
    if ctx.banned_most:
        names.append("banned_most")
    if ctx.holds:
        names.append("holds")
    if ctx.identifier:
        names.append("identifier")
    if ctx.emotion is not None:
        names.append(f"emo={ctx.emotion.value}")
    if ctx.prev_speaker is None:
        names.append("first")
    else:
        same = "same" if ctx.prev_speaker is ctx.speaker else "other"
        names.append(f"prev={same}")
        if ctx.prev_rule_phase is not None:
            names.append(f"prevrule={ctx.prev_rule_phase.value}")
            names.append(f"{spk}:prevrule={same}:{ctx.prev_rule_phase.value}")
    feats.extra(names)
    return feats


def _bucket(n: int) -> str:
    for edge in (2, 4, 8, 16, 32):
        if n <= edge:
            return str(edge)
    return "long"


# -- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BannedGuess:
    """A learned banned-phrase hit: its category, confidence and span in the normalised text."""

    category: str
    probability: float
    span: tuple[int, int]


@dataclass(frozen=True, slots=True)
class EmotionGuess:
    label: EmotionLabel
    probability: float
    cues: tuple[str, ...]


# -- the layer -------------------------------------------------------------------------------------


@dataclass(slots=True)
class LearnedLayer:
    """The loaded models (any may be missing: the rules then decide alone)."""

    folder: Path
    manifest: dict[str, Any]
    banned: LinearModel | None = None
    emotion: LinearModel | None = None
    phase: LinearModel | None = None
    _banned_threshold: float = field(default=DEFAULT_THRESHOLD, init=False)
    _ok: int = field(default=0, init=False)
    _specs: dict[str, FeatureSpec] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        if self.banned is not None:
            self._banned_threshold = float(self.banned.meta.get("threshold", DEFAULT_THRESHOLD))
            self._ok = self.banned.labels.index(OK)
        for model in (self.banned, self.emotion, self.phase):
            if model is not None:
                self._specs[model.task] = FeatureSpec.from_meta(model.meta)

    def spec(self, task: str) -> FeatureSpec:
        """The features the ``task`` model was trained on."""
        return self._specs.get(task, CHARS_ONLY)

    @classmethod
    def load(cls, folder: Path) -> LearnedLayer:
        """Load and verify a model folder; raises ``ModelFileError`` naming what is wrong."""
        manifest = read_manifest(folder)
        models: dict[str, LinearModel] = {}
        for task, entry in manifest["models"].items():
            path = folder / entry["file"]
            if not path.is_file():
                raise ModelFileError(f"{path.name}: missing")
            digest = sha256_file(path)
            if digest != entry["sha256"]:
                raise ModelFileError(f"{path.name}: checksum does not match manifest.json")
            model = LinearModel.load(path, task)
            if list(model.labels) != list(entry["labels"]):
                raise ModelFileError(f"{path.name}: labels differ from manifest.json")
            models[task] = model
        return cls(folder, manifest, models.get("banned"), models.get("emotion"), models.get("phase"))

    @property
    def banned_threshold(self) -> float:
        return self._banned_threshold

    # -- banned phrases -------------------------------------------------------------------------

    def banned_unit(self, norm: NormText) -> tuple[float, int, int, int] | None:
        """The most banned-looking unit of the utterance: (probability, label index, start, end)."""
        model = self.banned
        if model is None or len(norm.text) < 2:
            return None
        text = norm.text[:MAX_CHARS]
        units = [(start, min(end, len(text))) for start, end in analysis_units(norm) if start < len(text)]
        if not units:
            return None
        spec = self.spec("banned")
        p = model.proba_many([banned_features(text[s:e], spec) for s, e in units])
        p_banned = 1.0 - p[:, self._ok]
        best = int(np.argmax(p_banned))  # the first of equals, as units are listed whole-first
        others = p[best].copy()
        others[self._ok] = -1.0
        start, end = units[best]
        return float(p_banned[best]), int(np.argmax(others)), start, end

    def banned_guess(self, norm: NormText, *, partial: bool = False) -> BannedGuess | None:
        """The most confident banned unit of the utterance, if it reaches the threshold."""
        model = self.banned
        best = self.banned_unit(norm)
        if model is None or best is None:
            return None
        threshold = self._banned_threshold
        if partial:
            threshold += (1.0 - threshold) * PARTIAL_SHARE
        p_banned, label, start, end = best
        if p_banned < threshold:
            return None
        span = self._driving_span(norm.text[start:end], label)
        s, e = (start + span[0], start + span[1]) if span else (start, end)
        return BannedGuess(model.labels[label], round(p_banned, 3), (s, e))

    def _driving_span(self, unit: str, label: int) -> tuple[int, int] | None:
        """The run of characters whose n-grams push hardest towards ``label`` over ``ok``."""
        model = self.banned
        assert model is not None
        grams = spanned_grams(unit, self.spec("banned"))
        rows = model.lookup([g for g, _, _ in grams])
        known = rows[rows >= 0]
        if not len(known):
            return None
        ones = np.ones(len(known), dtype=np.float32)
        push_of = model.contributions(known, ones, label, self._ok).tolist()
        push = dict(zip(known.tolist(), push_of, strict=True))
        per_char = [0.0] * len(unit)
        for (_, s, e), i in zip(grams, rows.tolist(), strict=True):
            if i < 0 or e <= s:
                continue
            share = push[i] / (e - s)
            for k in range(s, e):
                per_char[k] += share
        # Characters with no push of their own are mildly against, so the span stays tight.
        span = max_span([c - 0.02 for c in per_char])
        if span is None or span[1] - span[0] < 2:
            return None
        return span

    # -- emotion --------------------------------------------------------------------------------

    def emotion_guess(self, norm: NormText, rule: EmotionReading | None) -> EmotionGuess | None:
        """The model's label, or the rules' when the model does not beat it by the model's margin."""
        model = self.emotion
        if model is None or not norm.text:
            return None
        feats = emotion_features(norm, rule, self.spec("emotion"))
        idx, val = model.encode(feats)
        p = model.proba(idx, val)
        k = _decide(model, p, rule.label.value if rule is not None else None)
        label = EmotionLabel(model.labels[k])
        cues: tuple[str, ...] = ()
        if label is not EmotionLabel.NEUTRAL:
            cues = self._top_words(norm.text[:MAX_CHARS], model, k)
        return EmotionGuess(label, round(float(p[k]), 3), cues)

    @staticmethod
    def _top_words(text: str, model: LinearModel, label: int, limit: int = 2) -> tuple[str, ...]:
        """The strongest n-grams (2+ characters) pushing towards ``label``, for the cue list."""
        scored: dict[str, float] = {}
        candidates = [g for g in dict.fromkeys(gram_list(text)) if len(g.strip("^$")) >= 2]
        found = model.lookup(candidates)
        grams = [g for g, i in zip(candidates, found.tolist(), strict=True) if i >= 0]
        if not grams:
            return ()
        rows = model.weights[found[found >= 0]]
        push = rows[:, label] - rows.mean(axis=1)
        for g, w in zip(grams, push.tolist(), strict=True):
            if w > 0.3:
                word = g.strip("^$")
                scored[word] = max(scored.get(word, 0.0), w)
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])
        out: list[str] = []
        for word, _ in ranked:
            if any(word in o or o in word for o in out):
                continue
            out.append(word)
            if len(out) == limit:
                break
        return tuple(out)

    # -- phase ----------------------------------------------------------------------------------

    def phase_guess(self, ctx: PhaseContext) -> tuple[Phase, float] | None:
        model = self.phase
        if model is None:
            return None
        idx, val = model.encode(phase_features(ctx, self.spec("phase")))
        p = model.proba(idx, val)
        k = _decide(model, p, ctx.rule_phase.value)
        return Phase(model.labels[k]), round(float(p[k]), 3)


def _decide(model: LinearModel, p: FloatArray, rule_label: str | None) -> int:
    """The model's best label if it beats the rules' label by ``meta["override_margin"]``."""
    k = int(np.argmax(p))
    margin = float(model.meta.get("override_margin", 0.0))
    if rule_label is None or margin <= 0.0 or rule_label not in model.index_of_label:
        return k
    r = model.index_of_label[rule_label]
    return k if float(p[k] - p[r]) >= margin else r


# -- the folder ------------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelFileError(f"{MANIFEST}: missing in {folder}") from exc
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{MANIFEST}: unreadable ({exc})") from exc
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        raise ModelFileError(f"{MANIFEST}: unknown version {data.get('version') if isinstance(data, dict) else '?'}")
    models = data.get("models")
    if not isinstance(models, dict) or not models:
        raise ModelFileError(f"{MANIFEST}: no models listed")
    for task, entry in models.items():
        if task not in TASKS:
            raise ModelFileError(f"{MANIFEST}: unknown task {task!r}")
        if not isinstance(entry, dict) or not {"file", "sha256", "labels"} <= entry.keys():
            raise ModelFileError(f"{MANIFEST}: models.{task} needs file, sha256 and labels")
    return data


def check_folder(folder: Path) -> list[str]:
    """Problems with a model folder (empty when it loads and verifies)."""
    try:
        LearnedLayer.load(folder)
    except ModelFileError as exc:
        return [str(exc)]
    return []
