"""Every bundled scenario through the real session and guidance engine meets its expectations."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from assist_app.demo.expectations import check_scenario
from assist_app.demo.runner import build_engine, format_summary, run_demo
from assist_app.demo.scenario import Scenario, TurnExpectation, load_scenarios
from assist_app.events import EmotionLabel, Phase
from assist_app.library import ScriptLibrary

SCENARIOS = load_scenarios()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario_meets_its_expectations(scenario: Scenario, shipped_library: ScriptLibrary) -> None:
    result = run_demo(scenario, engine=build_engine(shipped_library), timeout=60)
    assert result.problems == [], format_summary(result)
    assert result.dropped == 0
    types = [e.type_name for e in result.events]
    assert types[0] == "call_started" and types[-1] == "call_ended"
    assert types.count("final") == len(scenario.turns)
    assert result.score is not None


def test_bad_agent_scores_far_below_the_good_calls(shipped_library: ScriptLibrary) -> None:
    scores = {
        s.id: run_demo(s, engine=build_engine(shipped_library)).score for s in SCENARIOS
    }
    assert all(v is not None for v in scores.values())
    # each "bad agent" variant against the good call it mirrors
    for bad_id, good_id in (("bad_agent", "polite_inquiry"), ("bad_agent_outage", "power_outage"),
                            ("bad_agent_hold", "long_hold")):
        bad, good = scores[bad_id], scores[good_id]
        assert bad is not None and good is not None
        assert good.total - bad.total >= 30, (bad_id, bad.total, good_id, good.total)


def test_wrong_expectations_are_reported(shipped_library: ScriptLibrary) -> None:
    """The checker can fail: flip expectations and every flipped turn is named."""
    scenario = next(s for s in SCENARIOS if s.id == "polite_inquiry")
    wrong_turns = tuple(
        dataclasses.replace(
            t,
            expect=TurnExpectation(
                phases=(Phase.SOOTHING,) if t.index == 0 else (),
                emotions=(EmotionLabel.ANGRY,) if t.index == 1 else (),
                flags=("shirk",) if t.index == 2 else (),
            ),
        )
        for t in scenario.turns
    )
    wrong = dataclasses.replace(scenario, turns=wrong_turns, score_max=10)
    result = run_demo(wrong, engine=build_engine(shipped_library))
    problems = check_scenario(wrong, result.analyses, result.final_order, result.score.total if result.score else None)
    assert any(p.startswith("第1句") and "阶段" in p for p in problems)
    assert any(p.startswith("第2句") and "情绪" in p for p in problems)
    assert any(p.startswith("第3句") and "shirk" in p for p in problems)
    assert any("总分应不高于" in p for p in problems)


def test_headless_command_prints_summary_and_writes_events(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assist_app.__main__ import main

    out = tmp_path / "events.jsonl"
    code = main(["demo", "--headless", "--scenario", "bad_agent", "-o", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "质检得分" in printed and "服务忌语" in printed
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    types = {d["type"] for d in lines}
    assert {"call_started", "level", "partial", "final", "flag", "emotion", "phase", "call_ended"} <= types
    assert all({"type", "speaker", "t", "wall"} <= d.keys() for d in lines)


def test_headless_command_rejects_unknown_scenario_and_bad_speed(capsys: pytest.CaptureFixture[str]) -> None:
    from assist_app.__main__ import main

    assert main(["demo", "--headless", "--scenario", "nope"]) == 2
    assert "找不到演示场景" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["demo", "--headless", "--speed", "9"])
