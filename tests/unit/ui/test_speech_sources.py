"""The live call's and the practice microphone's sources say why they cannot start, in Chinese,
on the session's thread (one ``DeviceSpeech`` base; issue 11)."""

from __future__ import annotations

import threading
from pathlib import Path

from assist_app.events import Event, StatusCode, StatusEvent
from assist_app.ui.settings import AppSettings
from assist_app.ui.speech_sources import LazyLiveSource, MicVoice


def _run(source: LazyLiveSource | MicVoice) -> list[StatusEvent]:
    events: list[Event] = []
    source.run(events.append, threading.Event())
    return [e for e in events if isinstance(e, StatusEvent)]


def test_a_live_call_without_devices_does_not_start() -> None:
    [status] = _run(LazyLiveSource(AppSettings()))
    assert status.code == StatusCode.CANNOT_START
    # The user learns what to do, not that "something failed (RuntimeError)".
    assert "请先在“设置 → 设备”中选择坐席麦克风和客户线路" in status.message
    assert "Error" not in status.message


def test_practice_without_a_model_falls_back_to_typing(tmp_path: Path) -> None:
    settings = AppSettings(agent_device="mic", model_dir=str(tmp_path / "no-model"))
    [status] = _run(MicVoice(settings))
    assert status.code == StatusCode.CANNOT_START
    assert status.message.startswith("无法使用麦克风，请改为输入回复：")
