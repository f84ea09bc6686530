"""QA of a recorded call: run the transcript through the guidance engine, score it, and keep the
result as a typed ``QaResult`` (``to_json`` for ``qa --json``; ``render_html`` for the report,
through the one call-report renderer in ``reports/``). Plain Python; no Qt, no network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from assist_app.events import (
    AcousticFeatures,
    ConductEvent,
    Event,
    FinalText,
    Phase,
    Speaker,
    UtteranceAnalysis,
)
from assist_app.formatting import duration_zh
from assist_app.pipeline.offline import Transcript
from assist_app.reports import CallReport, CoverageStep, EmotionMark, ReportAlert, ReportLine, render_report
from assist_app.scores import QAScore

NO_SPEECH_ZH = "录音里没有检测到说话声，未评分。"


class QaEngine(Protocol):
    """What QA needs from ``analysis.engine.GuidanceEngine``."""

    @property
    def analyses(self) -> list[UtteranceAnalysis]: ...

    def handle(self, event: Event) -> list[Event]: ...

    def finish(self, t: float) -> list[Event]: ...


@dataclass(frozen=True, slots=True)
class QaUtterance:
    """One analysed final with its audio times (the analysis's own, else the recogniser's)."""

    analysis: UtteranceAnalysis
    start: float | None
    end: float | None
    acoustic: AcousticFeatures | None

    def to_json(self) -> dict[str, Any]:
        row = self.analysis.to_json()
        row["start"] = self.start
        row["end"] = self.end
        if self.acoustic is not None:
            ac = self.acoustic
            row["acoustic"] = {"loudness_rel_db": ac.loudness_rel_db, "rate_cpm": ac.rate_cpm,
                               "overlap_s": ac.overlap_s}
        return row


@dataclass(frozen=True, slots=True)
class QaResult:
    """Everything ``qa`` found in one recording. ``score`` is ``None`` when there was nothing to
    score (``note`` says why)."""

    call_id: str
    audio: tuple[str, ...]
    duration_s: float
    score: QAScore | None
    note: str
    coverage: tuple[CoverageStep, ...]
    conduct: tuple[ConductEvent, ...]
    talk_seconds: dict[str, float]
    problems: tuple[str, ...]
    utterances: tuple[QaUtterance, ...]

    def to_json(self) -> dict[str, Any]:
        """The ``qa --json`` document (format unchanged since the dict era)."""
        rows = [u.to_json() for u in self.utterances]
        score: dict[str, Any] = {"total": None, "items": []}
        if self.score is not None:
            score = {"total": round(float(self.score.total), 1),
                     "items": [{"key": it.key, "name": it.name_zh, "points": it.points, "max_points": it.max_points,
                                "notes": list(it.notes)} for it in self.score.items]}
        elif self.note:
            score["note"] = self.note
        return {
            "call_id": self.call_id,
            "audio": list(self.audio),
            "duration_s": round(self.duration_s, 2),
            "score": score,
            "coverage": [{"step": c.key, "name": c.name, "done": c.done, "first_t": c.first_t} for c in self.coverage],
            "emotions": [{"t": row.get("start"), "label": row["emotion"]["label"],
                          "intensity": row["emotion"]["intensity"]}
                         for row in rows if row["emotion"] is not None and row["speaker"] == Speaker.CUSTOMER.value],
            "flags": [dict(f, index=row["index"], t=row.get("start")) for row in rows for f in row["flags"]],
            "conduct": [e.to_json() for e in self.conduct],
            "talk_seconds": dict(self.talk_seconds),
            "problems": list(self.problems),
            "utterances": rows,
        }


def _utterances(transcript: Transcript, analyses: Sequence[UtteranceAnalysis]) -> tuple[QaUtterance, ...]:
    out = []
    for i, a in enumerate(analyses):  # the engine gives one analysis per final, in order
        final: FinalText | None = transcript.finals[i] if i < len(transcript.finals) else None
        start = a.utterance.start if a.utterance.start is not None else (final.start if final else None)
        end = a.utterance.end if a.utterance.end is not None else (final.end if final else None)
        out.append(QaUtterance(a, start, end, final.acoustic if final is not None else None))
    return tuple(out)


def _coverage(utterances: Sequence[QaUtterance]) -> tuple[CoverageStep, ...]:
    seen: dict[Phase, float | None] = {}
    for u in utterances:
        if u.analysis.phase is not Phase.OTHER and u.analysis.phase not in seen:
            seen[u.analysis.phase] = u.start
    return tuple(CoverageStep(p.label_zh, p in seen, seen.get(p), key=p.value) for p in Phase.steps())


def build_qa(transcript: Transcript, engine: QaEngine, *, audio: Sequence[str] = ()) -> QaResult:
    """Feed the finals in call order to ``engine``, score the call and summarise it."""
    conduct: list[ConductEvent] = []
    for utt in transcript.finals:
        conduct.extend(e for e in engine.handle(utt) if isinstance(e, ConductEvent))
    end_t = max((f.end or f.t for f in transcript.finals), default=transcript.duration)
    conduct.extend(e for e in engine.finish(max(end_t, transcript.duration)) if isinstance(e, ConductEvent))
    utterances = _utterances(transcript, list(engine.analyses))

    problems = [s.message for s in transcript.statuses]
    score: QAScore | None = None
    note = ""
    if not transcript.finals:
        # Nothing was said (a silent or empty recording): there is no call to score. A score here
        # would be the formula's default points (55/100 for an hour of silence) with no problem named.
        problems.append(NO_SPEECH_ZH)
        note = NO_SPEECH_ZH
    else:
        from assist_app.analysis.scoring import score_call

        score = score_call(engine)  # type: ignore[arg-type]  # a QaEngine is a GuidanceEngine here
    talk = {
        sp.value: round(sum((f.end or 0) - (f.start or 0) for f in transcript.finals if f.speaker is sp), 1)
        for sp in Speaker
    }
    return QaResult(transcript.call_id, tuple(audio), transcript.duration, score, note, _coverage(utterances),
                    tuple(conduct), talk, tuple(problems), utterances)


def qa_report(qa: QaResult) -> CallReport:
    """The call report of a QA result."""
    lines, alerts, emotions = [], [], []
    for u in qa.utterances:
        a = u.analysis
        spans = tuple(f.span for f in a.flags if f.span[1] > f.span[0])
        lines.append(ReportLine(u.start, a.utterance.speaker.value, a.utterance.text, spans, a.phase.value,
                                a.emotion.label.value if a.emotion else None))
        alerts += [ReportAlert(u.start, f.severity.value, f.matched, f.message, f.replacement) for f in a.flags]
        if a.emotion is not None and a.utterance.speaker is Speaker.CUSTOMER:
            emotions.append(EmotionMark(u.start or 0.0, a.emotion.label.value, a.emotion.intensity, a.utterance.text))
    alerts += [ReportAlert(c.t, c.severity.value, "", c.message) for c in qa.conduct]
    talk = qa.talk_seconds
    meta = (
        ("通话编号", qa.call_id),
        ("录音", "、".join(qa.audio) or "—"),
        ("录音时长", duration_zh(qa.duration_s)),
        ("说话时长", f"坐席 {talk.get('agent', 0):.0f} 秒，客户 {talk.get('customer', 0):.0f} 秒"),
    )
    return CallReport(call_id=qa.call_id, meta=meta, duration=qa.duration_s, score=qa.score,
                      transcript=tuple(lines), alerts=tuple(alerts), emotions=tuple(emotions),
                      no_score=qa.note or "未评分", subtitle="坐席助手 AgentAssist 录音质检",
                      coverage=qa.coverage, problems=qa.problems)


def render_html(qa: QaResult) -> str:
    """A readable, self-contained report (inline CSS and SVG; opens offline in any browser)."""
    return render_report(qa_report(qa))
