"""Score `assist-app analyze` against the hand-labelled evaluation set.

For each split (dev, heldout, and test — the frozen split of issue 10, scored but never printed
item by item) and variant (clean, asr) the gold fields are stripped from
``eval/{split}/{calls,utterances}[_asr].jsonl``, the inputs are run through
``assist-app analyze IN.jsonl -o OUT.jsonl`` (a subprocess, exactly as a QA team would run it) and
the output is compared line by line with the gold labels (DESIGN.md §5 label meanings):

- phase (the utterance's own ``phase``, both speakers): accuracy and macro-F1;
- emotion (customer lines): accuracy, macro-F1 and per-label precision/recall/F1
  (a missing emotion counts as the label ``none``);
- banned phrases, utterance level: does the utterance carry any flag of kind ``banned_phrase``
  (customer lines count too: any flag there is a false positive);
- banned phrases, span level: a gold span is found if a predicted ``banned_phrase`` flag overlaps
  it; a predicted flag is correct if it overlaps some gold span.

Usage::

    python eval/run_eval.py                       # all splits and variants, readable tables
    python eval/run_eval.py --json OUT.json       # also write every number as JSON
    python eval/run_eval.py --split dev --variant asr --errors 20 --confusion
    python eval/run_eval.py --predictions DIR     # score saved outputs DIR/{split}/{file}.out.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EVAL_DIR = Path(__file__).resolve().parent
REPO = EVAL_DIR.parent
SPLITS = ("dev", "heldout", "test")
# The frozen test split (issue 10) is scored, never shown: its items must not guide rule or model work.
SEALED = ("test",)
VARIANTS = ("clean", "asr")
KINDS = ("calls", "utterances")
PHASES = ("greeting", "asking", "listening", "soothing", "explanation", "advice", "closing", "other")
EMOTIONS = ("complaint_escalation", "angry", "anxious", "negative_other", "neutral", "positive")
INPUT_FIELDS = ("call_id", "speaker", "text", "start", "end")
BANNED_KIND = "banned_phrase"


class EngineError(RuntimeError):
    pass


# ---------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Gold:
    call_id: str
    speaker: str
    text: str
    phase: str
    emotion: str | None
    banned: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Pred:
    phase: str
    emotion: str | None
    banned: tuple[tuple[int, int], ...]
    matched: tuple[str, ...]


@dataclass(frozen=True)
class Item:
    file: str
    index: int
    gold: Gold
    pred: Pred


def data_file(split: str, kind: str, variant: str) -> Path:
    suffix = "" if variant == "clean" else "_asr"
    return EVAL_DIR / split / f"{kind}{suffix}.jsonl"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_gold(path: Path) -> list[tuple[dict[str, Any], Gold]]:
    out: list[tuple[dict[str, Any], Gold]] = []
    for rec in read_jsonl(path):
        inp = {k: rec[k] for k in INPUT_FIELDS if k in rec}
        gold = Gold(
            call_id=rec["call_id"],
            speaker=rec["speaker"],
            text=rec["text"],
            phase=rec["gold_phase"],
            emotion=rec["gold_emotion"],
            banned=tuple((int(s), int(e)) for s, e in rec["gold_banned"]),
        )
        out.append((inp, gold))
    return out


def parse_pred(rec: dict[str, Any]) -> Pred:
    emo = rec.get("emotion")
    flags = [f for f in rec.get("flags") or [] if f.get("kind") == BANNED_KIND]
    return Pred(
        phase=str(rec.get("phase")),
        emotion=str(emo["label"]) if isinstance(emo, dict) and emo.get("label") else None,
        banned=tuple((int(f["span"][0]), int(f["span"][1])) for f in flags),
        matched=tuple(str(f.get("matched", "")) for f in flags),
    )


# ---------------------------------------------------------------------------- engine


def find_assist_app(explicit: str | None) -> list[str]:
    if explicit:
        return [explicit]
    local = REPO / ".venv" / "bin" / "assist-app"
    if local.exists():
        return [str(local)]
    found = shutil.which("assist-app")
    if found:
        return [found]
    return [sys.executable, "-m", "assist_app"]


def engine_version() -> str:
    """The repository commit the engine and library were run from, and whether they had local edits."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "assist_app", "scripts_library"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "version unknown"
    return f"commit {head}" + (" + uncommitted engine/library edits" if dirty else "")


def run_analyze(cmd: list[str], inputs: list[dict[str, Any]], workdir: Path, name: str) -> list[dict[str, Any]]:
    in_path = workdir / f"{name}.in.jsonl"
    out_path = workdir / f"{name}.out.jsonl"
    in_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in inputs), encoding="utf-8")
    proc = subprocess.run(
        [*cmd, "analyze", str(in_path), "-o", str(out_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0 or not out_path.exists():
        raise EngineError(f"analyze exited {proc.returncode} on {name}: {proc.stderr.strip()[-2000:]}")
    outputs = read_jsonl(out_path)
    if len(outputs) != len(inputs):
        raise EngineError(f"analyze gave {len(outputs)} lines for {len(inputs)} inputs on {name}")
    return outputs


def score_file(
    split: str,
    kind: str,
    variant: str,
    *,
    cmd: list[str],
    workdir: Path,
    predictions: Path | None,
) -> list[Item]:
    path = data_file(split, kind, variant)
    pairs = load_gold(path)
    name = path.stem
    if predictions is not None:
        outputs = read_jsonl(predictions / split / f"{name}.out.jsonl")
        if len(outputs) != len(pairs):
            raise EngineError(f"{predictions / split / name}: {len(outputs)} lines for {len(pairs)} inputs")
    else:
        (workdir / split).mkdir(parents=True, exist_ok=True)
        outputs = run_analyze(cmd, [inp for inp, _ in pairs], workdir / split, name)
    items: list[Item] = []
    for i, ((_, gold), out) in enumerate(zip(pairs, outputs, strict=True)):
        if out.get("call_id") not in (None, gold.call_id) or out.get("speaker") not in (None, gold.speaker):
            raise EngineError(f"{name} line {i + 1}: output is not aligned with the input")
        items.append(Item(f"{split}/{path.name}", i, gold, parse_pred(out)))
    return items


# ---------------------------------------------------------------------------- metrics


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Classification:
    n: int
    accuracy: float
    macro_f1: float
    per_label: dict[str, PRF]
    support: dict[str, int]
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "per_label": {k: {**v.as_dict(), "support": self.support.get(k, 0)} for k, v in self.per_label.items()},
            "confusion": self.confusion,
        }


def classify(pairs: Sequence[tuple[str, str]], labels: Sequence[str]) -> Classification:
    """Accuracy and macro-F1 over the gold labels plus any other label the engine predicted."""
    seen = list(labels) + sorted({p for _, p in pairs} - set(labels))
    per = {lab: PRF() for lab in seen}
    confusion: dict[str, dict[str, int]] = {}
    for g, p in pairs:
        confusion.setdefault(g, {}).setdefault(p, 0)
        confusion[g][p] += 1
        if g == p:
            per[g].tp += 1
        else:
            per[p].fp += 1
            per[g].fn += 1
    support = Counter(g for g, _ in pairs)
    scored = [lab for lab in seen if support[lab] or per[lab].fp]
    n = len(pairs)
    acc = sum(g == p for g, p in pairs) / n if n else 0.0
    macro = sum(per[lab].f1 for lab in scored) / len(scored) if scored else 0.0
    return Classification(n, acc, macro, {k: per[k] for k in scored}, dict(support), confusion)


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return max(a[0], b[0]) < min(a[1], b[1])


@dataclass
class Banned:
    utterance: PRF
    span_gold: PRF  # recall side: gold spans found
    span_pred: PRF  # precision side: predicted flags that hit a gold span
    customer_flags: int

    def as_dict(self) -> dict[str, Any]:
        # precision from the predicted flags, recall from the gold spans (not one-to-one)
        return {
            "utterance": self.utterance.as_dict(),
            "span": {
                "gold_spans": self.span_gold.tp + self.span_gold.fn,
                "gold_found": self.span_gold.tp,
                "predicted_flags": self.span_pred.tp + self.span_pred.fp,
                "predicted_correct": self.span_pred.tp,
                "precision": round(self.span_pred.precision, 4),
                "recall": round(self.span_gold.recall, 4),
                "f1": round(_f1(self.span_pred.precision, self.span_gold.recall), 4),
            },
            "flags_on_customer_lines": self.customer_flags,
        }


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def banned_scores(items: Iterable[Item]) -> Banned:
    utt, gold_side, pred_side = PRF(), PRF(), PRF()
    customer_flags = 0
    for it in items:
        g, p = bool(it.gold.banned), bool(it.pred.banned)
        if g and p:
            utt.tp += 1
        elif p:
            utt.fp += 1
        elif g:
            utt.fn += 1
        if it.gold.speaker == "customer":
            customer_flags += len(it.pred.banned)
        for gs in it.gold.banned:
            if any(overlaps(gs, ps) for ps in it.pred.banned):
                gold_side.tp += 1
            else:
                gold_side.fn += 1
        for ps in it.pred.banned:
            if any(overlaps(ps, gs) for gs in it.gold.banned):
                pred_side.tp += 1
            else:
                pred_side.fp += 1
    return Banned(utt, gold_side, pred_side, customer_flags)


@dataclass
class Report:
    split: str
    variant: str
    n_lines: int
    phase: Classification
    emotion: Classification
    banned: Banned
    by_kind: dict[str, dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "variant": self.variant,
            "lines": self.n_lines,
            "phase": self.phase.as_dict(),
            "emotion": self.emotion.as_dict(),
            "banned": self.banned.as_dict(),
            "by_kind": self.by_kind,
        }


def summarise(items: Sequence[Item]) -> tuple[Classification, Classification, Banned]:
    phase = classify([(it.gold.phase, it.pred.phase) for it in items], PHASES)
    emo_pairs = [(it.gold.emotion, it.pred.emotion or "none") for it in items if it.gold.emotion is not None]
    emotion = classify(emo_pairs, EMOTIONS)
    return phase, emotion, banned_scores(items)


def build_report(split: str, variant: str, by_kind: dict[str, list[Item]]) -> Report:
    items = [it for kind in KINDS for it in by_kind.get(kind, [])]
    phase, emotion, banned = summarise(items)
    kinds: dict[str, dict[str, Any]] = {}
    for kind, its in by_kind.items():
        p, e, b = summarise(its)
        kinds[kind] = {
            "lines": len(its),
            "phase_accuracy": round(p.accuracy, 4),
            "phase_macro_f1": round(p.macro_f1, 4),
            "emotion_accuracy": round(e.accuracy, 4),
            "emotion_macro_f1": round(e.macro_f1, 4),
            "banned": b.as_dict(),
        }
    for speaker in ("agent", "customer"):
        sp = classify([(it.gold.phase, it.pred.phase) for it in items if it.gold.speaker == speaker], PHASES)
        kinds[f"{speaker}_lines"] = {
            "lines": sp.n,
            "phase_accuracy": round(sp.accuracy, 4),
            "phase_macro_f1": round(sp.macro_f1, 4),
        }
    return Report(split, variant, len(items), phase, emotion, banned, kinds)


# ---------------------------------------------------------------------------- printing


def pct(x: float) -> str:
    return f"{100 * x:5.1f}"


def summary_table(reports: Sequence[Report]) -> str:
    head = (
        "| split | variant | lines | phase acc | phase mF1 | emotion acc | emotion mF1 "
        "| banned utt P / R / F1 | banned span P / R / F1 |"
    )
    rows = [head, "|" + "---|" * 9]
    for r in reports:
        bu = r.banned.utterance
        bs = r.banned.as_dict()["span"]
        rows.append(
            f"| {r.split} | {r.variant} | {r.n_lines} | {pct(r.phase.accuracy)} | {pct(r.phase.macro_f1)} "
            f"| {pct(r.emotion.accuracy)} | {pct(r.emotion.macro_f1)} "
            f"| {pct(bu.precision)} / {pct(bu.recall)} / {pct(bu.f1)} "
            f"| {pct(bs['precision'])} / {pct(bs['recall'])} / {pct(bs['f1'])} |"
        )
    return "\n".join(rows)


def label_table(title: str, c: Classification) -> str:
    rows = [f"{title} (n={c.n}): accuracy {pct(c.accuracy)}  macro-F1 {pct(c.macro_f1)}"]
    rows.append(f"  {'label':<22}{'support':>8}{'P':>8}{'R':>8}{'F1':>8}")
    for lab, prf in c.per_label.items():
        rows.append(f"  {lab:<22}{c.support.get(lab, 0):>8}{pct(prf.precision):>8}{pct(prf.recall):>8}{pct(prf.f1):>8}")
    return "\n".join(rows)


def confusion_table(title: str, c: Classification) -> str:
    cols = list(c.per_label)
    short = {lab: lab[:6] for lab in cols}
    rows = [f"{title} confusion (rows gold, columns predicted)"]
    rows.append(" " * 22 + "".join(f"{short[lab]:>8}" for lab in cols))
    for g in cols:
        if g not in c.confusion:
            continue
        rows.append(f"  {g:<20}" + "".join(f"{c.confusion[g].get(p, 0):>8}" for p in cols))
    return "\n".join(rows)


def error_lines(items: Sequence[Item], limit: int) -> str:
    out: list[str] = []
    phase_err = [it for it in items if it.gold.phase != it.pred.phase]
    emo_err = [it for it in items if it.gold.emotion is not None and it.gold.emotion != (it.pred.emotion or "none")]
    ban_fn = [it for it in items if it.gold.banned and not it.pred.banned]
    ban_fp = [
        it
        for it in items
        if it.pred.banned and not any(overlaps(ps, gs) for ps in it.pred.banned for gs in it.gold.banned)
    ]

    def phase_msg(it: Item) -> str:
        return f"gold {it.gold.phase} → {it.pred.phase}"

    def emotion_msg(it: Item) -> str:
        return f"gold {it.gold.emotion} → {it.pred.emotion}"

    def missed_msg(it: Item) -> str:
        return "gold " + "、".join(it.gold.text[s:e] for s, e in it.gold.banned)

    def extra_msg(it: Item) -> str:
        return "flagged " + "、".join(it.pred.matched)

    sections: list[tuple[str, list[Item], Callable[[Item], str]]] = [
        ("phase errors", phase_err, phase_msg),
        ("emotion errors", emo_err, emotion_msg),
        ("banned phrases missed", ban_fn, missed_msg),
        ("banned flags with no gold span", ban_fp, extra_msg),
    ]
    for title, errs, fmt in sections:
        out.append(f"-- {title}: {len(errs)}")
        for it in errs[:limit]:
            out.append(f"   [{it.gold.call_id} {it.gold.speaker}] {fmt(it)} | {it.gold.text}")
    return "\n".join(out)


# ---------------------------------------------------------------------------- main


def evaluate(
    splits: Sequence[str],
    variants: Sequence[str],
    *,
    cmd: list[str],
    workdir: Path,
    predictions: Path | None,
) -> tuple[list[Report], dict[tuple[str, str], list[Item]]]:
    reports: list[Report] = []
    all_items: dict[tuple[str, str], list[Item]] = {}
    for split in splits:
        for variant in variants:
            by_kind = {
                kind: score_file(split, kind, variant, cmd=cmd, workdir=workdir, predictions=predictions)
                for kind in KINDS
            }
            reports.append(build_report(split, variant, by_kind))
            all_items[(split, variant)] = [it for kind in KINDS for it in by_kind[kind]]
    return reports, all_items


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Score assist-app analyze on the evaluation set.")
    ap.add_argument("--split", choices=SPLITS, action="append", help="default: all")
    ap.add_argument("--variant", choices=VARIANTS, action="append", help="default: all")
    ap.add_argument("--json", metavar="OUT", type=Path, help="write all numbers as JSON")
    ap.add_argument("--assist-app", metavar="CMD", help="the assist-app executable (default: .venv)")
    ap.add_argument("--predictions", type=Path, metavar="DIR", help="score saved outputs instead of running")
    ap.add_argument("--keep", type=Path, metavar="DIR", help="keep the engine inputs/outputs in DIR")
    ap.add_argument("--confusion", action="store_true", help="print confusion matrices")
    ap.add_argument("--errors", type=int, default=0, metavar="N", help="print up to N examples per error type")
    ap.add_argument(
        "--wait-minutes",
        type=float,
        default=0.0,
        help="if analyze fails (library not ready), retry every 3 minutes for this long",
    )
    args = ap.parse_args(argv)
    splits = args.split or list(SPLITS)
    variants = args.variant or list(VARIANTS)
    cmd = find_assist_app(args.assist_app)

    deadline = time.monotonic() + 60 * args.wait_minutes
    while True:
        with tempfile.TemporaryDirectory(prefix="agentassist-eval-") as tmp:
            workdir = args.keep or Path(tmp)
            try:
                reports, items = evaluate(splits, variants, cmd=cmd, workdir=workdir, predictions=args.predictions)
                break
            except EngineError as exc:
                if time.monotonic() >= deadline:
                    print(f"error: {exc}", file=sys.stderr)
                    return 2
                print(f"analyze not ready ({exc}); retrying in 3 minutes", file=sys.stderr)
        time.sleep(180)

    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    version = engine_version()
    engine = " ".join(cmd) if args.predictions is None else str(args.predictions)
    print(f"AgentAssist evaluation — {when} — engine: {engine} ({version})")
    print()
    print(summary_table(reports))
    for r in reports:
        print()
        print(
            f"=== {r.split} / {r.variant} ({r.n_lines} lines: "
            + ", ".join(f"{k} {v['lines']}" for k, v in r.by_kind.items() if k in KINDS)
            + ")"
        )
        print(label_table("phase", r.phase))
        print(
            "  phase accuracy by speaker: "
            + ", ".join(f"{k[:-6]} {pct(v['phase_accuracy'])}" for k, v in r.by_kind.items() if k.endswith("_lines"))
        )
        print(label_table("emotion", r.emotion))
        b = r.banned.as_dict()
        print(
            f"banned, utterance level: P {pct(r.banned.utterance.precision)} R {pct(r.banned.utterance.recall)} "
            f"F1 {pct(r.banned.utterance.f1)} (tp {r.banned.utterance.tp}, fp {r.banned.utterance.fp}, "
            f"fn {r.banned.utterance.fn}; flags on customer lines {r.banned.customer_flags})"
        )
        s = b["span"]
        print(
            f"banned, span level: P {pct(s['precision'])} R {pct(s['recall'])} F1 {pct(s['f1'])} "
            f"({s['gold_found']}/{s['gold_spans']} gold spans found, "
            f"{s['predicted_correct']}/{s['predicted_flags']} flags on a gold span)"
        )
        if args.confusion:
            print(confusion_table("phase", r.phase))
            print(confusion_table("emotion", r.emotion))
        if args.errors and r.split in SEALED:
            print(f"(errors of the sealed {r.split} split are not printed)")
        elif args.errors:
            print(error_lines(items[(r.split, r.variant)], args.errors))
    if args.json:
        payload = {"date": when, "engine": cmd, "engine_version": version, "reports": [r.as_dict() for r in reports]}
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
