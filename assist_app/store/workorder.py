"""Drafting a work order (seed 004's 来电记录) from a finished call.

- **summary**: what the customer asked — the customer's ``asking``-phase utterances (seed 003's
  询问问题 step), or their first utterances when the engine labelled none;
- **handling**: what the agent explained or advised (``explanation`` / ``advice`` utterances);
- **follow-up**: the call's start + 24 h when the customer's emotion reached
  ``complaint_escalation`` — seed 000: complaints get a work order and a callback within 24 h;
- **caller name/title/gender**: from how the agent addressed the customer (王先生 → 王, 先生, 男);
- **phone**: the first mobile/landline number in the customer's speech (masked if masking is on).

The draft is a starting point the agent edits; nothing here is sent anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from assist_app.events import UtteranceAnalysis
from assist_app.store.models import TranscriptLine, WorkOrder

FOLLOW_UP_HOURS = 24
_SUMMARY_MAX = 200
_HANDLING_MAX = 300

_TITLE_RE = re.compile(r"([\u4e00-\u9fff*])(先生|女士|小姐)")
_PHONE_RE = re.compile(r"(?<![\d*])(?:1[3-9][\d*]{9}|0\d{2,3}-?[\d*]{7,8})(?![\d*])")
_NOT_SURNAME = set("的是好谢请问您你我他她位这那给跟和叫姓喂吗呢啊吧了对找")


def _join(texts: Iterable[str], limit: int) -> str:
    seen: list[str] = []
    for t in texts:
        t = t.strip()
        if t and t not in seen:
            seen.append(t)
    out = "；".join(seen)
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _minute(when: datetime) -> datetime:
    """Work orders keep minutes (seed 004's form); rounding down keeps the callback inside 24 h."""
    return when.replace(second=0, microsecond=0)


def draft_work_order(
    call_id: str, started: datetime, lines: Sequence[TranscriptLine], *, emotions: Iterable[str] = ()
) -> WorkOrder:
    """Draft a work order from a stored or live transcript (see the module docstring).

    ``emotions`` adds emotion labels seen in the call beyond those attached to ``lines``.
    """
    customer = [ln for ln in lines if ln.speaker == "customer"]
    agent = [ln for ln in lines if ln.speaker == "agent"]
    asking = [ln.text for ln in customer if ln.phase == "asking"]
    if not asking:
        asking = [ln.text for ln in customer if ln.phase not in ("closing", "listening")][:3]
    handling = [ln.text for ln in agent if ln.phase in ("explanation", "advice")]
    labels = {ln.emotion for ln in customer if ln.emotion} | set(emotions)
    complaint = "complaint_escalation" in labels

    name = title = gender = ""
    for ln in agent:
        m = _TITLE_RE.search(ln.text)
        if m and m.group(1) not in _NOT_SURNAME:
            name = "" if m.group(1) == "*" else m.group(1)
            title = m.group(2)
            gender = "男" if title == "先生" else "女"
            break
    phone = ""
    for ln in customer:
        pm = _PHONE_RE.search(ln.text.replace(" ", ""))
        if pm:
            phone = pm.group(0)
            break
    return WorkOrder(
        call_id=call_id,
        date=started.strftime("%Y-%m-%d"),
        time=started.strftime("%H:%M"),
        caller_name=name,
        caller_title=title,
        gender=gender,
        phone=phone,
        summary=_join(asking, _SUMMARY_MAX),
        handling=_join(handling, _HANDLING_MAX),
        follow_up=_minute(started + timedelta(hours=FOLLOW_UP_HOURS)) if complaint else None,
        is_complaint=complaint,
        status="open" if complaint else "draft",
    )


def lines_from_analyses(analyses: Sequence[UtteranceAnalysis]) -> list[TranscriptLine]:
    """Convert the engine's per-utterance analyses into transcript lines (text not yet masked)."""
    out: list[TranscriptLine] = []
    for i, a in enumerate(analyses):
        u = a.utterance
        out.append(
            TranscriptLine(
                idx=i,
                speaker=u.speaker.value,
                text=u.text,
                start=u.start,
                end=u.end,
                t=u.end or u.start or 0.0,
                phase=a.phase.value,
                call_phase=a.call_phase.value,
                emotion=a.emotion.label.value if a.emotion else None,
                emotion_intensity=a.emotion.intensity if a.emotion else None,
            )
        )
    return out


def draft_from_analyses(call_id: str, started: datetime, analyses: Sequence[UtteranceAnalysis]) -> WorkOrder:
    """Draft from ``GuidanceEngine.analyses`` right after a call (mask it by saving via the store)."""
    return draft_work_order(call_id, started, lines_from_analyses(analyses))
