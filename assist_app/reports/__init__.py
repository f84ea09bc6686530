"""One call report: a typed model (``model.py``) filled by the store (a saved call) and by ``qa``
(a recording), and one self-contained HTML renderer (``render.py``)."""

from assist_app.reports.model import (
    CallReport,
    CoverageStep,
    EmotionMark,
    ReportAlert,
    ReportLine,
    SuggestionRow,
)
from assist_app.reports.render import render_report

__all__ = ["CallReport", "CoverageStep", "EmotionMark", "ReportAlert", "ReportLine", "SuggestionRow",
           "render_report"]
