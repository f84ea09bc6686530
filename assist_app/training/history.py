"""Per-trainee practice history through the call-records store, and export for the trainer.

``save_practice`` stores one practice call (``CallStore.save_trainee_session``); ``sessions_csv``
writes one row per session (score, pass, every item); ``sessions_html`` a printable page per
trainee with the trend and, per session, the moments that cost points and the better phrase.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from assist_app.outfiles import write_csv, write_text
from assist_app.store import CallStore, TraineeSession
from assist_app.training.scorecard import PracticeScore, moments_of, stored_verdict

ITEM_KEYS = ("opening", "closing", "formula", "order", "language", "hold", "interruptions", "rate")
ITEM_NAMES = {"opening": "开场问候", "closing": "结束语", "formula": "话术公式", "order": "先安抚后解释",
              "language": "服务用语", "hold": "等待规范", "interruptions": "不打断客户", "rate": "语速"}


def save_practice(store: CallStore, trainee: str, score: PracticeScore, *, started: datetime,
                  ended: datetime | None = None, call_id: str | None = None) -> int:
    """Record one practice call for ``trainee``; returns the session's row id."""
    session = TraineeSession(scenario_id=score.scenario_id, trainee=trainee.strip() or "未命名", started=started,
                             ended=ended or datetime.now(), score=score.total, items=score.items_json(),
                             call_id=call_id)
    return store.save_trainee_session(session)


def _items(s: TraineeSession) -> dict[str, dict[str, Any]]:
    return {str(i.get("key")): dict(i) for i in s.items if i.get("kind", "item") == "item"}


def _passed(s: TraineeSession, pass_scores: dict[str, float]) -> str:
    """是 / 否 / 未完成, as the trainee's score card said (an unfinished practice is not a pass)."""
    verdict = stored_verdict(s.items, s.score, pass_scores.get(s.scenario_id, 60.0))
    return {"通过": "是", "未通过": "否"}.get(verdict, verdict)


def _item_cell(item: dict[str, Any]) -> str:
    if item.get("applicable") is False:
        return "未涉及"
    return f"{item['points']:g}/{item['max']:g}"


def sessions_csv(sessions: Sequence[TraineeSession], path: Path, *, titles: dict[str, str] | None = None,
                 pass_scores: dict[str, float] | None = None) -> int:
    """One row per session, oldest first (UTF-8 with BOM so Excel reads the Chinese)."""
    titles = titles or {}
    pass_scores = pass_scores or {}
    header = ["时间", "学员", "场景", "场景名称", "得分", "及格", *(ITEM_NAMES[k] for k in ITEM_KEYS), "扣分点"]
    rows: list[list[str]] = []
    for s in sorted(sessions, key=lambda s: s.started):
        items = _items(s)
        row = [s.started.strftime("%Y-%m-%d %H:%M"), s.trainee, s.scenario_id, titles.get(s.scenario_id, ""),
               "" if s.score is None else f"{s.score:.0f}", _passed(s, pass_scores)]
        row += [_item_cell(items[k]) if k in items else "" for k in ITEM_KEYS]
        row.append(str(len(moments_of(s.items))))
        rows.append(row)
    return write_csv(path, header, rows)


def sessions_html(sessions: Sequence[TraineeSession], path: Path, *, titles: dict[str, str] | None = None,
                  pass_scores: dict[str, float] | None = None) -> int:
    """A printable report: per trainee, every session with its score and costly moments."""
    titles = titles or {}
    pass_scores = pass_scores or {}
    e = html.escape
    parts = ["<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>练习记录</title>",
             "<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.bad{color:#b3261e}"
             ".ok{color:#1b7f3a}.muted{color:#777}</style>",
             f"<h1>坐席练习记录</h1><p class='muted'>导出时间 {datetime.now():%Y-%m-%d %H:%M}</p>"]
    by_trainee: dict[str, list[TraineeSession]] = {}
    for s in sorted(sessions, key=lambda s: s.started):
        by_trainee.setdefault(s.trainee, []).append(s)
    for trainee, rows in by_trainee.items():
        scores = [s.score for s in rows if s.score is not None]
        avg = f"{sum(scores) / len(scores):.0f}" if scores else "—"
        parts.append(f"<h2>{e(trainee)}</h2><p>练习 {len(rows)} 次，平均 {avg} 分</p>")
        parts.append("<table><tr><th>时间</th><th>场景</th><th>得分</th><th>及格</th><th>扣分点与更好的说法</th></tr>")
        for s in rows:
            passed = _passed(s, pass_scores)
            cls = "ok" if passed == "是" else "bad"
            moments = "".join(
                f"<li>{e(str(m.get('problem', '')))}"
                + (f"：「{e(str(m['said']))}」" if m.get("said") else "")
                + (f" → <b>{e(str(m['better']))}</b>" if m.get("better") else "")
                + "</li>"
                for m in moments_of(s.items)
            ) or "<li class='muted'>无</li>"
            score = "—" if s.score is None else f"{s.score:.0f}"
            parts.append(f"<tr><td>{s.started:%Y-%m-%d %H:%M}</td><td>{e(titles.get(s.scenario_id, s.scenario_id))}"
                         f"</td><td>{score}</td><td class='{cls}'>{passed}</td><td><ul>{moments}</ul></td></tr>")
        parts.append("</table>")
    if not by_trainee:
        parts.append("<p>没有练习记录。</p>")
    write_text(path, "".join(parts) + "</html>\n")
    return len(sessions)
