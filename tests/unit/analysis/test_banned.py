"""Banned phrases: the shipped rules fire on their examples (and recognition-damaged versions),
stay quiet on polite near-misses, and partial hypotheses flag each hit once."""

from __future__ import annotations

import random

import pytest

from assist_app.analysis.analyzer import AnalysisKit
from assist_app.analysis.banned import BannedPhraseDetector, PartialTracker
from assist_app.library import ScriptLibrary

POLITE = [
    "我不知道您是否方便提供一下户号",
    "如果不行的话我再帮您申请",
    "您先别着急，我马上帮您查询",
    "请问还有其他可以帮您的吗",
    "非常抱歉给您带来不便",
    "感谢您的耐心等待，经查询您的电费已经结清",
    "您好，很高兴为您服务，请问有什么可以帮您",
    "这个问题我帮您联系相关部门处理，稍后给您回复",
]


def test_examples_fire_and_counter_examples_do_not(shipped_kit: AnalysisKit) -> None:
    det = shipped_kit.banned
    missed, false = [], []
    for rule in shipped_kit.library.banned.rules:
        for ex in rule.examples:
            if rule.id not in {h.rule.id for h in det.detect(ex)}:
                missed.append((rule.id, ex))
        for ce in rule.counter_examples:
            if det.detect(ce):
                false.append((rule.id, ce, [h.rule.id for h in det.detect(ce)]))
    assert missed == []
    assert false == []


@pytest.mark.parametrize("text", POLITE)
def test_polite_agent_speech_is_not_flagged(shipped_kit: AnalysisKit, text: str) -> None:
    assert [h.flag.matched for h in shipped_kit.banned.detect(text)] == []


@pytest.mark.parametrize(
    "text",
    [
        "这个不归我管，你找别人去",
        "你有完没完啊",
        "我都说了好几遍了，你怎么还听不懂",
        "你自己看着办吧",
        "有本事你去法院告我",
        "刚才不是说过了吗",
        "你问我我问谁",
    ],
)
def test_common_banned_phrasings_fire(shipped_kit: AnalysisKit, text: str) -> None:
    assert shipped_kit.banned.detect(text), text


def test_span_matches_the_words_said(mini_library: ScriptLibrary) -> None:
    det = BannedPhraseDetector(mini_library)
    text = "先生，这事不归我管。"
    (hit,) = det.detect(text)
    assert text[hit.flag.span[0] : hit.flag.span[1]] == "不归我管" == hit.flag.matched
    assert hit.flag.replacement == "这个问题我帮您联系相关部门处理。"


def test_unless_suppresses_only_overlapping_match(mini_library: ScriptLibrary) -> None:
    det = BannedPhraseDetector(mini_library)
    assert det.detect("我不知道您是否方便") == []
    assert det.detect("如果不行的话我再帮您申请") == []
    assert [h.rule.id for h in det.detect("我不知道您是否方便，反正不行")] == ["impatient.no_way"]


def test_partials_flag_each_hit_once(mini_library: ScriptLibrary) -> None:
    tracker = PartialTracker(BannedPhraseDetector(mini_library))
    final = "这事不归我管，你有完没完"
    reported = []
    for i in range(1, len(final) + 1):
        reported += [f.rule for f in tracker.update(final[:i])]
    assert reported == ["shirk.not_my_job", "impatient.endless"]
    # The final result repeats both; nothing new to raise.
    det = BannedPhraseDetector(mini_library)
    assert tracker.finish([h.flag for h in det.detect(final)]) == []
    # A new utterance starts fresh.
    assert [f.rule for f in tracker.update("不归我管")] == ["shirk.not_my_job"]


def _homophone_damage(text: str, pool: dict[str, list[str]], rng: random.Random) -> str:
    """Replace one character with a different character of the same toneless pinyin."""
    from pypinyin import lazy_pinyin

    idx = [i for i, c in enumerate(text) if "\u4e00" <= c <= "\u9fff"]
    i = rng.choice(idx)
    options = [c for c in pool.get(lazy_pinyin(text[i])[0], []) if c != text[i]]
    return text[:i] + rng.choice(options) + text[i + 1 :] if options else text


def _sound_pool(library: ScriptLibrary) -> dict[str, list[str]]:
    """Common characters (everything the library's phrases use) grouped by toneless pinyin."""
    from pypinyin import lazy_pinyin

    chars = {c for p in library.formula.phrases() for c in p.text if "\u4e00" <= c <= "\u9fff"}
    pool: dict[str, list[str]] = {}
    for c in sorted(chars):
        pool.setdefault(lazy_pinyin(c)[0], []).append(c)
    return pool


def test_examples_survive_one_homophone_error(shipped_kit: AnalysisKit) -> None:
    rng = random.Random(7)
    pool = _sound_pool(shipped_kit.library)
    total = caught = 0
    for rule in shipped_kit.library.banned.rules:
        for ex in rule.examples:
            damaged = _homophone_damage(ex, pool, rng)
            total += 1
            caught += rule.id in {h.rule.id for h in shipped_kit.banned.detect(damaged)}
    assert total >= 60
    assert caught / total >= 0.9
