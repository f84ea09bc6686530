"""The one HTML renderer for call reports: printable, self-contained (inline CSS, the emotion
timeline as inline SVG, no scripts, nothing fetched), so it opens and prints the same offline."""

from __future__ import annotations

import html
from collections.abc import Sequence

from assist_app.formatting import clock, duration_zh, emotion_zh, phase_zh
from assist_app.reports.model import CallReport, CoverageStep, EmotionMark, ReportAlert, ReportLine

EMOTION_COLOURS = {  # worst first: the timeline's rows top to bottom
    "complaint_escalation": "#b71c1c",
    "angry": "#e53935",
    "anxious": "#fb8c00",
    "negative_other": "#fdd835",
    "neutral": "#9e9e9e",
    "positive": "#43a047",
}
SEVERITY_ZH = {"high": "严重", "medium": "中等", "low": "轻微"}

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#212121}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;border-bottom:2px solid #1565c0;padding-bottom:3px;
margin-top:26px} table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #cfd8dc;padding:4px 6px;text-align:left;vertical-align:top} th{background:#eceff1}
.meta td:first-child{width:110px;background:#f5f5f5} .agent{color:#0d47a1} .customer{color:#4e342e}
mark{background:#ffcdd2;padding:0 2px} .total{font-size:28px;font-weight:bold;color:#1565c0}
.sev-high{color:#b71c1c;font-weight:bold} .sev-medium{color:#e65100} .muted{color:#757575;font-size:12px}
.ok{color:#2e7d32} .miss{color:#b71c1c}
@media print{body{margin:0} h2{page-break-after:avoid} tr{page-break-inside:avoid} .noprint{display:none}}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def emotion_timeline_svg(emotions: Sequence[EmotionMark], duration: float | None, width: int = 720,
                         height: int = 220) -> str:
    """The customer's emotion over the call: one row per label (worst on top), a line through
    the readings, dot size by intensity. Returns an ``<svg>`` element (inline, no scripts)."""
    labels = list(EMOTION_COLOURS)
    left, right, top, bottom = 80, 16, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    row_h = plot_h / (len(labels) - 1)
    span = max([duration or 0.0, *(p.t for p in emotions), 1.0])

    def x(t: float) -> float:
        return left + plot_w * (t / span)

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
            f'fill="{EMOTION_COLOURS[label]}">{_e(emotion_zh(label))}</text>'
        )
    for i in range(5):
        t = span * i / 4
        parts.append(
            f'<text x="{x(t):.1f}" y="{height - 8}" text-anchor="middle" font-size="11" fill="#616161">'
            f"{_e(duration_zh(t))}</text>"
        )
    points = [(x(p.t), y(p.label), p) for p in emotions]
    if len(points) > 1:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#90a4ae" stroke-width="1.5"/>')
    for px, py, p in points:
        r = 3 + 4 * max(0.0, min(1.0, p.intensity))
        parts.append(
            f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{r:.1f}" fill="{EMOTION_COLOURS.get(p.label, "#000")}">'
            f"<title>{_e(duration_zh(p.t))} {_e(emotion_zh(p.label))}：{_e(p.text)}</title></circle>"
        )
    if not points:
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
            f'fill="#9e9e9e">本通话没有客户情绪记录</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def highlight(text: str, marks: Sequence[tuple[int, int]]) -> str:
    """Escape ``text`` and wrap each valid, non-overlapping span in ``<mark>``."""
    out: list[str] = []
    pos = 0
    for start, end in sorted(set(marks)):
        if start < pos or not 0 <= start < end <= len(text):
            continue
        out.append(_e(text[pos:start]))
        out.append(f"<mark>{_e(text[start:end])}</mark>")
        pos = end
    out.append(_e(text[pos:]))
    return "".join(out)


def _table(rows: Sequence[tuple[str, str]]) -> list[str]:
    return ['<table class="meta">', *(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in rows), "</table>"]


def _score(report: CallReport) -> list[str]:
    score = report.score
    if score is None:
        return [f'<p class="muted">{_e(report.no_score)}</p>']
    h = [f'<p><span class="total">{score.total:.1f}</span> / {score.max_total:.0f} 分</p>',
         "<table><tr><th>项目</th><th>得分</th><th>满分</th><th>说明</th></tr>"]
    h += [f"<tr><td>{_e(item.name_zh)}</td><td>{item.points:.1f}</td><td>{item.max_points:.0f}</td>"
          f"<td>{_e('；'.join(item.notes))}</td></tr>" for item in score.items]
    return [*h, "</table>"]


def _coverage(steps: Sequence[CoverageStep]) -> list[str]:
    rows = (f'<tr><td>{_e(c.name)}</td><td class="{"ok" if c.done else "miss"}">'
            f"{'✔ ' + clock(c.first_t) if c.done else '✘ 缺失'}</td></tr>" for c in steps)
    return ["<h2>话术公式完成情况</h2><table>", *rows, "</table>"]


def _alerts(alerts: Sequence[ReportAlert]) -> list[str]:
    if not alerts:
        return ['<p class="muted">无。</p>']
    h = ["<table><tr><th>时间</th><th>级别</th><th>内容</th><th>说明</th><th>建议说法</th></tr>"]
    h += [f"<tr><td>{_e(duration_zh(a.t))}</td><td class='sev-{_e(a.severity)}'>"
          f"{_e(SEVERITY_ZH.get(a.severity, a.severity))}</td><td>{_e(a.matched or '行为')}</td>"
          f"<td>{_e(a.message)}{_e(f'（{a.note}）' if a.note else '')}</td><td>{_e(a.replacement)}</td></tr>"
          for a in alerts]
    return [*h, "</table>"]


def _transcript(lines: Sequence[ReportLine]) -> list[str]:
    h = ["<h2>通话记录</h2><table><tr><th>时间</th><th>说话人</th><th>内容</th><th>环节</th><th>情绪</th></tr>"]
    for ln in lines:
        who = "坐席" if ln.speaker == "agent" else "客户"
        heard = f"<br><span class='muted'>（精校）实时识别：{_e(ln.heard)}</span>" if ln.heard else ""
        h.append(
            f"<tr><td>{_e(duration_zh(ln.t))}</td><td class='{_e(ln.speaker)}'>{who}</td>"
            f"<td>{highlight(ln.text, ln.marks)}{heard}</td><td>{_e(phase_zh(ln.phase))}</td>"
            f"<td>{_e(emotion_zh(ln.emotion)) if ln.emotion else ''}</td></tr>"
        )
    return [*h, "</table>"]


def _suggestions(report: CallReport) -> list[str]:
    if not report.suggestions:
        return []
    used = sum(1 for x in report.suggestions if x.used)
    h = [f"<h2>话术提示（采用 {used} / {len(report.suggestions)}）</h2>",
         "<table><tr><th>时间</th><th>环节</th><th>提示</th><th>是否采用</th></tr>"]
    h += [f"<tr><td>{_e(duration_zh(sg.t))}</td><td>{_e(phase_zh(sg.step))}</td><td>{_e(sg.text)}</td>"
          f"<td>{'是' if sg.used else '否'}</td></tr>" for sg in report.suggestions]
    return [*h, "</table>"]


def _work_order(report: CallReport) -> list[str]:
    if report.work_order is None:
        return []
    if not report.work_order:
        return ["<h2>来电记录（工单）</h2>", '<p class="muted">未填写工单。</p>']
    return ["<h2>来电记录（工单）</h2>", *_table(report.work_order)]


def render_report(report: CallReport) -> str:
    """A printable, self-contained HTML page of one call's report."""
    h: list[str] = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>通话质检报告 {_e(report.call_id)}</title><style>{_CSS}</style></head><body>",
        "<h1>通话质检报告</h1>",
        f'<p class="muted">{_e(report.subtitle)}</p>',
        *_table(report.meta),
        "<h2>质检评分</h2>",
        *_score(report),
    ]
    if report.coverage:
        h += _coverage(report.coverage)
    h += ["<h2>客户情绪时间线</h2>", emotion_timeline_svg(report.emotions, report.duration)]
    h += ["<h2>违规与行为提示</h2>", *_alerts(report.alerts)]
    if report.problems:
        h += ["<h2>音频问题</h2><ul>", *(f"<li>{_e(p)}</li>" for p in report.problems), "</ul>"]
    h += _transcript(report.transcript)
    h += _suggestions(report)
    h += _work_order(report)
    h.append("</body></html>")
    return "\n".join(h)
