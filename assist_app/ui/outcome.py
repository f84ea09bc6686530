"""What a finished call leaves behind for the review, without Qt: the QA score and the work-order
draft (``build_outcome``), and the small pure helpers the review text uses (issue 11)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from assist_app.analysis.engine import GuidanceEngine
from assist_app.analysis.scoring import QAScore, score_call
from assist_app.demo.scenario import Scenario
from assist_app.events import EmotionLabel, EmotionReading, Flag, UtteranceAnalysis
from assist_app.formatting import clock
from assist_app.store.corrections import ReviewFeed, review_feed
from assist_app.store.models import WorkOrder
from assist_app.store.privacy import mask_numbers
from assist_app.store.workorder import draft_from_analyses
from assist_app.training.scorecard import Moment

log = logging.getLogger(__name__)


@dataclass
class CallOutcome:
    """What the review shows after a call (kept for tests, the store and screenshots).

    ``draft`` is the work order as the review edits it; its ``call_id`` is the stored call's id when
    the call was recorded."""

    call_id: str
    started: datetime
    scenario: Scenario | None
    score: QAScore | None
    flags: list[tuple[float, Flag]]
    emotions: list[tuple[float, EmotionReading]]
    draft: WorkOrder
    engine: GuidanceEngine | None
    saved_call_id: str | None = None
    ended_early: bool = False  # a demo/practice stopped before its scenario ran out
    feed: ReviewFeed | None = None  # the transcript, with 精校转写's corrections as they arrive


def build_outcome(
    engine: GuidanceEngine | None,
    scenario: Scenario | None,
    mask: bool,
    *,
    call_id: str,
    started: datetime,
    flags: Sequence[tuple[float, Flag]] = (),
    emotions: Sequence[tuple[float, EmotionReading]] = (),
    saved_call_id: str | None = None,
    ended_early: bool = False,
    corrector: object = None,
) -> CallOutcome:
    """Score the call and draft its work order (pure: nothing is saved or shown).

    ``scenario``: the demo/practice scenario (its caller fills the draft's blanks), None live;
    ``mask``: 隐去号码 is on; ``flags``: the alerts shown during the call (when they fired);
    ``corrector``: the call's second pass (精校转写), which the review's transcript follows."""
    score = None
    if engine is not None:
        try:
            score = score_call(engine)
        except Exception:
            log.exception("scoring failed")
    analyses = list(engine.analyses) if engine is not None else []
    draft = draft_order(saved_call_id or call_id, started, analyses, scenario, emotions, mask)
    shown = [(said_at(t, f, analyses), f) for t, f in flags]
    return CallOutcome(call_id, started, scenario, score, shown, list(emotions), draft, engine,
                       saved_call_id, ended_early, feed=review_feed(corrector, analyses))


def draft_order(call_id: str, started: datetime, analyses: Sequence[UtteranceAnalysis],
                scenario: Scenario | None, emotions: Sequence[tuple[float, EmotionReading]],
                mask: bool) -> WorkOrder:
    """The work order the review pre-fills: from what was said, the scenario's caller record for
    what was not, a complaint when the customer escalated, the phone masked when asked."""
    d = draft_from_analyses(call_id, started, analyses)
    if any(r.label is EmotionLabel.COMPLAINT_ESCALATION for _, r in emotions) and not d.is_complaint:
        d = replace(d, is_complaint=True)
    caller = scenario.caller if scenario is not None else None
    if caller is not None:
        d = replace(d, caller_name=d.caller_name or caller.name, caller_title=d.caller_title or caller.title,
                    gender=d.gender or caller.gender, phone=d.phone or caller.phone)
    if mask and d.phone:
        d = replace(d, phone=mask_phone(d.phone))
    return d


def said_at(t: float, flag: Flag, analyses: Sequence[UtteranceAnalysis]) -> float:
    """When the flagged words' utterance began, the time the score card gives them; the alert
    fired on a partial a moment later (the review said 00:02 where the score said 00:00)."""
    if not flag.matched:
        return t
    for a in analyses:
        u = a.utterance
        if u.start is None or flag.matched not in u.text:
            continue
        end = u.end if u.end is not None else u.start
        if u.start - 0.5 <= t <= end + 1.0:
            return float(u.start)
    return t


def practice_moment_text(m: Moment) -> str:
    """One costly moment as the review lists it."""
    text = m.problem if m.t is None else f"{clock(m.t)} {m.problem}"
    if m.said:
        text += f"：「{m.said}」"
    if m.better:
        text += f"\n    更好的说法：{m.better}"
    if m.reference and m.reference != m.better:
        text += f"\n    参考说法：{m.reference}"
    return text


def mask_phone(phone: str) -> str:
    """Keep the first 3 and last 4 digits (privacy setting "mask numbers")."""
    return mask_numbers(phone)
