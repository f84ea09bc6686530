"""Choosing how the learned layer joins the rules: the banned-phrase threshold and the emotion and
phase override margins, from scored turns (``train.out_of_fold`` and the tuning set), and the
fold each dialogue belongs to. Pure functions over scores: no training here."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np

Scored = tuple[np.ndarray, str, str | None]  # (probabilities, gold label, the rules' label)



def choose_threshold(
    scores: Sequence[tuple[float, bool, bool]], min_precision: float
) -> tuple[float, dict[str, float]]:
    """The threshold with the best F1 of rules-or-learned whose precision stays ≥ ``min_precision``."""
    best: tuple[float, float, dict[str, float]] | None = None
    for tau in np.arange(0.30, 0.96, 0.01):
        tp = fp = fn = 0
        for p, rule, gold in scores:
            pred = rule or p >= tau
            tp += pred and gold
            fp += pred and not gold
            fn += gold and not pred
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        stats = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4)}
        if prec >= min_precision and (best is None or f1 > best[1] + 1e-12):
            best = (float(round(tau, 2)), f1, stats)
    if best is None:
        return 0.95, {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    return best[0], best[2]


def fold_of(dialogue_id: str, folds: int) -> int:
    """A dialogue's fold, stable across runs; a noisy copy stays with its original."""
    base = dialogue_id.split("~", 1)[0]
    return int(hashlib.sha256(base.encode("utf-8")).hexdigest()[:8], 16) % folds


MARGINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def choose_margin(labels: Sequence[str], groups: Sequence[Sequence[Scored]]) -> tuple[float, dict[str, float]]:
    """How much the model must beat the rules' label to override it: the margin with the best mean
    macro-F1 over the non-empty ``groups`` (ties: the smaller margin), so a large group of one kind
    of wording does not outvote a small group of another. Without scored turns: 0."""
    groups = [g for g in groups if g]
    if not groups:
        return 0.0, {}
    index_of = {lab: i for i, lab in enumerate(labels)}
    best: tuple[float, float, float] | None = None
    for margin in MARGINS:
        f1s, correct, total = [], 0, 0
        for scored in groups:
            pairs = []
            for p, gold, rule in scored:
                k = int(np.argmax(p))
                if rule is not None and rule in index_of:
                    r = index_of[rule]
                    k = k if float(p[k] - p[r]) >= margin else r
                pairs.append((gold, labels[k]))
            f1s.append(macro_f1(pairs, labels))
            correct += sum(g == q for g, q in pairs)
            total += len(pairs)
        f1 = sum(f1s) / len(f1s)
        if best is None or f1 > best[1] + 1e-9:
            best = (margin, f1, correct / total)
    assert best is not None
    return best[0], {"macro_f1": round(best[1], 4), "accuracy": round(best[2], 4),
                     "turns": sum(len(g) for g in groups)}


def macro_f1(pairs: Sequence[tuple[str, str]], labels: Sequence[str]) -> float:
    f1s = []
    for lab in labels:
        tp = sum(1 for g, p in pairs if g == lab and p == lab)
        fp = sum(1 for g, p in pairs if g != lab and p == lab)
        fn = sum(1 for g, p in pairs if g == lab and p != lab)
        if tp + fp + fn == 0:
            continue
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(f1s) / len(f1s) if f1s else math.nan
