"""Sound-alike, one-edit and gapped matching; spans point into the original text."""

from __future__ import annotations

import pytest

from assist_app.analysis.matcher import PatternSet
from assist_app.textnorm import normalize

PATTERNS = PatternSet(
    [
        ("(这|那)?(不归|不是)我(们)?(管|负责)", "shirk"),
        ("有完没完", "endless"),
        ("什么玩意", "slang"),
        ("我们一定会核实清楚", "assure"),
        ("你…去法院告我", "court"),
        ("^喂", "wei"),
        ("嘛$", "ma"),
        ("一二三一五", "12315"),
    ]
)


def found(text: str) -> list[tuple[str, str, int]]:
    norm = normalize(text)
    out = []
    for m in PATTERNS.find(norm):
        s, e = norm.span_to_original(m.start, m.end)
        out.append((m.payload, text[s:e], m.quality))
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("这事不归我管啊", [("shirk", "不归我管", 0)]),
        ("这事不贵我管", [("shirk", "不贵我管", 1)]),  # homophone from ASR
        ("這事不歸我管", [("shirk", "不歸我管", 0)]),  # traditional characters
        ("你有完每完啊", [("endless", "有完每完", 1)]),
        ("你有完了没完", [("endless", "有完了没完", 2)]),  # one inserted character
        ("有完完", []),  # a dropped character in a short phrase: too easily another phrase
        ("什么可以", []),  # not 什么玩意: a substitution in a short phrase
        ("你有本事去法院告我", [("court", "你有本事去法院告我", 0)]),
        ("这事不归我来管", [("shirk", "不归我来管", 2)]),  # one inserted character
        ("喂，你好", [("wei", "喂", 0)]),
        ("你好喂", []),  # anchored at the start only
        ("好嘛！", [("ma", "嘛", 0)]),
        ("我要打１２３１５投诉", [("12315", "１２３１５", 0)]),  # full-width digits
    ],
)
def test_matches(text: str, expected: list[tuple[str, str, int]]) -> None:
    assert found(text) == expected


def test_long_phrases_survive_a_dropped_or_replaced_character() -> None:
    assert found("我们一定核实清楚") == [("assure", "我们一定核实清楚", 2)]
    assert found("我们一定会和实清楚") == [("assure", "我们一定会和实清楚", 1)]
    assert found("我们一定会查实清楚") == [("assure", "我们一定会查实清楚", 2)]


def test_single_characters_do_not_match_by_sound() -> None:
    assert found("卫生间在哪") == []  # 卫 sounds like 喂 but is not the word


def test_repeated_occurrences_are_all_found() -> None:
    assert [p for p, _, _ in found("有完没完，真是有完没完")] == ["endless", "endless"]


def test_empty_and_symbol_only_text() -> None:
    assert found("") == []
    assert found("！？…… 😀") == []


def test_two_character_words_need_the_exact_sound() -> None:
    pats = PatternSet([("闷死", "hot"), ("投诉", "complaint")])
    assert [m.payload for m in pats.find(normalize("你们是不是"))] == []  # men shi ≠ men si
    assert [(m.payload, m.quality) for m in pats.find(normalize("我要头诉"))] == [("complaint", 1)]


def test_numbers_in_patterns_do_not_match_inside_longer_numbers() -> None:
    pats = PatternSet([("一二三一五", "12315")])
    assert [m.payload for m in pats.find(normalize("我要打12315"))] == ["12315"]
    assert pats.find(normalize("手机号13812315678")) == []
