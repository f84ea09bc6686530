"""Training examples: dialogues of labelled turns, read from the shipped corpus, the script
library's own examples, and a centre's QA-labelled JSONL.

The corpus notation (``corpus/*.txt``, the same as ``eval/src``) is one utterance a line::

    SPEAKER PHASE [EMOTION] [#CATEGORY] [@PAUSE] | TEXT with ⟦banned words⟧

``SPEAKER`` A/C, ``PHASE`` one of g a l s e v c o, ``EMOTION`` (customer lines) one of E A X N 0 P,
``#CATEGORY`` the banned-phrase category of an agent line with ⟦…⟧. A file with ``=== ID | …``
headers holds whole calls; otherwise every line is its own one-turn dialogue.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from assist_app.events import EmotionLabel, Phase, Speaker
from assist_app.learning.noise import noisy_turn_text
from assist_app.library.model import ScriptLibrary

PHASE_CODES = {
    "g": Phase.GREETING,
    "a": Phase.ASKING,
    "l": Phase.LISTENING,
    "s": Phase.SOOTHING,
    "e": Phase.EXPLANATION,
    "v": Phase.ADVICE,
    "c": Phase.CLOSING,
    "o": Phase.OTHER,
}
EMOTION_CODES = {
    "E": EmotionLabel.COMPLAINT_ESCALATION,
    "A": EmotionLabel.ANGRY,
    "X": EmotionLabel.ANXIOUS,
    "N": EmotionLabel.NEGATIVE_OTHER,
    "0": EmotionLabel.NEUTRAL,
    "P": EmotionLabel.POSITIVE,
}
SPEAKER_CODES = {"A": Speaker.AGENT, "C": Speaker.CUSTOMER}
OPEN, CLOSE = "⟦", "⟧"
OK = "ok"


class CorpusError(ValueError):
    """A corpus line that cannot be read; the message names file and line."""


@dataclass(frozen=True, slots=True)
class Turn:
    speaker: Speaker
    text: str
    phase: Phase | None = None
    emotion: EmotionLabel | None = None
    banned: tuple[tuple[int, int], ...] = ()
    category: str | None = None  # banned category, ``ok`` for a line known to be clean, None unknown


@dataclass(slots=True)
class Dialogue:
    id: str
    source: str
    turns: list[Turn] = field(default_factory=list)
    weight: float = 1.0


def strip_marks(raw: str, where: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for ch in raw:
        if ch == OPEN:
            if start is not None:
                raise CorpusError(f"{where}: nested {OPEN}")
            start = len(out)
        elif ch == CLOSE:
            if start is None or start == len(out):
                raise CorpusError(f"{where}: unmatched or empty {CLOSE}")
            spans.append((start, len(out)))
            start = None
        else:
            out.append(ch)
    if start is not None:
        raise CorpusError(f"{where}: unclosed {OPEN}")
    return "".join(out), tuple(spans)


def parse_turn(raw: str, where: str, categories: Iterable[str] | None = None) -> Turn:
    if "|" not in raw:
        raise CorpusError(f"{where}: missing '|'")
    head, body = raw.split("|", 1)
    parts = head.split()
    if len(parts) < 2 or parts[0] not in SPEAKER_CODES or parts[1] not in PHASE_CODES:
        raise CorpusError(f"{where}: expected SPEAKER PHASE before '|'")
    speaker, phase = SPEAKER_CODES[parts[0]], PHASE_CODES[parts[1]]
    emotion: EmotionLabel | None = None
    category: str | None = None
    known = set(categories) if categories is not None else None
    for tok in parts[2:]:
        if tok in EMOTION_CODES:
            emotion = EMOTION_CODES[tok]
        elif tok.startswith("#") and len(tok) > 1:
            category = tok[1:]
            if known is not None and category not in known:
                raise CorpusError(f"{where}: unknown category {category!r}")
        elif not tok.startswith("@"):
            raise CorpusError(f"{where}: unknown token {tok!r}")
    text, spans = strip_marks(body.strip(), where)
    if not text:
        raise CorpusError(f"{where}: empty text")
    if speaker is Speaker.CUSTOMER and emotion is None:
        raise CorpusError(f"{where}: customer line needs an emotion")
    if speaker is Speaker.AGENT and not spans:
        category = OK  # a clean agent line; with spans and no #tag the category stays unknown
    return Turn(speaker, text, phase, emotion, spans, category)


def read_notation(path: Path, categories: Iterable[str] | None = None) -> list[Dialogue]:
    cats = list(categories) if categories is not None else None
    out: list[Dialogue] = []
    current: Dialogue | None = None  # the call being read, once the file has a call header
    for no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        raw = raw.strip()
        where = f"{path.name}:{no}"
        if not raw or raw.startswith("#"):
            continue
        if raw.startswith("==="):
            m = re.match(r"===\s*(\S+)", raw)
            if not m:
                raise CorpusError(f"{where}: bad call header")
            current = Dialogue(m.group(1), path.name)
            out.append(current)
            continue
        turn = parse_turn(raw, where, cats)
        if current is not None:
            current.turns.append(turn)
        else:
            out.append(Dialogue(f"{path.stem}:{no}", path.name, [turn]))
    return [d for d in out if d.turns]


def library_dialogues(library: ScriptLibrary) -> Iterator[Dialogue]:
    """The library's own examples: banned rules' examples and counter-examples, formula phrases."""
    for rule in library.banned.rules:
        for i, ex in enumerate(rule.examples):
            yield Dialogue(f"{rule.id}#ex{i}", "banned.yaml", [Turn(Speaker.AGENT, ex, None, None,
                                                                    ((0, len(ex)),), rule.category)])
        for i, ex in enumerate(rule.counter_examples):
            yield Dialogue(f"{rule.id}#cx{i}", "banned.yaml", [Turn(Speaker.AGENT, ex, None, None, (), OK)])
    for step in library.formula.steps:
        for phrase in step.phrases:
            text = re.sub(r"\{[a-z_]+\}", "", phrase.text)
            if len(text) >= 2:
                yield Dialogue(f"{phrase.id}", "formula.yaml", [Turn(Speaker.AGENT, text, step.id, None, (), OK)])


# -- a centre's QA labels ----------------------------------------------------------------------------

PHASE_LABELS = {p.value for p in Phase}
EMOTION_LABELS = {e.value for e in EmotionLabel}


def read_labelled_jsonl(path: Path, categories: Iterable[str]) -> tuple[list[Dialogue], list[str]]:
    """A centre's labelled utterances: ``{"text", "speaker", "label", ["task"], ["call_id"]}``.

    ``task`` is ``banned`` (label: a category id or ``ok``), ``emotion`` (customer lines) or
    ``phase``; without it the label decides. Lines of one ``call_id`` form a dialogue in file
    order. Returns the dialogues and one problem string per unreadable line.
    """
    cats = set(categories)
    problems: list[str] = []
    calls: dict[str, Dialogue] = {}
    for no, raw in enumerate(path.read_bytes().splitlines(), 1):
        where = f"{path.name}:{no}"
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(f"{where}: not a JSON line in UTF-8 ({exc})")
            continue
        if not isinstance(rec, dict):
            problems.append(f"{where}: expected a JSON object")
            continue
        text, speaker, label = rec.get("text"), rec.get("speaker"), rec.get("label")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: text missing or empty")
            continue
        if speaker not in ("agent", "customer"):
            problems.append(f"{where}: speaker must be agent or customer")
            continue
        if not isinstance(label, str):
            problems.append(f"{where}: label missing")
            continue
        task = rec.get("task") or _task_for(label, cats)
        spk = Speaker(speaker)
        turn: Turn | None = None
        if task == "banned" and spk is Speaker.AGENT and (label in cats or label == OK):
            turn = Turn(spk, text, None, None, ((0, len(text)),) if label != OK else (), label)
        elif task == "emotion" and spk is Speaker.CUSTOMER and label in EMOTION_LABELS:
            turn = Turn(spk, text, None, EmotionLabel(label))
        elif task == "phase" and label in PHASE_LABELS:
            turn = Turn(spk, text, Phase(label))
        if turn is None:
            problems.append(f"{where}: label {label!r} does not fit task {task!r} for a {speaker} line")
            continue
        call_id = str(rec.get("call_id") or f"line{no}")
        calls.setdefault(call_id, Dialogue(f"centre:{call_id}", path.name)).turns.append(turn)
    return list(calls.values()), problems


def _task_for(label: str, categories: set[str]) -> str:
    if label in categories or label == OK:
        return "banned"
    if label in EMOTION_LABELS:
        return "emotion"
    if label in PHASE_LABELS:
        return "phase"
    return "?"


def noisy_copies(dialogues: Iterable[Dialogue], rate: float, weight: float, seed: str = "learn") -> list[Dialogue]:
    """A copy of each dialogue as a recogniser might have heard it (simulated errors, see ``noise``)."""
    out = []
    for d in dialogues:
        turns = []
        for i, t in enumerate(d.turns):
            text, spans = noisy_turn_text(t.text, t.banned, f"{seed}:{d.id}:{i}", rate)
            turns.append(Turn(t.speaker, text, t.phase, t.emotion, tuple((a, b) for a, b in spans), t.category))
        out.append(Dialogue(d.id + "~asr", d.source, turns, d.weight * weight))
    return out
