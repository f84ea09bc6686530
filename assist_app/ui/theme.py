"""Fonts, colours and the stylesheet of the panel (one place, so views stay layout-only)."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

from assist_app.events import EmotionLabel, Phase, Severity
from assist_app.formatting import clock
from assist_app.resources import resources_dir

CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
                "WenQuanYi Micro Hei", "Noto Sans SC")

EMOTION_COLOURS = {
    EmotionLabel.ANGRY: "#c2453b",
    EmotionLabel.COMPLAINT_ESCALATION: "#8e2c6e",
    EmotionLabel.ANXIOUS: "#d98b1e",
    EmotionLabel.NEGATIVE_OTHER: "#b26b3f",
    EmotionLabel.NEUTRAL: "#7b8794",
    EmotionLabel.POSITIVE: "#3f9b5a",
}

SEVERITY_ZH = {Severity.HIGH: "严重", Severity.MEDIUM: "注意", Severity.LOW: "提醒"}
SEVERITY_OBJECT = {Severity.HIGH: "alertHigh", Severity.MEDIUM: "alertMedium", Severity.LOW: "alertLow"}

SPEAKER_COLOURS = {"agent": "#2f6fb0", "customer": "#52606d"}
FLAG_HIGHLIGHT = "#f6c8c3"

STEP_SHORT = {
    Phase.GREETING: "问候",
    Phase.ASKING: "询问",
    Phase.LISTENING: "倾听",
    Phase.SOOTHING: "安抚",
    Phase.EXPLANATION: "解释",
    Phase.ADVICE: "建议",
    Phase.CLOSING: "告别",
    Phase.OTHER: "其他",
}


def pick_cjk_family() -> str:
    families = set(QFontDatabase.families())
    for name in CJK_FAMILIES:
        if name in families:
            return name
    return QApplication.font().family()


def apply_theme(app: QApplication, font_size: int = 13) -> None:
    """Font with CJK glyphs at the user's size, the panel stylesheet and the window icon."""
    font = QFont(pick_cjk_family())
    font.setPixelSize(font_size)
    app.setFont(font)
    qss = resources_dir() / "styles" / "panel.qss"
    if qss.is_file():
        # @ICONS@: the icons folder, so the stylesheet's arrow images load wherever the app lives.
        icons = (resources_dir() / "icons").as_posix()
        app.setStyleSheet(qss.read_text(encoding="utf-8").replace("@ICONS@", icons))
    icon = resources_dir() / "icons" / "app.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))


def mmss(seconds: float) -> str:
    return clock(seconds)
