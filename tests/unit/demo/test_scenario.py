"""Scenario files: the bundled ones validate; broken ones report every problem with file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist_app.demo.scenario import ScenarioError, find_scenario, load_scenario, load_scenarios
from assist_app.events import EmotionLabel, Phase, Speaker

SEED_SITUATIONS = {
    "angry_bill", "polite_inquiry", "bad_agent", "power_outage", "privacy_lookup", "silent_line", "long_hold",
    "leader_phone", "compensation_threat", "wrong_number", "praise", "outbound_reminder", "bad_agent_outage",
    "bad_agent_hold",
}


def test_bundled_scenarios_validate_and_cover_the_seed_situations() -> None:
    scenarios = load_scenarios()
    ids = {s.id for s in scenarios}
    assert ids >= SEED_SITUATIONS and len(scenarios) >= 10
    assert any(s.direction == "outbound" for s in scenarios)
    for s in scenarios:
        assert s.title and s.situation and len(s.turns) >= 8
        assert {t.speaker for t in s.turns} == {Speaker.AGENT, Speaker.CUSTOMER}
        assert sum(not t.expect.empty for t in s.turns) >= 6, f"{s.id}: too few checked turns"
        assert s.score_min is not None or s.score_max is not None
    angry = find_scenario(scenarios, "angry_bill")
    assert angry is not None
    assert any(EmotionLabel.COMPLAINT_ESCALATION in t.expect.emotions for t in angry.turns)
    assert find_scenario(scenarios, "bad") is None  # an ambiguous prefix finds nothing
    hold = find_scenario(scenarios, "bad_agent_h")
    assert hold is not None and hold.id == "bad_agent_hold"
    bad = find_scenario(scenarios, "03_bad_agent")
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


def test_practice_section_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "title: 练习\nsituation: 测试\npractice: {pass_score: 120, weights: {hold: 2, charm: 1}, level: 3}\n"
        "turns:\n  - {speaker: agent, text: 您好}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    for where in ("p.yaml: practice.pass_score:", "p.yaml: practice.weights.charm:", "p.yaml: practice.level:"):
        assert where in text, text
    assert "practice.weights.hold" not in text
    good = load_scenarios()
    hold = find_scenario(good, "long_hold")
    assert hold is not None and dict(hold.weights) == {"hold": 2.0} and hold.pass_score == 70


def test_audio_folder_must_match_the_turns(tmp_path: Path) -> None:
    import json

    clips = tmp_path / "audio" / "s"
    clips.mkdir(parents=True)
    (clips / "00.flac").write_bytes(b"fLaC")
    (clips / "01.flac").write_bytes(b"fLaC")
    manifest = {"turns": [{"file": "00.flac", "speaker": "agent", "text": "您好", "seconds": 1.5},
                          {"file": "01.flac", "speaker": "customer", "text": "旧的文字", "seconds": 2.0}]}
    (clips / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    body = "title: 音频\nsituation: 测试\naudio: audio/s\nturns:\n  - {speaker: agent, text: 您好}\n"
    path = tmp_path / "s.yaml"
    path.write_text(body + "  - {speaker: customer, text: 新的文字}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "s.yaml: turn[1].audio: 音频与这句的文字或说话人不一致" in str(info.value)
    path.write_text(body + "  - {speaker: customer, text: 旧的文字}\n", encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.has_audio and scenario.turns[1].audio == clips / "01.flac"
    assert scenario.turns[0].duration == 1.5  # timing follows the clip, not the text
    path.write_text(body.replace("audio/s", "audio/none"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"s\.yaml: audio: 找不到或无法读取"):
        load_scenario(path)


def test_if_bad_lines_belong_to_customer_turns(tmp_path: Path) -> None:
    path = tmp_path / "branch.yaml"
    path.write_text(
        """
title: 分支
situation: 测试
turns:
  - speaker: agent
    text: 您好
    if_bad: 你什么态度
  - speaker: customer
    text: 我要查话费
    if_bad: 123
""",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = "\n".join(info.value.problems)
    assert "branch.yaml: turn[0].if_bad:" in text and "branch.yaml: turn[1].if_bad:" in text
    angry = find_scenario(load_scenarios(), "angry_bill")
    assert angry is not None and sum(bool(t.if_bad) for t in angry.turns) >= 3
    assert all(t.speaker is Speaker.CUSTOMER for t in angry.turns if t.if_bad)
