"""Make ASR-noised copies of the evaluation files (simulated Mandarin recognition errors).

For each ``eval/{split}/{calls,utterances}.jsonl`` this writes ``{calls,utterances}_asr.jsonl``
with the same lines, order and gold labels, and a noisy ``text``:

- homophone substitutions: another common character (GB2312 level 1) with the same toneless
  pinyin (pypinyin, read in context);
- near-homophones: the pinyin is changed by one of the confusions typical of Mandarin ASR and of
  southern accents (zh/z, ch/c, sh/s, n/l, -ng/-n), then a common character with that reading;
- dropped characters and inserted characters (short function words or a sound-alike of the
  neighbour);
- punctuation mostly stripped (Vosk outputs none; a few marks are kept, as a post-processor might).

Each output character remembers which input character it came from, so the gold banned-phrase
spans are re-mapped onto the noisy text. Every line uses its own random stream derived from a
fixed seed, the split, the file and the line number: the output is deterministic and editing one
source line does not change the noise on the others.

The realised character error rate (Levenshtein distance over characters, punctuation removed from
both sides, divided by the reference length) is printed per file and written to
``eval/noise_report.json``.

Usage: ``python eval/make_noisy.py [--seed N] [--rate R]``
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assist_app.learning.noise import corrupt, levenshtein, remap_spans, strip_punct

EVAL_DIR = Path(__file__).resolve().parent
SPLITS = ("dev", "heldout", "test")
KINDS = ("calls", "utterances")
DEFAULT_SEED = 20241122
DEFAULT_RATE = 0.21

def noisy_record(rec: dict[str, Any], seed: int, key: str, rate: float) -> dict[str, Any]:
    for attempt in range(100):
        rng = random.Random(f"{seed}:{key}:{attempt}")
        aligned = corrupt(rec["text"], rng, rate)
        text = "".join(c for c, _ in aligned)
        if not strip_punct(text):
            continue
        spans = remap_spans(aligned, rec["gold_banned"])
        if spans is None:
            continue
        out = dict(rec)
        out["text"] = text
        out["gold_banned"] = spans
        return out
    raise RuntimeError(f"could not corrupt {key} without losing a span")


def process(split: str, kind: str, seed: int, rate: float) -> dict[str, float]:
    src = EVAL_DIR / split / f"{kind}.jsonl"
    dst = EVAL_DIR / split / f"{kind}_asr.jsonl"
    errors = 0
    ref_len = 0
    lines_out: list[str] = []
    for no, raw in enumerate(src.read_text(encoding="utf-8").splitlines(), 1):
        rec = json.loads(raw)
        noisy = noisy_record(rec, seed, f"{split}:{kind}:{no}", rate)
        ref = strip_punct(rec["text"])
        errors += levenshtein(ref, strip_punct(noisy["text"]))
        ref_len += len(ref)
        lines_out.append(json.dumps(noisy, ensure_ascii=False))
    dst.write_text("\n".join(lines_out) + "\n", encoding="utf-8")
    return {"lines": len(lines_out), "ref_chars": ref_len, "edits": errors, "cer": errors / max(ref_len, 1)}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--rate", type=float, default=DEFAULT_RATE, help="target character error rate")
    args = ap.parse_args(argv)
    report: dict[str, Any] = {"seed": args.seed, "target_rate": args.rate, "files": {}}
    total_err = total_ref = 0
    for split in SPLITS:
        for kind in KINDS:
            stats = process(split, kind, args.seed, args.rate)
            report["files"][f"{split}/{kind}_asr.jsonl"] = stats
            total_err += int(stats["edits"])
            total_ref += int(stats["ref_chars"])
            print(f"{split}/{kind}_asr.jsonl: {stats['lines']} lines, CER {stats['cer']:.1%}")
    report["overall_cer"] = total_err / max(total_ref, 1)
    print(f"overall CER {report['overall_cer']:.1%} ({total_err}/{total_ref} characters)")
    (EVAL_DIR / "noise_report.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
