"""设置 on a first start without a speech model (issue 12.18) and Enter in a field (12.19)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from assist_app.ui.settings_dialog import SettingsDialog


def test_settings_open_on_the_model_tab_and_say_where_to_get_one(panel: Any, qtbot: Any, tmp_path: Path) -> None:
    window, controller = panel
    dlg = SettingsDialog(controller.settings, controller, tmp_path / "settings.json", window)
    qtbot.addWidget(dlg)
    assert dlg.tabs.tabText(dlg.tabs.currentIndex()) == "模型"
    state = dlg.model_state.text()
    assert "还没有安装语音模型" in state and "alphacephei.com/vosk/models" in state
    assert "vosk-model-small-cn-0.22" in state
    assert "设置 → 模型" in window.call_bar.status_label.text()
    assert not window.call_bar.call_button.isEnabled()
    dlg.reject()


def test_a_failed_install_leaves_no_stale_progress(panel: Any, qtbot: Any, tmp_path: Path) -> None:
    window, controller = panel
    bogus = tmp_path / "not-a-model.zip"
    bogus.write_bytes(b"this is not a zip file")
    dlg = SettingsDialog(controller.settings, controller, tmp_path / "settings.json", window)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.start_install(bogus)
    qtbot.waitUntil(lambda: dlg.install_button.isEnabled(), timeout=20_000)
    assert "安装失败" in dlg.install_status.text()
    assert not dlg.install_progress.isVisible()
    assert "还没有安装语音模型" in dlg.model_state.text()
    dlg.reject()


def test_enter_in_a_field_does_not_save_and_close(panel: Any, qtbot: Any, tmp_path: Path) -> None:
    window, controller = panel
    path = tmp_path / "settings.json"
    dlg = SettingsDialog(controller.settings, controller, path, window)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.tabs.setCurrentIndex(0)
    dlg.agent_name.setFocus()
    qtbot.keyClicks(dlg.agent_name, "Li")
    qtbot.keyClick(dlg.agent_name, Qt.Key.Key_Return)
    assert dlg.isVisible() and dlg.result_settings is None and not path.exists()
    dlg.reject()
