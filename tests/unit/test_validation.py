"""The one validator: typed readers collect every problem, in Chinese for staff and English for logs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assist_app.analysis.scoring import SCORE_ITEM_KEYS, score_call
from assist_app.demo.scenario import Scenario, Turn, TurnExpectation, parse_scenario
from assist_app.library import LibraryError, load_library
from assist_app.validation import Collector, ValidationError, field_keys, fields_under

MINI = Path(__file__).parent / "fixtures" / "mini_library"


def test_readers_collect_every_problem_and_fall_back() -> None:
    c = Collector("x.yaml")
    assert c.number("a.pause", "slow", 0, 10) is None
    assert c.number("a.rate", 700, 60, 600) is None
    assert c.text("a.text", None) == ""
    assert c.boolean("a.flag", "yes") is None
    assert c.str_list("a.words", ["好", {"k": 1}]) == ["好"]
    c.unknown_keys("a", {"colour": 1, "text": 2}, {"text"})
    zh, en = c.messages("zh"), c.messages("en")
    assert len(zh) == len(en) == 6
    assert zh[1] == "x.yaml: a.rate: 700 超出范围 60–600" and en[1] == "x.yaml: a.rate: 700 is outside 60–600"
    assert zh[2] == "x.yaml: a.text: 缺少必填项"
    assert en[-1] == "x.yaml: a.colour: unknown key" and zh[-1].startswith("x.yaml: a.colour: 未知字段")


def test_library_problems_read_in_chinese_for_the_centre(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    shutil.copytree(MINI, lib)
    banned = (lib / "banned.yaml").read_text(encoding="utf-8")
    (lib / "banned.yaml").write_text(banned.replace("severity: high", "severity: fatal", 1), encoding="utf-8")
    (lib / "emotion.yaml").unlink()
    with pytest.raises(LibraryError) as err:
        load_library(lib)
    assert isinstance(err.value, ValidationError)
    zh = err.value.messages("zh")
    assert zh[0] == "emotion.yaml: (file): 文件不存在"
    assert any(p.startswith("banned.yaml: rules[") and "未知取值 'fatal'" in p for p in zh)
    assert len(zh) == len(err.value.problems)


def test_allowed_keys_come_from_the_model() -> None:
    assert field_keys(Turn) == {"speaker", "text", "pause", "rate", "overlap", "loudness", "audio", "note",
                                "expect", "if_bad"}
    assert field_keys(TurnExpectation) == {"phase", "call_phase", "flags", "no_flags", "emotion", "suggest"}
    assert fields_under(Scenario, "practice") == {"pass_score", "weights"}
    assert "path" not in field_keys(Scenario) and "audio" in field_keys(Scenario)


def test_practice_weights_accept_exactly_the_score_card_items(shipped_library: object) -> None:
    from assist_app.analysis.engine import GuidanceEngine

    card = score_call(GuidanceEngine(shipped_library))  # type: ignore[arg-type]
    assert tuple(i.key for i in card.items) == SCORE_ITEM_KEYS
    body = {"title": "练", "situation": "练", "turns": [{"speaker": "agent", "text": "您好"}],
            "practice": {"weights": dict.fromkeys(SCORE_ITEM_KEYS, 2)}}
    assert dict(parse_scenario(body, "p.yaml", default_id="p").weights) == dict.fromkeys(SCORE_ITEM_KEYS, 2.0)
