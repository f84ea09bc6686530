"""Arbitrary Unicode never crashes an analyser (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assist_app.analysis.analyzer import AnalysisKit, CallAnalyzer
from assist_app.analysis.engine import GuidanceEngine
from assist_app.events import FinalText, PartialText, Speaker, Utterance
from assist_app.textnorm import normalize

cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
any_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=cjk, max_size=200),
    st.text(alphabet=st.one_of(cjk, st.sampled_from("喂嘛啊！？，。…😀🙏１２３ \t\n")), max_size=120),
    st.just("投诉" * 2000),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=any_text, speaker=st.sampled_from(list(Speaker)), start=st.none() | st.floats(0, 1e4))
def test_analysers_never_crash(mini_kit: AnalysisKit, text: str, speaker: Speaker, start: float | None) -> None:
    call = CallAnalyzer(mini_kit)
    end = None if start is None else start + 1.0
    result = call.analyze(Utterance(speaker, text, start=start, end=end))
    for flag in result.flags:
        s, e = flag.span
        assert 0 <= s <= e <= len(text)
        assert text[s:e] == flag.matched
    if result.emotion is not None:
        assert 0.0 <= result.emotion.intensity <= 1.0
    engine = GuidanceEngine(mini_kit)
    for i in range(0, len(text), max(1, len(text) // 5)):
        engine.handle(PartialText(t=float(i), speaker=speaker, text=text[:i]))
    engine.handle(FinalText(t=1.0, speaker=speaker, text=text))
    engine.finish(2.0)


@given(text=st.text(max_size=200))
def test_normalized_offsets_point_into_the_original(text: str) -> None:
    norm = normalize(text)
    assert len(norm.offsets) == len(norm.text)
    assert all(0 <= o < len(text) for o in norm.offsets)
    assert list(norm.offsets) == sorted(norm.offsets)
