"""Runs inside ``xvfb-run`` with a real window manager (openbox): pins and unpins the agent panel
and reports, as one JSON line on stdout, whether the X server still has the window mapped.

Used by ``test_window_manager.py``; not a test module itself (its name does not start with test_).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ["QT_QPA_PLATFORM"] = "xcb"

from PySide6.QtWidgets import QApplication  # noqa: E402

from assist_app.library import load_library  # noqa: E402
from assist_app.ui.app import build_panel, ensure_app  # noqa: E402
from assist_app.ui.settings import AppSettings  # noqa: E402


def settle(seconds: float = 0.6) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def viewable() -> str:
    """``IsViewable`` when the X server has a viewable top-level window of this process, else
    ``IsUnMapped``. Looked up by pid (xdotool), because changing a window flag re-creates the native
    window and Qt's cached id can name the destroyed one."""
    run = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(os.getpid())],
                         capture_output=True, text=True, timeout=10)
    return "IsViewable" if run.stdout.split() else "IsUnMapped"


def main() -> int:
    app = ensure_app(13)
    start_pinned = sys.argv[1:] == ["--pinned"]
    window, controller = build_panel(AppSettings(always_on_top=start_pinned), library=load_library(),
                                     scenarios=[], with_live=False)
    window.show()
    settle()
    report: dict[str, object] = {"start": viewable(), "start_visible": window.isVisible()}
    for name, on in (("header_on", True), ("header_off", False), ("header_on_again", True)):
        window.pin_box.setChecked(on)
        settle()
        report[name] = viewable()
        report[name + "_visible"] = window.isVisible()
    from dataclasses import replace

    controller.apply_settings(replace(controller.settings, always_on_top=False))  # 设置 → 窗口总在最前 off
    settle()
    report["settings_off"] = viewable()
    report["settings_off_visible"] = window.isVisible()
    report["pin_box"] = window.pin_box.isChecked()
    controller.shutdown()
    window.close()
    app.processEvents()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
