"""Runs the supervisor window (the composition root for ``assist-app supervisor``)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from assist_app.ui.app import ensure_app
from assist_app.ui.supervisor import SupervisorWindow

TABS = {"wall": 0, "trends": 1, "progress": 2, "calls": 3}


def run_supervisor(conninfo: str, *, who: str = "", wallboard: bool = False, screenshot: Path | None = None,
                   tab: str = "wall", wait: float = 4.0) -> int:
    app = ensure_app(13, offscreen=screenshot is not None)
    window = SupervisorWindow(conninfo, who=who)
    window.resize(1500, 900)
    window.start()
    if screenshot is None:
        if wallboard:
            window.toggle_wallboard()
        else:
            window.show()
        try:
            return int(app.exec())
        finally:
            window.shutdown()
    try:
        window.show()
        window.tabs.setCurrentIndex(TABS[tab])
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.05)
        window.drain()
        app.processEvents()
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(screenshot)):
            raise OSError(f"无法写入截图：{screenshot}")
        return 0
    finally:
        window.shutdown()
        window.close()
        QApplication.processEvents()
