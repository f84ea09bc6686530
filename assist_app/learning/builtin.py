"""Rebuild the shipped learned layer (``resources/learned/``) from the shipped corpus.

    python -m assist_app.learning.builtin [--out DIR]        (also: make learn)

Training data: ``resources/corpus/*.txt`` (sentences and calls written for this purpose) and the
script library's own examples. Tuning data (the banned-phrase threshold): the first evaluation
set, ``eval/src/dev_*.txt`` and ``eval/src/heldout_*.txt``. The frozen test split
(``eval/test/``) is never trained or tuned on: any training line that equals or nearly equals a
test line is dropped before training (the count is reported, the lines are not shown).
See docs/data-card.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from rapidfuzz import fuzz, process

from assist_app.analysis.analyzer import AnalysisKit
from assist_app.analysis.learned.store import shipped_dir
from assist_app.learning.corpus import Dialogue, library_dialogues, noisy_copies, read_notation
from assist_app.learning.train import build_models, write_folder
from assist_app.library.loader import load_library
from assist_app.resources import app_root, resources_dir
from assist_app.textnorm import norm_str

log = logging.getLogger(__name__)

NEAR_DUPLICATE = 90
NOISE_RATE = 0.2  # rapidfuzz ratio at or above which a training line counts as a test line


def corpus_dir() -> Path:
    return resources_dir() / "corpus"


def shipped_corpus(categories: Sequence[str]) -> list[Dialogue]:
    out: list[Dialogue] = []
    for path in sorted(corpus_dir().glob("*.txt")):
        out.extend(read_notation(path, categories))
    return out


def tuning_dialogues() -> list[Dialogue]:
    src = app_root() / "eval" / "src"
    out: list[Dialogue] = []
    for split in ("dev", "heldout"):
        for path in sorted(src.glob(f"{split}_*.txt")):
            out.extend(read_notation(path))
    return out


def frozen_test_texts() -> list[str]:
    """Normalised texts of the frozen test split (read only to keep them out of training)."""
    texts = []
    for path in sorted((app_root() / "eval" / "test").glob("*.jsonl")):
        if path.stem.endswith("_asr"):
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(norm_str(json.loads(line)["text"]))
    return texts


def decontaminate(dialogues: list[Dialogue], test_texts: Sequence[str]) -> tuple[list[Dialogue], int]:
    """Drop every turn whose text equals or nearly equals a test line; returns the count dropped."""
    if not test_texts:
        return dialogues, 0
    test_set = set(test_texts)
    flat = [(d, i, norm_str(t.text)) for d in dialogues for i, t in enumerate(d.turns)]
    queries = [q for _, _, q in flat]
    scores = process.cdist(queries, list(test_texts), scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE, workers=1)
    bad = {(id(d), i) for (d, i, q), row in zip(flat, scores, strict=True) if q in test_set or row.max() > 0}
    kept: list[Dialogue] = []
    for d in dialogues:
        turns = [t for i, t in enumerate(d.turns) if (id(d), i) not in bad]
        if turns:
            d.turns = turns
            kept.append(d)
    return kept, len(bad)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m assist_app.learning.builtin", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=shipped_dir(), help="model folder to write")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    library = load_library()
    kit = AnalysisKit.build(library, learned=False)
    categories = [c.id for c in library.banned.categories]
    corpus = shipped_corpus(categories) + list(library_dialogues(library))
    tune = tuning_dialogues()
    test_texts = frozen_test_texts()
    corpus, dropped_train = decontaminate(corpus, test_texts)
    tune, dropped_tune = decontaminate(tune, test_texts)
    log.info("corpus: %d dialogues, %d turns; tuning: %d dialogues; dropped as test look-alikes: %d + %d",
             len(corpus), sum(len(d.turns) for d in corpus), len(tune), dropped_train, dropped_tune)
    # Each dialogue also as a recogniser might hear it (~20 % CER), so the models hold on ASR text.
    corpus = corpus + noisy_copies(corpus, rate=NOISE_RATE, weight=0.7)
    tune = tune + noisy_copies(tune, rate=NOISE_RATE, weight=1.0, seed="tune")
    result = build_models(kit, corpus, tune, progress=log.info)
    result.report["dropped_as_test_lookalikes"] = {"train": dropped_train, "tune": dropped_tune}
    folder = write_folder(result, args.out)
    print(json.dumps(result.report, ensure_ascii=False, indent=1))
    print(f"written: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
