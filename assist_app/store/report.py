"""Call reports and exports: printable self-contained HTML, CSV of scores and flags.

The HTML has no external resources (inline CSS, the emotion timeline as inline SVG), so it opens
and prints the same on a PC without network. CSV files are UTF-8 with a BOM so Excel on a Chinese
Windows opens them without mojibake. Everything exported is what the store holds: already masked.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from assist_app.events import EmotionLabel, Phase
from assist_app.formatting import duration_zh
from assist_app.store.models import EMOTION_RANK, CallRecord, CallSummary, FlagRecord

_EMOTION_COLOURS = {
    "complaint_escalation": "#b71c1c",
    "angry": "#e53935",
    "anxious": "#fb8c00",
    "negative_other": "#fdd835",
    "neutral": "#9e9e9e",
    "positive": "#43a047",
}
_SEVERITY_ZH = {"high": "严重", "medium": "中等", "low": "轻微"}


def emotion_zh(label: str | None) -> str:
    if not label:
        return "—"
    try:
        return EmotionLabel(label).label_zh
    except ValueError:
        return label


def phase_zh(phase: str | None) -> str:
    if not phase:
        return ""
    try:
        return Phase(phase).label_zh
    except ValueError:
        return phase


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def emotion_timeline_svg(rec: CallRecord, width: int = 720, height: int = 220) -> str:
    """The customer's emotion over the call: one row per label (worst on top), a line through
    the readings, dot size by intensity. Returns an ``<svg>`` element (inline, no scripts)."""
    labels = sorted(EMOTION_RANK, key=lambda k: -EMOTION_RANK[k])
    left, right, top, bottom = 80, 16, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    row_h = plot_h / (len(labels) - 1)
    duration = max([rec.summary.duration or 0.0, *(p.t for p in rec.emotions), 1.0])

    def x(t: float) -> float:
        return left + plot_w * (t / duration)

    def y(label: str) -> float:
        return top + row_h * labels.index(label) if label in labels else top + plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="客户情绪时间线" class="timeline">'
    ]
    for label in labels:
        yy = y(label)
        parts.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{width - right}" y2="{yy:.1f}" stroke="#e0e0e0"/>')
        parts.append(
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{_EMOTION_COLOURS[label]}">{_e(emotion_zh(label))}</text>'
        )
    for i in range(5):
        t = duration * i / 4
        parts.append(
            f'<text x="{x(t):.1f}" y="{height - 8}" text-anchor="middle" font-size="11" fill="#616161">'
            f"{_e(duration_zh(t))}</text>"
        )
    points = [(x(p.t), y(p.label), p) for p in rec.emotions]
    if len(points) > 1:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#90a4ae" stroke-width="1.5"/>')
    for px, py, p in points:
        r = 3 + 4 * max(0.0, min(1.0, p.intensity))
        colour = _EMOTION_COLOURS.get(p.label, "#000")
        parts.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{r:.1f}" fill="{colour}">'
            f"<title>{_e(duration_zh(p.t))} {_e(emotion_zh(p.label))}：{_e(p.text)}</title></circle>"
        )
    if not points:
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
            f'fill="#9e9e9e">本通话没有客户情绪记录</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _highlight(text: str, flags: Sequence[FlagRecord]) -> str:
    """Escape ``text`` and mark flagged spans (spans of final flags index into this text)."""
    spans = sorted(
        {f.span for f in flags if f.span and f.final and 0 <= f.span[0] < f.span[1] <= len(text)}
        | {(i, i + len(f.matched)) for f in flags if not f.final and f.matched and (i := text.find(f.matched)) >= 0}
    )
    out: list[str] = []
    pos = 0
    for start, end in spans:
        if start < pos:
            continue
        out.append(_e(text[pos:start]))
        out.append(f"<mark>{_e(text[start:end])}</mark>")
        pos = end
    out.append(_e(text[pos:]))
    return "".join(out)


_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#212121}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;border-bottom:2px solid #1565c0;padding-bottom:3px;
margin-top:26px} table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #cfd8dc;padding:4px 6px;text-align:left;vertical-align:top} th{background:#eceff1}
.meta td:first-child{width:110px;background:#f5f5f5} .agent{color:#0d47a1} .customer{color:#4e342e}
mark{background:#ffcdd2;padding:0 2px} .total{font-size:28px;font-weight:bold;color:#1565c0}
.sev-high{color:#b71c1c;font-weight:bold} .sev-medium{color:#e65100} .muted{color:#757575;font-size:12px}
@media print{body{margin:0} h2{page-break-after:avoid} tr{page-break-inside:avoid} .noprint{display:none}}
"""


def render_call_report(rec: CallRecord) -> str:
    """A printable, self-contained HTML report of one call (score card, timeline, transcript)."""
    s = rec.summary
    rows = [
        ("通话编号", s.id),
        ("开始时间", s.started.strftime("%Y-%m-%d %H:%M:%S")),
        ("通话时长", duration_zh(s.duration)),
        ("坐席", " ".join(x for x in (s.agent_id, s.agent_name) if x) or "—"),
        ("类型", {"live": "实时通话", "demo": "演示", "practice": "练习", "training": "练习"}.get(s.mode, s.mode)),
        ("状态", s.status_zh),
        ("最高情绪", emotion_zh(s.max_emotion)),
        ("违规提示", f"{s.flag_count} 条（严重 {s.high_flag_count} 条）"),
    ]
    h: list[str] = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>通话质检报告 {_e(s.id)}</title><style>{_CSS}</style></head><body>",
        "<h1>通话质检报告</h1>",
        '<p class="muted">坐席助手 AgentAssist 导出 · 客户号码等敏感信息已脱敏</p>',
        '<table class="meta">',
        *(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in rows),
        "</table>",
        "<h2>质检评分</h2>",
    ]
    if rec.score is None:
        h.append('<p class="muted">本通话没有评分。</p>')
    else:
        h.append(f'<p><span class="total">{rec.score.total:.1f}</span> / {rec.score.max_total:.0f} 分</p>')
        h.append("<table><tr><th>项目</th><th>得分</th><th>满分</th><th>说明</th></tr>")
        for item in rec.score.items:
            h.append(
                f"<tr><td>{_e(item.name_zh)}</td><td>{item.points:.1f}</td><td>{item.max_points:.0f}</td>"
                f"<td>{_e('；'.join(item.notes))}</td></tr>"
            )
        h.append("</table>")
    h += ["<h2>客户情绪时间线</h2>", emotion_timeline_svg(rec)]

    h.append("<h2>违规与行为提示</h2>")
    if not rec.flags and not rec.conduct:
        h.append('<p class="muted">无。</p>')
    else:
        h.append("<table><tr><th>时间</th><th>级别</th><th>内容</th><th>说明</th><th>建议说法</th></tr>")
        for f in rec.flags:
            h.append(
                f"<tr><td>{_e(duration_zh(f.t))}</td><td class='sev-{_e(f.severity)}'>"
                f"{_e(_SEVERITY_ZH.get(f.severity, f.severity))}</td><td>{_e(f.matched)}</td>"
                f"<td>{_e(f.message)}</td><td>{_e(f.replacement)}</td></tr>"
            )
        for c in rec.conduct:
            h.append(
                f"<tr><td>{_e(duration_zh(c.t))}</td><td class='sev-{_e(c.severity)}'>"
                f"{_e(_SEVERITY_ZH.get(c.severity, c.severity))}</td><td>行为</td>"
                f"<td>{_e(c.message)}</td><td></td></tr>"
            )
        h.append("</table>")

    h.append("<h2>通话记录</h2><table><tr><th>时间</th><th>说话人</th><th>内容</th><th>环节</th><th>情绪</th></tr>")
    for ln in rec.transcript:
        flags = [f for f in rec.flags if f.utterance_idx == ln.idx]
        who = "坐席" if ln.speaker == "agent" else "客户"
        h.append(
            f"<tr><td>{_e(duration_zh(ln.start if ln.start is not None else ln.t))}</td>"
            f"<td class='{_e(ln.speaker)}'>{who}</td><td>{_highlight(ln.text, flags)}</td>"
            f"<td>{_e(phase_zh(ln.phase))}</td><td>{_e(emotion_zh(ln.emotion)) if ln.emotion else ''}</td></tr>"
        )
    h.append("</table>")

    if rec.suggestions:
        used = sum(1 for x in rec.suggestions if x.used)
        h.append(f"<h2>话术提示（采用 {used} / {len(rec.suggestions)}）</h2>")
        h.append("<table><tr><th>时间</th><th>环节</th><th>提示</th><th>是否采用</th></tr>")
        for sg in rec.suggestions:
            h.append(
                f"<tr><td>{_e(duration_zh(sg.t))}</td><td>{_e(phase_zh(sg.step))}</td><td>{_e(sg.text)}</td>"
                f"<td>{'是' if sg.used else '否'}</td></tr>"
            )
        h.append("</table>")

    wo = rec.work_order
    h.append("<h2>来电记录（工单）</h2>")
    if wo is None:
        h.append('<p class="muted">未填写工单。</p>')
    else:
        caller = f"{wo.caller_name}{wo.caller_title}" or "—"
        wrows = [
            ("日期", f"{wo.date} {wo.time}"),
            ("来电人", caller),
            ("性别", wo.gender or "—"),
            ("电话", wo.phone or "—"),
            ("来电摘要", wo.summary or "—"),
            ("处理情况", wo.handling or "—"),
            ("回访时间", wo.follow_up.strftime("%Y-%m-%d %H:%M") if wo.follow_up else "—"),
            ("投诉", "是（须在24小时内回复）" if wo.is_complaint else "否"),
            ("状态", wo.status_zh),
        ]
        h.append('<table class="meta">')
        h += [f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in wrows]
        h.append("</table>")
    h.append("</body></html>")
    return "\n".join(h)


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


FLAG_CSV_HEADER = ["通话编号", "日期", "坐席工号", "时间(秒)", "类别", "规则", "级别", "命中内容", "说明", "建议说法"]


def flag_csv_rows(rec: CallRecord) -> Iterable[list[str]]:
    s = rec.summary
    for f in rec.flags:
        yield [
            s.id, s.started.strftime("%Y-%m-%d"), s.agent_id, f"{f.t:.1f}",
            "服务忌语" if f.kind == "banned_phrase" else "行为", f.rule,
            _SEVERITY_ZH.get(f.severity, f.severity), f.matched, f.message, f.replacement,
        ]  # fmt: skip
    for c in rec.conduct:
        yield [
            s.id, s.started.strftime("%Y-%m-%d"), s.agent_id, f"{c.t:.1f}", "行为", c.rule,
            _SEVERITY_ZH.get(c.severity, c.severity), "", c.message, "",
        ]  # fmt: skip
