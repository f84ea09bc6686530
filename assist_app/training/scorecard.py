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
from assist_app.events import HOLD_RULES, RATE_RULES, FlagKind, Phase, Severity, Speaker
from assist_app.formatting import clock

BANNED_COST = {Severity.HIGH: 10.0, Severity.MEDIUM: 6.0, Severity.LOW: 3.0}  # as analysis.scoring


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
    not_applicable: tuple[str, ...] = ()  # item keys that never had the chance to happen (未涉及)
    banned_phrases: int = 0  # banned phrases the trainee said (each one counts)

    @property
    def complete(self) -> bool:
        return self.answered >= self.expected

    @property
    def passed(self) -> bool:
        # An unfinished practice is not a pass whatever its score, nor one with several banned
        # phrases (issue 12.5/12.6: one reply then 结束 was stored as "78 通过").
        return self.complete and self.banned_phrases <= BANNED_ALLOWED and self.total >= self.pass_score

    @property
    def verdict_zh(self) -> str:
        return verdict_zh(self.passed, self.complete)

    def weight(self, key: str) -> float:
        return dict(self.weights).get(key, 1.0)

    def applicable(self, key: str) -> bool:
        return key not in self.not_applicable

    def items_json(self) -> tuple[dict[str, object], ...]:
        """What the store keeps per session: the verdict, the items, then the moments (``kind``
        tells them apart), so lists and exports show the verdict the trainee saw."""
        items: list[dict[str, object]] = [
            {"kind": "result", "passed": self.passed, "complete": self.complete, "answered": self.answered,
             "expected": self.expected, "banned_phrases": self.banned_phrases, "pass_score": self.pass_score},
        ]
        items += [
            {"kind": "item", "key": i.key, "name": i.name_zh, "points": round(i.points, 1), "max": i.max_points,
             "weight": self.weight(i.key), "notes": list(i.notes), "applicable": self.applicable(i.key)}
            for i in self.items
        ]
        items += [{"kind": "moment", **m.to_json()} for m in self.moments]
        return tuple(items)


BANNED_ALLOWED = 1  # a practice with more banned phrases than this does not pass


def verdict_zh(passed: bool, complete: bool) -> str:
    return "通过" if passed else "未完成" if not complete else "未通过"


def stored_verdict(items: Sequence[dict[str, Any]], score: float | None, pass_score: float) -> str:
    """The verdict of a stored session: the one recorded with it, else (sessions saved before the
    verdict was stored) the score against the pass mark. "" when there is no score."""
    result = next((i for i in items if i.get("kind") == "result"), None)
    if result is not None:
        return verdict_zh(bool(result.get("passed")), bool(result.get("complete", True)))
    if score is None:
        return ""
    return verdict_zh(score >= pass_score, True)


def _first_phrase(engine: GuidanceEngine, step: Phase) -> str:
    lib = engine.analyzer.kit.library
    settings = engine.analyzer.settings
    for s in lib.formula.steps:
        if s.id == step.value and s.phrases:
            return str(settings.fill(s.phrases[0].text))
    return ""


def _moments(engine: GuidanceEngine, qa: QAScore, reference: dict[str, str]) -> list[Moment]:
    """The costly moments of the call, unsorted: flagged replies, conduct reminders, missing
    formula steps and explaining before soothing (``reference``: the scripted line of each reply)."""
    moments: list[Moment] = []
    analyses = engine.analyses
    for a in analyses:
        if a.utterance.speaker is not Speaker.AGENT:
            continue
        for f in a.flags:
            if f.rule in RATE_RULES:
                continue  # counted in the rate item; one moment per sentence would drown the rest
            moments.append(Moment(a.utterance.start, a.utterance.text, f.message, f.replacement,
                                  reference.get(a.utterance.text, "")))
    for ev in engine.conduct_events:
        if ev.speaker is Speaker.AGENT and ev.rule not in RATE_RULES and not any(
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
    return moments


def score_practice(engine: GuidanceEngine, scenario: Scenario,
                   replies: Sequence[tuple[int, str]] = (), *, typed: bool = False) -> PracticeScore:
    """Score a finished practice call (``replies``: which scripted turn each trainee reply answered;
    ``typed``: the trainee typed rather than spoke)."""
    qa = score_call(engine)
    weights = dict(scenario.weights)
    expected = sum(1 for t in scenario.turns if t.speaker is Speaker.AGENT)
    answered = len({index for index, _ in replies}) if replies else expected
    idle = not_exercised(engine, qa, complete=answered >= expected, said_anything=bool(replies) or not expected,
                         typed=typed)
    scored = [i for i in qa.items if i.key not in idle]
    got = sum(i.points * weights.get(i.key, 1.0) for i in scored)
    best = sum(i.max_points * weights.get(i.key, 1.0) for i in scored)
    # Every banned phrase counts: past the language item's floor, the rest of its cost comes off
    # the total (4 different banned phrases used to leave a passing 70).
    banned = [f for a in engine.analyses if a.utterance.speaker is Speaker.AGENT
              for f in a.flags if f.kind is FlagKind.BANNED_PHRASE]
    language = next((i for i in qa.items if i.key == "language"), None)
    overflow = 0.0
    if language is not None and "language" not in idle:
        cost = sum(BANNED_COST[f.severity] for f in banned)
        overflow = max(0.0, cost - (language.max_points - language.points)) * weights.get("language", 1.0)
    total = round(max(0.0, 100.0 * (got - overflow) / best), 1) if best else 0.0
    moments = _moments(engine, qa, {text: scenario.turns[index].text for index, text in replies})
    moments.sort(key=lambda m: (m.t is None, m.t or 0.0))
    if answered < expected:
        moments.append(Moment(None, "", f"练习没有完成（回应了 {answered}/{expected} 句）"))
    if len(banned) > BANNED_ALLOWED:
        moments.append(Moment(None, "", f"说了 {len(banned)} 次服务忌语，本次练习不能通过"))
    return PracticeScore(scenario.id, total, scenario.pass_score, qa.items, tuple(sorted(weights.items())),
                         tuple(moments), qa, answered, expected, tuple(sorted(idle)), len(banned))


def not_exercised(engine: GuidanceEngine, qa: QAScore, *, complete: bool, said_anything: bool,
                  typed: bool) -> set[str]:
    """Score items that never had the chance to happen in this practice (shown as 未涉及 and left
    out of the total), instead of ``score_call``'s full marks for them."""
    idle: set[str] = set()
    if not said_anything:
        idle |= {"opening", "language", "formula"}
    conduct = engine.analyzer.conduct
    hold_flags = any(f.rule in HOLD_RULES for a in engine.analyses for f in a.flags)
    hold_events = any(ev.rule in HOLD_RULES for ev in engine.conduct_events)
    if not (conduct.holds or hold_flags or hold_events or conduct.on_hold_since is not None):
        idle.add("hold")
    upset = any(a.emotion is not None and a.emotion.label in UPSET and a.emotion.intensity >= 0.3
                for a in engine.analyses)
    if not upset:
        idle.add("order")
    if not conduct.rate_samples:
        idle.add("rate")  # typed replies have no speaking rate
    if typed:
        idle.add("interruptions")  # a typed reply cannot talk over the customer
    closing = next((i for i in qa.items if i.key == "closing"), None)
    if not complete and closing is not None and closing.points == 0:
        idle.add("closing")  # stopped before the call came to its end
    return idle


def format_score(score: PracticeScore, title: str = "") -> str:
    """The score card as plain Chinese text (CLI, logs)."""
    verdict = score.verdict_zh
    lines = [f"练习评分{('：' + title) if title else ''}：{score.total:.0f} 分（及格 {score.pass_score:.0f}）{verdict}"]
    for i in score.items:
        w = score.weight(i.key)
        if not score.applicable(i.key):
            lines.append(f"  · {i.name_zh}：未涉及")
            continue
        lines.append(f"  · {i.name_zh}：{i.points:g}/{i.max_points:g}" + (f"（权重 ×{w:g}）" if w != 1 else ""))
    if score.moments:
        lines.append("扣分的地方：")
    for m in score.moments:
        line = f"  {clock(m.t)} {m.problem}"
        if m.said:
            line += f"：「{m.said}」"
        if m.better:
            line += f" → 更好的说法：{m.better}"
        lines.append(line)
    return "\n".join(lines)


def moments_of(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The moments stored in a session's items."""
    return [i for i in items if i.get("kind") == "moment"]
