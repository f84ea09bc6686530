"""Empathy-formula phase: a label per utterance and the call's position in the formula.

The formula (seed 003): 问候 → 询问问题 → 倾听认可 → 安抚情绪 → 问题解释 → 其他建议 → 告别.
Each step's cue patterns (``formula.yaml``) vote for the step with the length of what they matched;
an utterance gets the label of its main function (DESIGN.md §5 label meanings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assist_app.analysis.matcher import PatternSet
from assist_app.events import FormulaPosition, Phase, Speaker
from assist_app.library.model import ScriptLibrary
from assist_app.textnorm import NormText

# Which step wins a tie: the rarer, more decisive functions first.
_TIE_ORDER = (
    Phase.CLOSING,
    Phase.GREETING,
    Phase.SOOTHING,
    Phase.ADVICE,
    Phase.EXPLANATION,
    Phase.ASKING,
    Phase.LISTENING,
)
_QUALITY_WEIGHT = (1.0, 0.85, 0.6)
_QUESTION_ENDINGS = ("吗", "呢", "么", "吧")
_STEPS = Phase.steps()


@dataclass(frozen=True, slots=True)
class PhaseVote:
    phase: Phase
    scores: dict[Phase, float]

    @property
    def from_cues(self) -> bool:
        """True if cue patterns decided the label, False if it is the length/question fallback."""
        return bool(self.scores)


_QUESTION_WORDS = ("吗", "呢", "怎么", "为什么", "什么时候", "多少", "哪", "几", "能不能", "是不是", "凭什么")
_DIGITS = frozenset("零一二三四五六七八九幺两0123456789")
_DIGIT_RUN = re.compile(f"[{''.join(sorted(_DIGITS))}]{{6}}")


def looks_like_identifier(text: str) -> bool:
    """Numbers read out for a lookup (phone, account, ID): mostly digits or a long digit run."""
    if not text:
        return False
    digits = sum(map(_DIGITS.__contains__, text))
    return digits / len(text) >= 0.4 or (digits >= 6 and _DIGIT_RUN.search(text) is not None)


def refine_phase(
    vote: PhaseVote,
    speaker: Speaker,
    text: str,
    *,
    emotion_hostile: bool = False,
    banned_share: float = 0.0,
    holds: bool = False,
) -> Phase:
    """The utterance's main function when the cue vote alone misleads (DESIGN.md §5 ``other``).

    - a customer turn that only threatens or insults, or only reads out numbers, states no problem;
    - an agent turn that is only a banned phrase, or a hold request / progress update, is no
      formula step either (the hold has rules of its own, seed 001).
    """
    phase = vote.phase
    if speaker is Speaker.CUSTOMER:
        if phase is Phase.ASKING and Phase.ASKING not in vote.scores:
            if looks_like_identifier(text):
                return Phase.OTHER
            if emotion_hostile and len(text) <= 16 and not any(q in text for q in _QUESTION_WORDS):
                return Phase.OTHER  # "我要投诉你们！", "什么玩意儿！": no problem stated
        return phase
    if phase in (Phase.GREETING, Phase.SOOTHING, Phase.CLOSING):
        return phase
    if banned_share >= 0.6:
        return Phase.OTHER
    if holds and phase in (Phase.EXPLANATION, Phase.ASKING, Phase.LISTENING, Phase.OTHER):
        return Phase.OTHER
    return phase


class PhaseClassifier:
    """Labels one utterance with its formula step (or ``other``)."""

    def __init__(self, library: ScriptLibrary) -> None:
        self._cues = {
            Speaker.AGENT: PatternSet((c, s.id) for s in library.formula.steps for c in s.agent_cues),
            Speaker.CUSTOMER: PatternSet((c, s.id) for s in library.formula.steps for c in s.customer_cues),
        }

    def classify(self, speaker: Speaker, norm: NormText) -> PhaseVote:
        text = norm.text
        scores: dict[Phase, float] = {}
        covered: dict[Phase, set[int]] = {}
        for m in self._cues[speaker].find(norm):
            cov = covered.setdefault(m.payload, set())
            new = set(range(m.start, m.end)) - cov
            if not new:
                continue
            cov |= new
            scores[m.payload] = scores.get(m.payload, 0.0) + len(new) * _QUALITY_WEIGHT[m.quality]
        if scores:
            # A bare acknowledgement at the start of a long turn is not its main function.
            if Phase.LISTENING in scores and len(scores) > 1 and len(text) > 8:
                scores[Phase.LISTENING] *= 0.5
            best = max(scores.values())
            for phase in _TIE_ORDER:
                if scores.get(phase, 0.0) >= best - 1e-9:
                    return PhaseVote(phase, scores)
        return PhaseVote(self._fallback(speaker, norm), scores)

    @staticmethod
    def _fallback(speaker: Speaker, norm: NormText) -> Phase:
        text = norm.text
        asks = norm.original.rstrip().endswith(("?", "？")) or text.endswith(_QUESTION_ENDINGS)
        if speaker is Speaker.CUSTOMER:
            # A customer's turn that is not a greeting, acknowledgement or goodbye states or asks
            # about the problem (DESIGN.md §5: asking covers the customer's problem statement).
            return Phase.ASKING if len(text) >= 4 or asks else Phase.OTHER
        if asks and len(text) >= 3:
            return Phase.ASKING
        return Phase.EXPLANATION if len(text) >= 8 else Phase.OTHER


class FormulaTracker:
    """The call's position in the formula after each utterance."""

    def __init__(self) -> None:
        self._done: list[Phase] = []
        self.agent_done: list[Phase] = []
        self._current = Phase.OTHER

    def update(self, speaker: Speaker, phase: Phase) -> None:
        if phase is Phase.OTHER:
            return
        if speaker is Speaker.CUSTOMER:
            # The customer moves the call only by opening it, raising a (new) problem, or ending it.
            if phase is Phase.GREETING and self._current is not Phase.OTHER:
                return
            if phase not in (Phase.GREETING, Phase.ASKING, Phase.CLOSING):
                return
        else:
            if phase not in self.agent_done:
                self.agent_done.append(phase)
        if phase not in self._done:
            self._done.append(phase)
        self._current = phase

    @property
    def current(self) -> Phase:
        return self._current

    def position(self, *, customer_upset: bool = False) -> FormulaPosition:
        return FormulaPosition(done=tuple(self._done), current=self._current, next=self._next(customer_upset))

    def _next(self, customer_upset: bool) -> Phase | None:
        if self._current is Phase.OTHER:
            return Phase.GREETING if not self._done else Phase.ASKING
        if self._current is Phase.CLOSING:
            return None
        if customer_upset and Phase.SOOTHING not in self.agent_done and self._current is not Phase.GREETING:
            return Phase.SOOTHING  # seed 002: soothe the emotion before handling the matter
        idx = _STEPS.index(self._current)
        for phase in _STEPS[idx + 1 :]:
            if phase is Phase.SOOTHING and not customer_upset:
                continue
            return phase
        return None
