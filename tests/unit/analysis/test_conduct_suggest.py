"""Conduct rules (opening, closing, hold, rate, 喂, fillers, interruptions) and suggestions."""

from __future__ import annotations

from assist_app.analysis.analyzer import AnalysisKit, CallAnalyzer
from assist_app.analysis.suggest import PhraseSettings
from assist_app.events import FlagKind, Phase, Speaker, Utterance


def rules(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.rule for f in result.flags if f.kind is FlagKind.CONDUCT]


def test_opening_missing_only_on_first_agent_turn(mini_kit: AnalysisKit) -> None:
    call = CallAnalyzer(mini_kit)
    assert rules(call.analyze(Utterance(Speaker.AGENT, "说吧什么事"))) == ["conduct.opening_missing"]
    assert rules(call.analyze(Utterance(Speaker.AGENT, "说吧什么事"))) == []
    good = CallAnalyzer(mini_kit)
    assert rules(good.analyze(Utterance(Speaker.AGENT, "您好，很高兴为您服务"))) == []


def test_wei_address_and_fillers(mini_kit: AnalysisKit) -> None:
    call = CallAnalyzer(mini_kit)
    call.analyze(Utterance(Speaker.AGENT, "您好，很高兴为您服务"))
    r = call.analyze(Utterance(Speaker.AGENT, "喂，你那个那个户号多少嘛"))
    assert rules(r) == ["conduct.address_wei", "conduct.filler"]
    assert r.flags[0].matched == "喂"


def test_speaking_rate_from_timings(mini_kit: AnalysisKit) -> None:
    call = CallAnalyzer(mini_kit)
    call.analyze(Utterance(Speaker.AGENT, "您好，很高兴为您服务", start=0.0, end=3.0))
    text = "经查询您的电费已经结清了请您放心"  # 16 characters
    fast = call.analyze(Utterance(Speaker.AGENT, text, start=4.0, end=6.0))  # 480 字/分
    ok = call.analyze(Utterance(Speaker.AGENT, text, start=7.0, end=12.0))  # 192 字/分
    slow = call.analyze(Utterance(Speaker.AGENT, text, start=13.0, end=23.0))  # 96 字/分
    assert rules(fast) == ["conduct.rate_fast"]
    assert rules(ok) == []
    assert rules(slow) == ["conduct.rate_slow"]
    assert "480" in fast.flags[0].message


def test_interrupting_the_customer(mini_kit: AnalysisKit) -> None:
    call = CallAnalyzer(mini_kit)
    call.analyze(Utterance(Speaker.AGENT, "您好，很高兴为您服务", start=0.0, end=1.5))
    call.analyze(Utterance(Speaker.CUSTOMER, "我家停电了已经两天了", start=2.0, end=6.0))
    r = call.analyze(Utterance(Speaker.AGENT, "好的", start=4.0, end=4.5))
    assert rules(r) == ["conduct.interrupt"]
    r2 = call.analyze(Utterance(Speaker.AGENT, "好的", start=6.2, end=6.6))
    assert rules(r2) == []


def test_hold_etiquette(mini_kit: AnalysisKit) -> None:
    call = CallAnalyzer(mini_kit)
    call.analyze(Utterance(Speaker.AGENT, "您好，很高兴为您服务", start=0.0, end=1.5))
    call.analyze(Utterance(Speaker.AGENT, "请您稍等，我帮您查一下", start=2.0, end=3.0))
    assert [r.rule for r in call.conduct.tick(10.0)] == []
    assert [r.rule for r in call.conduct.tick(18.5)] == ["conduct.hold_update_due"]
    assert [r.rule for r in call.conduct.tick(19.0)] == []  # reminded once per 15 s
    assert [r.rule for r in call.conduct.tick(33.5)] == ["conduct.hold_limit"]
    back = call.analyze(Utterance(Speaker.AGENT, "经查询，您的电费已经结清", start=40.0, end=42.0))
    assert set(rules(back)) == {"conduct.hold_too_long", "conduct.hold_no_thanks"}
    assert call.conduct.on_hold_since is None


def test_hold_without_asking(mini_kit: AnalysisKit) -> None:
    call = CallAnalyzer(mini_kit)
    call.analyze(Utterance(Speaker.AGENT, "您好，很高兴为您服务", start=0.0, end=1.5))
    r = call.analyze(Utterance(Speaker.AGENT, "查到了，您的电费已经结清", start=25.0, end=27.0))
    assert "conduct.hold_without_ask" in rules(r)


def test_closing_checks_at_the_end(mini_kit: AnalysisKit) -> None:
    call = CallAnalyzer(mini_kit)
    call.analyze(Utterance(Speaker.AGENT, "您好，很高兴为您服务"))
    call.analyze(Utterance(Speaker.AGENT, "经查询您的电费已经结清"))
    assert [r.rule for r in call.conduct.finish()] == ["conduct.closing_check_missing", "conduct.farewell_missing"]
    done = CallAnalyzer(mini_kit)
    done.analyze(Utterance(Speaker.AGENT, "您好，很高兴为您服务"))
    done.analyze(Utterance(Speaker.AGENT, "请问还有其他问题吗？感谢您的来电，再见"))
    assert done.conduct.finish() == []


def test_soothe_before_explaining_when_upset(mini_kit: AnalysisKit) -> None:
    call = CallAnalyzer(mini_kit, PhraseSettings(company="国网", agent_id="007"))
    first = call.analyze(Utterance(Speaker.AGENT, "您好"))
    assert first.suggestions  # something to say next
    r = call.analyze(Utterance(Speaker.CUSTOMER, "气死我了，我要投诉你们"))
    assert r.suggestions[0].step is Phase.SOOTHING
    assert r.suggestions[0].reason == "客户提到投诉 → 先安抚再确认诉求"
    assert 1 <= len(r.suggestions) <= 3
    r2 = call.analyze(Utterance(Speaker.AGENT, "非常抱歉给您带来不便，您先别着急。"))
    assert r2.suggestions and r2.suggestions[0].step is not Phase.SOOTHING
    texts = [s.text for s in r2.suggestions]
    assert "非常抱歉给您带来不便，您先别着急。" not in texts  # already said


def test_placeholders_are_filled(mini_kit: AnalysisKit) -> None:
    call = CallAnalyzer(mini_kit, PhraseSettings(company="国网客服中心", agent_id="1024"))
    call.tracker.update(Speaker.AGENT, Phase.OTHER)
    (s, *_) = call.suggester.suggest(call.tracker.position(), [], upset=False, soothed=False)
    assert s.text == "您好！国网客服中心1024号客服代表很高兴为您服务，请问有什么可以帮助您？"
    assert "{" not in s.text


def test_situation_specific_phrase_is_offered(mini_kit: AnalysisKit) -> None:
    call = CallAnalyzer(mini_kit)
    call.analyze(Utterance(Speaker.AGENT, "您好，很高兴为您服务"))
    r = call.analyze(Utterance(Speaker.AGENT, "您提供的地址我核对了三次还是不一致"))
    assert r.suggestions[0].text.startswith("为保护您的信息安全")


def test_no_suggestion_after_goodbye(mini_kit: AnalysisKit) -> None:
    call = CallAnalyzer(mini_kit)
    call.analyze(Utterance(Speaker.AGENT, "您好，很高兴为您服务"))
    r = call.analyze(Utterance(Speaker.AGENT, "请问还有其他问题吗？感谢您的来电，再见"))
    assert r.suggestions == ()


def test_unknown_title_is_left_out_not_read_as_a_slash() -> None:
    unknown, known = PhraseSettings(), PhraseSettings(title="王先生")
    assert unknown.fill("{title}，非常抱歉给您带来不便。") == "非常抱歉给您带来不便。"
    assert unknown.fill("{title}您好") == "您好"
    assert unknown.fill("感谢来电，{title}，再见！") == "感谢来电，再见！"
    assert known.fill("{title}，非常抱歉给您带来不便。") == "王先生，非常抱歉给您带来不便。"
    assert unknown.fill("请问您是{title}本人吗？") == "请问您是先生/女士本人吗？"  # no way to leave it out
