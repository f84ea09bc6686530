"""Small things agents notice (issue 12.19)."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLabel, QSpinBox

from assist_app.ui.meters import cue_line
from assist_app.ui.review import ScoreLine
from assist_app.ui.theme import mmss


def test_play_pause_uses_icons_not_missing_glyphs(panel: Any) -> None:
    window, controller = panel
    bar = window.demo_bar
    controller.set_demo_mode(True)
    for playing, paused in ((False, False), (True, False), (True, True)):
        bar.set_state(playing=playing, paused=paused)
        assert not bar.play_button.icon().isNull()
        assert not set(bar.play_button.text()) & {"⏸", "▶"}
    bar.set_state(playing=True, paused=False)
    assert bar.play_button.text() == "暂停"


def test_number_fields_show_their_arrows(panel: Any, qtbot: Any) -> None:
    box = QSpinBox()
    qtbot.addWidget(box)
    box.setRange(10, 24)
    box.setValue(13)
    box.resize(90, 26)
    box.show()
    QApplication.processEvents()
    image = box.grab().toImage()
    arrow = QColor("#52606d")
    dark = [(x, y) for x in range(image.width() - 16, image.width()) for y in range(image.height())
            if abs(image.pixelColor(x, y).red() - arrow.red()) < 40 and image.pixelColor(x, y).blue() < 160]
    assert len(dark) >= 10, "no arrow drawn in the spin box's buttons"


def test_timer_does_not_touch_the_call_button(panel: Any) -> None:
    window, _ = panel
    bar = window.call_bar
    gap = bar.timer_label.geometry().left() - bar.call_button.geometry().right()
    assert gap >= 8


def test_cues_wrap_between_cues_not_inside_one() -> None:
    text = cue_line(["找你们领导", "投诉"])
    assert text.count("white-space:nowrap") == 2 and "找你们领导" in text


def test_demo_list_lines_up_cjk_columns(capsys: pytest.CaptureFixture[str]) -> None:
    from assist_app.__main__ import main

    assert main(["demo", "--list"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]

    def column_of_count(line: str) -> int:
        head = line[: line.index(" 句")].rstrip("0123456789 ")
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in head)

    assert len({column_of_count(ln) for ln in lines}) == 1, lines


def test_missing_steps_are_listed_under_one_heading(panel: Any) -> None:
    window, _ = panel
    review = window.review
    review.show_score(60, [ScoreLine("话术公式", 10, 25, ("缺少步骤：倾听", "缺少步骤：告别"))])
    notes = [w.text() for w in review.findChildren(QLabel) if "缺少步骤" in w.text()]
    assert notes == ["缺少步骤：倾听、告别"]


def test_review_flag_times_match_the_score_and_back_stays_in_view(panel: Any, qtbot: Any) -> None:
    window, controller = panel
    controller.select_scenario_id("bad_agent")
    with qtbot.waitSignal(controller.call_finished, timeout=60_000) as ended:
        controller.start_demo(flat_out=True)
    outcome = ended.args[0]
    language = next(i for i in outcome.score.items if i.key == "language")
    banned = [(t, f) for t, f in outcome.flags if f.kind.value == "banned_phrase"]
    assert banned
    scored = [(t, f) for t, f in banned if any(f"「{f.matched}」" in note for note in language.notes)]
    assert len(scored) >= 3
    for t, f in scored:
        assert any(note.startswith(f"{mmss(t)}「{f.matched}」") for note in language.notes), (t, f, language.notes)
    review = window.review
    review.verticalScrollBar().setValue(review.verticalScrollBar().maximum())
    QApplication.processEvents()
    back = review.back_button
    top = back.mapTo(window, back.rect().topLeft()).y()
    assert back.isVisible() and 0 <= top < window.height()
