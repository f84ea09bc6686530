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

from dataclasses import dataclass

from assist_app.analysis.analyzer import UPSET
from assist_app.analysis.engine import GuidanceEngine
from assist_app.events import FlagKind, Phase, Severity, Speaker

_BANNED_COST = {Severity.HIGH: 10.0, Severity.MEDIUM: 6.0, Severity.LOW: 3.0}
_HOLD_RULES = {
    "conduct.hold_too_long",
    "conduct.hold_no_thanks",
    "conduct.hold_without_ask",
    "conduct.hold_limit",
}


@dataclass(frozen=True, slots=True)
class ScoreItem:
    key: str
    name_zh: str
    points: float
    max_points: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QAScore:
    total: float
    items: tuple[ScoreItem, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "total": round(self.total, 1),
            "items": [
                {
                    "key": i.key,
                    "name": i.name_zh,
                    "points": round(i.points, 1),
                    "max": i.max_points,
                    "notes": list(i.notes),
                }
                for i in self.items
            ],
        }


def _clock(t: float | None) -> str:
    if t is None:
        return "--:--"
    return f"{int(t // 60):02d}:{int(t % 60):02d}"


def score_call(engine: GuidanceEngine) -> QAScore:
    analyses = engine.analyses
    agent = [a for a in analyses if a.utterance.speaker is Speaker.AGENT]
    items: list[ScoreItem] = []

    # opening
    first = agent[0] if agent else None
    opening_ok = first is not None and not any(f.rule == "conduct.opening_missing" for f in first.flags)
    items.append(
        ScoreItem(
            "opening", "开场问候", 10.0 if opening_ok else 0.0, 10.0, () if opening_ok else ("首句未使用标准问候语",)
        )
    )

    # closing
    conduct = engine.analyzer.conduct
    closing_pts = (5.0 if conduct.closing_check_seen else 0.0) + (5.0 if conduct.farewell_seen else 0.0)
    notes = []
    if not conduct.closing_check_seen:
        notes.append("结束前未询问是否还有其他需要")
    if not conduct.farewell_seen:
        notes.append("未使用结束语")
    items.append(ScoreItem("closing", "结束语", closing_pts, 10.0, tuple(notes)))

    # formula coverage and order
    upset_at = next(
        (
            i
            for i, a in enumerate(analyses)
            if a.emotion is not None and a.emotion.label in UPSET and a.emotion.intensity >= 0.3
        ),
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
    items.append(
        ScoreItem(
            "formula",
            "话术公式",
            formula_pts,
            25.0,
            tuple(f"缺少步骤：{p.label_zh}" for p in missing),
        )
    )
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
    items.append(ScoreItem("order", "先安抚后解释", order_pts, 10.0, order_notes))

    # language: banned phrases, 喂, fillers
    cost = 0.0
    lang_notes = []
    for a in agent:
        for f in a.flags:
            at = _clock(a.utterance.start)
            if f.kind is FlagKind.BANNED_PHRASE:
                cost += _BANNED_COST[f.severity]
                lang_notes.append(f"{at}「{f.matched}」→ 建议：{f.replacement}")
            elif f.rule == "conduct.address_wei":
                cost += 3.0
                lang_notes.append(f"{at} 用“喂”称呼客户")
            elif f.rule == "conduct.filler":
                cost += 1.0
                lang_notes.append(f"{at} 语气词过多")
    items.append(ScoreItem("language", "服务用语", max(0.0, 25.0 - cost), 25.0, tuple(lang_notes)))

    # hold etiquette
    hold_lapses = [f.message for a in agent for f in a.flags if f.rule in _HOLD_RULES]
    hold_lapses += [e.message for e in engine.conduct_events if e.rule == "conduct.hold_limit"]
    items.append(ScoreItem("hold", "等待规范", max(0.0, 10.0 - 5.0 * len(hold_lapses)), 10.0, tuple(hold_lapses)))

    # interruptions
    n_int = conduct.interruptions
    items.append(
        ScoreItem(
            "interruptions",
            "不打断客户",
            max(0.0, 5.0 - 2.5 * n_int),
            5.0,
            (f"打断客户{n_int}次",) if n_int else (),
        )
    )

    # speaking rate
    rates = conduct.rate_samples
    rate_cfg = engine.analyzer.kit.library.conduct.speaking_rate
    if rates:
        ok = sum(1 for r in rates if rate_cfg.min_cpm <= r <= rate_cfg.max_cpm)
        rate_pts = 5.0 * ok / len(rates)
        avg = sum(rates) / len(rates)
        rate_notes: tuple[str, ...] = (f"平均语速{avg:.0f}字/分，{ok}/{len(rates)}句在180–200字/分",)
    else:
        rate_pts, rate_notes = 5.0, ("无时间信息，未评估语速",)
    items.append(ScoreItem("rate", "语速", rate_pts, 5.0, rate_notes))

    total = sum(i.points for i in items)
    return QAScore(round(total, 1), tuple(items))
