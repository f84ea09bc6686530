"""Settings validation and storage, the settings dialog, and library reload keeping the last good one."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest

from assist_app.library import load_library
from assist_app.resources import library_dir
from assist_app.ui import settings as settings_io
from assist_app.ui.settings import AppSettings, SettingsError
from assist_app.ui.settings_dialog import SettingsDialog


def test_validation_names_every_bad_field(tmp_path: Path) -> None:
    s, problems = settings_io.validate({
        "agent_id": "80 23!",
        "font_size": 99,
        "store_transcripts": "yes",
        "colour": "blue",
        "model_dir": str(tmp_path / "missing"),
        "company": "某" * 40,
        "agent_device": "USB", "customer_device": "USB",
    })
    text = "\n".join(problems)
    for key in ("agent_id:", "font_size:", "store_transcripts:", "colour:", "model_dir:", "company:",
                "customer_device:"):
        assert key in text, text
    assert s.font_size == AppSettings().font_size and s.agent_id == "" and s.store_transcripts is True


def test_save_and_load_round_trip_per_user(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "settings.json"
    s = AppSettings(agent_name="张敏", agent_id="8023", company="诸暨广电", font_size=16, mask_numbers=False)
    settings_io.save(s, path)
    assert json.loads(path.read_text(encoding="utf-8"))["agent_name"] == "张敏"
    loaded, problems = settings_io.load(path)
    assert loaded == s and problems == []
    with pytest.raises(SettingsError):
        settings_io.save(replace(s, font_size=3), path)
    assert settings_io.load(path)[0].font_size == 16  # the bad one was not written


def test_broken_settings_file_falls_back_to_defaults_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json", encoding="utf-8")
    s, problems = settings_io.load(path)
    assert s == AppSettings() and problems and "默认" in problems[0]


def test_default_path_is_the_per_user_folder() -> None:
    # the Qt conftest points ASSIST_APP_CONFIG_DIR at a temporary folder
    assert settings_io.default_path().name == "settings.json"
    assert "config" in str(settings_io.default_path())


def test_dialog_refuses_invalid_values_and_saves_valid_ones(panel: Any, qtbot: Any, tmp_path: Path) -> None:
    window, controller = panel
    path = tmp_path / "settings.json"
    dlg = SettingsDialog(controller.settings, controller, path, window)
    qtbot.addWidget(dlg)
    dlg.agent_id.setText("工号 8023!")
    dlg.save()
    assert dlg.result_settings is None and "agent_id" in dlg.errors.text() and not path.exists()
    dlg.agent_id.setText("8023")
    dlg.agent_name.setText("张敏")
    dlg.company.setText("诸暨广电")
    dlg.font_size.setValue(15)
    dlg.save()
    assert dlg.result_settings is not None
    assert settings_io.load(path)[0].agent_id == "8023"
    controller.apply_settings(dlg.result_settings)
    # the company name now fills the phrases the stepper offers
    greeting = controller.library.formula.steps[0]
    assert greeting.phrases
    drawer_texts = []
    window.stepper.toggle_drawer(greeting.id)
    for i in range(1, window.stepper.drawer_layout.count()):
        drawer_texts.append(window.stepper.drawer_layout.itemAt(i).widget().text())
    if any("{company}" in p.text for p in greeting.phrases):
        assert any("诸暨广电" in t for t in drawer_texts), drawer_texts


def _copy_library(tmp_path: Path) -> Path:
    dest = tmp_path / "library"
    shutil.copytree(library_dir(), dest)
    return dest


def test_broken_library_keeps_the_last_good_one_and_shows_errors(panel: Any, qtbot: Any, tmp_path: Path) -> None:
    window, controller = panel
    good = controller.library
    folder = _copy_library(tmp_path)
    banned = folder / "banned.yaml"
    banned.write_text(banned.read_text(encoding="utf-8").replace("severity: high", "severity: 很高", 1),
                      encoding="utf-8")
    dlg = SettingsDialog(controller.settings, controller, tmp_path / "s.json", window)
    qtbot.addWidget(dlg)
    dlg.library_dir.setText(str(folder))
    problems = dlg.reload_library()
    assert problems and any(p.startswith("banned.yaml: ") and "severity" in p for p in problems)
    assert controller.library is good  # still analysing with the last good library
    assert "banned.yaml" in dlg.library_report.toPlainText()
    assert "仍在使用上次可用" in dlg.library_report.toPlainText()
    assert "未知取值" in dlg.library_report.toPlainText()  # the problems in Chinese, for the centre's staff
    assert "话术库有" in window.call_bar.status_label.text()

    # fix the file: reload takes effect without a restart
    banned.write_text(banned.read_text(encoding="utf-8").replace("severity: 很高", "severity: high"),
                      encoding="utf-8")
    formula = folder / "formula.yaml"
    text = formula.read_text(encoding="utf-8")
    assert "description:" in text
    formula.write_text(text.replace("description: ", "description: 【本中心】", 1), encoding="utf-8")
    assert dlg.reload_library() == []
    assert controller.library is not good
    assert controller.library.formula.steps[0].description.startswith("【本中心】")
    assert "校验通过" in dlg.library_report.toPlainText()
    assert window.stepper.buttons[controller.library.formula.steps[0].id].toolTip().count("【本中心】") == 1
    assert load_library(folder).formula.steps[0].description.startswith("【本中心】")


def test_settings_fields_are_json_types() -> None:
    for key, value in asdict(AppSettings()).items():
        assert isinstance(value, bool | int | str), key


def test_save_keeps_one_backup_of_the_previous_file_and_load_falls_back_to_it(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "settings.json"
    bak = settings_io.backup_path(path)
    settings_io.save(AppSettings(agent_name="张敏"), path)
    assert not bak.exists()  # nothing to back up on the first save
    settings_io.save(AppSettings(agent_name="李华"), path)
    settings_io.save(AppSettings(agent_name="王芳"), path)
    assert json.loads(bak.read_text(encoding="utf-8"))["agent_name"] == "李华"  # one backup: the last one
    assert json.loads(path.read_text(encoding="utf-8"))["agent_name"] == "王芳"
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json", "settings.json.bak"]
    path.write_text("{half-writ", encoding="utf-8")  # damaged after the fact
    loaded, problems = settings_io.load(path)
    assert loaded.agent_name == "李华" and "上一次保存" in problems[0]
    settings_io.save(AppSettings(agent_name="赵强"), path)  # saving over the broken file…
    assert json.loads(bak.read_text(encoding="utf-8"))["agent_name"] == "李华"  # …keeps the good backup
