"""Call reports and exports of saved calls: the report model for the one HTML renderer
(``reports/``), CSV of scores and flags.

The HTML has no external resources (inline CSS, the emotion timeline as inline SVG), so it opens
and prints the same on a PC without network. CSV files are UTF-8 with a BOM so Excel on a Chinese
Windows opens them without mojibake. Everything exported is what the store holds: already masked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from assist_app.formatting import duration_zh, emotion_zh, phase_zh
from assist_app.reports import CallReport, EmotionMark, ReportAlert, ReportLine, SuggestionRow, render_report
from assist_app.reports.render import SEVERITY_ZH
from assist_app.store.corrections import SECOND_PASS_ZH, UNSUPPORTED
from assist_app.store.models import CallRecord, CallSummary, FlagRecord, WorkOrder

__all__ = ["CALL_CSV_HEADER", "FLAG_CSV_HEADER", "call_csv_row", "call_report", "emotion_zh", "flag_csv_rows",
           "phase_zh", "render_call_report"]

_MODE_ZH = {"live": "实时通话", "demo": "演示", "practice": "练习", "training": "练习"}


def _marks(text: str, flags: Sequence[FlagRecord], *, exact: bool = True) -> tuple[tuple[int, int], ...]:
    """Spans to highlight: final flags' spans index into this text; a flag raised on the partial
    text, or any flag on a line the second pass corrected (``exact=False``), is found by what it
    matched. Flags the corrected text no longer supports are not marked."""
    flags = [f for f in flags if f.second_pass != UNSUPPORTED]
    spans = {f.span for f in flags if exact and f.span and f.final}
    spans |= {(i, i + len(f.matched)) for f in flags
              if (not f.final or not exact) and f.matched and (i := text.find(f.matched)) >= 0}
    return tuple(sorted(spans))


def _work_order_rows(wo: WorkOrder | None) -> tuple[tuple[str, str], ...]:
    if wo is None:
        return ()
    return (
        ("日期", f"{wo.date} {wo.time}"),
        ("来电人", f"{wo.caller_name}{wo.caller_title}" or "—"),
        ("性别", wo.gender or "—"),
        ("电话", wo.phone or "—"),
        ("来电摘要", wo.summary or "—"),
        ("处理情况", wo.handling or "—"),
        ("回访时间", wo.follow_up.strftime("%Y-%m-%d %H:%M") if wo.follow_up else "—"),
        ("投诉", "是（须在24小时内回复）" if wo.is_complaint else "否"),
        ("状态", wo.status_zh),
    )


def call_report(rec: CallRecord) -> CallReport:
    """The report of a saved call (everything in it is already masked)."""
    s = rec.summary
    meta = (
        ("通话编号", s.id),
        ("开始时间", s.started.strftime("%Y-%m-%d %H:%M:%S")),
        ("通话时长", duration_zh(s.duration)),
        ("坐席", " ".join(x for x in (s.agent_id, s.agent_name) if x) or "—"),
        ("类型", _MODE_ZH.get(s.mode, s.mode)),
        ("状态", s.status_zh),
        ("最高情绪", emotion_zh(s.max_emotion)),
        ("违规提示", f"{s.flag_count} 条（严重 {s.high_flag_count} 条）"),
    )
    lines = tuple(
        ReportLine(ln.start if ln.start is not None else ln.t, ln.speaker, ln.text,
                   _marks(ln.text, [f for f in rec.flags if f.utterance_idx == ln.idx], exact=not ln.corrected),
                   ln.phase, ln.emotion, heard=(ln.asr_text or "") if ln.corrected else "")
        for ln in rec.transcript
    )
    alerts = tuple(ReportAlert(f.t, f.severity, f.matched, f.message, f.replacement,
                               note=SECOND_PASS_ZH.get(f.second_pass, "")) for f in rec.flags)
    alerts += tuple(ReportAlert(c.t, c.severity, "", c.message) for c in rec.conduct)
    return CallReport(
        call_id=s.id,
        meta=meta,
        duration=s.duration,
        score=rec.score,
        transcript=lines,
        alerts=alerts,
        emotions=tuple(EmotionMark(p.t, p.label, p.intensity, p.text) for p in rec.emotions),
        subtitle="坐席助手 AgentAssist 导出 · 客户号码等敏感信息已脱敏",
        suggestions=tuple(SuggestionRow(x.t, x.step, x.text, x.used) for x in rec.suggestions),
        work_order=_work_order_rows(rec.work_order),
    )


def render_call_report(rec: CallRecord) -> str:
    """A printable, self-contained HTML report of one saved call (score card, timeline, transcript)."""
    return render_report(call_report(rec))


CALL_CSV_HEADER = [
    "通话编号", "日期", "时间", "坐席工号", "坐席姓名", "类型", "时长(秒)", "状态", "评分", "最高情绪",
    "违规数", "严重违规数",
]  # fmt: skip


def call_csv_row(s: CallSummary) -> list[str]:
    return [
        s.id,
        s.started.strftime("%Y-%m-%d"),
        s.started.strftime("%H:%M:%S"),
        s.agent_id,
        s.agent_name,
        s.mode,
        "" if s.duration is None else f"{s.duration:.1f}",
        s.status_zh,
        "" if s.score is None else f"{s.score:.1f}",
        emotion_zh(s.max_emotion) if s.max_emotion else "",
        str(s.flag_count),
        str(s.high_flag_count),
    ]


FLAG_CSV_HEADER = ["通话编号", "日期", "坐席工号", "时间(秒)", "类别", "规则", "级别", "命中内容", "说明", "建议说法",
                   "精校"]


def flag_csv_rows(rec: CallRecord) -> Iterable[list[str]]:
    s = rec.summary
    for f in rec.flags:
        yield [
            s.id, s.started.strftime("%Y-%m-%d"), s.agent_id, f"{f.t:.1f}",
            "服务忌语" if f.kind == "banned_phrase" else "行为", f.rule,
            SEVERITY_ZH.get(f.severity, f.severity), f.matched, f.message, f.replacement,
            SECOND_PASS_ZH.get(f.second_pass, ""),
        ]  # fmt: skip
    for c in rec.conduct:
        yield [
            s.id, s.started.strftime("%Y-%m-%d"), s.agent_id, f"{c.t:.1f}", "行为", c.rule,
            SEVERITY_ZH.get(c.severity, c.severity), "", c.message, "", "",
        ]  # fmt: skip
