"""Real PortAudio capture from PulseAudio null sinks — the same code path as a headset.

A private PulseAudio daemon (see ``pulse.py``) has sinks ``agent`` and ``customer``; ALSA exposes
their monitors as ``agent_in`` and ``customer_in``. ``paplay`` speaks into one sink and we check
what came out of the other end: levels, voice activity on the right side, recognizer and
analysis events, and what happens when the audio server disappears mid-call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assist_app.audio.blocks import AudioBlock
from assist_app.audio.capture import CaptureConfig, DeviceCapture
from assist_app.audio.devices import SoundDeviceBackend
from assist_app.audio.levels import dbfs
from assist_app.events import Speaker, StatusEvent

from .pulse import PulseRig, start_pulse

REPO = Path(__file__).resolve().parents[2]


def wait_for(pred: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def _events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.endswith("}")]


def _cli_env(rig: PulseRig, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in rig.env.items() if k != "ASSIST_MODEL_DIR"}
    env.update(extra)
    return env


def test_devices_lists_both_null_sink_monitors(pulse_rig: PulseRig) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "assist_app", "devices"],
        cwd=REPO,
        env=_cli_env(pulse_rig, ASSIST_AGENT_DEVICE="agent_in"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    agent = next(line for line in lines if " agent_in" in line)
    assert "已配置为坐席" in agent
    assert any("customer_in" in line and "已配置" not in line for line in lines)


def test_listen_captures_two_real_streams_and_recognises_the_right_side(
    pulse_rig: PulseRig, ko_model_dir: Path, speech_wavs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "events.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "assist_app", "listen", "--agent", "agent_in", "--customer", "customer_in",
         "--model", str(ko_model_dir), "--duration", "18", "-o", str(out)],
        cwd=REPO, env=_cli_env(pulse_rig), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # Play only once both streams deliver audio, so nothing is spoken into the void.
        wait_for(
            lambda: {e["speaker"] for e in _events(out) if e["type"] == "level"} == {"agent", "customer"},
            60,
            "level events from both devices",
        )
        play_start = max(e["t"] for e in _events(out) if e["type"] == "level")
        assert pulse_rig.play("agent", speech_wavs["agent"]).wait(30) == 0
        assert pulse_rig.play("customer", speech_wavs["customer"]).wait(30) == 0
        _, stderr = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 0, stderr
    events = _events(out)
    types = [e["type"] for e in events]
    assert types[0] == "call_started" and types[-1] == "call_ended"
    assert events[-1]["reason"] == "normal"

    levels = [e for e in events if e["type"] == "level"]
    agent_voiced = [e["t"] for e in levels if e["speaker"] == "agent" and e["voiced"]]
    cust_voiced = [e["t"] for e in levels if e["speaker"] == "customer" and e["voiced"]]
    assert agent_voiced and cust_voiced
    assert min(agent_voiced) >= play_start - 0.5
    # The customer channel stayed quiet while the agent spoke, and the agent's while the customer did.
    assert min(cust_voiced) > min(agent_voiced) + 2.0
    assert max(agent_voiced) < max(cust_voiced)
    assert max(e["dbfs"] for e in levels if e["speaker"] == "agent") > -40

    for speaker, wav_start in (("agent", min(agent_voiced)), ("customer", min(cust_voiced))):
        finals = [e for e in events if e["type"] == "final" and e["speaker"] == speaker]
        partials = [e for e in events if e["type"] == "partial" and e["speaker"] == speaker]
        assert finals and partials, f"no recognition on the {speaker} side: {stderr}"
        assert all(f["words"] and f["start"] >= wav_start - 1.0 for f in finals)
    # The analysis engine ran on the live transcript.
    assert "phase" in types
    walls = [e["wall"] for e in events]
    assert walls == sorted(walls)


@pytest.fixture
def inprocess_portaudio(pulse_rig: PulseRig, monkeypatch: pytest.MonkeyPatch) -> Iterator[SoundDeviceBackend]:
    """PortAudio in this process, re-initialised to see the rig's ALSA devices (and after)."""
    for key in ("ALSA_CONFIG_PATH", "PULSE_SERVER", "PULSE_RUNTIME_PATH"):
        monkeypatch.setenv(key, pulse_rig.env[key])
    backend = SoundDeviceBackend()
    backend.rescan()
    yield backend
    monkeypatch.undo()
    backend.rescan()


def test_audio_server_lost_mid_call_keeps_audio_and_resumes(
    pulse_rig: PulseRig, inprocess_portaudio: SoundDeviceBackend, speech_wavs: dict[str, Path]
) -> None:
    cfg = CaptureConfig(inputs=CaptureConfig.two_devices("agent_in", "customer_in").inputs, stall_s=1.0, retry_s=0.5)
    capture = DeviceCapture(cfg, inprocess_portaudio)
    blocks: list[AudioBlock] = []
    statuses: list[StatusEvent] = []
    stop = threading.Event()
    before = set(threading.enumerate())
    th = threading.Thread(target=capture.run, args=(blocks.append, statuses.append, stop), name="test-cap")
    th.start()
    try:
        wait_for(lambda: {b.speaker for b in blocks} == set(Speaker), 30, "audio from both devices")
        assert pulse_rig.play("agent", speech_wavs["agent"]).wait(30) == 0
        wait_for(lambda: any(dbfs(b.samples) > -40 for b in blocks if b.speaker is Speaker.AGENT), 10, "speech")
        kept = list(blocks)
        pulse_rig.stop()  # the audio server goes away, as a USB headset does when unplugged
        wait_for(lambda: {s.code for s in statuses} >= {"device_lost"}, 30, "device_lost status")
        lost = [s for s in statuses if s.code == "device_lost"]
        assert all("已断开" in s.message and "已保留" in s.message for s in lost)
        restarted = start_pulse(pulse_rig.root)  # ... and comes back
        pulse_rig.env = restarted.env
        wait_for(lambda: sum(s.code == "device_restored" for s in statuses) == len(lost), 60, "device_restored")
        n = len(blocks)
        wait_for(lambda: len(blocks) > n + 10, 30, "audio after restore")
    finally:
        stop.set()
        th.join(15)
    assert not th.is_alive()
    assert blocks[: len(kept)] == kept  # nothing captured before the loss was lost
    assert any(dbfs(b.samples) > -40 for b in kept if b.speaker is Speaker.AGENT)
    assert set(threading.enumerate()) <= before
    assert os.environ.get("ALSA_CONFIG_PATH") == pulse_rig.env["ALSA_CONFIG_PATH"]
