"""Compare learned-layer feature choices by cross-validation on the training corpus.

    python eval/learned_cv.py [--folds 3] [--variant NAME ...]

The shipped corpus (``resources/corpus``) and the library's examples are split into folds by
dialogue (``train.fold_of``). Each fold is scored by models trained on the other folds (with their
ASR-noised copies, as ``make learn`` trains), on its clean turns and on a noised copy made with a
different seed, so the noise a model is scored on is never the noise it was trained on. Reported
per variant, pooled over folds:

- banned phrases, rules or learned, utterance level: the threshold with the best F1 at precision
  ≥ 0.97 on clean and noised turns together (as ``make learn`` chooses it), and precision/recall
  at that threshold on clean and on noised turns separately;
- emotion and phase accuracy and macro-F1, the model alone and combined with the rules at the
  override margin chosen on the pooled out-of-fold turns (as ``make learn`` chooses it, there with
  the tuning turns added).

The frozen test split (``eval/test``) is read only to drop look-alike training lines, exactly as
``make learn`` does; nothing of it is scored or printed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from assist_app.analysis.analyzer import AnalysisKit  # noqa: E402
from assist_app.learning.builtin import NOISE_RATE, decontaminate, frozen_test_texts, shipped_corpus  # noqa: E402
from assist_app.learning.corpus import library_dialogues, noisy_copies  # noqa: E402
from assist_app.learning.train import (  # noqa: E402
    EMOTIONS,
    PHASES,
    Hyper,
    SeenTurn,
    banned_dataset,
    banned_scores,
    emotion_dataset,
    emotion_rows,
    fit,
    phase_dataset,
    phase_rows,
    rule_pass,
    scored_rows,
)
from assist_app.learning.tuning import Scored, choose_margin, choose_threshold, fold_of, macro_f1  # noqa: E402
from assist_app.library.loader import load_library  # noqa: E402

VARIANTS = {
    "chars": Hyper(banned_sound_n=0, emotion_sound_n=0, phase_sound_n=0),
    "sound2": Hyper(sound_weight=1.0),
    "sound3": Hyper(banned_sound_n=3, emotion_sound_n=3, phase_sound_n=3, sound_weight=1.0),
    "sound3-banned": Hyper(banned_sound_n=3, emotion_sound_n=0, phase_sound_n=0, sound_weight=1.0),
    "sound3-half": Hyper(banned_sound_n=3, emotion_sound_n=3, phase_sound_n=3, sound_weight=0.5),
    "sound2-w1.5": Hyper(sound_weight=1.5),
    "sound2-w2": Hyper(),  # the shipped choice
    "bigram-w2": Hyper(sound_min=2),
    "bigram-w1": Hyper(sound_min=2, sound_weight=1.0),
}


def pr(scores: Sequence[tuple[float, bool, bool]], tau: float) -> dict[str, float]:
    tp = sum(1 for p, r, g in scores if (r or p >= tau) and g)
    fp = sum(1 for p, r, g in scores if (r or p >= tau) and not g)
    fn = sum(1 for p, r, g in scores if g and not (r or p >= tau))
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return {"P": round(100 * prec, 1), "R": round(100 * rec, 1),
            "F1": round(200 * prec * rec / (prec + rec), 1) if prec + rec else 0.0}


def combined(labels: Sequence[str], scored: Sequence[Scored]) -> dict[str, float]:
    """The model alone, and with the rules at the margin chosen on these turns (as the build does)."""
    alone = [(gold, labels[int(np.argmax(p))]) for p, gold, _ in scored]
    margin, stats = choose_margin(labels, [scored])
    acc = round(100 * sum(g == q for g, q in alone) / max(len(alone), 1), 1)
    return {"n": len(scored), "alone_acc": acc, "alone_mF1": round(100 * macro_f1(alone, labels), 1),
            "margin": margin, "acc": round(100 * stats.get("accuracy", 0.0), 1),
            "mF1": round(100 * stats.get("macro_f1", 0.0), 1)}


def run_variant(name: str, hyper: Hyper, kit: AnalysisKit, seen_train: list[SeenTurn],
                seen_clean: list[SeenTurn], seen_noisy: list[SeenTurn], folds: int) -> dict[str, object]:
    categories = [c.id for c in kit.library.banned.categories]
    banned_clean: list[tuple[float, bool, bool]] = []
    banned_noisy: list[tuple[float, bool, bool]] = []
    scored: dict[str, list[Scored]] = {k: [] for k in ("emotion_clean", "emotion_noisy", "phase_clean", "phase_noisy")}
    out: dict[str, object] = {}
    t0 = time.perf_counter()
    for k in range(folds):
        train = [st for st in seen_train if fold_of(st.dialogue, folds) != k]
        held = {"clean": [st for st in seen_clean if fold_of(st.dialogue, folds) == k],
                "noisy": [st for st in seen_noisy if fold_of(st.dialogue, folds) == k]}
        banned = fit("banned", banned_dataset(train, categories, hyper.spec("banned")), hyper)
        banned_clean += banned_scores(banned, held["clean"])
        banned_noisy += banned_scores(banned, held["noisy"])
        emotion = fit("emotion", emotion_dataset(train, hyper.spec("emotion")), hyper)
        phase = fit("phase", phase_dataset(train, hyper.spec("phase")), hyper)
        for kind, turns in held.items():
            scored[f"emotion_{kind}"] += scored_rows(emotion, emotion_rows(turns, hyper.spec("emotion")))
            scored[f"phase_{kind}"] += scored_rows(phase, phase_rows(turns, hyper.spec("phase")))
    tau, _ = choose_threshold(banned_clean + banned_noisy, 0.97)
    out["threshold"] = tau
    out["banned_clean"] = pr(banned_clean, tau)
    out["banned_noisy"] = pr(banned_noisy, tau)
    labels = {"emotion": EMOTIONS, "phase": PHASES}
    for key, rows in scored.items():
        out[key] = combined(labels[key.split("_")[0]], rows)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    print(f"{name}: {json.dumps(out, ensure_ascii=False)}", flush=True)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--variant", action="append", choices=sorted(VARIANTS), help="default: all")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--noise-copies", type=int, default=1, help="noised copies of each training dialogue")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    library = load_library()
    kit = AnalysisKit.build(library, learned=False)
    categories = [c.id for c in library.banned.categories]
    corpus, _ = decontaminate(shipped_corpus(categories) + list(library_dialogues(library)), frozen_test_texts())
    train_noise = [d for i in range(args.noise_copies)
                   for d in noisy_copies(corpus, rate=NOISE_RATE, weight=0.7, seed="learn" if i == 0 else f"learn{i}")]
    eval_noise = noisy_copies(corpus, rate=NOISE_RATE, weight=1.0, seed="cv")
    seen_clean = rule_pass(kit, corpus)
    seen_train = seen_clean + rule_pass(kit, train_noise)
    seen_noisy = rule_pass(kit, eval_noise)
    results = {name: run_variant(name, VARIANTS[name], kit, seen_train, seen_clean, seen_noisy, args.folds)
               for name in (args.variant or list(VARIANTS))}
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
