"""Scenario audio through a recognizer: recognised text per turn, and which expectations survive.

The scenarios carry synthesised audio per turn (``resources/scenarios/audio/<id>``) and the
guidance each turn should produce. Decoding every turn's clip with an utterance recognizer
(Whisper) and replaying the recognised text through the same scripted-transcript path as the
demo tells us how much of the guidance still holds when the text comes from speech rather than
the script. Used by the Mandarin integration tests and ``scripts/whisper_eval.py``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from assist_app.asr.accuracy import telephone_band
from assist_app.asr.engine import RecognitionResult
from assist_app.demo.audio import load_clip
from assist_app.demo.expectations import check_turn, match_analyses
from assist_app.demo.scenario import Scenario, TurnExpectation
from assist_app.events import UtteranceAnalysis


class UtteranceDecoder(Protocol):
    def decode(self, samples: npt.NDArray[Any]) -> RecognitionResult: ...


@dataclass(frozen=True, slots=True)
class RecognizedTurn:
    """One turn: what the script says, what the recognizer heard, and how long decoding took."""

    index: int
    script: str
    text: str
    audio_s: float
    decode_s: float


def recognize_turns(scenario: Scenario, decoder: UtteranceDecoder, *, telephone: bool = False
                    ) -> list[RecognizedTurn]:
    """Decode each turn's clip (16 kHz, or through the 8 kHz telephone band)."""
    out = []
    for turn in scenario.turns:
        clip = load_clip(turn)
        if telephone:
            clip = telephone_band(clip)
        t0 = time.perf_counter()
        text = decoder.decode(np.asarray(clip, dtype=np.float32)).text
        out.append(RecognizedTurn(turn.index, turn.text, text, len(clip) / 16_000, time.perf_counter() - t0))
    return out


def with_texts(scenario: Scenario, texts: Sequence[str]) -> Scenario:
    """The scenario with each turn's text replaced (expectations, timing and audio kept)."""
    turns = tuple(dataclasses.replace(t, text=text) for t, text in zip(scenario.turns, texts, strict=True))
    return dataclasses.replace(scenario, turns=turns)


# Expectation kinds reported separately (DESIGN.md §5 label meanings).
KINDS = ("banned", "emotion", "phase")


def _only(exp: TurnExpectation, kind: str) -> TurnExpectation:
    if kind == "banned":
        return TurnExpectation(flags=exp.flags, no_flags=exp.no_flags)
    if kind == "emotion":
        return TurnExpectation(emotions=exp.emotions)
    return TurnExpectation(phases=exp.phases, call_phases=exp.call_phases)


def expectation_tally(scenario: Scenario, analyses: Sequence[UtteranceAnalysis],
                      final_order: Sequence[int] | None = None) -> dict[str, tuple[int, int]]:
    """For each kind: (expectations that hold, expectations checked)."""
    by_turn = match_analyses(scenario, analyses, final_order)
    tally = {k: (0, 0) for k in KINDS}
    for turn, analysis in zip(scenario.turns, by_turn, strict=True):
        for kind in KINDS:
            exp = _only(turn.expect, kind)
            if exp.empty:
                continue
            held, total = tally[kind]
            ok = check_turn(dataclasses.replace(turn, expect=exp), analysis).ok
            tally[kind] = (held + int(ok), total + 1)
    return tally
