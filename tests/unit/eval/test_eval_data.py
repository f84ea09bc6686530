"""Validate the evaluation set's files (format and labels only; never the engine's quality)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

EVAL_DIR = Path(__file__).resolve().parents[3] / "eval"
SPLITS = ("dev", "heldout")
KINDS = ("calls", "utterances")
PHASES = {"greeting", "asking", "listening", "soothing", "explanation", "advice", "closing", "other"}
EMOTIONS = {"complaint_escalation", "angry", "anxious", "negative_other", "neutral", "positive"}
FIELDS = {"call_id", "speaker", "text", "start", "end", "gold_phase", "gold_emotion", "gold_banned"}
PUNCT = set("，。！？、；：…,.!?;:“”\"'（）()～~—- ")

FILES = [(s, k, v) for s in SPLITS for k in KINDS for v in ("", "_asr")]


def load(split: str, kind: str, suffix: str) -> list[dict[str, Any]]:
    path = EVAL_DIR / split / f"{kind}{suffix}.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines, f"{path} is empty"
    records = []
    for no, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:  # pragma: no cover - failure path
            pytest.fail(f"{path}:{no}: invalid JSON: {exc}")
        assert isinstance(rec, dict), f"{path}:{no}: not an object"
        records.append(rec)
    return records


@pytest.mark.parametrize(("split", "kind", "suffix"), FILES, ids=[f"{s}/{k}{v}" for s, k, v in FILES])
def test_records_are_well_formed(split: str, kind: str, suffix: str) -> None:
    where = f"{split}/{kind}{suffix}"
    for no, rec in enumerate(load(split, kind, suffix), 1):
        at = f"{where}:{no}"
        assert set(rec) == FIELDS, f"{at}: fields {sorted(rec)}"
        assert isinstance(rec["call_id"], str) and rec["call_id"], at
        assert rec["speaker"] in ("agent", "customer"), at
        text = rec["text"]
        assert isinstance(text, str) and text.strip(), f"{at}: empty text"
        assert isinstance(rec["start"], float | int) and isinstance(rec["end"], float | int), at
        assert 0 <= rec["start"] < rec["end"], f"{at}: bad timing"
        assert rec["gold_phase"] in PHASES, f"{at}: phase {rec['gold_phase']!r}"
        if rec["speaker"] == "customer":
            assert rec["gold_emotion"] in EMOTIONS, f"{at}: emotion {rec['gold_emotion']!r}"
            assert rec["gold_banned"] == [], f"{at}: banned spans on a customer line"
        else:
            assert rec["gold_emotion"] is None, f"{at}: emotion on an agent line"
        prev_end = -1
        for span in rec["gold_banned"]:
            assert isinstance(span, list) and len(span) == 2, f"{at}: span {span!r}"
            start, end = span
            assert isinstance(start, int) and isinstance(end, int), f"{at}: span {span!r}"
            assert 0 <= start < end <= len(text), f"{at}: span {span!r} outside text of length {len(text)}"
            assert any(ch not in PUNCT for ch in text[start:end]), f"{at}: span {span!r} is only punctuation"
            assert start >= prev_end, f"{at}: overlapping or unsorted spans"
            prev_end = end


@pytest.mark.parametrize(("split", "kind"), [(s, k) for s in SPLITS for k in KINDS])
def test_noisy_copy_is_aligned(split: str, kind: str) -> None:
    clean = load(split, kind, "")
    noisy = load(split, kind, "_asr")
    assert len(clean) == len(noisy), f"{split}/{kind}: {len(clean)} clean vs {len(noisy)} noisy lines"
    changed = 0
    for no, (c, n) in enumerate(zip(clean, noisy, strict=True), 1):
        at = f"{split}/{kind}_asr:{no}"
        for key in FIELDS - {"text", "gold_banned"}:
            assert c[key] == n[key], f"{at}: {key} differs from the clean copy"
        assert len(c["gold_banned"]) == len(n["gold_banned"]), f"{at}: banned span count differs"
        changed += c["text"] != n["text"]
    assert changed > len(clean) // 2, f"{split}/{kind}: noisy copy barely differs from the clean one"


def test_call_structure() -> None:
    all_ids: set[str] = set()
    for split in SPLITS:
        calls: dict[str, list[dict[str, Any]]] = {}
        for rec in load(split, "calls", ""):
            calls.setdefault(rec["call_id"], []).append(rec)
        for call_id, recs in calls.items():
            assert 8 <= len(recs) <= 20, f"{split}: call {call_id} has {len(recs)} turns"
            starts = [r["start"] for r in recs]
            assert starts == sorted(starts), f"{split}: call {call_id} not in time order"
        utt_ids = [r["call_id"] for r in load(split, "utterances", "")]
        assert len(utt_ids) == len(set(utt_ids)), f"{split}: utterance call_ids are not unique"
        ids = set(calls) | set(utt_ids)
        assert not ids & all_ids, "call_ids shared between splits"
        all_ids |= ids
