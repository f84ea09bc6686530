"""Check what the engine concluded against what a scenario expects, turn by turn.

Used by the unit tests (every bundled scenario through the real engine), by the headless demo
runner's summary and by the Qt test. Plain Python over ``UtteranceAnalysis`` values; each problem
is a Chinese sentence naming the turn, so a trainer editing a scenario can read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from assist_app.demo.scenario import Scenario, Turn
from assist_app.events import Flag, UtteranceAnalysis


def flag_matches(flag: Flag, wanted: str) -> bool:
    """A flag satisfies ``wanted`` if it is that rule, that rule's category, or that kind."""
    return (
        flag.rule == wanted
        or flag.rule.startswith(wanted + ".")
        or flag.kind.value == wanted
    )


@dataclass(frozen=True, slots=True)
class TurnCheck:
    """The outcome of one turn's expectations."""

    turn: Turn
    analysis: UtteranceAnalysis | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _alts(values: Sequence[StrEnum]) -> str:
    return "/".join(v.value for v in values)


def check_turn(turn: Turn, analysis: UtteranceAnalysis | None) -> TurnCheck:
    exp = turn.expect
    where = f"第{turn.index + 1}句（{turn.text[:12]}…）"
    if analysis is None:
        return TurnCheck(turn, None, (f"{where}：引擎没有给出分析结果",))
    problems: list[str] = []
    if exp.phases and analysis.phase not in exp.phases:
        problems.append(f"{where}：阶段应为 {_alts(exp.phases)}，实际 {analysis.phase.value}")
    if exp.call_phases and analysis.call_phase not in exp.call_phases:
        problems.append(f"{where}：通话进度应为 {_alts(exp.call_phases)}，实际 {analysis.call_phase.value}")
    for wanted in exp.flags:
        if not any(flag_matches(f, wanted) for f in analysis.flags):
            got = ", ".join(f.rule for f in analysis.flags) or "无"
            problems.append(f"{where}：应提示 {wanted}，实际提示：{got}")
    if exp.no_flags and analysis.flags:
        problems.append(f"{where}：不应有提示，实际：{', '.join(f.rule for f in analysis.flags)}")
    if exp.emotions:
        label = analysis.emotion.label if analysis.emotion else None
        if label not in exp.emotions:
            got = label.value if label else "无"
            problems.append(f"{where}：情绪应为 {_alts(exp.emotions)}，实际 {got}")
    if exp.suggest and not any(s.step in exp.suggest for s in analysis.suggestions):
        got = ", ".join(s.step.value for s in analysis.suggestions) or "无"
        problems.append(f"{where}：应建议 {_alts(exp.suggest)}，实际建议：{got}")
    return TurnCheck(turn, analysis, tuple(problems))


def match_analyses(scenario: Scenario, analyses: Sequence[UtteranceAnalysis],
                   final_order: Sequence[int] | None = None) -> list[UtteranceAnalysis | None]:
    """The analysis of each turn, by turn index.

    Finals are emitted in the order turns *end*; with overlapping turns that differs from script
    order, so ``final_order`` (from the source) maps the n-th analysis to its turn.
    """
    order = list(final_order) if final_order is not None else list(range(len(scenario.turns)))
    out: list[UtteranceAnalysis | None] = [None] * len(scenario.turns)
    for analysis, turn_index in zip(analyses, order, strict=False):
        out[turn_index] = analysis
    return out


def check_scenario(scenario: Scenario, analyses: Sequence[UtteranceAnalysis],
                   final_order: Sequence[int] | None = None,
                   score: float | None = None) -> list[str]:
    """Every unmet expectation of the scenario (empty list = all met)."""
    problems: list[str] = []
    by_turn = match_analyses(scenario, analyses, final_order)
    for turn, analysis in zip(scenario.turns, by_turn, strict=True):
        if turn.expect.empty:
            continue
        problems.extend(check_turn(turn, analysis).problems)
    if score is not None:
        if scenario.score_min is not None and score < scenario.score_min:
            problems.append(f"总分应不低于 {scenario.score_min:g}，实际 {score:.1f}")
        if scenario.score_max is not None and score > scenario.score_max:
            problems.append(f"总分应不高于 {scenario.score_max:g}，实际 {score:.1f}")
    return problems
