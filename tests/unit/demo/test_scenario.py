"""Scenario files: the bundled ones validate; broken ones report every problem with file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist_app.demo.scenario import ScenarioError, find_scenario, load_scenario, load_scenarios
from assist_app.events import EmotionLabel, Phase, Speaker


def test_bundled_scenarios_validate_and_cover_the_three_kinds() -> None:
    scenarios = load_scenarios()
    ids = {s.id for s in scenarios}
    assert {"angry_bill", "polite_inquiry", "bad_agent"} <= ids
    for s in scenarios:
        assert s.title and s.situation and len(s.turns) >= 8
        assert {t.speaker for t in s.turns} == {Speaker.AGENT, Speaker.CUSTOMER}
        assert sum(not t.expect.empty for t in s.turns) >= 6, f"{s.id}: too few checked turns"
        assert s.score_min is not None or s.score_max is not None
    angry = find_scenario(scenarios, "angry_bill")
    assert angry is not None
    assert any(EmotionLabel.COMPLAINT_ESCALATION in t.expect.emotions for t in angry.turns)
    bad = find_scenario(scenarios, "bad")
    assert bad is not None and bad.id == "bad_agent"
    assert any(t.expect.flags for t in bad.turns)
    assert any(t.overlap > 0 for t in bad.turns)


def test_every_problem_is_reported_with_file_turn_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text(
        """
title: 坏场景
situation: 测试
difficulty: extreme
colour: red
turns:
  - speaker: agent
    text: 您好
    expect: {phase: greeting, emotion: angry}
  - speaker: robot
    text: ""
    pause: -1
  - speaker: customer
    text: 我要投诉
    expect: {flags: [shirk], suggest: [sleeping]}
""",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    problems = info.value.problems
    text = "\n".join(problems)
    for where in (
        "broken.yaml: difficulty:",
        "broken.yaml: colour:",
        "broken.yaml: turn[0].expect.emotion:",
        "broken.yaml: turn[1].speaker:",
        "broken.yaml: turn[1].text:",
        "broken.yaml: turn[1].pause:",
        "broken.yaml: turn[2].expect.flags:",
        "broken.yaml: turn[2].expect.suggest:",
    ):
        assert where in text, f"missing {where!r} in:\n{text}"
    assert all(p.startswith("broken.yaml: ") for p in problems)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "syntax.yaml"
    bad.write_text("title: x\nturns:\n  - speaker: agent\n    text: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    assert info.value.problems[0].startswith("syntax.yaml: 第")


def test_folder_problems_are_collected_across_files_and_duplicates_rejected(tmp_path: Path) -> None:
    ok = "title: 好\nsituation: 好\nturns:\n  - {speaker: agent, text: 您好}\n"
    (tmp_path / "a.yaml").write_text("id: same\n" + ok, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("id: same\n" + ok, encoding="utf-8")
    (tmp_path / "c.yaml").write_text("title: 缺\nsituation: 缺\nturns: []\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenarios(tmp_path)
    text = str(info.value)
    assert "b.yaml: id:" in text and "c.yaml: turns:" in text


def test_expectation_values_are_typed() -> None:
    s = find_scenario(load_scenarios(), "polite_inquiry")
    assert s is not None
    first = s.turns[0]
    assert first.expect.phases == (Phase.GREETING,) and first.expect.no_flags
    assert s.duration > 30
