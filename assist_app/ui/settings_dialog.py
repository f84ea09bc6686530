"""设置 dialog: agent, devices (live level test), model install, script library reload, privacy,
display. Validation is ``ui.settings.validate``; background work (model install, level test) runs
on threads that only store plain values, polled by a GUI timer."""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from assist_app.ui import settings as settings_io
from assist_app.ui.call_bar import LevelMeter
from assist_app.ui.device_probe import LevelProbe, list_devices
from assist_app.ui.errors import user_message
from assist_app.ui.settings import FONT_MAX, FONT_MIN, AppSettings

if TYPE_CHECKING:
    from assist_app.ui.controller import PanelController
    from assist_app.ui.main_window import MainWindow

log = logging.getLogger(__name__)


class SettingsDialog(QDialog):
    """Edits a copy of the settings; ``result_settings`` holds what was saved."""

    def __init__(self, current: AppSettings, controller: PanelController, path: Path | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("设置")
        self.setMinimumWidth(400)
        self.controller = controller
        self.path = path
        self.result_settings: AppSettings | None = None
        self._base = current
        self._probe: LevelProbe | None = None
        self._install_thread: threading.Thread | None = None
        self._install_result: tuple[bool, str] | None = None
        lay = QVBoxLayout(self)
        self.tabs = QTabWidget()
        lay.addWidget(self.tabs)
        self.tabs.addTab(self._agent_tab(current), "坐席")
        self.tabs.addTab(self._device_tab(current), "设备")
        self.model_tab = self.tabs.addTab(self._model_tab(current), "模型")
        self.tabs.addTab(self._library_tab(current), "话术库")
        self.tabs.addTab(self._display_tab(current), "隐私与显示")
        self.errors = QLabel("")
        self.errors.setWordWrap(True)
        self.errors.setStyleSheet("color:#c2453b;")
        lay.addWidget(self.errors)
        std = QDialogButtonBox.StandardButton
        buttons = QDialogButtonBox(std.Save | std.Cancel)
        buttons.button(std.Save).setText("保存")
        buttons.button(std.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._on_poll)
        self.show_model_state()
        if not model_found(current):
            self.tabs.setCurrentIndex(self.model_tab)  # first start: what is missing comes first

    # -- tabs --------------------------------------------------------------------------------

    def _agent_tab(self, current: AppSettings) -> QWidget:
        """坐席: name, id and company (they fill the phrases' placeholders)."""
        agent = QWidget()
        f = QFormLayout(agent)
        self.agent_name = QLineEdit(current.agent_name)
        self.agent_id = QLineEdit(current.agent_id)
        self.company = QLineEdit(current.company)
        self.company.setPlaceholderText("用于开场白，例如：XX电信")
        f.addRow("姓名", self.agent_name)
        f.addRow("工号", self.agent_id)
        f.addRow("公司名称", self.company)
        return agent

    def _device_tab(self, current: AppSettings) -> QWidget:
        """设备: the two inputs and a live level test of the agent's."""
        dev = QWidget()
        f = QFormLayout(dev)
        names = list_devices()
        self.agent_device = QComboBox()
        self.customer_device = QComboBox()
        for combo, value in ((self.agent_device, current.agent_device),
                             (self.customer_device, current.customer_device)):
            combo.setEditable(True)
            combo.addItem("")
            combo.addItems(names)
            combo.setCurrentText(value)
        f.addRow("坐席麦克风", self.agent_device)
        f.addRow("客户线路", self.customer_device)
        test_row = QHBoxLayout()
        self.test_button = QPushButton("测试音量")
        self.test_button.setCheckable(True)
        self.test_button.toggled.connect(self._toggle_level_test)
        self.test_meter = LevelMeter()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_meter, 1)
        f.addRow("坐席音量", test_row)
        self.device_note = QLabel("" if names else "没有找到录音设备（可以先用演示模式）。")
        self.device_note.setObjectName("muted")
        self.device_note.setWordWrap(True)
        f.addRow(self.device_note)
        return dev

    def _model_tab(self, current: AppSettings) -> QWidget:
        """模型: whether a speech model is installed, its folder, installing one from a zip."""
        model = QWidget()
        v = QVBoxLayout(model)
        self.model_state = QLabel("")
        self.model_state.setWordWrap(True)
        self.model_state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.model_state)
        self.model_dir = self._folder_row(v, "语音模型文件夹", current.model_dir, "留空：自动查找已安装的模型")
        self.model_dir.textChanged.connect(lambda _t: self.show_model_state())
        self.install_button = QPushButton("从压缩包安装模型…")
        self.install_button.clicked.connect(self._install_model)
        v.addWidget(self.install_button)
        self.install_progress = QProgressBar()
        self.install_progress.hide()
        v.addWidget(self.install_progress)
        self.install_status = QLabel("支持 vosk-model-small-cn-0.22.zip 等官方模型；安装后无需联网。")
        self.install_status.setObjectName("muted")
        self.install_status.setWordWrap(True)
        v.addWidget(self.install_status)
        v.addStretch(1)
        return model

    def _library_tab(self, current: AppSettings) -> QWidget:
        """话术库: its folder, and 校验并重新加载 with the report."""
        lib = QWidget()
        v = QVBoxLayout(lib)
        self.library_dir = self._folder_row(v, "话术库文件夹", current.library_dir, "留空：使用内置话术库")
        self.reload_button = QPushButton("校验并重新加载")
        self.reload_button.clicked.connect(self.reload_library)
        v.addWidget(self.reload_button)
        self.library_report = QPlainTextEdit()
        self.library_report.setReadOnly(True)
        self.library_report.setPlaceholderText("校验结果显示在这里")
        v.addWidget(self.library_report, 1)
        return lib

    def _display_tab(self, current: AppSettings) -> QWidget:
        """隐私与显示: what is stored, 精校转写, font size and window."""
        other = QWidget()
        f = QFormLayout(other)
        self.store_transcripts = QCheckBox("保存通话文字记录")
        self.store_transcripts.setChecked(current.store_transcripts)
        self.mask_numbers = QCheckBox("隐去电话号码、证件号等数字")
        self.mask_numbers.setChecked(current.mask_numbers)
        self.font_size = QSpinBox()
        self.font_size.setRange(FONT_MIN, FONT_MAX)
        self.font_size.setValue(current.font_size)
        self.font_size.setSuffix(" px")
        self.always_on_top = QCheckBox("窗口总在最前")
        self.always_on_top.setChecked(current.always_on_top)
        self.compact = QCheckBox("精简模式")
        self.compact.setChecked(current.compact)
        self.second_pass = QCheckBox("精校转写：通话中用 Whisper 在后台重新识别每句话，校正保存的文字记录和质检评分")
        self.second_pass.setChecked(current.second_pass)
        self.second_pass.setToolTip("实时提示仍按实时识别结果；"
                                    "需要安装 Whisper（assist-app model install whisper-base）")
        f.addRow("隐私", self.store_transcripts)
        f.addRow("", self.mask_numbers)
        f.addRow("识别", self.second_pass)
        f.addRow("字号", self.font_size)
        f.addRow("窗口", self.always_on_top)
        f.addRow("", self.compact)
        return other

    # -- values ------------------------------------------------------------------------------

    def edited(self) -> AppSettings:
        return replace(
            self._base,
            agent_name=self.agent_name.text().strip(),
            agent_id=self.agent_id.text().strip(),
            company=self.company.text().strip(),
            agent_device=self.agent_device.currentText().strip(),
            customer_device=self.customer_device.currentText().strip(),
            model_dir=self.model_dir.text().strip(),
            library_dir=self.library_dir.text().strip(),
            store_transcripts=self.store_transcripts.isChecked(),
            mask_numbers=self.mask_numbers.isChecked(),
            font_size=self.font_size.value(),
            always_on_top=self.always_on_top.isChecked(),
            compact=self.compact.isChecked(),
            second_pass=self.second_pass.isChecked(),
        )

    def save(self) -> None:
        s, problems = settings_io.validate(asdict(self.edited()))
        if problems:
            self.errors.setText("请修改后再保存：\n" + "\n".join(problems))
            return
        try:
            settings_io.save(s, self.path)
        except OSError as exc:
            self.errors.setText(f"无法保存设置：{user_message(exc, '设置文件')}")
            return
        self.result_settings = s
        self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in a field must not save and close the dialog: only 保存 does (a focused button
        # still takes its own Enter before the dialog sees it).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)

    def show_model_state(self) -> None:
        """Say whether a speech model is installed, and where to get one when it is not."""
        found = model_found(replace(self._base, model_dir=self.model_dir.text().strip()))
        if found:
            self.model_state.setText(f"语音模型：已安装（{found}）。")
            self.model_state.setStyleSheet("color:#1e6b3a;")
            return
        self.model_state.setText(
            "还没有安装语音模型，实时监听和语音练习暂不可用（演示和文字练习不受影响）。\n"
            "获取方法：在能上网的电脑上打开 alphacephei.com/vosk/models，下载 "
            "vosk-model-small-cn-0.22.zip（约 42 MB），拷到本机后点下面的“从压缩包安装模型…”。")
        self.model_state.setStyleSheet("color:#8a5a00;")

    # -- script library ----------------------------------------------------------------------

    def reload_library(self) -> list[str]:
        folder_text = self.library_dir.text().strip()
        folder = Path(folder_text).expanduser() if folder_text else None
        problems = self.controller.reload_library(folder) if folder else self._reload_default()
        if problems:
            self.library_report.setPlainText(
                f"话术库有 {len(problems)} 处错误，仍在使用上次可用的话术库：\n" + "\n".join(problems))
        else:
            counts: dict[str, int] = getattr(self.controller.library, "counts", dict)()
            names = {"steps": "公式步骤", "phrases": "标准话术", "banned_rules": "忌语规则",
                     "situations": "场景", "emotion_cues": "情绪线索"}
            detail = "，".join(f"{names.get(k, k)} {v} 条" for k, v in counts.items())
            self.library_report.setPlainText(f"校验通过，已重新加载。\n{detail}")
        return list(problems)

    def _reload_default(self) -> list[str]:
        saved = self.controller.settings
        self.controller.settings = replace(saved, library_dir="")
        try:
            return list(self.controller.reload_library(None))
        finally:
            self.controller.settings = saved

    # -- devices -----------------------------------------------------------------------------

    def _toggle_level_test(self, on: bool) -> None:
        if on:
            try:
                self._probe = LevelProbe(self.agent_device.currentText().strip())
            except Exception as exc:
                self.device_note.setText(f"无法打开设备：{user_message(exc, '录音设备')}")
                self.test_button.setChecked(False)
                return
            self.test_button.setText("停止测试")
            self._poll.start()
        else:
            if self._probe is not None:
                self._probe.close()
                self._probe = None
            self.test_button.setText("测试音量")
            self.test_meter.set_dbfs(-90)

    # -- model -------------------------------------------------------------------------------

    def _install_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择模型压缩包", "", "模型压缩包 (*.zip)")
        if path:
            self.start_install(Path(path))

    def start_install(self, source: Path) -> None:
        if self._install_thread is not None and self._install_thread.is_alive():
            return

        def work() -> None:
            try:
                from assist_app.asr.install import install_model

                installed = install_model(source)
                self._install_result = (True, str(getattr(installed, "path", installed)))
            except Exception as exc:
                self._install_result = (False, user_message(exc, "模型安装"))

        self._install_result = None
        self.install_progress.setRange(0, 0)  # busy: unzip and per-file checks have no byte count
        self.install_progress.show()
        self.install_button.setEnabled(False)
        self.install_status.setText(f"正在安装 {source.name}，请稍候…")
        self._install_thread = threading.Thread(target=work, name="model-install", daemon=True)
        self._install_thread.start()
        self._poll.start()

    def _on_poll(self) -> None:
        if self._probe is not None:
            self.test_meter.set_dbfs(self._probe.dbfs)
        if self._install_thread is not None and not self._install_thread.is_alive():
            self._install_thread = None
            ok, msg = self._install_result or (False, "安装没有完成")
            self.install_progress.setRange(0, 1)
            self.install_progress.hide()  # a stale "0%" after a failure said nothing useful
            self.install_button.setEnabled(True)
            self.install_status.setText(f"安装完成：{msg}" if ok else f"安装失败：{msg}")
            if ok:
                self.model_dir.setText(msg)
            self.show_model_state()
        if self._probe is None and self._install_thread is None:
            self._poll.stop()

    def done(self, result: int) -> None:
        self._toggle_level_test(False)
        if self._install_thread is not None:
            self._install_thread.join(timeout=30)
        self._poll.stop()
        super().done(result)

    def _folder_row(self, into: QVBoxLayout, label: str, value: str, placeholder: str) -> QLineEdit:
        """A labelled folder field with a 选择… button, added to ``into``."""
        edit = QLineEdit(value)
        edit.setPlaceholderText(placeholder)
        browse = QPushButton("选择…")
        browse.clicked.connect(lambda: self._pick_folder(edit))
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(browse)
        into.addWidget(QLabel(label))
        into.addLayout(row)
        return edit

    def _pick_folder(self, edit: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择文件夹", edit.text())
        if folder:
            edit.setText(folder)


def model_found(settings: AppSettings) -> str:
    """The speech model folder these settings resolve to, or "" when there is none."""
    from assist_app.ui.speech_sources import speech_model

    found = speech_model(settings)
    return str(found) if found is not None else ""


def attach_settings(window: MainWindow, controller: PanelController, path: Path | None) -> None:
    """Open the dialog from the window's 设置 button and apply what was saved."""

    def open_dialog() -> None:
        dlg = SettingsDialog(controller.settings, controller, path, window)
        if dlg.exec() and dlg.result_settings is not None:
            controller.apply_settings(dlg.result_settings)
        dlg.deleteLater()

    window.settings_button.clicked.connect(open_dialog)
