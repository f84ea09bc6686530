"""The closed vocabularies the events use: speakers, formula steps, emotion labels, severities,
flag kinds, status codes, end reasons and conduct rule ids (all ``StrEnum``: their values are the
wire form, and they compare equal to those strings).

Re-exported by ``events``, which is where the rest of the app imports them from.
"""

from __future__ import annotations

import enum

__all__ = ["HOLD_RULES", "RATE_RULES", "ConductRule", "EmotionLabel", "EndReason", "FlagKind", "Phase", "Severity",
           "Speaker", "StatusCode"]


class Speaker(enum.StrEnum):
    """Who spoke; known by construction from the audio channel, never guessed."""

    AGENT = "agent"
    CUSTOMER = "customer"


class StatusCode(enum.StrEnum):
    """What a ``StatusEvent`` is about (its ``code`` in the event stream)."""

    AUDIO_ERROR = "audio_error"  # the audio source failed; the call ends
    AUDIO_OVERFLOW = "audio_overflow"  # blocks dropped: the machine could not keep up
    AUDIO_TRUNCATED = "audio_truncated"  # a recording is shorter than its header says
    DEVICE_LOST = "device_lost"
    DEVICE_RESTORED = "device_restored"
    SOURCE_ERROR = "source_error"
    CANNOT_START = "cannot_start"
    PRACTICE_TURN = "practice_turn"  # only on ``PracticeTurn`` events
    SECOND_PASS_OFF = "second_pass_off"
    SECOND_PASS_BEHIND = "second_pass_behind"
    SECOND_PASS_DONE = "second_pass_done"
    STORE_UNAVAILABLE = "store_unavailable"
    STORE_TOO_NEW = "store_too_new"
    STORE_OVERFLOW = "store_overflow"
    STORE_SPILLED = "store_spilled"
    STORE_CORRUPT = "store_corrupt"
    STORE_REPLAYED = "store_replayed"
    STORE_RECOVERED = "store_recovered"
    CENTRE_UNREACHABLE = "centre_unreachable"
    CENTRE_RECOVERED = "centre_recovered"


class EndReason(enum.StrEnum):
    """Why a call ended (``CallEnded.reason``, the store's ``end_reason``)."""

    NORMAL = "normal"
    ENDED_EARLY = "ended_early"  # the agent pressed 结束 before the scripted call was over
    INTERRUPTED = "interrupted"  # Ctrl+C, window closed, a new call started
    DEVICE_LOST = "device_lost"
    ERROR = "error"  # the source or the analysis failed
    CRASH = "crash"  # found unfinished in the store at the next start


class ConductRule(enum.StrEnum):
    """The conduct checks' rule ids (``Flag.rule`` / ``ConductEvent.rule``; banned-phrase rules
    are library ids instead)."""

    OPENING_MISSING = "conduct.opening_missing"
    ADDRESS_WEI = "conduct.address_wei"
    FILLER = "conduct.filler"
    RATE_FAST = "conduct.rate_fast"
    RATE_SLOW = "conduct.rate_slow"
    INTERRUPT = "conduct.interrupt"
    HOLD_TOO_LONG = "conduct.hold_too_long"
    HOLD_NO_THANKS = "conduct.hold_no_thanks"
    HOLD_WITHOUT_ASK = "conduct.hold_without_ask"
    HOLD_LIMIT = "conduct.hold_limit"
    HOLD_UPDATE_DUE = "conduct.hold_update_due"
    SILENCE = "conduct.silence"
    CLOSING_CHECK_MISSING = "conduct.closing_check_missing"
    FAREWELL_MISSING = "conduct.farewell_missing"

    @property
    def short(self) -> str:
        """The id without its ``conduct.`` namespace (``rate_fast``)."""
        return self.value.removeprefix("conduct.")


#: Speaking-rate rules and hold-etiquette rules, for the checks that treat them as a group.
RATE_RULES = frozenset({ConductRule.RATE_FAST, ConductRule.RATE_SLOW})
HOLD_RULES = frozenset({ConductRule.HOLD_TOO_LONG, ConductRule.HOLD_NO_THANKS, ConductRule.HOLD_WITHOUT_ASK,
                        ConductRule.HOLD_LIMIT, ConductRule.HOLD_UPDATE_DUE})


class Phase(enum.StrEnum):
    """The empathy-formula steps (seed 003) plus ``other``; order is the formula's order."""

    GREETING = "greeting"
    ASKING = "asking"
    LISTENING = "listening"
    SOOTHING = "soothing"
    EXPLANATION = "explanation"
    ADVICE = "advice"
    CLOSING = "closing"
    OTHER = "other"

    @classmethod
    def steps(cls) -> tuple[Phase, ...]:
        """The seven formula steps, in order, without ``other``."""
        return tuple(p for p in cls if p is not cls.OTHER)

    @property
    def label_zh(self) -> str:
        return _PHASE_ZH[self]


_PHASE_ZH = {
    Phase.GREETING: "问候",
    Phase.ASKING: "询问问题",
    Phase.LISTENING: "倾听认可",
    Phase.SOOTHING: "安抚情绪",
    Phase.EXPLANATION: "问题解释",
    Phase.ADVICE: "其他建议",
    Phase.CLOSING: "告别",
    Phase.OTHER: "其他",
}


class EmotionLabel(enum.StrEnum):
    ANGRY = "angry"
    ANXIOUS = "anxious"
    COMPLAINT_ESCALATION = "complaint_escalation"
    NEGATIVE_OTHER = "negative_other"
    NEUTRAL = "neutral"
    POSITIVE = "positive"

    @property
    def label_zh(self) -> str:
        return _EMOTION_ZH[self]


_EMOTION_ZH = {
    EmotionLabel.ANGRY: "愤怒",
    EmotionLabel.ANXIOUS: "焦急",
    EmotionLabel.COMPLAINT_ESCALATION: "投诉升级",
    EmotionLabel.NEGATIVE_OTHER: "不满",
    EmotionLabel.NEUTRAL: "平静",
    EmotionLabel.POSITIVE: "满意",
}


class Severity(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"high": 3, "medium": 2, "low": 1}[self.value]


class FlagKind(enum.StrEnum):
    BANNED_PHRASE = "banned_phrase"
    CONDUCT = "conduct"
