"""Qt test harness: offscreen, Qt warnings fail the test, no thread or window may outlive a test,
settings go to a temporary folder."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The offscreen platform plugin itself warns that it cannot size native windows; that is the
# test platform talking, not our code (it never appears under xcb or on Windows).
PLATFORM_NOISE = [r"This plugin does not support propagateSizeHints\(\)", r"This plugin does not support raise\(\)"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt)
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(*PLATFORM_NOISE))


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSIST_APP_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5.0
    while True:
        extra = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not extra, f"threads left running: {[t.name for t in extra]}"


@pytest.fixture(autouse=True)
def _no_leaked_windows(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    before = set(QApplication.topLevelWidgets())
    yield
    for w in QApplication.topLevelWidgets():
        if w not in before and w.isVisible():
            w.close()
    QApplication.processEvents()
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    leaked = [w for w in QApplication.topLevelWidgets() if w not in before and w.isVisible()]
    assert not leaked, f"windows left open: {leaked}"


@pytest.fixture
def panel(qtbot, shipped_library):  # type: ignore[no-untyped-def]
    """The agent panel wired to the shipped library and scenarios, no live audio, no store."""
    from assist_app.ui.app import build_panel, ensure_app

    ensure_app(13)
    window, controller = build_panel(library=shipped_library, with_live=False)
    qtbot.addWidget(window)
    window.show()
    yield window, controller
    controller.shutdown()
    window.close()


