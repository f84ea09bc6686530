"""Render the README screenshots of the agent panel to docs/screenshots/.

    xvfb-run -a .venv/bin/python scripts/screenshots.py        # a real X server
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py

Two screen profiles (issue 12.3), each in its own process because Qt reads QT_SCALE_FACTOR once:
``1366x768`` (100 %, into docs/screenshots/) and ``1920x1080@150`` (QT_SCALE_FACTOR=1.5, into
docs/screenshots/scale150/). The panel is given the size it opens at on that screen (the free area
above a 40 px taskbar, less the title bar), and ``00_screen`` shows it on the whole screen.

States: idle, demo picker, mid-call with a banned-phrase alert, angry customer, post-call review,
settings, call history and a stored call opened from it, practice mode (the trainee's turn, typed
replies without a speech model) and the practice score card. Each state is produced the way a user
gets there: a bundled scenario is played through the real session and engine (as fast as
possible), and the panel is shown the events up to the chosen moment (the history reads calls
recorded that way into a temporary store). Needs the CJK font (fonts-noto-cjk) or the text renders as boxes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEvent, Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from assist_app.demo.runner import DemoResult, run_demo  # noqa: E402
from assist_app.demo.scenario import find_scenario, load_scenarios  # noqa: E402
from assist_app.events import Event, FinalText  # noqa: E402
from assist_app.library import load_library  # noqa: E402
from assist_app.store import CallMeta, CallStore  # noqa: E402
from assist_app.ui.app import build_panel, ensure_app  # noqa: E402
from assist_app.ui.history import HistoryWindow  # noqa: E402
from assist_app.ui.settings import AppSettings  # noqa: E402
from assist_app.ui.settings_dialog import SettingsDialog  # noqa: E402

PROFILES = {  # name: (screen width, height, scale factor, output subfolder)
    "1366x768": (1366, 768, 1.0, ""),
    "1920x1080@150": (1920, 1080, 1.5, "scale150"),
}
TASKBAR_PX = 40  # physical pixels, as on a Windows desktop
SIZE = (420, 688)  # replaced by the profile's opening size in main()
SETTINGS = AppSettings(agent_name="张敏", agent_id="8023", company="诸暨广电")


def events_until(result: DemoResult, turn_index: int) -> list[Event]:
    """Events up to and including the guidance that followed turn ``turn_index``'s final text."""
    text = result.scenario.turns[turn_index].text
    finals = [e for e in result.events if isinstance(e, FinalText) and e.text == text]
    cut_t = finals[0].t
    return [e for e in result.events if e.t <= cut_t + 1e-6 and e.type_name != "call_ended"]


def save(widget: Any, out: Path, name: str) -> Path:
    # Twice: a layout request posted while the first round runs (a label re-wrapping) would
    # otherwise be photographed half done (a gap in the demo bar).
    QApplication.processEvents()
    QApplication.processEvents()
    path = out / f"{name}.png"
    pix = widget.grab()
    # 256 colours are plenty for a flat UI and keep the committed PNGs small.
    image = pix.toImage().convertToFormat(QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither)
    if not image.save(str(path), "PNG", 0):
        raise OSError(f"cannot write {path}")
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {pix.width()}×{pix.height()}")
    return path


def history_shots(out: Path, scenarios: list[Any]) -> None:
    """The history window over a temporary store holding bundled scenarios played as calls."""
    agents = {"angry_bill": ("1024", "李静"), "polite_inquiry": ("8023", "张敏"), "bad_agent": ("8023", "张敏")}
    with tempfile.TemporaryDirectory() as tmp, CallStore(Path(tmp) / "calls.db") as store:
        ids = {}
        for scenario_id, (agent_id, agent_name) in agents.items():
            sc = find_scenario(scenarios, scenario_id)
            assert sc is not None
            sink = store.recorder(CallMeta(agent_id=agent_id, agent_name=agent_name, mode="demo",
                                           scenario_id=scenario_id))
            result = run_demo(sc, sinks=[sink])
            ids[scenario_id] = str(getattr(sink, "call_id", ""))
            if result.score is not None:
                store.save_score(ids[scenario_id], result.score)
        store.flush()
        dlg = HistoryWindow(None, store, None)
        dlg.resize(880, 420)
        dlg.show()
        dlg.controller.refresh(focus_call_id=ids["bad_agent"])
        wait_for(lambda: bool(dlg.row_call_ids()))
        save(dlg, out, "07_history")
        dlg.resize(880, 680)
        dlg.controller.open_selected()
        wait_for(lambda: dlg.stack.currentWidget() is dlg.detail_page)
        save(dlg, out, "08_history_review")
        dlg.close()
        dlg.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def practice_shots(out: Path, window: Any, controller: Any, scenarios: list[Any]) -> None:
    """Practice mode: a trainee answers power_outage by typing; one slip costs points."""
    scenario = find_scenario(scenarios, "power_outage")
    assert scenario is not None
    replies = [t.text for t in scenario.turns if t.speaker.value == "agent"]
    replies[2] = "线路故障在修，修好了自然就来电了。"  # explains without soothing the worried customer
    controller.set_practice_mode(True)
    bar = window.practice_bar
    bar.picker.setCurrentIndex(bar.picker.findData("power_outage"))
    bar.trainee.setText("王小丽")
    controller.start_practice(pace=None)
    for n, text in enumerate(replies):
        wait_for(lambda: bar.reply.isEnabled())
        if n == 3:  # the customer pressed for a time; the trainee is about to answer
            bar.reply.setText("我非常理解您的心情，我马上帮您催办一下")
            save(window, out, "09_practice")
        controller.submit_reply(text)
    wait_for(lambda: window.stack.currentWidget() is window.review)
    window.review.verticalScrollBar().setValue(0)
    save(window, out, "10_practice_score")
    window.show_live()
    controller.set_practice_mode(False)


def wait_for(done: Any, timeout: float = 10.0) -> None:
    """Process events until ``done()`` (the history window reads the store off the GUI thread)."""
    import time

    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the history window did not load in time")
        QApplication.processEvents()
        time.sleep(0.01)


def opening_size(profile: str) -> tuple[int, int]:
    """The panel's opening size on the profile's screen, by the window's own rule (fitting_size)."""
    from assist_app.ui.main_window import FRAME_ALLOWANCE, PREFERRED

    width, height, scale, _ = PROFILES[profile]
    free_h = round((height - TASKBAR_PX) / scale)
    return min(PREFERRED[0], round(width / scale)), max(480, min(PREFERRED[1], free_h - FRAME_ALLOWANCE))


def screen_shot(window: Any, out: Path, profile: str) -> None:
    """The panel on the whole screen (desktop, taskbar, a title bar) at the profile's pixels."""
    from PySide6.QtGui import QColor, QFont, QPainter

    width, height, scale, _ = PROFILES[profile]
    QApplication.processEvents()
    pix = window.grab()
    canvas = QImage(width, height, QImage.Format.Format_RGB32)
    canvas.fill(QColor("#dfe6ee"))
    p = QPainter(canvas)
    p.fillRect(0, height - TASKBAR_PX, width, TASKBAR_PX, QColor("#1f2933"))
    title_h = round(30 * scale)
    x = width - round(pix.width() / pix.devicePixelRatio() * scale) - round(8 * scale)
    p.fillRect(x, 0, round(pix.width() / pix.devicePixelRatio() * scale), title_h, QColor("#52606d"))
    font = QFont(QApplication.font())
    font.setPixelSize(round(13 * scale))
    p.setFont(font)
    p.setPen(QColor("#ffffff"))
    p.drawText(x + round(10 * scale), round(20 * scale), "坐席助手")
    shot = pix.toImage().scaled(round(pix.width() / pix.devicePixelRatio() * scale),
                                round(pix.height() / pix.devicePixelRatio() * scale))
    shot.setDevicePixelRatio(1.0)  # drawn pixel for pixel (a 1.5 ratio would shrink it back)
    p.drawImage(x, title_h, shot)
    p.end()
    path = out / "00_screen.png"
    if not canvas.save(str(path), "PNG", 0):  # full colour: dithering turned the flat desktop cyan
        raise OSError(f"cannot write {path}")
    fits = title_h + round(pix.height() / pix.devicePixelRatio() * scale) <= height - TASKBAR_PX
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {width}×{height}"
          f"  window fits above the taskbar: {'yes' if fits else 'NO'}")
    if not fits:
        raise SystemExit(f"the panel does not fit a {profile} screen")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--profile", choices=sorted(PROFILES), default=None,
                    help="one screen profile (default: every profile, each in its own process)")
    args = ap.parse_args()
    if args.profile is None:
        import subprocess

        for name, (_w, _h, scale, _sub) in PROFILES.items():
            env = dict(os.environ, QT_SCALE_FACTOR=f"{scale:g}")
            cmd = [sys.executable, __file__, "--profile", name, "--out", str(args.out)]
            if subprocess.run(cmd, env=env, check=False).returncode != 0:
                return 1
        return 0
    global SIZE
    SIZE = opening_size(args.profile)
    args.out = args.out / PROFILES[args.profile][3]
    args.out.mkdir(parents=True, exist_ok=True)
    app = ensure_app(SETTINGS.font_size)
    library = load_library()
    scenarios = load_scenarios()
    angry = find_scenario(scenarios, "angry_bill")
    bad = find_scenario(scenarios, "bad_agent")
    assert angry is not None and bad is not None
    angry_run = run_demo(angry)
    bad_run = run_demo(bad)

    def panel() -> tuple[Any, Any]:
        window, controller = build_panel(SETTINGS, library=library, scenarios=scenarios, with_live=False)
        window.resize(*SIZE)
        window.show()
        return window, controller

    window, controller = panel()
    screen_shot(window, args.out, args.profile)
    save(window, args.out, "01_idle")
    controller.set_demo_mode(True)
    controller.select_scenario_id("angry_bill")
    save(window, args.out, "02_demo_picker")

    # mid-call: the agent has just said 不归我管 (bad_agent, turn 5)
    shove = next(t.index for t in bad.turns if "不归我管" in t.text)
    controller.select_scenario_id("bad_agent")
    controller.replay(events_until(bad_run, shove), bad_run.engine)
    save(window, args.out, "03_mid_call_alert")

    # angry customer: right after the complaint threat (angry_bill, turn 4)
    threat = next(t.index for t in angry.turns if "投诉" in t.text and t.speaker.value == "customer")
    controller.select_scenario_id("angry_bill")
    controller.replay(events_until(angry_run, threat), angry_run.engine)
    save(window, args.out, "04_angry_customer")

    # post-call review of the bad-agent call (flags with timestamps, low score)
    controller.select_scenario_id("bad_agent")
    controller.replay(bad_run.events, bad_run.engine)
    save(window, args.out, "05_review")

    dialog = SettingsDialog(SETTINGS, controller, ROOT / "out" / "settings.json", window)
    dialog.resize(440, 480)
    dialog.show()
    dialog.reload_library()
    dialog.tabs.setCurrentIndex(3)
    save(dialog, args.out, "06_settings")
    dialog.tabs.setCurrentIndex(dialog.model_tab)  # first start without a model: what to do
    save(dialog, args.out, "11_settings_model")
    dialog.reject()
    practice_shots(args.out, window, controller, scenarios)
    history_shots(args.out, scenarios)
    controller.shutdown()
    window.close()
    window.deleteLater()  # Qt deletes the window and its children, not Python's garbage collector
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
