"""``assist-app demo --screenshot``: a headless demo run replayed into an offscreen panel and the
review saved as a PNG (split out of ``ui/app.py``, the composition root it builds the panel with)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from assist_app.ui.app import build_panel, ensure_app
from assist_app.ui.settings import AppSettings


def render_result(result: Any, screenshot: Path, *, font_size: int = 13) -> Path:
    """Replay a headless demo run into an offscreen window and save the review as a PNG."""
    ensure_app(font_size, offscreen=True)
    library = getattr(result.engine, "library", None) or _load_library_quietly()
    window, controller = build_panel(AppSettings(font_size=font_size), library=library,
                                     scenarios=[result.scenario], with_live=False)
    try:
        controller.select_scenario(0)
        controller.replay(result.events, result.engine)
        window.resize(440, 980)
        window.show()
        QApplication.processEvents()
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(screenshot)):
            raise OSError(f"无法写入截图：{screenshot}")
    finally:
        controller.shutdown()
        window.close()
        window.deleteLater()
        QApplication.processEvents()
    return screenshot


def _load_library_quietly() -> Any:
    from assist_app.library import load_library

    return load_library()
