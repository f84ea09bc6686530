"""QA of a recorded call: run the transcript through the guidance engine, score it, and render a
self-contained HTML report (transcript with flags, emotion over time as inline SVG, formula
coverage, score). Plain Python; no Qt, no network, no external assets.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, Protocol

from assist_app.events import (
    ConductEvent,
    EmotionLabel,
    Event,
    FinalText,
    Phase,
    Speaker,
    UtteranceAnalysis,
)
from assist_app.formatting import clock
from assist_app.pipeline.offline import Transcript


class QaEngine(Protocol):
    """What QA needs from ``analysis.engine.GuidanceEngine``."""

    @property
    def analyses(self) -> list[UtteranceAnalysis]: ...

    def handle(self, event: Event) -> list[Event]: ...

    def finish(self, t: float) -> list[Event]: ...


# How negative each emotion reads on the chart (0 = calm/positive, 1 = escalation).
_EMOTION_LEVEL = {
    EmotionLabel.POSITIVE: 0.0,
    EmotionLabel.NEUTRAL: 0.1,
    EmotionLabel.ANXIOUS: 0.45,
    EmotionLabel.NEGATIVE_OTHER: 0.5,
    EmotionLabel.ANGRY: 0.8,
    EmotionLabel.COMPLAINT_ESCALATION: 1.0,
}


NO_SPEECH_ZH = "录音里没有检测到说话声，未评分。"


def _score(engine: QaEngine) -> dict[str, Any]:
    try:
        from assist_app.analysis.scoring import score_call
    except ImportError:
        return {"total": None, "items": []}
    qs = score_call(engine)  # type: ignore[arg-type]
    return {
        "total": round(float(qs.total), 1),
        "items": [
            {
                "key": it.key,
                "name": it.name_zh,
                "points": it.points,
                "max_points": it.max_points,
                "notes": list(it.notes),
            }
            for it in qs.items
        ],
    }


def build_qa(transcript: Transcript, engine: QaEngine, *, audio: Sequence[str] = ()) -> dict[str, Any]:
    """Feed the finals in call order to ``engine`` and summarise everything as JSON-ready data."""
    conduct: list[ConductEvent] = []
    for utt in transcript.finals:
        conduct.extend(e for e in engine.handle(utt) if isinstance(e, ConductEvent))
    end_t = max((f.end or f.t for f in transcript.finals), default=transcript.duration)
    conduct.extend(e for e in engine.finish(max(end_t, transcript.duration)) if isinstance(e, ConductEvent))
    analyses = list(engine.analyses)

    score: dict[str, Any] = {"total": None, "items": []}
    problems = [s.message for s in transcript.statuses]
    if not transcript.finals:
        # Nothing was said (a silent or empty recording): there is no call to score. A score here
        # would be the formula's default points (55/100 for an hour of silence) with no problem named.
        problems.append(NO_SPEECH_ZH)
        score["note"] = NO_SPEECH_ZH
    else:
        score = _score(engine)

    utterances = []
    for i, a in enumerate(analyses):  # the engine gives one analysis per final, in order
        row = a.to_json()
        final: FinalText | None = transcript.finals[i] if i < len(transcript.finals) else None
        row["start"] = (
            a.utterance.start if a.utterance.start is not None else (final.start if final else None)
        )
        row["end"] = a.utterance.end if a.utterance.end is not None else (final.end if final else None)
        if final is not None and final.acoustic is not None:
            ac = final.acoustic
            row["acoustic"] = {
                "loudness_rel_db": ac.loudness_rel_db,
                "rate_cpm": ac.rate_cpm,
                "overlap_s": ac.overlap_s,
            }
        utterances.append(row)

    seen: dict[str, float | None] = {}
    for row in utterances:
        ph = row["phase"]
        if ph != Phase.OTHER.value and ph not in seen:
            seen[ph] = row.get("start")
    coverage = [
        {"step": p.value, "name": p.label_zh, "done": p.value in seen, "first_t": seen.get(p.value)}
        for p in Phase.steps()
    ]
    emotions = [
        {"t": row.get("start"), "label": row["emotion"]["label"], "intensity": row["emotion"]["intensity"]}
        for row in utterances
        if row["emotion"] is not None and row["speaker"] == Speaker.CUSTOMER.value
    ]
    flags = [dict(f, index=row["index"], t=row.get("start")) for row in utterances for f in row["flags"]]
    talk = {
        sp.value: round(sum((f.end or 0) - (f.start or 0) for f in transcript.finals if f.speaker is sp), 1)
        for sp in Speaker
    }
    return {
        "call_id": transcript.call_id,
        "audio": list(audio),
        "duration_s": round(transcript.duration, 2),
        "score": score,
        "coverage": coverage,
        "emotions": emotions,
        "flags": flags,
        "conduct": [e.to_json() for e in conduct],
        "talk_seconds": talk,
        "problems": problems,
        "utterances": utterances,
    }


# -- HTML ------------------------------------------------------------------------------------

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
.score{font-size:40px;font-weight:bold}.muted{color:#777}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:4px 6px;
text-align:left;vertical-align:top}
.agent{background:#f3f8ff}.customer{background:#fff8f0}
.flag{display:inline-block;margin:2px 0;padding:1px 6px;border-radius:3px;font-size:13px}
.high{background:#fdd;color:#900}.medium{background:#ffe9c7;color:#840}.low{background:#eef;color:#336}
mark{background:#fbb}.ok{color:#080}.miss{color:#b00}
"""


def _highlight(text: str, flags: list[dict[str, Any]]) -> str:
    spans = sorted(
        (int(f["span"][0]), int(f["span"][1])) for f in flags if f.get("span") and f["span"][1] > f["span"][0]
    )
    out, pos = [], 0
    for s, e in spans:
        if s < pos or e > len(text):
            continue
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _emotion_svg(emotions: list[dict[str, Any]], duration: float) -> str:
    w, h, pad = 900, 180, 30
    if not emotions:
        return '<p class="muted">没有客户情绪数据。</p>'
    span = max(duration, max((e["t"] or 0.0) for e in emotions), 1.0)

    def xy(e: dict[str, Any]) -> tuple[float, float]:
        level = _EMOTION_LEVEL.get(EmotionLabel(e["label"]), 0.1)
        level = max(level, level * 0.5 + 0.5 * float(e["intensity"])) if level >= 0.45 else level
        return pad + (w - 2 * pad) * (e["t"] or 0.0) / span, h - pad - (h - 2 * pad) * level

    pts = [xy(e) for e in emotions]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#c33"><title>{clock(e["t"])} '
        f"{html.escape(EmotionLabel(e['label']).label_zh)}</title></circle>"
        for (x, y), e in zip(pts, emotions, strict=True)
    )

    def gy(v: float) -> float:
        return h - pad - (h - 2 * pad) * v

    grid = "".join(
        f'<line x1="{pad}" x2="{w - pad}" y1="{gy(v)}" y2="{gy(v)}" stroke="#eee"/>'
        f'<text x="2" y="{gy(v) + 4}" font-size="11" fill="#888">{lab}</text>'
        for v, lab in ((0.0, "满意"), (0.1, "平静"), (0.5, "不满"), (0.8, "愤怒"), (1.0, "投诉"))
    )
    axis = (
        f'<text x="{w - pad}" y="{h - 8}" font-size="11" fill="#888" text-anchor="end">{clock(span)}</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
        f'aria-label="客户情绪变化">{grid}<polyline fill="none" stroke="#c33" stroke-width="2" '
        f'points="{path}"/>{dots}{axis}</svg>'
    )


def render_html(qa: dict[str, Any]) -> str:
    """A readable, self-contained report (inline CSS and SVG; opens offline in any browser)."""
    e = html.escape
    total = qa["score"]["total"]
    score_html = (
        f'<div class="score">{total:.1f}<span class="muted"> / 100</span></div>' if total is not None
        else f'<p class="muted">{e(str(qa["score"].get("note", "未评分")))}</p>'
    )
    items = "".join(
        f"<tr><td>{e(str(it['name']))}</td><td>{it['points']:g} / {it['max_points']:g}</td>"
        f"<td>{'<br>'.join(e(str(n)) for n in it['notes'])}</td></tr>"
        for it in qa["score"]["items"]
    )
    coverage = "".join(
        f'<tr><td>{e(c["name"])}</td><td class="{"ok" if c["done"] else "miss"}">'
        f"{'✔ ' + clock(c['first_t']) if c['done'] else '✘ 缺失'}</td></tr>"
        for c in qa["coverage"]
    )
    rows = []
    for u in qa["utterances"]:
        flags = "".join(
            f'<div class="flag {e(f["severity"])}">{e(f["message"])}'
            + (f"　→ 建议：{e(f['replacement'])}" if f.get("replacement") else "")
            + "</div>"
            for f in u["flags"]
        )
        emo = u.get("emotion")
        emo_txt = f"{EmotionLabel(emo['label']).label_zh} {emo['intensity']:.2f}" if emo else ""
        who = "坐席" if u["speaker"] == "agent" else "客户"
        rows.append(
            f'<tr class="{e(u["speaker"])}"><td>{clock(u.get("start"))}</td><td>{who}</td>'
            f"<td>{_highlight(u['text'], u['flags'])}{flags}</td>"
            f"<td>{e(Phase(u['phase']).label_zh)}</td><td>{e(emo_txt)}</td></tr>"
        )
    conduct = "".join(
        f'<li><span class="flag {e(c["severity"])}">{e(c["rule"])}</span> '
        f"{clock(c['t'])} {e(c['message'])}</li>"
        for c in qa["conduct"]
    )
    problems = "".join(f"<li>{e(p)}</li>" for p in qa["problems"])
    talk = qa["talk_seconds"]
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>通话质检报告 {e(qa["call_id"])}</title>
<style>{_CSS}</style></head><body>
<h1>通话质检报告</h1>
<p class="muted">通话 {e(qa["call_id"])}　录音 {e("、".join(qa["audio"]))}　时长 {clock(qa["duration_s"])}
　坐席说话 {talk.get("agent", 0):.0f} 秒　客户说话 {talk.get("customer", 0):.0f} 秒</p>
<h2>得分</h2>{score_html}<table><tr><th>项目</th><th>得分</th><th>说明</th></tr>{items}</table>
<h2>话术公式完成情况</h2><table>{coverage}</table>
<h2>客户情绪变化</h2>{_emotion_svg(qa["emotions"], float(qa["duration_s"]))}
<h2>服务行为提醒</h2><ul>{conduct or '<li class="muted">无</li>'}</ul>
{f"<h2>音频问题</h2><ul>{problems}</ul>" if problems else ""}
<h2>通话记录（{len(qa["utterances"])} 句，服务忌语 {len(qa["flags"])} 处）</h2>
<table><tr><th>时间</th><th>说话人</th><th>内容</th><th>环节</th><th>情绪</th></tr>{"".join(rows)}</table>
</body></html>
"""
