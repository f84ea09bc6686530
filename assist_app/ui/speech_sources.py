"""The app's speech sources, without Qt (issue 11: split out of ``ui/app.py``): the live call's
source, the trainee's microphone for practice, the recogniser loader for demo audio, and the
lookup of the speech model the settings point to.

The launcher (``ui.launcher``) resolves the model when a call starts and hands these sources
settings pinned to that folder, so the model checked is the model used.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assist_app.events import StatusCode
from assist_app.ui.errors import user_message
from assist_app.ui.settings import AppSettings


def model_folder(settings: AppSettings) -> Path | None:
    """The folder 设置 → 模型 names (``~`` expanded), None for "the usual places"."""
    return Path(settings.model_dir).expanduser() if settings.model_dir else None


class DeviceSpeech(ABC):
    """Speech from sound devices through the app's warm recognizers (``SpeechService``): the
    devices open, and the model (if still loading, or another one was chosen in 设置) is waited
    for, on the session's own thread, never on the window's. The live call (``LazyLiveSource``)
    and the trainee's microphone (``MicVoice``) differ only in the devices they open, what they say
    when they cannot start, and the live call's second pass."""

    name = "device"

    def __init__(self, settings: AppSettings, speech: Any = None) -> None:
        self.settings = settings
        self.speech = speech

    @abstractmethod
    def _capture_config(self) -> Any:
        """The devices to open (``audio.capture.CaptureConfig``); raises when they are not set."""

    @abstractmethod
    def _cannot_start(self, exc: Exception) -> str:
        """What the status line says when the devices or the model cannot be opened."""

    def _open(self, emit: Callable[[Any], None]) -> tuple[Any, Any] | None:  # pragma: no cover - devices
        """The opened capture and a recognizer factory, or None after saying why not."""
        from assist_app.asr.models import find_model
        from assist_app.audio.capture import DeviceCapture
        from assist_app.audio.devices import SoundDeviceBackend
        from assist_app.events import StatusEvent

        try:
            config = self._capture_config()
            model = find_model(model_folder(self.settings))
            capture = DeviceCapture(config, SoundDeviceBackend())
            capture.resolve()
            factory = _speech(self.speech).pool_for(model).acquire
        except Exception as exc:
            emit(StatusEvent(t=0.0, code=StatusCode.CANNOT_START, message=self._cannot_start(exc)))
            return None
        return capture, factory

    def run(self, emit: Callable[[Any], None], stop: Any) -> None:  # pragma: no cover - devices
        from assist_app.pipeline.live import LiveSource

        opened = self._open(emit)
        if opened is not None:
            LiveSource(*opened).run(emit, stop)


class LazyLiveSource(DeviceSpeech):
    """A live ``CallSource``: the agent microphone and the customer line, each through a warm
    recognizer, so capture runs as soon as 开始通话 is pressed (the model is loaded once, at
    start-up, not per call; issue 15). With 精校转写 on, the call's second pass runs beside it."""

    name = "live"

    def __init__(self, settings: AppSettings, speech: Any = None) -> None:
        super().__init__(settings, speech)
        self._record_sinks: list[Callable[[Any], None]] = []
        self._make_engine: Callable[[], Any] | None = None
        self._on_rescored: Callable[[Any], None] | None = None
        self.corrector: Any = None  # this call's second pass (the review follows it), once running

    def _capture_config(self) -> Any:
        from assist_app.audio.capture import CaptureConfig
        from assist_app.audio.errors import DeviceError

        s = self.settings
        if not (s.agent_device and s.customer_device):
            raise DeviceError("no agent or customer input device chosen in settings",
                              "请先在“设置 → 设备”中选择坐席麦克风和客户线路")
        return CaptureConfig.two_devices(s.agent_device, s.customer_device)

    def _cannot_start(self, exc: Exception) -> str:
        return user_message(exc, "录音设备")

    def attach_record(self, sinks: list[Callable[[Any], None]], make_engine: Callable[[], Any],
                      on_rescored: Callable[[Any], None]) -> None:
        """Where the second pass (精校转写) sends corrections, and how it re-scores the call."""
        self._record_sinks, self._make_engine, self._on_rescored = list(sinks), make_engine, on_rescored

    def _corrector(self, emit: Callable[[Any], None]) -> Any:
        """The second pass for this call when 精校转写 is on and Whisper is installed, else None."""
        from assist_app.events import StatusEvent

        if not self.settings.second_pass:
            return None
        try:
            from assist_app.asr.models import find_whisper_model
            from assist_app.asr.whisper import WhisperEngine, whisper_runtime_available
            from assist_app.pipeline.call_corrector import CallCorrector

            if not whisper_runtime_available():
                raise RuntimeError("没有安装 Whisper 运行库（faster-whisper）")
            # One CPU thread: the pass runs beside capture and analysis on the agent's PC.
            decoder = WhisperEngine(find_whisper_model(None), cpu_threads=1)
        except Exception as exc:
            emit(StatusEvent(t=0.0, code=StatusCode.SECOND_PASS_OFF,
                             message="精校转写未开启：" + str(getattr(exc, "message_zh", exc)).splitlines()[0]))
            return None
        corrector = CallCorrector(decoder, self._record_sinks, make_engine=self._make_engine,
                                  on_rescored=self._on_rescored)
        corrector.start()
        self.corrector = corrector
        return corrector

    def run(self, emit: Callable[[Any], None], stop: Any) -> None:  # pragma: no cover - devices
        from assist_app.pipeline.live import LiveSource

        opened = self._open(emit)
        if opened is None:
            return
        corrector = self._corrector(emit)
        if corrector is None:
            LiveSource(*opened).run(emit, stop)
            return
        try:
            LiveSource(*opened, on_utterance=corrector.submit).run(corrector.wrap_emit(emit), stop)
        finally:
            corrector.call_ended()  # finishes in the background if behind, and says so


def _speech(speech: Any) -> Any:
    """The given ``SpeechService`` or, for a caller without one (tests, scripts), a private one."""
    if speech is not None:
        return speech
    from assist_app.asr.service import SpeechService

    return SpeechService()


def speech_model(settings: AppSettings) -> Path | None:
    """The speech model the settings point to (设置 → 模型; empty: the usual places), or None.

    Asked each time a call starts, not once at start-up: a model chosen or installed in 设置 is
    used by the next call without a restart (issue 12.2). Only checks files, so it is quick.
    """
    try:
        from assist_app.asr.models import find_model
    except ImportError:
        return None
    try:
        return find_model(model_folder(settings))
    except Exception:
        return None


def asr_importable() -> bool:
    try:
        import assist_app.asr.models  # noqa: F401
    except ImportError:
        return False
    return True


def live_source_factory(speech: Any = None) -> Callable[[AppSettings], Any] | None:
    """A factory for live sources when the audio/ASR packages are present (the model is checked
    when a call starts, see ``speech_model``), else None."""
    if not asr_importable():
        return None
    return lambda settings: LazyLiveSource(settings, speech)


class MicVoice(DeviceSpeech):
    """The trainee's side of a practice call: the agent microphone through the recogniser."""

    name = "practice-mic"

    def _capture_config(self) -> Any:
        from assist_app.audio.capture import CaptureConfig, InputSpec
        from assist_app.events import Speaker

        return CaptureConfig(inputs=(InputSpec(self.settings.agent_device, {Speaker.AGENT: 0}),))

    def _cannot_start(self, exc: Exception) -> str:
        return "无法使用麦克风，请改为输入回复：" + user_message(exc, "麦克风")


def practice_voice_factory(speech: Any = None) -> Callable[[AppSettings], Any] | None:
    """Spoken practice needs a speech model (checked when the practice starts); None when the
    recogniser's packages are missing: the trainee types."""
    if not asr_importable():
        return None
    return lambda settings: MicVoice(settings, speech)


def demo_asr_loader(speech: Any = None) -> Callable[[AppSettings], Callable[[], Any] | None]:
    """Settings → (when their speech model is installed) a loader, run on the demo's own thread,
    of a recognizer factory: the app's warm pool, so demo scenarios with audio are recognised
    like a live call. The loader is None without a model."""

    def for_settings(settings: AppSettings) -> Callable[[], Any] | None:
        model = speech_model(settings)
        if model is None:
            return None

        def load() -> Any:
            return _speech(speech).pool_for(model).acquire

        return load

    return for_settings


def output_player() -> Any:
    """The speakers/headset for scenario audio, or None when the PC has no output device."""
    from assist_app.audio.playback import default_player

    return default_player()
