"""One utterance record: each final is numbered by the session and everything the engine derives
from it names that number (and the scenario turn), so nothing downstream guesses."""

from __future__ import annotations

import io
import json

from assist_app.demo.runner import build_engine, run_demo
from assist_app.demo.scenario import find_scenario, load_scenarios
from assist_app.events import EmotionEvent, FinalText, FlagRaised, PhaseEvent, UtteranceAnalysed
from assist_app.library import ScriptLibrary
from assist_app.pipeline.sinks import JsonlSink


def test_derived_events_name_their_utterance_and_turn(shipped_library: ScriptLibrary) -> None:
    scenario = find_scenario(load_scenarios(), "angry_bill")
    assert scenario is not None
    out = io.StringIO()
    result = run_demo(scenario, engine=build_engine(shipped_library), sinks=[JsonlSink(out)], timeout=60)
    finals = [e for e in result.events if isinstance(e, FinalText)]
    assert [f.utterance for f in finals] == list(range(len(scenario.turns)))
    assert [f.turn for f in finals] == [t.index for t in scenario.turns]
    by_index = {f.utterance: f for f in finals}
    records = [e for e in result.events if isinstance(e, UtteranceAnalysed)]
    assert [r.utterance for r in records] == [f.utterance for f in finals]  # one record per final
    for ev in result.events:
        if isinstance(ev, PhaseEvent | EmotionEvent | UtteranceAnalysed) or (isinstance(ev, FlagRaised) and ev.final):
            final = by_index[ev.utterance]
            assert (ev.speaker, ev.turn, ev.t) == (final.speaker, final.turn, final.t)
    phases = {e.utterance: e.phase for e in result.events if isinstance(e, PhaseEvent)}
    assert all(r.phase is phases[r.utterance] for r in records)
    # The JSONL stream is unchanged: the record stays off the wire.
    types = {json.loads(line)["type"] for line in out.getvalue().splitlines()}
    assert "utterance" not in types and {"final", "phase", "emotion"} <= types
