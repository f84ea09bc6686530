"""Call-records store benchmark (issue 5): write throughput, search latency, size per hour, open time.

    .venv/bin/python benchmarks/bench_store.py [--calls 10000] [--keep DIR]

1. Write throughput: one long call's events (final text + phase + emotion, as the engine publishes
   them) pushed through the recorder into a fresh file; utterances/s from the first event to the
   moment ``flush()`` returns (everything committed, WAL + synchronous=FULL), and the recorder's
   cost per event on the calling (analysis) thread.
2. Full-text search over ``--calls`` synthetic calls (3 min each, ~40 utterances, varied text):
   latency of ``CallStore.search`` end to end (through the writer thread), median and p95.
3. Database size per hour of recorded calls; time to open the full file (quick_check + migrate).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assist_app.events import (
    CallEnded,
    CallStarted,
    EmotionEvent,
    EmotionLabel,
    EmotionReading,
    Event,
    FinalText,
    Flag,
    FlagKind,
    FlagRaised,
    FormulaPosition,
    Phase,
    PhaseEvent,
    Severity,
    Speaker,
)
from assist_app.store import CallMeta, CallStore

AGENT = [
    "您好，很高兴为您服务，请问有什么可以帮助您", "请您稍等，我帮您查询一下", "感谢您的耐心等待",
    "非常抱歉给您带来不便", "您先别着急，我们一定帮您处理", "系统显示您的套餐在{d}号已经变更",
    "这个月的费用包含{n}元的流量包", "工程师会在{n}小时内上门检修", "建议您先重启一下光猫",
    "我们会在二十四小时内给您回复", "请问还有其他可以帮您的吗", "感谢您的来电，再见",
    "您是想了解{w}的问题对吗", "我已经帮您登记了工单，编号是{n}", "这个问题我帮您联系{w}部门处理",
]  # fmt: skip
CUSTOMER = [
    "我家宽带又断了", "这个月话费怎么多扣了{n}块", "我要投诉你们", "你们到底能不能解决", "我已经打了{n}次电话了",
    "退款什么时候到账", "我找你们领导", "账单有问题，{w}怎么收费的", "信号一直不好，{w}那边更差",
    "好的谢谢", "嗯", "什么时候能修好", "我的号码是13{p}", "再不处理我就去工信部投诉", "上次说{n}天就好",
]  # fmt: skip
WORDS = [
    "流量", "宽带", "套餐", "国际漫游", "来电显示", "彩铃", "积分", "副卡", "光猫", "营业厅", "携号转网", "停机",
    "实名认证", "发票", "合约机", "话费券", "亲情号", "家庭网", "机顶盒", "网络电视",
]  # fmt: skip


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        n=rng.randint(2, 300), d=rng.randint(1, 28), w=rng.choice(WORDS), p=rng.randint(100_000_000, 999_999_999)
    )


def call_events(rng: random.Random, call_id: str, wall0: float, utterances: int = 40) -> list[Event]:
    """One synthetic call: ``utterances`` turns over ~3 minutes, with phases, emotions and a flag."""
    events: list[Event] = [CallStarted(t=0.0, call_id=call_id, source="bench", wall=wall0)]
    t = 0.0
    pos = FormulaPosition((), Phase.ASKING, None)
    for i in range(utterances):
        speaker = Speaker.AGENT if i % 2 == 0 else Speaker.CUSTOMER
        text = _fill(rng, rng.choice(AGENT if speaker is Speaker.AGENT else CUSTOMER))
        dur = 180.0 / utterances
        events.append(FinalText(t=t + dur, speaker=speaker, text=text, start=t, end=t + dur, wall=wall0 + t + dur))
        events.append(PhaseEvent(t=t + dur, speaker=speaker, phase=Phase.ASKING, position=pos, wall=wall0 + t + dur))
        if speaker is Speaker.CUSTOMER:
            label = rng.choice(list(EmotionLabel))
            events.append(
                EmotionEvent(
                    t=t + dur,
                    speaker=speaker,
                    reading=EmotionReading(label, rng.random(), ("cue",)),
                    text=text,
                    wall=wall0 + t + dur,
                )
            )
        elif rng.random() < 0.05:
            flag = Flag("impatient", FlagKind.BANNED_PHRASE, Severity.HIGH, (0, 2), text[:2], "不耐烦", "请您慢慢说")
            events.append(
                FlagRaised(t=t + dur, speaker=speaker, flag=flag, text=text, final=True, wall=wall0 + t + dur)
            )
        t += dur
    events.append(CallEnded(t=t, call_id=call_id, wall=wall0 + t))
    return events


def bench_throughput(folder: Path, utterances: int = 50_000) -> None:
    rng = random.Random(1)
    events = call_events(rng, "long", time.time(), utterances)
    with CallStore(folder / "throughput.db") as store:
        sink = store.recorder(CallMeta(agent_id="1"))
        pending = store._writer._queue  # benchmark-side back-pressure only: live calls are ~1 utterance/s
        t0 = time.perf_counter()
        t_sink = 0.0
        for ev in events:
            while pending.qsize() > 40_000:
                time.sleep(0.001)
            ts = time.perf_counter()
            sink(ev)
            t_sink += time.perf_counter() - ts
        assert store.flush(timeout=300)
        t_all = time.perf_counter() - t0
        assert store.dropped == 0
        [call] = store.list_calls()
        assert call.utterance_count == utterances
    print(f"write: {utterances} utterances ({len(events)} events) committed in {t_all:.2f} s "
          f"= {utterances / t_all:,.0f} utterances/s; recorder cost on the calling thread "
          f"{t_sink / len(events) * 1e6:.1f} µs/event")  # fmt: skip


def bench_search(folder: Path, calls: int) -> None:
    rng = random.Random(2)
    path = folder / "search.db"
    day0 = time.time() - 200 * 86400
    t0 = time.perf_counter()
    total_audio = 0.0
    with CallStore(path) as store:
        for k in range(calls):
            sink = store.recorder(CallMeta(agent_id=str(1000 + k % 50)))
            for ev in call_events(rng, f"c{k}", day0 + k * 600):
                while store._writer._queue.qsize() > 40_000:  # benchmark-side back-pressure
                    time.sleep(0.001)
                sink(ev)
            total_audio += 180.0
        assert store.flush(timeout=120)
        build = time.perf_counter() - t0
        assert store.dropped == 0
    size = sum(p.stat().st_size for p in folder.iterdir() if p.name.startswith("search.db"))
    hours = total_audio / 3600
    print(f"built {calls} calls ({calls * 40} utterances, {hours:.0f} h of calls) in {build:.1f} s")
    print(f"size: {size / 1e6:.1f} MB = {size / 1e6 / hours:.2f} MB per hour of calls")

    t0 = time.perf_counter()
    store = CallStore(path)
    open_s = time.perf_counter() - t0
    print(f"open (quick_check + migrate + interrupted/retention pass): {open_s * 1000:.0f} ms")
    queries = [
        "投诉",
        "退款",
        "光猫",
        "宽带又断",
        "二十四小时",
        "国际漫游",
        "携号转网 投诉",
        "工信部投诉",
        "没有这句话",
    ]
    try:
        print("search latency over the full file (CallStore.search, 20 runs each; results capped at 500 calls):")
        for q in queries:
            times = []
            n = 0
            for _ in range(20):
                t = time.perf_counter()
                hits = store.search(q)
                times.append((time.perf_counter() - t) * 1000)
                n = len(hits)
            times.sort()
            print(f"  {q!r:<16} {n:>4} calls  median {statistics.median(times):6.1f} ms  "
                  f"p95 {times[int(len(times) * 0.95) - 1]:6.1f} ms")  # fmt: skip
        t = time.perf_counter()
        store.list_calls()
        print(f"list_calls (newest 500): {(time.perf_counter() - t) * 1000:.1f} ms")
    finally:
        store.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, default=None, help="keep the databases in this folder")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        import sqlite3

        print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}")
        bench_throughput(folder)
        bench_search(folder, args.calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
