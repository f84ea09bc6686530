"""Rebuild the learned layer: datasets from labelled dialogues, three linear models, a threshold.

Deterministic: the same inputs give byte-identical model files (fixed order everywhere, no
random initialisation). The rule layer's reading of every training turn is part of the input
(``RuleView``), computed by running the rules-only analyser over each dialogue in order, exactly
as the live analyser does before it consults the learned layer.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assist_app.analysis.analyzer import AnalysisKit, CallAnalyzer, RuleView
from assist_app.analysis.learned.features import Features, FeatureSpec, clause_units
from assist_app.analysis.learned.layer import (
    MANIFEST,
    MANIFEST_VERSION,
    OK,
    LearnedLayer,
    PhaseContext,
    emotion_features,
    phase_features,
)
from assist_app.analysis.learned.layer import banned_features as unit_features
from assist_app.analysis.learned.linear import LinearModel, SparseRows, predict_rows, train_softmax
from assist_app.analysis.phase import looks_like_identifier
from assist_app.events import EmotionLabel, FlagKind, Phase, Speaker, Utterance
from assist_app.learning.corpus import Dialogue, Turn
from assist_app.learning.tuning import Scored, choose_margin, choose_threshold, fold_of
from assist_app.textnorm import NormText, normalize

log = logging.getLogger(__name__)

Feats = list[tuple[str, float]]


@dataclass(slots=True)
class Dataset:
    """Feature rows with integer labels and weights, for one task."""

    labels: tuple[str, ...]
    rows: list[Feats] = field(default_factory=list)
    y: list[int] = field(default_factory=list)
    weight: list[float] = field(default_factory=list)

    def add(self, feats: Features, label: str, weight: float = 1.0) -> None:
        if feats:
            self.rows.append(feats.pairs())
            self.y.append(self.labels.index(label))
            self.weight.append(weight)

    def counts(self) -> dict[str, int]:
        c = Counter(self.y)
        return {lab: c.get(i, 0) for i, lab in enumerate(self.labels)}


@dataclass(frozen=True, slots=True)
class Hyper:
    l2: float = 1e-4
    iterations: int = 250
    learning_rate: float = 0.08
    min_count: int = 2
    balance: float = 0.5  # class weight = (n_max / n_class) ** balance
    # Sound n-grams (folded toneless syllables) read by each model, up to this length (0: none);
    # chosen by cross-validation (eval/learned_cv.py, EVALUATION.md).
    banned_sound_n: int = 2
    emotion_sound_n: int = 2
    phase_sound_n: int = 2
    sound_weight: float = 2.0
    sound_min: int = 1

    def spec(self, task: str) -> FeatureSpec:
        sound_n = {"banned": self.banned_sound_n, "emotion": self.emotion_sound_n, "phase": self.phase_sound_n}[task]
        return FeatureSpec(sound_n=sound_n, sound_weight=self.sound_weight, sound_min=self.sound_min)


@dataclass(frozen=True, slots=True)
class SeenTurn:
    """A labelled turn with what the rules said about it and its phase-model context."""

    turn: Turn
    norm: NormText
    view: RuleView
    context: PhaseContext
    weight: float
    dialogue: str


def rule_pass(kit: AnalysisKit, dialogues: Sequence[Dialogue]) -> list[SeenTurn]:
    """Run the rules-only analyser over each dialogue in order and keep every turn's reading."""
    rules_kit = kit.without_learned()
    out: list[SeenTurn] = []
    for d in dialogues:
        analyzer = CallAnalyzer(rules_kit, call_id=d.id)
        prev: tuple[Speaker, str, Phase] | None = None
        for i, turn in enumerate(d.turns):
            result = analyzer.analyze(Utterance(turn.speaker, turn.text))
            view = analyzer.last_rule_view
            assert view is not None
            norm = normalize(turn.text)
            # What the live analyser will know about banned words: the rules' flags and, standing in
            # for the learned layer's (trained below), the labelled spans.
            covered = {i for f in result.flags if f.kind is FlagKind.BANNED_PHRASE for i in range(*f.span)}
            covered |= {i for s, e in turn.banned for i in range(s, e)}
            share = len(covered) / max(len(turn.text), 1)
            ctx = PhaseContext(
                speaker=turn.speaker,
                text=norm.text,
                asks=turn.text.rstrip().endswith(("?", "？")),
                rule_phase=view.phase,
                index=i,
                banned=share > 0,
                banned_most=share >= 0.6,
                holds=view.holds,
                identifier=looks_like_identifier(norm.text),
                emotion=result.emotion.label if result.emotion is not None else None,
                prev_speaker=prev[0] if prev else None,
                prev_text=prev[1] if prev else "",
                prev_rule_phase=prev[2] if prev else None,
            )
            out.append(SeenTurn(turn, norm, view, ctx, d.weight, d.id))
            prev = (turn.speaker, norm.text, view.phase)
    return out


def _norm_spans(norm: NormText, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Original-text spans mapped onto the normalised text."""
    out = []
    for s, e in spans:
        idx = [i for i, o in enumerate(norm.offsets) if s <= o < e]
        if idx:
            out.append((idx[0], idx[-1] + 1))
    return out


def banned_dataset(seen: Sequence[SeenTurn], categories: Sequence[str], spec: FeatureSpec) -> Dataset:
    ds = Dataset((OK, *categories))

    def banned_features(text: str) -> Features:
        return unit_features(text, spec)

    for st in seen:
        t = st.turn
        if t.speaker is not Speaker.AGENT or t.category is None or t.category not in ds.labels:
            continue
        text = st.norm.text
        if t.category == OK:
            ds.add(banned_features(text), OK, st.weight)
            for s, e in clause_units(st.norm):
                if (s, e) != (0, len(text)):
                    ds.add(banned_features(text[s:e]), OK, 0.5 * st.weight)
            continue
        spans = _norm_spans(st.norm, t.banned)
        ds.add(banned_features(text), t.category, st.weight)
        for s, e in spans:
            if (s, e) != (0, len(text)):
                ds.add(banned_features(text[s:e]), t.category, st.weight)
        for s, e in clause_units(st.norm):
            if not any(s < be and bs < e for bs, be in spans) and (s, e) != (0, len(text)):
                ds.add(banned_features(text[s:e]), OK, 0.3 * st.weight)
    return ds


EMOTIONS = tuple(e.value for e in EmotionLabel)
PHASES = tuple(p.value for p in Phase)


def emotion_dataset(seen: Sequence[SeenTurn], spec: FeatureSpec) -> Dataset:
    ds = Dataset(EMOTIONS)
    for st in seen:
        if st.turn.speaker is Speaker.CUSTOMER and st.turn.emotion is not None:
            ds.add(emotion_features(st.norm, st.view.emotion, spec), st.turn.emotion.value, st.weight)
    return ds


def phase_dataset(seen: Sequence[SeenTurn], spec: FeatureSpec) -> Dataset:
    ds = Dataset(PHASES)
    for st in seen:
        if st.turn.phase is not None:
            ds.add(phase_features(st.context, spec), st.turn.phase.value, st.weight)
    return ds


def fit(task: str, ds: Dataset, hyper: Hyper, meta: dict[str, Any] | None = None) -> LinearModel:
    """Train one model on a dataset (vocabulary: features seen ``min_count`` times, extras always)."""
    df: Counter[str] = Counter()
    for row in ds.rows:
        df.update(name for name, _ in row)
    vocab = sorted(f for f, n in df.items() if n >= hyper.min_count or f.startswith("__"))
    index = {f: i for i, f in enumerate(vocab)}
    rows = []
    for row in ds.rows:
        cols = [index[n] for n, _ in row if n in index]
        vals = [v for n, v in row if n in index]
        rows.append((cols, vals))
    x = SparseRows.build(rows)
    y = np.asarray(ds.y, dtype=np.int64)
    counts = np.bincount(y, minlength=len(ds.labels)).astype(np.float64)
    class_w = np.where(counts > 0, (counts.max() / np.maximum(counts, 1)) ** hyper.balance, 0.0)
    sw = np.asarray(ds.weight, dtype=np.float32) * class_w[y].astype(np.float32)
    w, b = train_softmax(
        x, y, len(vocab), len(ds.labels), sample_weight=sw, l2=hyper.l2,
        iterations=hyper.iterations, learning_rate=hyper.learning_rate,
    )
    # Drop features whose weights are all but zero: a smaller file, the same predictions.
    keep = np.abs(w).max(axis=1) >= 1e-4
    keep_idx = np.flatnonzero(keep)
    model = LinearModel.from_names(
        task,
        ds.labels,
        [vocab[i] for i in keep_idx],
        np.ascontiguousarray(w[keep_idx]).astype(np.float32),
        b.astype(np.float32),
        {"examples": ds.counts(), "feature_spec": hyper.spec(task).to_meta(), **(meta or {})},
    )
    train_pred = predict_rows(w, b, x).argmax(axis=1)
    log.info("%s: %d examples, %d features kept of %d, train accuracy %.3f", task, len(ds.rows),
             len(keep_idx), len(vocab), float((train_pred == y).mean()) if len(y) else 0.0)
    return model


# -- choosing the banned-phrase threshold ------------------------------------------------------------


def banned_scores(layer_model: LinearModel, seen: Sequence[SeenTurn]) -> list[tuple[float, bool, bool]]:
    """Per agent turn with a known answer: (learned banned probability, rule hit, gold banned)."""
    layer = LearnedLayer(Path("."), {}, banned=layer_model)
    out = []
    for st in seen:
        t = st.turn
        if t.speaker is not Speaker.AGENT or (t.category is None and not t.banned):
            continue
        best = layer.banned_unit(st.norm)
        out.append((best[0] if best else 0.0, st.view.banned, bool(t.banned)))
    return out


def scored_rows(model: LinearModel, rows: Sequence[tuple[Features, str, str | None]]) -> list[Scored]:
    out: list[Scored] = []
    for feats, gold, rule in rows:
        idx, val = model.encode(feats)
        out.append((model.proba(idx, val), gold, rule))
    return out


def emotion_rows(seen: Sequence[SeenTurn], spec: FeatureSpec) -> list[tuple[Features, str, str | None]]:
    return [(emotion_features(st.norm, st.view.emotion, spec), st.turn.emotion.value,
             st.view.emotion.label.value if st.view.emotion else None)
            for st in seen if st.turn.speaker is Speaker.CUSTOMER and st.turn.emotion is not None]


def phase_rows(seen: Sequence[SeenTurn], spec: FeatureSpec) -> list[tuple[Features, str, str | None]]:
    return [(phase_features(st.context, spec), st.turn.phase.value, st.view.phase.value)
            for st in seen if st.turn.phase is not None]


@dataclass(slots=True)
class OutOfFold:
    """Every training turn scored by models that did not see its fold."""

    banned: list[tuple[float, bool, bool]] = field(default_factory=list)
    emotion: list[Scored] = field(default_factory=list)
    phase: list[Scored] = field(default_factory=list)


def out_of_fold(
    seen: Sequence[SeenTurn], categories: Sequence[str], hyper: Hyper, folds: int,
    say: Callable[[str], None] = lambda _m: None,
) -> OutOfFold:
    """Scores of every labelled turn from models trained without its fold (noisy copies stay with
    their original's fold), for choosing the threshold and margins on wordings the models did not see."""
    oof = OutOfFold()
    if folds < 2:
        return oof
    for k in range(folds):
        say(f"交叉验证 {k + 1}/{folds}…")
        train = [st for st in seen if fold_of(st.dialogue, folds) != k]
        held = [st for st in seen if fold_of(st.dialogue, folds) == k]
        banned = fit("banned", banned_dataset(train, categories, hyper.spec("banned")), hyper)
        oof.banned.extend(banned_scores(banned, held))
        emotion = fit("emotion", emotion_dataset(train, hyper.spec("emotion")), hyper)
        oof.emotion.extend(scored_rows(emotion, emotion_rows(held, hyper.spec("emotion"))))
        phase = fit("phase", phase_dataset(train, hyper.spec("phase")), hyper)
        oof.phase.extend(scored_rows(phase, phase_rows(held, hyper.spec("phase"))))
    return oof


# -- the whole build ----------------------------------------------------------------------------------


@dataclass(slots=True)
class BuildResult:
    models: dict[str, LinearModel]
    report: dict[str, Any]


def build_models(
    kit: AnalysisKit,
    train: Sequence[Dialogue],
    tune: Sequence[Dialogue],
    *,
    hyper: Hyper | None = None,
    min_precision: float = 0.97,
    folds: int = 3,
    progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Train the three models on ``train``; choose the banned threshold and the emotion and phase
    override margins on out-of-fold scores of ``train`` (each fold scored by models that did not see
    it) together with ``tune``."""
    hyper = hyper or Hyper()
    say = progress or (lambda _m: None)
    categories = [c.id for c in kit.library.banned.categories]
    say("规则层读取训练数据…")
    seen = rule_pass(kit, train)
    say("训练：服务忌语…")
    banned = fit("banned", banned_dataset(seen, categories, hyper.spec("banned")), hyper)
    say("训练：客户情绪…")
    emotion = fit("emotion", emotion_dataset(seen, hyper.spec("emotion")), hyper)
    say("训练：通话阶段…")
    phase = fit("phase", phase_dataset(seen, hyper.spec("phase")), hyper)
    tuned = rule_pass(kit, tune) if tune else []
    oof = out_of_fold(seen, categories, hyper, folds, say)
    say("选择与规则层的结合方式…")
    # Margins and threshold are chosen on the training turns scored out of fold together with the
    # tuning turns: the first are everyday wordings, the second the library's own style; each
    # margin serves both equally (mean macro-F1), however many turns each has.
    emotion.meta["override_margin"], emo_stats = choose_margin(
        emotion.labels, [oof.emotion, scored_rows(emotion, emotion_rows(tuned, hyper.spec("emotion")))])
    phase.meta["override_margin"], phase_stats = choose_margin(
        phase.labels, [oof.phase, scored_rows(phase, phase_rows(tuned, hyper.spec("phase")))])
    say("选择服务忌语阈值…")
    scores = oof.banned + banned_scores(banned, tuned)
    threshold, stats = choose_threshold(scores, min_precision)
    banned.meta["threshold"] = threshold
    banned.meta["threshold_chosen_on"] = {
        "turns": len(scores), "out_of_fold": folds, "tune_turns": len(tuned), "min_precision": min_precision, **stats
    }
    report = {
        "train_dialogues": len(train),
        "train_turns": len(seen),
        "tune_dialogues": len(tune),
        "hyper": {k: getattr(hyper, k) for k in hyper.__slots__},
        "examples": {m.task: m.meta["examples"] for m in (banned, emotion, phase)},
        "features": {m.task: m.n_features for m in (banned, emotion, phase)},
        "banned_threshold": threshold,
        "banned_tune": stats,
        "emotion_override_margin": emotion.meta["override_margin"],
        "emotion_tune": emo_stats,
        "phase_override_margin": phase.meta["override_margin"],
        "phase_tune": phase_stats,
    }
    return BuildResult({"banned": banned, "emotion": emotion, "phase": phase}, report)


def write_folder(result: BuildResult, folder: Path, extra: dict[str, Any] | None = None) -> Path:
    """Write the models and their manifest into ``folder`` (replaced atomically as a whole)."""
    folder = folder.resolve()
    staging = folder.with_name(folder.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    entries = {}
    for task, model in result.models.items():
        digest = model.save(staging / f"{task}.npz")
        entries[task] = {"file": f"{task}.npz", "sha256": digest, "labels": list(model.labels)}
    manifest = {"version": MANIFEST_VERSION, "models": entries, "report": result.report, **(extra or {})}
    (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                    encoding="utf-8")
    LearnedLayer.load(staging)  # verify before it replaces anything
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    return folder
