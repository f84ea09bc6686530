"""Drafting a work order (seed 004's 来电记录) from a finished call.

The draft is a summary in seed 004's fields, not the transcript glued together (issue 12.15):

- **summary** (来电内容): the customer's problem, from their ``asking``-phase utterances (seed 003's
  询问问题 step; their first utterances when the engine labelled none). Utterances are cut into
  clauses; greetings, fillers (喂/嗯/那个…), thanks and the phone number (its own field) are left out,
  a clause said again (or contained in one already kept) is kept once, punctuation is normalised
  (one 。 per utterance, no "！；") and the whole is capped at a clause boundary.
- **handling** (处理情况): the agent's ``explanation`` / ``advice`` utterances, cleaned the same way,
  courtesy clauses (抱歉、稍等、感谢…) left out and 您 written as 客户. A clause holding a flagged
  span (a banned phrase, ``flagged``) is never quoted: the record must not repeat 服务忌语.
- **follow-up** (回访时间): the earliest commitment the agent made ("二十四小时内给您回复",
  "两个小时内联系您", "稍后给您回电" → 24 h), and for a complaint (emotion reached
  ``complaint_escalation``) at most 24 h — seed 000: complaints get a work order and a callback
  within 24 h. A commitment is also written into the handling text.
- **caller name/title/gender**: from how the agent addressed the customer (王先生 → 王, 先生, 男);
- **phone**: the first mobile/landline number in the customer's speech (masked if masking is on).

The draft is a starting point the agent edits; nothing here is sent anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from assist_app.events import UtteranceAnalysis
from assist_app.store.models import TranscriptLine, WorkOrder

FOLLOW_UP_HOURS = 24
_SUMMARY_MAX = 120
_HANDLING_MAX = 200

_TITLE_RE = re.compile(r"([\u4e00-\u9fff*])(先生|女士|小姐)")
_PHONE_RE = re.compile(r"(?<![\d*])(?:1[3-9][\d*]{9}|0\d{2,3}-?[\d*]{7,8})(?![\d*])")
_NOT_SURNAME = set("的是好谢请问您你我他她位这那给跟和叫姓喂吗呢啊吧了对找")

# Clause boundaries: sentence and clause punctuation (half- and full-width), ellipses, wide spaces.
_CLAUSE_SPLIT_RE = re.compile(r"[，,。.！!？?；;：:…~～、\n]+|\s{2,}|\u3000")
# Sounds and set phrases that carry nothing for the record, at the start or end of a clause.
_FILLER_RE = re.compile(r"^(?:喂+|嗯+|啊+|呃+|哦+|额+|那个|就是说?|然后|对了|那)+|(?:啊|呀|吧|呢|嘛|哈|啦|了啊)+$")
_EMPTY_CLAUSE_RE = re.compile(
    r"^(?:你好|您好|喂|好的?|行|嗯|对|是的?|谢谢(?:你|您)?|好吧|没事|请问|那个|听得到吗|在吗|就是)$"
)
# Courtesy clauses of the agent: right to say, not what was done about the problem.
_COURTESY_RE = re.compile(
    r"^(?:非常|十分|实在)?(?:抱歉|对不起|不好意思)|^(?:请您?)?(?:稍等|别着急|先别着急|放心)|感谢|很高兴为您服务"
    r"|^您好|^请问(?:还有)?(?:其他|别的)|再见$|理解您的心情"
)
_CN_NUM = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"\d+|[零一二两三四五六七八九十]+"
# "我们会在二十四小时内给您回复", "两个小时之内联系您", "三个工作日内答复您"; a repair estimate
# ("预计两小时内恢复") is not a promise to call back.
_COMMIT_RE = re.compile(
    rf"(?P<n>{_NUM}|半)\s*个?\s*(?P<unit>小时|钟头|分钟|个?工作日|天)(?:之)?内"
    r".{0,12}?(?:回复|答复|回电|回访|联系您|联系客户|反馈给您|通知您|给您打)"
)
# A callback promised without a time ("稍后给您回电", "我们会回访您"): the 24 h of seed 000.
_CALLBACK_RE = re.compile(r"(?:给您|跟您)?(?:回电|回个电话|回拨|打回来|回访)")


class FlaggedSpan(NamedTuple):
    """A flag on a transcript line: ``idx`` the line's ``TranscriptLine.idx``, ``span`` character
    offsets into its text (``None`` when unknown), ``matched`` the flagged words."""

    idx: int | None
    span: tuple[int, int] | None
    matched: str


def _cn_int(text: str) -> int | None:
    """``"24"``, ``"二十四"``, ``"两"``, ``"十"`` → int (up to 99); anything else ``None``."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = _CN_NUM.get(tens, -1) if tens else 1
        o = _CN_NUM.get(ones, -1) if ones else 0
        return None if t < 0 or o < 0 else t * 10 + o
    if len(text) == 1 and text in _CN_NUM:
        return _CN_NUM[text]
    return None


def commitment_hours(text: str) -> float | None:
    """The deadline, in hours, of a commitment in ``text`` (the earliest one), or ``None``."""
    best: float | None = None
    for m in _COMMIT_RE.finditer(text):
        n = 0.5 if m.group("n") == "半" else _cn_int(m.group("n"))
        if n is None or n <= 0:
            continue
        unit = m.group("unit")
        hours = n / 60 if unit == "分钟" else n * 24 if unit.endswith(("天", "工作日")) else float(n)
        best = hours if best is None else min(best, hours)
    if best is None and _CALLBACK_RE.search(text):
        best = float(FOLLOW_UP_HOURS)
    return best


_SENTENCE_END_RE = re.compile(r"[。.！!？?；;\n]")


def _sentence_of(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """The whole sentence around ``span``: a banned phrase runs on past its flagged words
    ("这不归我管，你找别的部门去"), so the draft leaves out all of it."""
    a = max(0, min(span[0], len(text)))
    b = max(a, min(span[1], len(text)))
    starts = [m.end() for m in _SENTENCE_END_RE.finditer(text, 0, a)]
    end = _SENTENCE_END_RE.search(text, b)
    return (starts[-1] if starts else 0, end.start() if end else len(text))


def _clauses(text: str, leave_out: Iterable[tuple[int, int]] = ()) -> list[str]:
    """The clauses of ``text``, cleaned; the sentence around a span in ``leave_out`` is dropped."""
    out: list[str] = []
    pos = 0
    bad = [_sentence_of(text, sp) for sp in leave_out if sp[1] > sp[0]]
    for m in [*_CLAUSE_SPLIT_RE.finditer(text), None]:
        end = m.start() if m is not None else len(text)
        raw = text[pos:end]
        start = pos
        pos = m.end() if m is not None else len(text)
        if any(a < end and start < b for a, b in bad):
            continue
        clause = _FILLER_RE.sub("", raw.strip()).strip()
        if clause and not _EMPTY_CLAUSE_RE.match(clause):
            out.append(clause)
    return out


def _compose(utterances: Iterable[list[str]], limit: int) -> str:
    """Clauses per utterance → "a，b。c。", each clause once (also when contained in a kept one),
    capped at ``limit`` characters on a clause boundary."""
    kept: list[list[str]] = []
    seen: list[str] = []
    for clauses in utterances:
        mine: list[str] = []
        for c in clauses:
            if any(c in s for s in seen):
                continue
            seen[:] = [s for s in seen if s not in c]  # a longer telling of the same clause wins
            for group in kept:
                group[:] = [g for g in group if g not in c]
            seen.append(c)
            mine.append(c)
        if mine:
            kept.append(mine)
    out = ""
    for group in (g for g in kept if g):
        sentence = "，".join(group) + "。"
        if len(out) + len(sentence) > limit:
            room = limit - len(out) - 1
            part = ""
            for c in group:
                if len(part) + len(c) + 1 > room:
                    break
                part += ("，" if part else "") + c
            if part:
                out += part + "…"
            elif not out:
                out = sentence[: limit - 1] + "…"
            else:
                out = out[:-1] + "…"
            break
        out += sentence
    return out


def _minute(when: datetime) -> datetime:
    """Work orders keep minutes (seed 004's form); rounding down keeps the callback inside 24 h."""
    return when.replace(second=0, microsecond=0)


# Over 60 lines: the draft's fields one after another, each from the lines and flags it reads.
def draft_work_order(
    call_id: str,
    started: datetime,
    lines: Sequence[TranscriptLine],
    *,
    emotions: Iterable[str] = (),
    flagged: Iterable[FlaggedSpan] = (),
) -> WorkOrder:
    """Draft a work order from a stored or live transcript (see the module docstring).

    ``emotions`` adds emotion labels seen in the call beyond those attached to ``lines``;
    ``flagged`` are the call's flags, whose words the draft never quotes.
    """
    customer = [ln for ln in lines if ln.speaker == "customer"]
    agent = [ln for ln in lines if ln.speaker == "agent"]
    asking = [ln for ln in customer if ln.phase == "asking"]
    if not asking:
        asking = [ln for ln in customer if ln.phase not in ("closing", "listening")][:3]
    flags = list(flagged)

    def spans(ln: TranscriptLine) -> list[tuple[int, int]]:
        out = [f.span for f in flags if f.idx == ln.idx and f.span is not None]
        for f in flags:  # a flag without a usable span: leave out every clause holding its words
            if f.matched and (f.idx is None or f.idx == ln.idx):
                out += [(m.start(), m.end()) for m in re.finditer(re.escape(f.matched), ln.text)]
        return out

    summary = _compose(
        ([c for c in _clauses(ln.text, spans(ln)) if not _PHONE_RE.search(c.replace(" ", ""))] for ln in asking),
        _SUMMARY_MAX,
    )
    handling_lines = [ln for ln in agent if ln.phase in ("explanation", "advice")]
    deadline: float | None = None
    for ln in agent:  # commitments count wherever they were said (often in the closing)
        hours = commitment_hours("。".join(_clauses(ln.text, spans(ln))))
        if hours is not None:
            deadline = hours if deadline is None else min(deadline, hours)
            if ln not in handling_lines:
                handling_lines.append(ln)
    handling_lines.sort(key=lambda ln: ln.idx)
    handling = _compose(
        ([c.replace("您", "客户") for c in _clauses(ln.text, spans(ln)) if not _COURTESY_RE.search(c)]
         for ln in handling_lines),
        _HANDLING_MAX,
    )
    labels = {ln.emotion for ln in customer if ln.emotion} | set(emotions)
    complaint = "complaint_escalation" in labels
    if complaint:
        deadline = FOLLOW_UP_HOURS if deadline is None else min(deadline, FOLLOW_UP_HOURS)

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
        summary=summary,
        handling=handling,
        follow_up=_minute(started + timedelta(hours=deadline)) if deadline is not None else None,
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
    flagged = [FlaggedSpan(i, f.span, f.matched) for i, a in enumerate(analyses) for f in a.flags]
    return draft_work_order(call_id, started, lines_from_analyses(analyses), flagged=flagged)
