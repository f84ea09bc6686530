"""What a call report shows, as plain typed data (no store, no analysis, no HTML).

``store/report.py`` builds it from a saved ``CallRecord``; ``pipeline/qa_report.py`` from the QA of
a recording. ``render.py`` turns it into one page; each source only decides what goes in.
"""

from __future__ import annotations

from dataclasses import dataclass

from assist_app.scores import QAScore


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One transcript row; ``marks`` are ``(start, end)`` character spans to highlight; ``heard`` is
    what the live recognizer heard when the second pass (精校转写) corrected the line."""

    t: float | None
    speaker: str  # "agent" | "customer"
    text: str
    marks: tuple[tuple[int, int], ...] = ()
    phase: str | None = None
    emotion: str | None = None
    heard: str = ""


@dataclass(frozen=True, slots=True)
class ReportAlert:
    """A banned phrase (``matched`` is what was said) or a conduct reminder (``matched`` empty);
    ``note`` is the second pass's verdict on it (精校转写), shown after the message."""

    t: float | None
    severity: str
    matched: str
    message: str
    replacement: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class EmotionMark:
    """One customer emotion reading on the timeline."""

    t: float
    label: str
    intensity: float
    text: str = ""


@dataclass(frozen=True, slots=True)
class CoverageStep:
    """One step of the empathy formula: reached or not, and when first."""

    name: str
    done: bool
    first_t: float | None
    key: str = ""  # the step's ``Phase`` value


@dataclass(frozen=True, slots=True)
class SuggestionRow:
    t: float
    step: str
    text: str
    used: bool


@dataclass(frozen=True, slots=True)
class CallReport:
    """Everything one report page shows. Optional sections are left out when empty/``None``:
    ``coverage`` and ``problems`` (recordings), ``suggestions`` and ``work_order`` (saved calls;
    ``work_order=()`` shows the section with "not filled in")."""

    call_id: str
    meta: tuple[tuple[str, str], ...]  # label, value rows under the title
    duration: float | None
    score: QAScore | None
    transcript: tuple[ReportLine, ...]
    alerts: tuple[ReportAlert, ...] = ()
    emotions: tuple[EmotionMark, ...] = ()
    no_score: str = "本通话没有评分。"  # said instead of the score card when ``score`` is None
    subtitle: str = "坐席助手 AgentAssist 导出"
    coverage: tuple[CoverageStep, ...] = ()
    problems: tuple[str, ...] = ()
    suggestions: tuple[SuggestionRow, ...] = ()
    work_order: tuple[tuple[str, str], ...] | None = None
