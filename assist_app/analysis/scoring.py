"""QA score card for a finished call, by the seeds' norms (100 points).

| item | points | norm |
|---|---|---|
| opening 开场问候 | 10 | 首问语 in the agent's first turn (000/001/004) |
| closing 结束语 | 10 | ask about other needs (5) and close politely (5) (000, 003) |
| formula 话术公式 | 25 | steps reached: greeting, asking, listening, explanation, closing, + soothing if upset (003) |
| order 先安抚后解释 | 10 | when the customer was upset, soothing came before explaining (002, 003) |
| language 服务用语 | 25 | no banned phrases (high −10, medium −6, low −3), no 喂 (−3), fillers (−1) (000/001) |
| hold 等待规范 | 10 | ask first, update every 15 s, ≤ 30 s, thank after (001): −5 each lapse |
| interruptions 不打断客户 | 5 | −2.5 per interruption (000, 003) |
| rate 语速 | 5 | share of agent turns within 180–200 字/分 (000) |
"""

from __future__ import annotations

from assist_app.analysis.analyzer import UPSET
from assist_app.analysis.conduct import ConductMonitor
from assist_app.analysis.engine import GuidanceEngine
from assist_app.events import HOLD_RULES, ConductRule, FlagKind, Phase, Severity, Speaker, UtteranceAnalysis
from assist_app.formatting import clock
from assist_app.library.model import SpeakingRate
from assist_app.scores import ITEMS, SCORE_ITEM_KEYS, QAScore, ScoreItem, ScoreItemKey

__all__ = ["ITEMS", "SCORE_ITEM_KEYS", "QAScore", "ScoreItem", "ScoreItemKey", "score_call"]

_BANNED_COST = {Severity.HIGH: 10.0, Severity.MEDIUM: 6.0, Severity.LOW: 3.0}
# The hold lapses the card counts (a due progress update is a reminder, not a lapse).
_HOLD_LAPSES = HOLD_RULES - {ConductRule.HOLD_UPDATE_DUE}


def _item(key: ScoreItemKey, points: float, notes: tuple[str, ...] = ()) -> ScoreItem:
    name, max_points = ITEMS[key]
    return ScoreItem(key.value, name, points, max_points, notes)


def _opening(agent: list[UtteranceAnalysis]) -> ScoreItem:
    first = agent[0] if agent else None
    ok = first is not None and not any(f.rule == ConductRule.OPENING_MISSING for f in first.flags)
    return _item(ScoreItemKey.OPENING, 10.0 if ok else 0.0, () if ok else ("首句未使用标准问候语",))


def _closing(conduct: ConductMonitor) -> ScoreItem:
    points = (5.0 if conduct.closing_check_seen else 0.0) + (5.0 if conduct.farewell_seen else 0.0)
    notes = []
    if not conduct.closing_check_seen:
        notes.append("结束前未询问是否还有其他需要")
    if not conduct.farewell_seen:
        notes.append("未使用结束语")
    return _item(ScoreItemKey.CLOSING, points, tuple(notes))


def _formula_and_order(analyses: list[UtteranceAnalysis],
                       agent: list[UtteranceAnalysis]) -> tuple[ScoreItem, ScoreItem]:
    upset_at = next(
        (i for i, a in enumerate(analyses)
         if a.emotion is not None and a.emotion.label in UPSET and a.emotion.intensity >= 0.3),
        None,
    )
    required = [Phase.GREETING, Phase.ASKING, Phase.LISTENING, Phase.EXPLANATION, Phase.CLOSING]
    if upset_at is not None:
        required.insert(3, Phase.SOOTHING)
    agent_steps = {a.phase for a in agent}
    # The customer stating the problem counts as the asking step being covered.
    if any(a.phase is Phase.ASKING for a in analyses):
        agent_steps.add(Phase.ASKING)
    missing = [p for p in required if p not in agent_steps]
    formula_pts = 25.0 * (len(required) - len(missing)) / len(required) if agent else 0.0
    formula = _item(ScoreItemKey.FORMULA, formula_pts, tuple(f"缺少步骤：{p.label_zh}" for p in missing))
    order_pts = 10.0
    order_notes: tuple[str, ...] = ()
    if upset_at is not None:
        later = [a for a in analyses[upset_at:] if a.utterance.speaker is Speaker.AGENT]
        soothe_idx = next((i for i, a in enumerate(later) if a.phase is Phase.SOOTHING), None)
        explain_idx = next((i for i, a in enumerate(later) if a.phase is Phase.EXPLANATION), None)
        # Only explaining before soothing breaks the order; a missing soothing step is already a
        # gap in the formula item.
        if explain_idx is not None and (soothe_idx is None or explain_idx < soothe_idx):
            order_pts = 0.0
            order_notes = ("客户情绪激动时未先安抚就开始解释",)
    return formula, _item(ScoreItemKey.ORDER, order_pts, order_notes)


def _language(agent: list[UtteranceAnalysis]) -> ScoreItem:
    """Banned phrases, 喂 and fillers."""
    cost = 0.0
    notes = []
    for a in agent:
        for f in a.flags:
            at = clock(a.utterance.start)
            if f.kind is FlagKind.BANNED_PHRASE:
                cost += _BANNED_COST[f.severity]
                notes.append(f"{at}「{f.matched}」→ 建议：{f.replacement}")
            elif f.rule == ConductRule.ADDRESS_WEI:
                cost += 3.0
                notes.append(f"{at} 用“喂”称呼客户")
            elif f.rule == ConductRule.FILLER:
                cost += 1.0
                notes.append(f"{at} 语气词过多")
    return _item(ScoreItemKey.LANGUAGE, max(0.0, 25.0 - cost), tuple(notes))


def _rate(conduct: ConductMonitor, rate_cfg: SpeakingRate) -> ScoreItem:
    rates = conduct.rate_samples
    if not rates:
        return _item(ScoreItemKey.RATE, 5.0, ("无时间信息，未评估语速",))
    ok = sum(1 for r in rates if rate_cfg.min_cpm <= r <= rate_cfg.max_cpm)
    avg = sum(rates) / len(rates)
    return _item(ScoreItemKey.RATE, 5.0 * ok / len(rates),
                 (f"平均语速{avg:.0f}字/分，{ok}/{len(rates)}句在180–200字/分",))


def score_call(engine: GuidanceEngine) -> QAScore:
    """The call's score card, item by item in ``ScoreItemKey`` order."""
    analyses = list(engine.analyses)
    agent = [a for a in analyses if a.utterance.speaker is Speaker.AGENT]
    conduct = engine.analyzer.conduct
    formula, order = _formula_and_order(analyses, agent)
    hold_lapses = [f.message for a in agent for f in a.flags if f.rule in _HOLD_LAPSES]
    hold_lapses += [e.message for e in engine.conduct_events if e.rule == ConductRule.HOLD_LIMIT]
    n_int = conduct.interruptions
    items = (
        _opening(agent),
        _closing(conduct),
        formula,
        order,
        _language(agent),
        _item(ScoreItemKey.HOLD, max(0.0, 10.0 - 5.0 * len(hold_lapses)), tuple(hold_lapses)),
        _item(ScoreItemKey.INTERRUPTIONS, max(0.0, 5.0 - 2.5 * n_int), (f"打断客户{n_int}次",) if n_int else ()),
        _rate(conduct, engine.analyzer.kit.library.conduct.speaking_rate),
    )
    return QAScore(round(sum(i.points for i in items), 1), items)
