"""Judging a trainee's reply the way the practice customer would hear it (issue 12.7).

A scripted customer who answers "对，就是这个号" to "这不归我管，你找别的部门去" teaches nothing. The
practice source asks ``ReplyJudge`` about every reply; a bad one makes the customer escalate
(the scenario turn's ``if_bad`` line, or ``DEFAULT_IF_BAD``).

A reply is bad when

- it raises a banned-phrase flag (服务忌语, the library's rules and learned layer, as in a call), or
- the customer's last words were angry or threatened a complaint, and the reply goes straight to
  explaining, advising or closing without a word of soothing. Seed 002's order is 倾听 → 询问 → 安抚 → 确认:
  listening and asking before soothing are fine, handling the matter before the emotion is not.

The judge runs its own ``CallAnalyzer`` over the practice call (the session's engine publishes
events, it does not answer questions), fed the same finals in the same order.
"""

from __future__ import annotations

from enum import Enum

from assist_app.analysis.analyzer import AnalysisKit, CallAnalyzer
from assist_app.events import AcousticFeatures, EmotionLabel, FlagKind, Phase, Speaker, Utterance
from assist_app.library.model import ScriptLibrary
from assist_app.textnorm import normalize

_HOSTILE = frozenset({EmotionLabel.ANGRY, EmotionLabel.COMPLAINT_ESCALATION})
_HANDLING = frozenset({Phase.EXPLANATION, Phase.ADVICE, Phase.CLOSING})


class BadReply(Enum):
    """Why a reply provokes the customer; the value is the default escalation line for it."""

    BANNED = "你这是什么态度？我要投诉你！"
    NOT_SOOTHED = "你根本没听我说话！我要找你们领导！"


#: What the customer says after a bad reply when the scenario turn has no ``if_bad`` line.
DEFAULT_IF_BAD = BadReply.BANNED.value


class ReplyJudge:
    """Follows one practice call; ``judge(reply)`` says whether the trainee's reply was bad."""

    def __init__(self, library: ScriptLibrary | AnalysisKit) -> None:
        self._analyzer = CallAnalyzer(library, call_id="practice-judge")
        self._phases = self._analyzer.kit.phases
        self._soothed = True  # since the customer last became hostile

    def hear_customer(self, text: str, acoustic: AcousticFeatures | None = None) -> None:
        a = self._analyzer.analyze(Utterance(Speaker.CUSTOMER, text), acoustic)
        # A customer who has calmed down (a plain answer after being listened to) needs no soothing.
        self._soothed = a.emotion is None or a.emotion.label not in _HOSTILE

    def judge(self, reply: str) -> BadReply | None:
        """Analyse the trainee's reply (it becomes part of the call) and say what was wrong, if anything."""
        hostile = not self._soothed
        norm = normalize(reply)
        a = self._analyzer.analyze(Utterance(Speaker.AGENT, reply))
        if any(f.kind is FlagKind.BANNED_PHRASE for f in a.flags):
            return BadReply.BANNED
        # Soothing first in the same breath ("非常理解您的心情……但是按照规定") counts as soothing.
        if a.phase is Phase.SOOTHING or Phase.SOOTHING in self._phases.classify(Speaker.AGENT, norm).scores:
            self._soothed = True
            return None
        if hostile and a.phase in _HANDLING:
            return BadReply.NOT_SOOTHED
        return None
