"""Phase labels, the call's formula position, and customer emotion readings."""

from __future__ import annotations

import pytest

from assist_app.analysis.analyzer import AnalysisKit, CallAnalyzer
from assist_app.analysis.emotion import EmotionReader
from assist_app.analysis.phase import FormulaTracker
from assist_app.events import AcousticFeatures, EmotionLabel, Phase, Speaker, Utterance
from assist_app.textnorm import normalize


def label(kit: AnalysisKit, speaker: Speaker, text: str) -> Phase:
    return kit.phases.classify(speaker, normalize(text)).phase


@pytest.mark.parametrize(
    ("speaker", "text", "phase"),
    [
        (Speaker.AGENT, "您好，很高兴为您服务，我是客服", Phase.GREETING),
        (Speaker.AGENT, "请问您想查询哪些信息", Phase.ASKING),
        (Speaker.AGENT, "好的", Phase.LISTENING),
        (Speaker.AGENT, "非常抱歉，您先别着急", Phase.SOOTHING),
        (Speaker.AGENT, "经查询，是因为您上月欠费", Phase.EXPLANATION),
        (Speaker.AGENT, "建议您通过网上营业厅办理", Phase.ADVICE),
        (Speaker.AGENT, "请问还有其他问题吗？感谢您的来电，再见", Phase.CLOSING),
        (Speaker.CUSTOMER, "为什么我的电费这么高", Phase.ASKING),
        (Speaker.CUSTOMER, "好的", Phase.LISTENING),
        (Speaker.CUSTOMER, "谢谢，再见", Phase.CLOSING),
        (Speaker.CUSTOMER, "我家昨天晚上开始停电了", Phase.ASKING),  # a problem statement
        (Speaker.AGENT, "嗯", Phase.LISTENING),
    ],
)
def test_mini_library_phase_labels(mini_kit: AnalysisKit, speaker: Speaker, text: str, phase: Phase) -> None:
    assert label(mini_kit, speaker, text) is phase


def test_formula_position_moves_with_the_agent() -> None:
    tr = FormulaTracker()
    assert tr.position().next is Phase.GREETING
    tr.update(Speaker.AGENT, Phase.GREETING)
    tr.update(Speaker.CUSTOMER, Phase.ASKING)
    assert tr.position().current is Phase.ASKING
    assert tr.position(customer_upset=True).next is Phase.SOOTHING
    assert tr.position(customer_upset=False).next is Phase.LISTENING
    tr.update(Speaker.CUSTOMER, Phase.LISTENING)  # a customer's "嗯" does not move the call
    assert tr.position().current is Phase.ASKING
    tr.update(Speaker.AGENT, Phase.LISTENING)
    assert tr.position().next is Phase.EXPLANATION  # calm customer: soothing is skipped
    tr.update(Speaker.AGENT, Phase.CLOSING)
    pos = tr.position()
    assert pos.current is Phase.CLOSING and pos.next is None
    assert pos.done == (Phase.GREETING, Phase.ASKING, Phase.LISTENING, Phase.CLOSING)


def read(kit: AnalysisKit, *texts: str, acoustic: AcousticFeatures | None = None) -> list:
    reader = EmotionReader(kit.emotion)
    return [reader.read(normalize(t), acoustic) for t in texts]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我要投诉你们", EmotionLabel.COMPLAINT_ESCALATION),
        ("气死我了，我要打12315投诉", EmotionLabel.COMPLAINT_ESCALATION),  # escalation wins over anger
        ("气死我了，什么破服务", EmotionLabel.ANGRY),
        ("能不能尽快处理，我很着急", EmotionLabel.ANXIOUS),
        ("太失望了", EmotionLabel.NEGATIVE_OTHER),
        ("谢谢，非常满意", EmotionLabel.POSITIVE),
        ("我想查一下上个月的电费", EmotionLabel.NEUTRAL),
        ("不满意", EmotionLabel.NEGATIVE_OTHER),  # negated satisfaction is dissatisfaction
    ],
)
def test_emotion_labels(mini_kit: AnalysisKit, text: str, expected: EmotionLabel) -> None:
    (reading,) = read(mini_kit, text)
    assert reading.label is expected, reading


def test_negated_anxiety_is_not_anxiety(mini_kit: AnalysisKit) -> None:
    (reading,) = read(mini_kit, "我不着急，你慢慢查")
    assert reading.label is not EmotionLabel.ANXIOUS


def test_intensity_grows_with_degree_and_exclamations(mini_kit: AnalysisKit) -> None:
    plain, strong = read(mini_kit, "有点失望", "太失望了！！")
    assert strong.intensity > plain.intensity > 0
    assert "感叹语气" in strong.cues


def test_repeating_the_same_complaint_is_a_cue(mini_kit: AnalysisKit) -> None:
    first, again = read(mini_kit, "我的电费为什么比上个月多了两百块", "我就问你电费为什么比上个月多了两百块")
    assert "重复诉说" not in first.cues
    assert "重复诉说" in again.cues
    assert again.label is not EmotionLabel.NEUTRAL


def test_acoustic_cues_raise_anger(mini_kit: AnalysisKit) -> None:
    (calm,) = read(mini_kit, "你们怎么还没修好")
    (loud,) = read(mini_kit, "你们怎么还没修好", acoustic=AcousticFeatures(loudness_rel_db=12.0, overlap_s=2.0))
    assert loud.label is EmotionLabel.ANGRY
    assert any(c.startswith("音量升高") for c in loud.cues) and "抢话" in loud.cues
    assert loud.intensity > calm.intensity


def test_call_phase_and_emotion_in_a_call(mini_kit: AnalysisKit) -> None:
    call = CallAnalyzer(mini_kit, call_id="c9")
    a0 = call.analyze(Utterance(Speaker.AGENT, "您好，很高兴为您服务"))
    a1 = call.analyze(Utterance(Speaker.CUSTOMER, "我家停电两天了都没人来修，气死我了，我要投诉"))
    a2 = call.analyze(Utterance(Speaker.CUSTOMER, "嗯"))
    assert (a0.call_phase, a1.call_phase, a2.call_phase) == (Phase.GREETING, Phase.ASKING, Phase.ASKING)
    assert a0.emotion is None and a1.emotion is not None
    assert a1.emotion.label is EmotionLabel.COMPLAINT_ESCALATION
    assert [a.utterance.index for a in (a0, a1, a2)] == [0, 1, 2]
    assert a2.utterance.call_id == "c9"


@pytest.mark.parametrize(
    ("speaker", "text", "phase"),
    [
        (Speaker.CUSTOMER, "一三九一二三四五六七八", Phase.OTHER),  # numbers read out for a lookup
        (Speaker.CUSTOMER, "我要投诉你们！", Phase.OTHER),  # a threat states no problem
        (Speaker.CUSTOMER, "为什么我的电费这么高", Phase.ASKING),
        (Speaker.AGENT, "请您稍等，我帮您查一下", Phase.OTHER),  # a hold request is no formula step
        (Speaker.AGENT, "你有完没完", Phase.OTHER),  # only a banned phrase
        (Speaker.AGENT, "非常抱歉，请您稍等", Phase.SOOTHING),
    ],
)
def test_main_function_overrides_weak_cues(mini_kit: AnalysisKit, speaker: Speaker, text: str, phase: Phase) -> None:
    call = CallAnalyzer(mini_kit)
    assert call.analyze(Utterance(speaker, text)).phase is phase


def test_negation_word_ending_just_before_the_cue(mini_kit: AnalysisKit) -> None:
    (reading,) = read(mini_kit, "我不是要投诉，就想问问")
    assert reading.label is not EmotionLabel.COMPLAINT_ESCALATION
