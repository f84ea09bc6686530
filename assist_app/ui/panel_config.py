"""The script library and the settings as the panel applies them (issue 11: split out of the panel
controller): validate and reload the library keeping the last good one, settings changed in 设置
taking effect at once, and the header's 置顶/精简 saved like the rest of the settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from assist_app.library.model import ScriptLibrary
from assist_app.ui.guidance import StepInfo
from assist_app.ui.settings import AppSettings
from assist_app.validation import ValidationError

if TYPE_CHECKING:
    from assist_app.ui.controller import PanelController

log = logging.getLogger(__name__)


class PanelConfig(QObject):
    """Applies the library and settings to one panel (its state stays on the ``PanelController``)."""

    def __init__(self, panel: PanelController,
                 library_loader: Callable[[Path | None], ScriptLibrary] | None = None) -> None:
        super().__init__(panel)
        self.panel = panel
        self._library_loader = library_loader
        panel.window.pin_box.toggled.connect(self._on_pin_toggled)
        panel.window.compact_box.toggled.connect(self._on_compact_toggled)

    def reload_library(self, folder: Path | None = None) -> list[str]:
        """Validate and load the script library; on errors keep the last good one."""
        loader = self._library_loader
        if loader is None:
            from assist_app.library import load_library

            loader = load_library
        if folder is None and self.panel.settings.library_dir:
            folder = Path(self.panel.settings.library_dir)
        try:
            lib = loader(folder)
        except Exception as exc:  # LibraryError lists every problem, in Chinese for the staff; else one problem
            problems = exc.messages("zh") if isinstance(exc, ValidationError) else []
            problems = problems or str(exc).splitlines() or [repr(exc)]
            self.panel.library_problems = problems
            self.panel.library_reloaded.emit(problems)
            self.panel.refresh_status()
            return problems
        self.panel.library = lib
        self.panel.library_problems = []
        self.apply_library()
        self.panel.library_reloaded.emit([])
        self.panel.refresh_status()
        return []

    def apply_library(self) -> None:
        lib = self.panel.library
        if lib is None:
            return
        # After the window is up (the event loop runs this once it starts): shows the panel about
        # a second sooner than warming up first (bundle start-up, BENCHMARKS.md).
        QTimer.singleShot(0, lambda: self.panel.warmer.warm(lib))
        fill = self.panel.live.phrase_filler()
        steps = [StepInfo(s.id, s.name, s.description, tuple(fill(p.text) for p in s.phrases))
                 for s in lib.formula.steps]
        self.panel.window.stepper.set_steps(steps)

    def apply_settings(self, settings: AppSettings) -> None:
        old = self.panel.settings
        self.panel.settings = settings
        if settings.font_size != old.font_size:
            self.apply_font_size(settings.font_size)
        if settings.library_dir != old.library_dir:
            self.reload_library()
        else:
            self.apply_library()
        self.panel.window.set_compact(settings.compact)
        self.panel.window.set_always_on_top(settings.always_on_top)
        if self.panel.practice_mode:
            self.panel.practice.mode_changed()
        self.panel.refresh_status()

    def apply_font_size(self, size: int) -> None:
        """字号 takes effect at once, no restart (issue 12.13)."""
        from assist_app.ui.theme import apply_theme

        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, size)

    def _on_pin_toggled(self, on: bool) -> None:
        self.panel.window.set_always_on_top(on)
        self._save_view_setting(always_on_top=on)

    def _on_compact_toggled(self, on: bool) -> None:
        self._save_view_setting(compact=on)

    def _save_view_setting(self, **changes: Any) -> None:
        """The header's 置顶/精简 are the same settings as in 设置, so they are saved the same way."""
        new = replace(self.panel.settings, **changes)
        if new == self.panel.settings:
            return
        self.panel.settings = new
        if self.panel.settings_saver is None:
            return
        try:
            self.panel.settings_saver(new)
        except Exception:
            log.exception("saving the view settings failed")
