"""The script library loader: the shipped library is valid; broken files are reported fully."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assist_app.__main__ import main
from assist_app.events import Phase
from assist_app.library import LibraryError, ScriptLibrary, load_library
from assist_app.library.patterns import PatternError, parse_pattern

MINI = Path(__file__).parents[1] / "fixtures" / "mini_library"


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "lib"
    shutil.copytree(MINI, dst)
    return dst


def test_shipped_library_is_valid_and_rich(shipped_library: ScriptLibrary) -> None:
    counts = shipped_library.counts()
    assert [s.id for s in shipped_library.formula.steps] == list(Phase.steps())
    assert counts["phrases"] >= 50
    assert counts["banned_rules"] >= 60
    categories = {r.category for r in shipped_library.banned.rules}
    assert {"shirk", "impatient", "contradict", "sarcasm", "vulgar", "provoke", "threat"} <= categories
    needed = {
        "venting",
        "complaint_threat",
        "hold",
        "long_lookup",
        "cant_hear",
        "beyond_authority",
        "compensation",
        "identity_failed",
        "wrong_number",
        "customer_thanks",
        "customer_apology",
        "call_ending",
    }
    assert needed <= {s.id for s in shipped_library.situations}


def test_shipped_text_is_simplified(shipped_library: ScriptLibrary) -> None:
    from assist_app.textnorm import to_simplified

    for phrase in shipped_library.formula.phrases():
        assert to_simplified(phrase.text) == phrase.text, phrase.id
    for rule in shipped_library.banned.rules:
        assert to_simplified(rule.replacement) == rule.replacement, rule.id


def test_every_problem_is_reported_with_file_entry_and_field(tmp_path: Path) -> None:
    lib = _copy(tmp_path)
    banned = (lib / "banned.yaml").read_text(encoding="utf-8")
    banned = banned.replace('severity: high\n    patterns: ["有完没完"]', 'severity: fatal\n    patterns: ["有完没完"]')
    banned = banned.replace(
        'replacement: "{title}，请问还有什么需要我帮您的吗？"',
        'replacement: "{title}，请问还有什么需要我帮您的吗？"\n    colour: red',
    )
    (lib / "banned.yaml").write_text(banned, encoding="utf-8")
    formula = (lib / "formula.yaml").read_text(encoding="utf-8").replace("{company}{agent_id}", "{compnay}{agent_id}")
    (lib / "formula.yaml").write_text(formula, encoding="utf-8")
    situations = (lib / "situations.yaml").read_text(encoding="utf-8").replace('["投诉",', '["(投诉",')
    (lib / "situations.yaml").write_text(situations, encoding="utf-8")

    with pytest.raises(LibraryError) as err:
        load_library(lib)
    problems = err.value.problems
    assert "banned.yaml: rules[impatient.endless].severity: unknown value 'fatal'" in problems
    assert "banned.yaml: rules[impatient.endless].colour: unknown key" in problems
    assert any(
        p.startswith("formula.yaml: steps[greeting].phrases[greeting.inbound].text: unknown placeholder")
        for p in problems
    )
    assert any(p.startswith("situations.yaml: situations[complaint_threat].patterns[0]: bad pattern") for p in problems)
    assert len(problems) == 4


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    lib = _copy(tmp_path)
    (lib / "conduct.yaml").write_text("speaking_rate: {min_cpm: 180\nhold: [\n", encoding="utf-8")
    with pytest.raises(LibraryError) as err:
        load_library(lib)
    assert len(err.value.problems) == 1
    assert err.value.problems[0].startswith("conduct.yaml: line ")
    assert "invalid YAML" in err.value.problems[0]


def test_missing_file_and_unused_situation(tmp_path: Path) -> None:
    lib = _copy(tmp_path)
    (lib / "emotion.yaml").unlink()
    text = (lib / "situations.yaml").read_text(encoding="utf-8")
    text += '  - {id: orphan, name: 无人使用, speaker: customer, patterns: ["孤儿"], steps: [asking], reason: 测试}\n'
    (lib / "situations.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(LibraryError) as err:
        load_library(lib)
    assert err.value.problems == [
        "emotion.yaml: (file): missing",
        "situations.yaml: situations[orphan]: no phrase in formula.yaml lists this situation",
    ]


def test_steps_out_of_order_are_rejected(tmp_path: Path) -> None:
    import yaml

    lib = _copy(tmp_path)
    doc = yaml.safe_load((lib / "formula.yaml").read_text(encoding="utf-8"))
    doc["steps"][0], doc["steps"][1] = doc["steps"][1], doc["steps"][0]
    (lib / "formula.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(LibraryError) as err:
        load_library(lib)
    assert any("formula order" in p for p in err.value.problems)


def test_library_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["library", "check", str(MINI)]) == 0
    assert capsys.readouterr().out.startswith("OK")
    lib = _copy(tmp_path)
    (lib / "banned.yaml").write_text("rules: 3\n", encoding="utf-8")
    assert main(["library", "check", str(lib)]) == 1
    err = capsys.readouterr().err
    assert "banned.yaml: (top): expected a mapping at the top level" not in err
    assert "banned.yaml: categories: missing or not a non-empty list" in err


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("不归我管", [("不归我管",)]),
        ("(这|那)?不归我管", [("这不归我管",), ("那不归我管",), ("不归我管",)]),
        ("有意见…投诉", [("有意见", "投诉")]),
        ("電話", [("电话",)]),
        ("打12315", [("打一二三一五",)]),
    ],
)
def test_pattern_expansion(pattern: str, expected: list[tuple[str, ...]]) -> None:
    assert [v.segments for v in parse_pattern(pattern)] == expected


@pytest.mark.parametrize("bad", ["", "(不归", "不归)", "a|b", "((a))", "a…b…c…d", "中^间", "(a|)"])
def test_bad_patterns_are_rejected(bad: str) -> None:
    with pytest.raises(PatternError):
        parse_pattern(bad)
