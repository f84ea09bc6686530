"""Composition root of the desktop app: QApplication, theme, settings, library, scenarios, store,
the panel window and its controller. Entry points for ``assist-app`` and ``assist-app demo``."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QLibraryInfo,
    QLocale,
    QMessageLogContext,
    QObject,
    QTimer,
    QtMsgType,
    QTranslator,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication

from assist_app.demo.scenario import Scenario, ScenarioError, load_scenarios
from assist_app.events import StatusEvent
from assist_app.ui import settings as settings_io
from assist_app.ui.controller import PanelController
from assist_app.ui.launcher import LibraryWarmer
from assist_app.ui.main_window import MainWindow
from assist_app.ui.settings import AppSettings
from assist_app.ui.speech_sources import (
    asr_importable,
    demo_asr_loader,
    live_source_factory,
    output_player,
    practice_voice_factory,
    speech_model,
)
from assist_app.ui.store_status import StoreStatusWatcher, confirm_close_with_unsaved
from assist_app.ui.theme import apply_theme
from assist_app.ui.wheel_guard import install_wheel_guard

log = logging.getLogger(__name__)


def has_display() -> bool:
    """Whether a real window can be shown (X11/Wayland on Linux; always on Windows/macOS)."""
    if sys.platform.startswith(("win", "darwin")):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(("offscreen", "minimal")):
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


_PLATFORM_NOISE = ("This plugin does not support propagateSizeHints()",)


def _qt_message(mode: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """Qt's own messages go to logging; the offscreen plugin's size-hint notice is dropped."""
    if message in _PLATFORM_NOISE:
        return
    level = logging.DEBUG if mode in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg) else logging.WARNING
    logging.getLogger("qt").log(level, "%s", message)


def ensure_app(font_size: int = 13, *, offscreen: bool = False) -> QApplication:
    if offscreen:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        qInstallMessageHandler(_qt_message)
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("坐席助手")
        app.setOrganizationName("AgentAssist")
    assert isinstance(app, QApplication)
    apply_theme(app, font_size)
    install_wheel_guard(app)
    install_translations(app)
    return app


def install_translations(app: QApplication) -> None:
    """Qt's own dialogs and buttons (file dialog, context menus) in Simplified Chinese: the
    qtbase_zh_CN catalogue shipped in PySide6's translations folder (issue 12.17). Once per app."""
    if app.property("assist_translations"):
        return
    app.setProperty("assist_translations", True)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase_zh_CN", "qt_zh_CN"):
        translator = QTranslator(app)
        if translator.load(name, folder):
            app.installTranslator(translator)
            return
    log.info("no Qt Chinese translation found in %s", folder)


def safe_scenarios() -> tuple[list[Scenario], list[str]]:
    """The bundled scenarios that load, plus the problems of those that do not."""
    try:
        return load_scenarios(), []
    except ScenarioError as exc:
        from assist_app.demo.scenario import load_scenario
        from assist_app.resources import scenarios_dir

        good = []
        for path in sorted(scenarios_dir().glob("*.yaml")):
            try:
                good.append(load_scenario(path))
            except ScenarioError:
                continue
        return good, exc.problems


def build_panel(
    settings: AppSettings | None = None,
    *,
    store: Any = None,
    library: Any = None,
    scenarios: list[Scenario] | None = None,
    settings_path: Path | None = None,
    with_live: bool = True,
    window: MainWindow | None = None,
    speech: Any = None,
    warmer: LibraryWarmer | None = None,
) -> tuple[MainWindow, PanelController]:
    """The window (``window``, or a new one) and its controller, wired; nothing is shown here.

    ``speech``: the app's ``SpeechService`` (one model for every call); made here when live."""
    s = settings or AppSettings()
    if with_live and speech is None and asr_importable():
        from assist_app.asr.service import SpeechService

        speech = SpeechService()
    window = window if window is not None else MainWindow()
    scen = scenarios if scenarios is not None else safe_scenarios()[0]
    controller = PanelController(
        window,
        settings=s,
        library=library,
        scenarios=scen,
        store=store,
        library_loader=None if library is not None else _library_loader(),
        live_source_factory=live_source_factory(speech) if with_live else None,
        player_factory=output_player if with_live else None,
        demo_asr=demo_asr_loader(speech) if with_live else None,
        practice_voice=practice_voice_factory(speech) if with_live else None,
        speech_model=speech_model if with_live else None,
        warmer=warmer,
    )
    from assist_app.ui.settings_dialog import attach_settings

    attach_settings(window, controller, settings_path)
    window.set_compact(s.compact)
    window.set_always_on_top(s.always_on_top)
    return window, controller


def watch_store(window: MainWindow, watcher: StoreStatusWatcher, store: Any) -> None:
    """Show the store's state in the panel and ask before closing with unsaved records."""
    if store is None:
        watcher.banner.show_problem("通话记录数据库无法打开，本次通话不会被记录。")
        return
    watcher.show_notices(store.notices)
    window.close_guard = lambda: confirm_close_with_unsaved(window, store)


def _library_loader() -> Callable[[Path | None], Any]:
    from assist_app.library import load_library

    return load_library


def open_store(db: Path | None, s: AppSettings,
               on_status: Callable[[StatusEvent], None] | None = None) -> Any:
    """The call-record store, or None when it cannot be opened (the panel still works).

    ``on_status`` gets the store's state changes (called on its writer thread; it must only queue)."""
    try:
        from assist_app.store import CallStore
        from assist_app.store.models import StoreSettings
    except ImportError:
        return None
    try:
        return CallStore(db, settings=StoreSettings(store_nothing=not s.store_transcripts,
                                                    mask_numbers=s.mask_numbers),
                         on_status=on_status)
    except Exception:
        log.exception("could not open the call store")
        return None


class PanelStartup(QObject):
    """Start-up in two steps (issue 12.20): the window is shown and painted at once, saying it is
    getting ready; the store, scenarios and script library load on a worker thread behind it, and
    the controller is wired to the same window when they are in (``ready``)."""

    ready = Signal(object)  # PanelController

    def __init__(self, settings: AppSettings, *, db: Path | None = None, with_live: bool = True,
                 load_library: Callable[[], Any] | None = None,
                 load_scenarios: Callable[[], tuple[list[Scenario], list[str]]] = safe_scenarios,
                 store_opener: Callable[[Path | None, AppSettings], Any] = open_store) -> None:
        super().__init__()
        self.settings = settings
        self.window = MainWindow()
        self.controller: PanelController | None = None
        self.store: Any = None
        self._with_live = with_live
        self.speech: Any = None
        if with_live and asr_importable():
            from assist_app.asr.service import SpeechService

            self.speech = SpeechService()
        self.watcher = StoreStatusWatcher(self.window.store_banner, self.window)
        if store_opener is open_store:  # the store's state changes reach the panel's banner (issue 13)
            def open_db() -> Any:
                return open_store(db, settings, on_status=self.watcher.on_status)
        else:
            def open_db() -> Any:
                return store_opener(db, settings)
        self.warmer = LibraryWarmer()  # shared with the controller: the library is warmed once
        warmer = self.warmer
        self._jobs = (load_library or (lambda: _load_library_or_problems(warmer)), load_scenarios, open_db)
        self._loaded: dict[str, Any] = {}
        self._thread: threading.Thread | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(20)
        self._poll.timeout.connect(self._check)
        self._busy = (self.window.call_bar.call_button, self.window.demo_button, self.window.practice_button,
                      self.window.history_button, self.window.settings_button)

    def start(self) -> None:
        self.window.call_bar.set_status("正在载入话术库和演示场景，请稍候…")
        for w in self._busy:
            w.setEnabled(False)
        self.window.show()
        load_lib, load_scen, open_db = self._jobs

        def work() -> None:  # plain Python only: no Qt object is touched here
            for key, job in (("store", open_db), ("scenarios", load_scen), ("library", load_lib)):
                try:
                    self._loaded[key] = job()
                except Exception:
                    log.exception("start-up: loading %s failed", key)
                    self._loaded[key] = None
            if self.speech is not None:  # the speech model, once, behind the window (issue 15)
                self.speech.preload(speech_model(self.settings))

        self._thread = threading.Thread(target=work, name="startup-load", daemon=True)
        self._thread.start()
        self._poll.start()

    def _check(self) -> None:
        if self._thread is None or self._thread.is_alive():
            return
        self._poll.stop()
        self._thread = None
        for w in self._busy:
            w.setEnabled(True)
        if not self.window.isVisible():
            # Closed (or SIGTERM) while loading: nothing to wire; the store still closes.
            self.store = self._loaded.get("store")
            return
        self.store = self._loaded.get("store")
        scenarios, scenario_problems = self._loaded.get("scenarios") or ([], [])
        library = self._loaded.get("library")
        _window, controller = build_panel(self.settings, store=self.store, scenarios=scenarios,
                                          library=library, with_live=self._with_live, window=self.window,
                                          speech=self.speech, warmer=self.warmer)
        controller.settings_saver = settings_io.save
        watch_store(self.window, self.watcher, self.store)
        if scenario_problems:
            self.window.demo_bar.info.setText("部分演示场景有错误，未载入：\n" + "\n".join(scenario_problems[:5]))
        self.controller = controller
        self.ready.emit(controller)

    def shutdown(self) -> None:
        self._poll.stop()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self.store = self._loaded.get("store")
        if self.controller is not None:
            self.controller.shutdown()
        if self.speech is not None:
            self.speech.close()
        if self.store is not None:
            self.store.close()


def _load_library_or_problems(warmer: LibraryWarmer) -> Any:
    """The shipped script library, or None when it has problems (the controller then loads it
    again on the GUI thread and shows them)."""
    from assist_app.library import load_library

    try:
        library = load_library()
    except Exception:
        return None
    warmer.warm(library)  # the pattern sets and segmenter, here rather than after the controller is up
    return library


def run_window(*, demo: bool = False, scenario_id: str | None = None, speed: float = 1.0,
               autoplay: bool = False, db: Path | None = None) -> int:
    """Open the agent panel (optionally in demo mode) and run the event loop."""
    s, problems = settings_io.load()
    app = ensure_app(s.font_size)
    startup = PanelStartup(s, db=db)
    exit_code = {"code": 0}
    replicators: list[Any] = []

    def on_ready(controller: PanelController) -> None:
        window = startup.window
        rep = _start_replicator(startup.store)  # centre replication (issue 16), when set up
        if rep is not None:
            replicators.append(rep)
        if problems:
            window.call_bar.set_status("设置文件有问题，已使用默认值：" + "；".join(problems))
        if demo:
            controller.set_demo_mode(True)
            window.demo_bar.set_speed(speed)
            if scenario_id and not controller.select_scenario_id(scenario_id):
                print(f"找不到演示场景：{scenario_id}", file=sys.stderr)
                exit_code["code"] = 2
                window.close()
                return
            if autoplay:
                QTimer.singleShot(300, lambda: controller.start_demo(speed))

    startup.ready.connect(on_ready)
    startup.start()
    pulse = quit_on_signals(app, startup.window)  # noqa: F841 - the timer must live as long as the loop
    try:
        code = int(app.exec())
        return exit_code["code"] or code
    finally:
        for rep in replicators:
            rep.stop()
        startup.shutdown()


def _start_replicator(store: Any) -> Any:
    """Centre replication (issue 16) when set up with `assist-app centre setup`; None otherwise."""
    if store is None or getattr(store, "path", None) is None:
        return None
    try:
        from assist_app.commands.centre import start_replicator_from_settings
    except ImportError:
        return None
    return start_replicator_from_settings(store.path)


def quit_on_signals(app: QApplication, window: MainWindow) -> QTimer:
    """Ctrl+C / SIGTERM end the app cleanly: the window closes (the call is stopped and recorded
    as interrupted) and the event loop quits even when the window is hidden — closing a hidden
    window does not end the loop, which is how a vanished window survived SIGTERM (issue 12.1).

    Python runs signal handlers only between bytecodes, never inside Qt's C++ event loop; the
    returned timer wakes the interpreter four times a second so the handler gets to run. Keep it.
    """

    def handle(_signum: int, _frame: Any) -> None:
        window.close()
        app.quit()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handle)
    pulse = QTimer(app)
    pulse.timeout.connect(lambda: None)
    pulse.start(250)
    return pulse
