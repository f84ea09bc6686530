"""The trainee's score card: ``analysis.scoring.score_call`` by the seeds' norms, weighted by the
scenario's practice weights, with the moments that cost points and what would have been better.

Moments come from what the engine found during the call: every banned phrase or conduct flag on
the trainee's words (with the library's replacement phrase), timer findings (hold without update,
no closing), formula steps never reached (with the step's standard phrase) and explaining before
soothing an upset customer. Where the trainee answered a scripted turn, the scenario's own line
is given as a reference ("参考说法").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assist_app.analysis.analyzer import UPSET
from assist_app.analysis.engine import GuidanceEngine
from assist_app.analysis.scoring import QAScore, ScoreItem, score_call
from assist_app.demo.scenario import Scenario
from assist_app.events import Phase, Speaker


@dataclass(frozen=True, slots=True)
class Moment:
    """One thing that cost points: when, what the trainee said, what was wrong, what is better."""

    t: float | None
    said: str
    problem: str
    better: str = ""
    reference: str = ""

    def to_json(self) -> dict[str, object]:
        return {"t": None if self.t is None else round(self.t, 1), "said": self.said, "problem": self.problem,
                "better": self.better, "reference": self.reference}


@dataclass(frozen=True, slots=True)
class PracticeScore:
    """A practice call's result; ``total`` is 0–100 after the scenario's weights."""

    scenario_id: str
    total: float
    pass_score: float
    items: tuple[ScoreItem, ...]
    weights: tuple[tuple[str, float], ...]
    moments: tuple[Moment, ...]
    qa: QAScore
    answered: int = 0  # scripted agent turns the trainee answered
    expected: int = 0  # scripted agent turns in the scenario

    @property
    def complete(self) -> bool:
        return self.answered >= self.expected

    @property
    def passed(self) -> bool:
        # score_call gives full marks to items nothing happened in (no hold, no upset), so a call
        # abandoned after the greeting scores high; a practice only passes when it was finished.
        return self.complete and self.total >= self.pass_score

    def weight(self, key: str) -> float:
        return dict(self.weights).get(key, 1.0)

    def items_json(self) -> tuple[dict[str, object], ...]:
        """What the store keeps per session: the items, then the moments (``kind`` tells them apart)."""
        items: list[dict[str, object]] = [
            {"kind": "item", "key": i.key, "name": i.name_zh, "points": round(i.points, 1), "max": i.max_points,
             "weight": self.weight(i.key), "notes": list(i.notes)}
            for i in self.items
        ]
        items += [{"kind": "moment", **m.to_json()} for m in self.moments]
        return tuple(items)


def _clock(t: float | None) -> str:
    return "--:--" if t is None else f"{int(t // 60):02d}:{int(t % 60):02d}"


def _first_phrase(engine: GuidanceEngine, step: Phase) -> str:
    lib = engine.analyzer.kit.library
    settings = engine.analyzer.settings
    for s in lib.formula.steps:
        if s.id == step.value and s.phrases:
            return str(settings.fill(s.phrases[0].text))
    return ""


def score_practice(engine: GuidanceEngine, scenario: Scenario,
                   replies: Sequence[tuple[int, str]] = ()) -> PracticeScore:
    """Score a finished practice call (``replies``: which scripted turn each trainee reply answered)."""
    qa = score_call(engine)
    weights = dict(scenario.weights)
    got = sum(i.points * weights.get(i.key, 1.0) for i in qa.items)
    best = sum(i.max_points * weights.get(i.key, 1.0) for i in qa.items)
    total = round(100.0 * got / best, 1) if best else 0.0
    reference = {text: scenario.turns[index].text for index, text in replies}
    moments: list[Moment] = []
    analyses = engine.analyses
    for a in analyses:
        if a.utterance.speaker is not Speaker.AGENT:
            continue
        for f in a.flags:
            if f.rule.startswith("conduct.rate_"):
                continue  # counted in the rate item; one moment per sentence would drown the rest
            moments.append(Moment(a.utterance.start, a.utterance.text, f.message, f.replacement,
                                  reference.get(a.utterance.text, "")))
    for ev in engine.conduct_events:
        if ev.speaker is Speaker.AGENT and not ev.rule.startswith("conduct.rate_") and not any(
            m.problem == ev.message for m in moments
        ):
            better = _first_phrase(engine, Phase.CLOSING) if "结束" in ev.message or "告别" in ev.message else ""
            moments.append(Moment(ev.t, "", ev.message, better))
    formula = next((i for i in qa.items if i.key == "formula"), None)
    for note in formula.notes if formula else ():
        name = note.removeprefix("缺少步骤：")
        step = next((p for p in Phase if p.label_zh == name), None)
        moments.append(Moment(None, "", f"没有做到“{name}”这一步", _first_phrase(engine, step) if step else ""))
    upset = next((i for i, a in enumerate(analyses) if a.emotion is not None and a.emotion.label in UPSET
                  and a.emotion.intensity >= 0.3), None)
    order = next((i for i in qa.items if i.key == "order"), None)
    if upset is not None and order is not None and order.points < order.max_points:
        explained = next((a for a in analyses[upset:] if a.utterance.speaker is Speaker.AGENT
                          and a.phase is Phase.EXPLANATION), None)
        if explained is not None:
            moments.append(Moment(explained.utterance.start, explained.utterance.text,
                                  "客户情绪激动时先解释、没有先安抚", _first_phrase(engine, Phase.SOOTHING),
                                  reference.get(explained.utterance.text, "")))
    moments.sort(key=lambda m: (m.t is None, m.t or 0.0))
    expected = sum(1 for t in scenario.turns if t.speaker is Speaker.AGENT)
    answered = len({index for index, _ in replies}) if replies else expected
    if answered < expected:
        moments.append(Moment(None, "", f"练习没有完成（回应了 {answered}/{expected} 句）"))
    return PracticeScore(scenario.id, total, scenario.pass_score, qa.items, tuple(sorted(weights.items())),
                         tuple(moments), qa, answered, expected)


def format_score(score: PracticeScore, title: str = "") -> str:
    """The score card as plain Chinese text (CLI, logs)."""
    verdict = "通过" if score.passed else "未完成" if not score.complete else "未通过"
    lines = [f"练习评分{('：' + title) if title else ''}：{score.total:.0f} 分（及格 {score.pass_score:.0f}）{verdict}"]
    for i in score.items:
        w = score.weight(i.key)
        lines.append(f"  · {i.name_zh}：{i.points:g}/{i.max_points:g}" + (f"（权重 ×{w:g}）" if w != 1 else ""))
    if score.moments:
        lines.append("扣分的地方：")
    for m in score.moments:
        line = f"  {_clock(m.t)} {m.problem}"
        if m.said:
            line += f"：「{m.said}」"
        if m.better:
            line += f" → 更好的说法：{m.better}"
        lines.append(line)
    return "\n".join(lines)


def moments_of(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The moments stored in a session's items."""
    return [i for i in items if i.get("kind") == "moment"]
