"""Suggestions fit what has happened in the call (issue 12.16): no "经查询……处理好了" before anything
was looked up or while a repair is under way, no "尽快送电" in a billing dispute."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assist_app.analysis.analyzer import CallAnalyzer
from assist_app.events import Speaker, Utterance
from assist_app.library import LibraryError, ScriptLibrary, load_library

A, C = Speaker.AGENT, Speaker.CUSTOMER
MINI = Path(__file__).parents[1] / "fixtures" / "mini_library"
RESOLVED = "经查询，您反映的问题已经为您处理好了"


def suggested(library: ScriptLibrary, turns: list[tuple[Speaker, str]]) -> list[list[str]]:
    call = CallAnalyzer(library)
    return [[s.text for s in call.analyze(Utterance(sp, text)).suggestions] for sp, text in turns]


def test_a_resolution_is_not_suggested_before_anything_was_looked_up(shipped_library: ScriptLibrary) -> None:
    turns = [
        (A, "您好，很高兴为您服务，请问有什么可以帮您？"),
        (C, "我想问一下我的宽带为什么用不了了。"),
        (A, "您是说宽带用不了了，对吗？"),
        (C, "对的。"),
    ]
    before = suggested(shipped_library, turns)
    assert not any(RESOLVED in text for texts in before for text in texts), before
    after = suggested(shipped_library, [*turns, (A, "好的，请您稍等，我帮您查询一下。"), (C, "好。")])
    assert any(RESOLVED in text for text in after[-1]), after[-1]  # once a lookup happened, it fits


def test_a_resolution_is_not_suggested_while_a_repair_is_under_way(shipped_library: ScriptLibrary) -> None:
    turns = [
        (A, "您好，很高兴为您服务，请问有什么可以帮您？"),
        (C, "我家突然停电了，什么时候能来电啊？"),
        (A, "您先别着急，请问您家的详细地址是哪里？"),
        (C, "西湖区文三路八十八号。"),
        (A, "我查到您那一片是线路故障，抢修人员已经在现场处理了，预计两个小时内恢复供电。"),
        (C, "还要两个小时？能不能快一点。"),
        (A, "我非常理解您的心情。"),
        (C, "好吧。"),
    ]
    texts = [t for ts in suggested(shipped_library, turns) for t in ts]
    assert not any(RESOLVED in t for t in texts), texts


def test_power_phrases_stay_out_of_a_billing_dispute(shipped_library: ScriptLibrary) -> None:
    turns = [
        (A, "您好，很高兴为您服务，请问有什么可以帮您？"),
        (C, "我这个月电费怎么比平时高了一倍，你们是不是多收钱了？"),
        (A, "非常抱歉给您带来不便，您先别着急。"),
        (C, "你们赶紧给我查清楚，尽快处理，我很着急！"),
        (A, "您是说这个月电费比平时高很多，对吗？"),
        (C, "对。"),
    ]
    texts = [t for ts in suggested(shipped_library, turns) for t in ts]
    assert texts and not any("送电" in t for t in texts), texts
    # in a call about restoring power the same phrase is offered
    restore = suggested(shipped_library, [
        (A, "您好，很高兴为您服务，请问有什么可以帮您？"),
        (C, "我刚交了电费，怎么还没来电，你们赶紧给我送电，我很着急！"),
    ])
    assert any("尽快送电" in t for t in restore[-1]), restore[-1]


def test_phrase_gates_are_validated_with_file_entry_and_field(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    shutil.copytree(MINI, lib)
    formula = (lib / "formula.yaml").read_text(encoding="utf-8")
    formula = formula.replace(
        '{id: asking.detail, text: "请问具体是什么情况呢？", situations: [general]}',
        '{id: asking.detail, text: "请问具体是什么情况呢？", situations: [general], requires: [checked], '
        'only_in: [blackout], not_in: 7}',
    )
    (lib / "formula.yaml").write_text(formula, encoding="utf-8")
    with pytest.raises(LibraryError) as err:
        load_library(lib)
    problems = err.value.problems
    where = "formula.yaml: steps[asking].phrases[asking.detail]"
    assert any(p.startswith(f"{where}.requires[0]: unknown requirement 'checked'") for p in problems), problems
    assert f"{where}.only_in[0]: unknown situation 'blackout'" in problems, problems
    assert any(p.startswith(f"{where}.not_in:") for p in problems), problems


def test_said_phrase_prefilter_keeps_every_phrase_partial_ratio_would_find() -> None:
    """Only phrases sharing too few characters to reach ``partial_ratio`` 90 are skipped: on the
    library's own phrases, halves of them, and them inside longer turns, the prefiltered check
    marks exactly what checking every short-enough phrase marks (and does mark some)."""
    from rapidfuzz import fuzz, process

    from assist_app.analysis.suggest import PhraseSettings, _phrase_index

    _, index = _phrase_index(load_library(), PhraseSettings())
    texts = {t for p in index.texts for t in (p, p[: len(p) // 2 + 2], p[2:], "嗯" + p + "好的", p[::-1])}
    marked = 0
    for text in texts:
        if len(text) < 4:
            continue
        short = [i for i, t in enumerate(index.texts) if len(t) <= len(text) * 1.25]
        every = {short[k] for _, _, k in process.extract_iter(
            text, [index.texts[i] for i in short], scorer=fuzz.partial_ratio, score_cutoff=90)}
        kept = index.inside_candidates(text)
        found = {kept[k] for _, _, k in process.extract_iter(
            text, [index.texts[i] for i in kept], scorer=fuzz.partial_ratio, score_cutoff=90)}
        assert found == every, text
        marked += bool(found)
    assert marked > len(index.texts)  # the check finds phrases, so the equality says something
