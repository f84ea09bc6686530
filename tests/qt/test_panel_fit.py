"""The panel fits common screens and never grows by itself (issue 12.3, 12.10).

Budget: a 1366×768 screen with a taskbar leaves about 728 px, minus the window manager's title bar;
1920×1080 at 150 % is a 1280×720 logical screen, about 680 px free. The window's minimum height
must stay under 640 logical px in every state, and a window opened at 400×680 must keep that size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

MAX_MIN_HEIGHT = 640
MAX_MIN_WIDTH = 340
OPEN_SIZE = (400, 680)


def drive_states(window: Any, controller: Any) -> dict[str, tuple[int, int, int, int]]:
    """Idle → demo → alert with history → review → practice; per state (min w, min h, w, h)."""
    from assist_app.demo.runner import run_demo
    from assist_app.demo.scenario import find_scenario
    from assist_app.events import FinalText

    seen: dict[str, tuple[int, int, int, int]] = {}

    def note(name: str) -> None:
        QApplication.processEvents()
        hint = window.minimumSizeHint()
        seen[name] = (hint.width(), hint.height(), window.width(), window.height())

    note("idle")
    controller.set_demo_mode(True)
    note("demo")
    bad = find_scenario(controller.scenarios, "bad_agent")
    run = run_demo(bad)
    last_flag_t = max(e.t for e in run.events if e.type_name == "flag")
    finals = [e for e in run.events if isinstance(e, FinalText) and e.t >= last_flag_t]
    cut = finals[0].t if finals else last_flag_t
    controller.select_scenario_id("bad_agent")
    controller.replay([e for e in run.events if e.t <= cut and e.type_name != "call_ended"], run.engine)
    assert window.alert.history_list.isVisible()
    QApplication.processEvents()
    for card in window.suggestions.cards:  # with the alert history showing, suggestions wrap in full
        if card.isVisible():
            assert card.text.height() >= card.text.heightForWidth(card.text.width()), card.text.text()
    note("alert")
    controller.replay(run.events, run.engine)
    assert window.stack.currentWidget() is window.review
    note("review")
    window.show_live()
    controller.set_practice_mode(True)
    note("practice")
    return seen


@pytest.mark.parametrize("font_size", [13, 16])
def test_every_state_fits_and_the_window_never_grows(qtbot, shipped_library, font_size) -> None:  # type: ignore[no-untyped-def]
    from assist_app.demo.scenario import load_scenarios
    from assist_app.ui.app import build_panel, ensure_app
    from assist_app.ui.settings import AppSettings

    ensure_app(font_size)
    try:
        window, controller = build_panel(AppSettings(font_size=font_size), library=shipped_library,
                                         scenarios=load_scenarios(), with_live=False)
        qtbot.addWidget(window)
        window.resize(*OPEN_SIZE)
        window.show()
        seen = drive_states(window, controller)
        for state, (min_w, min_h, w, h) in seen.items():
            assert min_h <= MAX_MIN_HEIGHT, (state, seen)
            assert (w, h) == OPEN_SIZE, f"the window resized itself in state {state}: {seen}"
            if font_size == 13:
                assert min_w <= MAX_MIN_WIDTH, (state, seen)
        controller.shutdown()
        window.close()
    finally:
        ensure_app(13)


def test_opens_inside_the_screen(panel) -> None:  # type: ignore[no-untyped-def]
    window, _ = panel
    free = QApplication.primaryScreen().availableGeometry()
    assert window.height() + 40 <= free.height()
    assert window.width() <= free.width()


def test_at_the_minimum_width_nothing_is_clipped(panel, qtbot) -> None:  # type: ignore[no-untyped-def]
    from assist_app.events import Phase, Suggestion

    window, _controller = panel
    window.resize(window.minimumSizeHint().width(), 680)
    long = ("非常抱歉让您久等了，我已经把您反映的情况详细记录下来，并提交给了技术部门，"
            "请您放心，我们会在二十四小时内给您回复。")
    window.suggestions.show_suggestions((Suggestion(step=Phase.SOOTHING, text=long, reason="客户着急"),))
    QApplication.processEvents()
    title = window.title
    assert title.width() >= title.fontMetrics().horizontalAdvance("坐席助手")
    label = window.suggestions.cards[0].text
    assert label.height() >= label.heightForWidth(label.width())  # wrapped in full, not cut
    assert label.geometry().right() <= label.parentWidget().contentsRect().right()
    card = window.suggestions.cards[0]
    assert card.mapTo(window, card.rect().topRight()).x() <= window.width()


def test_fits_at_150_percent_scaling(tmp_path: Path) -> None:
    """1920×1080 at 150 %: the same budget in logical pixels, checked in a fresh process."""
    code = (
        "import json, runpy, sys\n"
        f"mod = runpy.run_path({str(Path(__file__))!r})\n"
        "from assist_app.demo.scenario import load_scenarios\n"
        "from assist_app.library import load_library\n"
        "from assist_app.ui.app import build_panel, ensure_app\n"
        "app = ensure_app(13)\n"
        "w, c = build_panel(library=load_library(), scenarios=load_scenarios(), with_live=False)\n"
        f"w.resize(*{OPEN_SIZE!r}); w.show()\n"
        "print(json.dumps(mod['drive_states'](w, c)))\n"
        "c.shutdown(); w.close()\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, QT_SCALE_FACTOR="1.5", QT_QPA_PLATFORM="offscreen:size=1920x1080",
               PYTHONPATH=str(root), ASSIST_APP_CONFIG_DIR=str(tmp_path))
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    for state, (_min_w, min_h, w, h) in seen.items():
        assert min_h <= MAX_MIN_HEIGHT, (state, seen)
        assert [w, h] == list(OPEN_SIZE), (state, seen)


def test_compact_mode_shrinks_the_window_to_its_cards(panel: Any, qtbot: Any) -> None:
    """精简 (issue 12.12): secondary cards hidden, the window as tall as what is left, no card or
    alert stretched to fill spare height; switching it off gives the earlier height back."""
    from assist_app.events import Flag, FlagKind, FlagRaised, Severity, Speaker

    window, controller = panel
    window.resize(420, 760)
    qtbot.waitUntil(lambda: window.height() == 760, timeout=2000)
    window.compact_box.setChecked(True)
    QApplication.processEvents()
    assert not window.transcript.isVisible() and not window.emotion.isVisible() and not window.conduct.isVisible()
    qtbot.waitUntil(lambda: window.height() < 420, timeout=2000)
    for card in (window.suggestions, window.stepper):
        assert card.isVisible() and card.height() <= card.sizeHint().height() + 4  # not stretched apart
    flag = Flag("shirk.not_my_job", FlagKind.BANNED_PHRASE, Severity.HIGH, (0, 5), "这不归我管", "推诿",
                "这个问题我帮您联系相关部门处理")
    for t in (1.0, 2.0, 3.0):  # three alerts: the earlier ones' list is secondary in 精简
        controller.bridge.dispatch(FlagRaised(t=t, speaker=Speaker.AGENT, flag=flag, text=f"这不归我管{t}", final=True))
    QApplication.processEvents()
    qtbot.waitUntil(lambda: window.alert.isVisible(), timeout=2000)
    assert window.alert.height() <= window.alert.sizeHint().height() + 2 and window.alert.height() < 160
    # the window made room for the alert, and everything in 精简 is on screen without scrolling
    qtbot.waitUntil(lambda: window.stepper.mapTo(window, window.stepper.rect().bottomLeft()).y() <= window.height(),
                    timeout=2000)
    assert window.height() < 520
    window.compact_box.setChecked(False)
    QApplication.processEvents()
    assert window.transcript.isVisible() and window.height() == 760
