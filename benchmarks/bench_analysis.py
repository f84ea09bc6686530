"""Benchmark of the analysis core (issue 2): library load, per-partial and per-utterance cost,
batch throughput of ``assist-app analyze``; each with the learned layer (issue 10) and with the rules
alone, in one run, plus the memory the learned layer adds. Prints a Markdown table for BENCHMARKS.md.

Throughput is measured on two batches: the same 11-utterance call repeated (``--calls`` times), and
a varied one: every turn of the learned layer's training corpus and every call of the evaluation
set's dev and heldout splits, clean and with simulated recognition errors (caches that only pay off
on repeated text do not help there; the frozen test split is not read). Each batch
runs ``--runs`` times; the median is reported, as wall time and as the process's CPU time (user +
system), which another job on the machine slows far less than the wall clock.

    .venv/bin/python benchmarks/bench_analysis.py [--calls N] [--repeat N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assist_app.analysis.analyzer import AnalysisKit  # noqa: E402
from assist_app.analysis.engine import GuidanceEngine  # noqa: E402
from assist_app.analysis.learned.store import default_layer  # noqa: E402
from assist_app.events import FinalText, PartialText, Speaker  # noqa: E402
from assist_app.learning.builtin import shipped_corpus  # noqa: E402
from assist_app.library import load_library  # noqa: E402

CALL = [
    (Speaker.AGENT, "您好，国网客服中心1024号很高兴为您服务，请问有什么可以帮您？"),
    (Speaker.CUSTOMER, "我这个月的电费怎么比上个月高了两百多块，你们是不是算错了，气死我了"),
    (Speaker.AGENT, "非常抱歉给您带来不便，您先别着急，我马上帮您查询一下，请您稍等"),
    (Speaker.AGENT, "感谢您的耐心等待，经查询您本月用电量是四百二十度，比上月多了一百五十度"),
    (Speaker.CUSTOMER, "不可能，我家根本没用那么多电，你们这什么破服务，我要打12315投诉你们"),
    (Speaker.AGENT, "这事不归我管，你有完没完，有本事你去告啊"),
    (Speaker.AGENT, "我非常理解您的心情，建议您可以在网上国网申请校验电表，如果电表有问题我们会退补电费"),
    (Speaker.CUSTOMER, "好吧，那你帮我申请一下，尽快给我回复"),
    (Speaker.AGENT, "好的，已经为您登记，我们会在二十四小时内给您回复，请问还有其他问题吗"),
    (Speaker.CUSTOMER, "没有了，谢谢"),
    (Speaker.AGENT, "感谢您的来电，祝您生活愉快，再见"),
]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def _timed(cmd: list[str], env: dict[str, str], stdin: bytes | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    s = time.perf_counter()
    subprocess.run(cmd, input=stdin, check=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - s
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timings(kit: AnalysisKit, repeat: int) -> tuple[list[float], list[float], list[float]]:
    """(all partial updates, agent partial updates, finals) in milliseconds."""
    partial_ms: list[float] = []
    agent_ms: list[float] = []
    final_ms: list[float] = []
    for rep in range(repeat):
        engine = GuidanceEngine(kit, call_id=f"b{rep}")
        t = 0.0
        for speaker, text in CALL:
            for i in range(2, len(text) + 1, 2):  # Vosk partials grow a character or two at a time
                ev = PartialText(t=t, speaker=speaker, text=text[:i])
                s = time.perf_counter()
                engine.handle(ev)
                ms = (time.perf_counter() - s) * 1000
                partial_ms.append(ms)
                if speaker is Speaker.AGENT:
                    agent_ms.append(ms)
            t += len(text) / 3.2
            s = time.perf_counter()
            engine.handle(FinalText(t=t, speaker=speaker, text=text, start=t - len(text) / 3.2, end=t))
            final_ms.append((time.perf_counter() - s) * 1000)
    return partial_ms, agent_ms, final_ms


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=300, help="calls for the batch throughput run")
    ap.add_argument("--repeat", type=int, default=30, help="calls for the latency runs")
    ap.add_argument("--runs", type=int, default=3, help="runs of each throughput batch (median reported)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    library = load_library()
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    rules_kit = AnalysisKit.build(library, learned=False)
    t_kit = time.perf_counter() - t0
    rss0 = rss_mb()
    t0 = time.perf_counter()
    layer = default_layer()
    t_layer = time.perf_counter() - t0
    rss_layer = rss_mb() - rss0
    kit = replace(rules_kit, learned=layer)
    runs = {"rules + learned": timings(kit, args.repeat), "rules only": timings(rules_kit, args.repeat)}
    partial_ms, _agent, final_ms = runs["rules + learned"]

    with tempfile.TemporaryDirectory() as tmp:
        repeated = Path(tmp) / "repeated.jsonl"
        with repeated.open("w", encoding="utf-8") as fh:
            for c in range(args.calls):
                for speaker, text in CALL:
                    fh.write(
                        json.dumps({"call_id": f"c{c}", "speaker": speaker.value, "text": text}, ensure_ascii=False)
                        + "\n"
                    )
        varied = Path(tmp) / "varied.jsonl"
        with varied.open("w", encoding="utf-8") as fh:
            for dialogue in shipped_corpus([c.id for c in library.banned.categories]):
                for turn in dialogue.turns:
                    fh.write(json.dumps({"call_id": dialogue.id, "speaker": turn.speaker.value, "text": turn.text},
                                        ensure_ascii=False) + "\n")
            for split in ("dev", "heldout"):
                for name in ("calls.jsonl", "calls_asr.jsonl"):
                    for line in (ROOT / "eval" / split / name).read_text(encoding="utf-8").splitlines():
                        if line.strip():
                            rec = json.loads(line)
                            fh.write(json.dumps({"call_id": f"{name}:{rec['call_id']}", "speaker": rec["speaker"],
                                                 "text": rec["text"]}, ensure_ascii=False) + "\n")
        batches = {"repeated call": repeated, "varied: training corpus + eval dev/heldout calls": varied}
        n_lines = {name: sum(1 for _ in path.open(encoding="utf-8")) for name, path in batches.items()}
        # (mode, batch) -> [(wall, cpu)] per run, start-up excluded
        rates: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(args.runs):
            for mode, env_value in (("rules + learned", ""), ("rules only", "off")):
                env = dict(os.environ, ASSIST_APP_LEARNED=env_value) if env_value else dict(os.environ)
                analyze = [sys.executable, "-m", "assist_app", "analyze"]
                start_wall, start_cpu = _timed([*analyze, "-", "-o", os.devnull], env, stdin=b"")
                for name, path in batches.items():
                    wall, cpu = _timed([*analyze, str(path), "-o", os.devnull], env)
                    rates.setdefault((mode, name), []).append(
                        (n_lines[name] / max(1e-9, wall - start_wall), n_lines[name] / max(1e-9, cpu - start_cpu))
                    )

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"Library: {library.counts()}")
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| library load + validation (`load_library`) | {t_load * 1000:.0f} ms |")
    print(f"| analysis kit build, rules (patterns, DUTIR lexicon, jieba init) | {t_kit * 1000:.0f} ms |")
    print(f"| learned layer load + verification | {t_layer * 1000:.0f} ms |")
    print(f"| learned layer memory (RSS added by loading it) | {rss_layer:.0f} MB |")
    for mode, (partial_ms, agent_ms, final_ms) in runs.items():
        p50, p99 = statistics.median(partial_ms), pct(partial_ms, 99)
        print(f"| {mode}: per partial update, p50 / p99 (n={len(partial_ms)}) | {p50:.2f} / {p99:.2f} ms |")
        p50, p99 = statistics.median(agent_ms), pct(agent_ms, 99)
        print(f"| {mode}: per agent partial, p50 / p99 (n={len(agent_ms)}) | {p50:.2f} / {p99:.2f} ms |")
        p50, p99 = statistics.median(final_ms), pct(final_ms, 99)
        print(f"| {mode}: per final utterance, p50 / p99 (n={len(final_ms)}) | {p50:.2f} / {p99:.2f} ms |")
    for (mode, name), runs in rates.items():
        wall_rate = statistics.median(r[0] for r in runs)
        cpu_rate = statistics.median(r[1] for r in runs)
        print(f"| {mode}: `analyze` throughput excl. start-up, {name} ({n_lines[name]} utterances), "
              f"median of {len(runs)}: by wall / by CPU time | {wall_rate:.0f} / {cpu_rate:.0f} utterances/s |")
    print(f"\nLoad average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
