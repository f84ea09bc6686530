"""Typed records the store hands out and takes in (no raw rows leave the package)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from assist_app.scores import QAScore

# Emotion labels from worst to best, for "max emotion" of a call (DESIGN.md §5 label meanings).
EMOTION_RANK: dict[str, int] = {
    "complaint_escalation": 5,
    "angry": 4,
    "anxious": 3,
    "negative_other": 2,
    "neutral": 1,
    "positive": 0,
}


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """User/IT settings for what is kept and how.

    ``store_nothing``: the recorder accepts events and writes nothing (guidance still shown).
    ``retention_days``: calls that started more than this many days ago are deleted at open.
    ``mask_numbers`` (default on) / ``mask_names`` (default off): see ``store.privacy``.
    """

    store_nothing: bool = False
    retention_days: int | None = None
    mask_numbers: bool = True
    mask_names: bool = False


@dataclass(frozen=True, slots=True)
class CallMeta:
    """What the app knows about a call before it starts (who is on the seat, what kind of call)."""

    agent_id: str = ""
    agent_name: str = ""
    mode: str = "live"  # live | demo | practice
    scenario_id: str = ""  # the scenario a demo or practice call played


@dataclass(frozen=True, slots=True)
class CallFilter:
    """Filters for ``CallStore.list_calls`` / ``search``; every field is optional (None = any).

    ``since``/``until`` compare against the call's start; ``has_flags`` keeps calls with at least
    one flag; ``min_score``/``max_score`` the QA score; ``emotion`` the call's worst emotion label.
    """

    since: datetime | None = None
    until: datetime | None = None
    agent: str | None = None  # matches agent id or name
    has_flags: bool | None = None
    min_score: float | None = None
    max_score: float | None = None
    emotion: str | None = None
    status: str | None = None
    mode: str | None = None  # live | demo | practice (None: any)
    limit: int = 500
    offset: int = 0


@dataclass(frozen=True, slots=True)
class CallSummary:
    """One row of the history list."""

    id: str
    started: datetime
    ended: datetime | None
    duration: float | None
    status: str  # active | normal | interrupted
    end_reason: str
    agent_id: str
    agent_name: str
    source: str
    mode: str
    score: float | None
    max_emotion: str | None
    max_emotion_intensity: float | None
    utterance_count: int
    flag_count: int
    high_flag_count: int
    scenario_id: str = ""

    @property
    def status_zh(self) -> str:
        if self.status == "interrupted" and self.end_reason == "ended_early":
            return "提前结束"  # a demo/practice the trainer stopped before its scenario ran out
        return {"active": "进行中", "normal": "正常结束", "interrupted": "意外中断"}.get(self.status, self.status)


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """A stored final utterance (text already masked) with what the analysis said about it."""

    idx: int
    speaker: str
    text: str
    start: float | None
    end: float | None
    t: float
    phase: str | None = None
    call_phase: str | None = None
    emotion: str | None = None
    emotion_intensity: float | None = None
    corrected: bool = False  # the second pass replaced the live recognizer's text
    asr_text: str | None = None  # what the live recognizer heard, when corrected


@dataclass(frozen=True, slots=True)
class FlagRecord:
    t: float
    speaker: str | None
    rule: str
    kind: str
    severity: str
    span: tuple[int, int] | None
    matched: str
    message: str
    replacement: str
    text: str
    final: bool
    utterance_idx: int | None
    second_pass: str = ""  # "" | unsupported | added: what 精校转写 made of it (``store.corrections``)


@dataclass(frozen=True, slots=True)
class EmotionPoint:
    t: float
    label: str
    intensity: float
    cues: tuple[str, ...]
    text: str
    utterance_idx: int | None


@dataclass(frozen=True, slots=True)
class SuggestionRecord:
    seq: int
    t: float
    step: str
    text: str
    reason: str
    used: bool
    used_t: float | None


@dataclass(frozen=True, slots=True)
class ConductRecord:
    t: float
    speaker: str | None
    rule: str
    severity: str
    message: str
    value: float | None


@dataclass(frozen=True, slots=True)
class WorkOrder:
    """A call record / work order in the shape of seed 004 (来电记录): date, time, caller name and
    title, gender, phone, summary, handling and follow-up time. Complaints (seed 000) need one with a
    callback within 24 h: ``is_complaint`` and ``follow_up`` carry that."""

    call_id: str
    date: str  # YYYY-MM-DD
    time: str  # HH:MM
    caller_name: str = ""
    caller_title: str = ""  # 先生 / 女士
    gender: str = ""  # 男 / 女 / ""
    phone: str = ""
    summary: str = ""
    handling: str = ""
    follow_up: datetime | None = None
    is_complaint: bool = False
    status: str = "draft"  # draft | open | closed

    @property
    def status_zh(self) -> str:
        return {"draft": "草稿", "open": "待回访", "closed": "已办结"}.get(self.status, self.status)


@dataclass(frozen=True, slots=True)
class TraineeSession:
    """A trainer-mode run of a scenario by a trainee, with its score items (JSON-able dicts)."""

    scenario_id: str
    trainee: str
    started: datetime
    ended: datetime | None = None
    score: float | None = None
    items: tuple[dict[str, object], ...] = ()
    call_id: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class CallRecord:
    """Everything stored about one call, for the review view and the report."""

    summary: CallSummary
    transcript: tuple[TranscriptLine, ...]
    flags: tuple[FlagRecord, ...]
    emotions: tuple[EmotionPoint, ...]
    suggestions: tuple[SuggestionRecord, ...]
    conduct: tuple[ConductRecord, ...]
    score: QAScore | None
    work_order: WorkOrder | None


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A call that matches a search, with the matching (masked) utterances."""

    call: CallSummary
    lines: tuple[TranscriptLine, ...] = field(default_factory=tuple)
