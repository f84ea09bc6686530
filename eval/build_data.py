"""Build the evaluation JSONL files from the hand-labelled sources in eval/src/.

The sources are written by hand, independently of the script library and the analysis rules.
Each non-comment line is one utterance:

    SPEAKER PHASE [EMOTION] [@PAUSE] | TEXT

- SPEAKER: ``A`` agent, ``C`` customer.
- PHASE: ``g`` greeting, ``a`` asking, ``l`` listening, ``s`` soothing, ``e`` explanation,
  ``v`` advice, ``c`` closing, ``o`` other.
- EMOTION (customer lines only, required there): ``E`` complaint_escalation, ``A`` angry,
  ``X`` anxious, ``N`` negative_other, ``0`` neutral, ``P`` positive.
- ``@PAUSE``: seconds of silence before the line (holds, long lookups); otherwise a short gap.
- TEXT: banned phrases said by the agent are wrapped in ``⟦…⟧``; the brackets are removed and
  their character offsets become ``gold_banned``.

Calls files start each call with ``=== CALL_ID | description``. Utterance files have no headers:
every line is its own call (``{split}_u###``). Timings are synthetic but realistic: the agent
speaks ~190 字/分钟, the customer 170–260 字/分钟 (faster when angry or anxious), gaps of
0.3–1.5 s, and an angry customer sometimes starts talking before the agent has finished.

Usage: ``python eval/build_data.py`` (rewrites eval/dev/*.jsonl and eval/heldout/*.jsonl, clean
variants only; run ``eval/make_noisy.py`` afterwards for the ASR-noised copies).
"""

from __future__ import annotations

import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from assist_app.learning.corpus import CorpusError, strip_marks

EVAL_DIR = Path(__file__).resolve().parent
SRC_DIR = EVAL_DIR / "src"
SPLITS = ("dev", "heldout", "test")

PHASES = {
    "g": "greeting",
    "a": "asking",
    "l": "listening",
    "s": "soothing",
    "e": "explanation",
    "v": "advice",
    "c": "closing",
    "o": "other",
}
EMOTIONS = {
    "E": "complaint_escalation",
    "A": "angry",
    "X": "anxious",
    "N": "negative_other",
    "0": "neutral",
    "P": "positive",
}
SPEAKERS = {"A": "agent", "C": "customer"}
OPEN, CLOSE = "⟦", "⟧"
PUNCT = set("，。！？、；：…,.!?;:“”\"'（）() ～~—-")


@dataclass
class Line:
    speaker: str
    phase: str
    emotion: str | None
    pause: float | None
    text: str
    banned: list[list[int]]
    where: str


@dataclass
class Call:
    call_id: str
    description: str
    lines: list[Line] = field(default_factory=list)


class SourceError(ValueError):
    pass


def parse_text(raw: str, where: str) -> tuple[str, list[list[int]]]:
    """Strip ⟦…⟧ markers, returning the text and the marked spans (end exclusive)."""
    try:
        text, spans = strip_marks(raw, where)
    except CorpusError as exc:
        raise SourceError(str(exc)) from exc
    return text, [list(sp) for sp in spans]


def parse_line(raw: str, where: str) -> Line:
    if "|" not in raw:
        raise SourceError(f"{where}: missing '|'")
    head, text_raw = raw.split("|", 1)
    parts = head.split()
    if len(parts) < 2:
        raise SourceError(f"{where}: need SPEAKER PHASE")
    spk, ph, *rest = parts
    if spk not in SPEAKERS or ph not in PHASES:
        raise SourceError(f"{where}: bad speaker/phase {spk!r} {ph!r}")
    emotion: str | None = None
    pause: float | None = None
    for tok in rest:
        if tok.startswith("@"):
            pause = float(tok[1:])
        elif tok in EMOTIONS:
            emotion = EMOTIONS[tok]
        elif tok.startswith("#"):
            continue  # banned-phrase category tag (training corpus); not scored here
        else:
            raise SourceError(f"{where}: unknown token {tok!r}")
    speaker = SPEAKERS[spk]
    if speaker == "customer" and emotion is None:
        raise SourceError(f"{where}: customer line needs an emotion")
    if speaker == "agent" and emotion is not None:
        raise SourceError(f"{where}: agent line must not have an emotion")
    text, banned = parse_text(text_raw.strip(), where)
    if banned and speaker != "agent":
        raise SourceError(f"{where}: banned spans are for agent lines only")
    if not text:
        raise SourceError(f"{where}: empty text")
    return Line(speaker, PHASES[ph], emotion, pause, text, banned, where)


def read_source(path: Path, *, calls: bool, split: str) -> list[Call]:
    result: list[Call] = []
    n_utt = 0
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{no}"
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        if raw.startswith("==="):
            if not calls:
                raise SourceError(f"{where}: call header in an utterances file")
            m = re.match(r"===\s*(\S+)\s*\|\s*(.*)$", raw)
            if not m:
                raise SourceError(f"{where}: bad call header")
            result.append(Call(m.group(1), m.group(2)))
            continue
        line = parse_line(raw, where)
        if calls:
            if not result:
                raise SourceError(f"{where}: utterance before the first call header")
            result[-1].lines.append(line)
        else:
            n_utt += 1
            result.append(Call(f"{split}_u{n_utt:03d}", "", [line]))
    ids = [c.call_id for c in result]
    if len(ids) != len(set(ids)):
        raise SourceError(f"{path.name}: duplicate call ids")
    return result


def spoken_chars(text: str) -> int:
    return sum(1 for ch in text if ch not in PUNCT) or 1


def timed_records(call: Call, rng: random.Random) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    t = round(rng.uniform(0.5, 1.5), 2)
    prev_end = t
    for i, line in enumerate(call.lines):
        if line.speaker == "agent":
            rate = rng.uniform(180.0, 200.0)  # 字/分钟 (seed 000: 180–200)
        elif line.emotion in ("angry", "complaint_escalation", "anxious"):
            rate = rng.uniform(220.0, 260.0)
        else:
            rate = rng.uniform(170.0, 220.0)
        duration = spoken_chars(line.text) * 60.0 / rate + rng.uniform(0.2, 0.5)
        if i == 0:
            start = t
        elif line.pause is not None:
            start = prev_end + line.pause
        elif line.speaker == "customer" and line.emotion in ("angry", "complaint_escalation") and rng.random() < 0.35:
            start = max(records[-1]["start"] + 0.5, prev_end - rng.uniform(0.3, 1.0))  # talks over
        else:
            start = prev_end + rng.uniform(0.3, 1.5)
        end = start + duration
        records.append(
            {
                "call_id": call.call_id,
                "speaker": line.speaker,
                "text": line.text,
                "start": round(start, 2),
                "end": round(end, 2),
                "gold_phase": line.phase,
                "gold_emotion": line.emotion,
                "gold_banned": line.banned,
            }
        )
        prev_end = max(prev_end, end)
    return records


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def build(split: str) -> dict[str, int]:
    rng = random.Random(f"agentassist-eval-{split}")
    sizes: dict[str, int] = {}
    for kind in ("calls", "utterances"):
        # An utterances split may be written in several files (test_utterances_banned.txt, …),
        # read in name order and numbered as one.
        sources = sorted(SRC_DIR.glob(f"{split}_{kind}*.txt"))
        if not sources:
            raise SourceError(f"no source for {split}/{kind} in {SRC_DIR}")
        calls: list[Call] = []
        for src in sources:
            part = read_source(src, calls=kind == "calls", split=split)
            if kind == "utterances":
                for call in part:
                    call.call_id = f"{split}_u{len(calls) + 1:03d}"
                    calls.append(call)
            else:
                calls.extend(part)
        if len({c.call_id for c in calls}) != len(calls):
            raise SourceError(f"{split}/{kind}: duplicate call ids")
        records: list[dict[str, Any]] = []
        for call in calls:
            if kind == "calls" and not call.lines:
                raise SourceError(f"{split}_{kind}: call {call.call_id} is empty")
            records.extend(timed_records(call, rng))
        write_jsonl(EVAL_DIR / split / f"{kind}.jsonl", records)
        sizes[f"{kind}_calls"] = len(calls)
        sizes[f"{kind}_lines"] = len(records)
    return sizes


def main() -> int:
    wanted = [a for a in sys.argv[1:] if a in SPLITS] or list(SPLITS)
    try:
        for split in wanted:
            print(split, build(split))
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
