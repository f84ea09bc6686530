"""The shipped learned layer as the analyser uses it: verified files, flags that name their
category and replacement, spans inside the words, partial-text flags, rules first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assist_app.analysis.analyzer import AnalysisKit, CallAnalyzer
from assist_app.analysis.engine import GuidanceEngine
from assist_app.analysis.learned.store import describe, shipped_dir
from assist_app.events import FinalText, FlagKind, FlagRaised, PartialText, Speaker, Utterance
from assist_app.library import ScriptLibrary


@pytest.fixture(scope="module")
def kit(shipped_library: ScriptLibrary) -> AnalysisKit:
    k = AnalysisKit.build(shipped_library)
    assert k.learned is not None, "resources/learned/ must ship with the app"
    return k


def test_shipped_models_verify_and_match_the_library(shipped_library: ScriptLibrary) -> None:
    lines, problems = describe([c.id for c in shipped_library.banned.categories])
    assert problems == []
    assert any(str(shipped_dir()) in line for line in lines)


def _banned(kit: AnalysisKit, text: str) -> list:
    a = CallAnalyzer(kit)
    return [f for f in a.analyze(Utterance(Speaker.AGENT, text)).flags if f.kind is FlagKind.BANNED_PHRASE]


def test_learned_flag_names_category_span_and_replacement(kit: AnalysisKit) -> None:
    rules_only = kit.without_learned()
    # Said in words no rule lists: the rules stay silent, the learned layer flags it.
    text = "您这个情况吧，说白了就是您自个儿没弄明白，跟我们这边扯不上关系"
    assert _banned(rules_only, text) == []
    flags = _banned(kit, text)
    assert len(flags) == 1
    f = flags[0]
    category = f.rule.split(".")[0]
    assert f.rule.endswith(".learned")
    cat = kit.library.banned.category(category)
    assert cat is not None and f.replacement == cat.replacement and f.message
    start, end = f.span
    assert 0 <= start < end <= len(text) and end - start < len(text)
    assert f.matched == text[start:end]


def test_polite_lines_stay_clean(kit: AnalysisKit) -> None:
    for text in (
        "这个问题需要售后部门处理，我现在帮您登记，两个小时内给您回电。",
        "按照规定，超过七天就不能无理由退货了，还请您理解，我帮您看看能不能走质量问题。",
        "您先别着急，我马上帮您查一下。",
        "请问还有其他可以帮您的吗？",
    ):
        assert _banned(kit, text) == [], text


def test_rule_hit_is_not_duplicated_by_the_learned_layer(kit: AnalysisKit) -> None:
    flags = _banned(kit, "这事不归我管。")
    assert len(flags) == 1 and not flags[0].rule.endswith(".learned")


def test_learned_flag_comes_on_the_partial_once(kit: AnalysisKit) -> None:
    engine = GuidanceEngine(kit)
    text = "您这个情况吧，说白了就是您自个儿没弄明白，跟我们这边扯不上关系"
    raised: list[FlagRaised] = []
    for n in range(2, len(text) + 1):
        raised += [e for e in engine.handle(PartialText(t=n * 0.3, speaker=Speaker.AGENT, text=text[:n]))
                   if isinstance(e, FlagRaised)]
    assert raised and all(not e.final for e in raised)
    assert len({e.flag.rule for e in raised}) == len(raised)
    final = [e for e in engine.handle(FinalText(t=20.0, speaker=Speaker.AGENT, text=text, start=0.0, end=20.0))
             if isinstance(e, FlagRaised)]
    # One learned alert per utterance, however the growing sentence looked along the way.
    learned = [e for e in raised + final if e.flag.rule.endswith(".learned")]
    assert len(learned) == 1 and not learned[0].final


def test_emotion_without_strong_words(kit: AnalysisKit) -> None:
    a = CallAnalyzer(kit)
    r = a.analyze(Utterance(Speaker.CUSTOMER, "呵呵，你们这效率我也是服了，三天了还没个准信"))
    assert r.emotion is not None and r.emotion.label.value in ("angry", "negative_other")


def test_library_check_reports_a_damaged_model(tmp_path: Path) -> None:
    bad = tmp_path / "learned"
    bad.mkdir()
    for p in shipped_dir().iterdir():
        (bad / p.name).write_bytes(p.read_bytes())
    (bad / "phase.npz").write_bytes((bad / "phase.npz").read_bytes()[:-10])
    env = {"ASSIST_APP_LEARNED": str(bad), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-m", "assist_app", "library", "check"], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 1
    assert "phase.npz" in r.stderr and "学习层" in r.stderr
    ok = subprocess.run([sys.executable, "-m", "assist_app", "library", "check"], capture_output=True, text=True,
                        env={"PATH": "/usr/bin:/bin", "ASSIST_APP_LEARNED": str(shipped_dir())}, timeout=120)
    assert ok.returncode == 0 and "学习层" in ok.stdout
    manifest = json.loads((shipped_dir() / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["models"]) == {"banned", "emotion", "phase"}
