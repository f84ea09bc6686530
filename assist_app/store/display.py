"""What the history view shows, in plain Python (no Qt): the filter a user's choices make, one
table row per stored call, and a stored call turned into review content (flags, emotions,
transcript with flagged words marked).

The Qt side (``ui/history.py``) only puts these values into widgets, so the rules live here and
are tested without a display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from assist_app.events import RATE_RULES, EmotionLabel, EmotionReading, Flag, FlagKind, Severity
from assist_app.formatting import duration_short
from assist_app.store.corrections import UNSUPPORTED, ReviewFlag
from assist_app.store.models import EMOTION_RANK, CallFilter, CallRecord, CallSummary, FlagRecord, WorkOrder
from assist_app.store.report import emotion_zh
from assist_app.store.workorder import FlaggedSpan, draft_work_order

MODE_ZH = {"live": "实时通话", "demo": "演示", "practice": "练习", "training": "练习"}
MODE_CHOICES = (("live", "实时通话"), ("demo", "演示"), ("practice", "练习"))

# Filter choices, worst first (the order QA staff look for them).
EMOTION_CHOICES: tuple[tuple[str, str], ...] = tuple(
    (label, EmotionLabel(label).label_zh) for label in sorted(EMOTION_RANK, key=lambda k: -EMOTION_RANK[k])
)


DATE_PRESETS: tuple[tuple[str, str], ...] = (
    ("all", "全部日期"),
    ("today", "今天"),
    ("7d", "近 7 天"),
    ("30d", "近 30 天"),
    ("custom", "自定义"),
)


def preset_range(key: str, today: date, custom: tuple[date, date] | None = None) -> tuple[date | None, date | None]:
    """The inclusive date range of a ``DATE_PRESETS`` key (``custom`` supplies the user's own)."""
    if key == "today":
        return today, today
    if key == "7d":
        return today - timedelta(days=6), today
    if key == "30d":
        return today - timedelta(days=29), today
    if key == "custom" and custom is not None:
        start, end = custom
        return (start, end) if start <= end else (end, start)
    return None, None


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """The history view's filter row and search box, as plain values.

    ``date_to`` is inclusive (a whole day); a score range of 0–100 means "any score", so calls
    without a score stay in the list until the user narrows it.
    """

    date_from: date | None = None
    date_to: date | None = None
    agent: str = ""
    flagged_only: bool = False
    min_score: int = 0
    max_score: int = 100
    emotion: str | None = None
    mode: str | None = None  # live | demo | practice; None: every type
    text: str = ""
    limit: int = 500

    def to_filter(self) -> CallFilter:
        return CallFilter(
            since=datetime.combine(self.date_from, time()) if self.date_from else None,
            until=datetime.combine(self.date_to + timedelta(days=1), time()) if self.date_to else None,
            agent=self.agent.strip() or None,
            has_flags=True if self.flagged_only else None,
            min_score=float(self.min_score) if self.min_score > 0 else None,
            max_score=float(self.max_score) if self.max_score < 100 else None,
            emotion=self.emotion or None,
            mode=self.mode or None,
            limit=self.limit,
        )

    @property
    def search_text(self) -> str:
        return " ".join(self.text.split())


@dataclass(frozen=True, slots=True)
class CallRow:
    """One row of the history table, already formatted."""

    call_id: str
    started: str
    duration: str
    agent: str
    score: str
    score_value: float | None
    emotion: str
    emotion_label: str | None
    flags: int
    status: str
    interrupted: bool
    tooltip: str
    kind: str = ""  # 实时通话 / 演示：scenario / 练习：scenario
    training: bool = False  # a demo or practice, not one of the agent's real calls


def call_kind(s: CallSummary, titles: dict[str, str] | None = None) -> str:
    """The call's type as 记录 shows it, with the scenario a demo or practice played."""
    zh = MODE_ZH.get(s.mode, s.mode)
    if s.mode == "live" or not s.scenario_id:
        return zh
    return f"{zh}：{(titles or {}).get(s.scenario_id, s.scenario_id)}"


def call_row(s: CallSummary, matches: tuple[str, ...] = (), titles: dict[str, str] | None = None) -> CallRow:
    """A ``CallSummary`` as the table shows it; ``matches`` are search-hit lines for the tooltip,
    ``titles`` the scenario titles by id."""
    agent = " ".join(p for p in (s.agent_id, s.agent_name) if p) or "—"
    kind = call_kind(s, titles)
    tip = [f"{kind}，{s.utterance_count} 句"]
    if s.high_flag_count:
        tip.append(f"严重提示 {s.high_flag_count} 条")
    tip += [f"“{m}”" for m in matches[:3]]
    return CallRow(
        call_id=s.id,
        started=f"{s.started:%Y-%m-%d %H:%M}",
        duration=duration_short(s.duration),
        agent=agent,
        score=f"{s.score:.0f}" if s.score is not None else "—",
        score_value=s.score,
        emotion=emotion_zh(s.max_emotion),
        emotion_label=s.max_emotion,
        flags=s.flag_count,
        status=s.status_zh,
        interrupted=s.status == "interrupted",
        tooltip="\n".join(tip),
        kind=kind,
        training=s.mode != "live",
    )


def real_call_stats(rows: list[CallRow]) -> str:
    """The agent's real-call figures for the list's status line: demos and practices left out."""
    real = [r for r in rows if not r.training]
    scores = [r.score_value for r in real if r.score_value is not None]
    text = f"实时通话 {len(real)} 通"
    if scores:
        text += f"，平均 {sum(scores) / len(scores):.0f} 分"
    if len(real) < len(rows):
        text += f"（不含演示和练习 {len(rows) - len(real)} 通）"
    return text


@dataclass(frozen=True, slots=True)
class TranscriptEntry:
    """One stored utterance with the character spans to mark (flagged words, search terms)."""

    speaker: str
    text: str
    t: float
    flagged: tuple[tuple[int, int], ...] = ()
    found: tuple[tuple[int, int], ...] = field(default_factory=tuple)
    corrected: bool = False  # the second pass (精校转写) replaced the live text
    first_pass: str | None = None  # what the live recognizer heard, when corrected


def _flag_spans(text: str, flags: list[FlagRecord], *, exact: bool = True) -> tuple[tuple[int, int], ...]:
    # Spans of final flags index into the stored text; a flag raised on a partial has its span
    # in the partial, so its words are looked up instead (as the HTML report does). So are all
    # flags of a line the second pass corrected (``exact=False``): they were raised on the live text.
    spans = {f.span for f in flags if exact and f.span and f.final and 0 <= f.span[0] < f.span[1] <= len(text)}
    for f in flags:
        if (not f.final or not exact) and f.matched and (i := text.find(f.matched)) >= 0:
            spans.add((i, i + len(f.matched)))
    return tuple(sorted(spans))


def _term_spans(text: str, terms: list[str]) -> tuple[tuple[int, int], ...]:
    low = text.lower()
    spans = []
    for term in terms:
        start = low.find(term)
        while start >= 0:
            spans.append((start, start + len(term)))
            start = low.find(term, start + len(term))
    return tuple(sorted(spans))


def transcript_entries(rec: CallRecord, search: str = "") -> list[TranscriptEntry]:
    """The stored transcript, each line with its flagged spans and the spans of ``search`` terms."""
    by_idx: dict[int, list[FlagRecord]] = {}
    for f in rec.flags:
        if f.utterance_idx is not None and f.second_pass != UNSUPPORTED:  # 精校: not in the corrected text
            by_idx.setdefault(f.utterance_idx, []).append(f)
    terms = [t.lower() for t in search.split() if t]
    return [
        TranscriptEntry(
            speaker=ln.speaker,
            text=ln.text,
            t=ln.start if ln.start is not None else ln.t,
            flagged=_flag_spans(ln.text, by_idx.get(ln.idx, []), exact=not ln.corrected),
            found=_term_spans(ln.text, terms),
            corrected=ln.corrected,
            first_pass=ln.asr_text if ln.corrected else None,
        )
        for ln in rec.transcript
    ]


def _severity(value: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        return Severity.MEDIUM


def review_flags(rec: CallRecord) -> list[tuple[float, Flag]]:
    """Flags and conduct findings by time, as the live review lists them (rate wobbles left out,
    as on the live panel)."""
    return [(r.t, r.flag) for r in review_flags_marked(rec)]


def review_flags_marked(rec: CallRecord) -> list[ReviewFlag]:
    """``review_flags`` with what the second pass (精校转写) made of each: a live flag its
    corrected text no longer supports is marked, one only it showed is labelled as found by 精校."""
    out: list[ReviewFlag] = []
    for f in rec.flags:
        try:
            kind = FlagKind(f.kind)
        except ValueError:
            kind = FlagKind.BANNED_PHRASE
        flag = Flag(rule=f.rule, kind=kind, severity=_severity(f.severity), span=f.span or (0, 0),
                    matched=f.matched, message=f.message, replacement=f.replacement)
        out.append(ReviewFlag(f.t, flag, f.second_pass))
    for c in rec.conduct:
        if c.rule in RATE_RULES:
            continue
        out.append(ReviewFlag(c.t, Flag(rule=c.rule, kind=FlagKind.CONDUCT, severity=_severity(c.severity),
                                        span=(0, 0), matched="", message=c.message, replacement="")))
    out.sort(key=lambda p: p.t)
    return out


def review_emotions(rec: CallRecord) -> list[tuple[float, EmotionReading]]:
    """The customer's emotion readings for the timeline (unknown labels skipped)."""
    out = []
    for p in rec.emotions:
        try:
            label = EmotionLabel(p.label)
        except ValueError:
            continue
        out.append((p.t, EmotionReading(label, p.intensity, p.cues)))
    return out


def review_title(s: CallSummary) -> str:
    who = " ".join(p for p in (s.agent_id, s.agent_name) if p)
    parts = [f"{s.started:%Y-%m-%d %H:%M}", f"时长 {duration_short(s.duration)}"]
    if who:
        parts.append(f"坐席 {who}")
    if s.status == "interrupted":
        parts.append(s.status_zh)
    return "通话回顾：" + "，".join(parts)


def stored_work_order(rec: CallRecord) -> tuple[WorkOrder, bool]:
    """The call's saved work order, or a fresh draft from its transcript; the flag says "saved"."""
    if rec.work_order is not None:
        return rec.work_order, True
    s = rec.summary
    flagged = [FlaggedSpan(f.utterance_idx, f.span if f.final else None, f.matched) for f in rec.flags]
    return draft_work_order(s.id, s.started, rec.transcript, emotions=[p.label for p in rec.emotions],
                            flagged=flagged), False
