"""Centre load benchmark (issue 16): N simulated seats replaying calls at real speed into one PostgreSQL.

Each seat is the real thing minus the audio and the analysis: its own SQLite store (writer thread)
fed with the events of a recorded demo call re-stamped with the current time, and its own
``Replicator`` connecting as its own role over 127.0.0.1. A supervisor connection LISTENs like the
wall does and measures seat → wall latency (event time → the wall has read it). Loopback only;
stops by itself after ``--duration`` seconds.

    python benchmarks/bench_centre.py --seats 500 --duration 120
    python benchmarks/bench_centre.py --seats 60 --duration 60 --screenshots docs/screenshots
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from assist_app.centre import admin
from assist_app.centre.config import CentreConfig
from assist_app.centre.reader import read_wall
from assist_app.centre.replicator import Replicator, local_counts
from assist_app.centre.throwaway import PgCluster, _children
from assist_app.demo.runner import run_demo
from assist_app.demo.scenario import load_scenarios
from assist_app.store import CallMeta, CallStore

NAMES = "张伟 王芳 李娜 刘洋 陈静 杨磊 赵敏 黄丽 周杰 吴婷 徐强 孙悦 马超 朱琳 胡军 郭敏 何欢 高峰 林霞 罗斌".split()  # noqa: SIM905


def server_usage(pid: int) -> tuple[float, float]:
    """(CPU seconds, PSS MB) of the postmaster and its children."""
    tick = os.sysconf("SC_CLK_TCK")
    cpu = 0.0
    pss = 0.0
    for p in [pid, *_children(pid)]:
        try:
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(f[11]) + int(f[12])) / tick
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1]) / 1024
        except OSError:
            continue
    return cpu, pss


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seats", type=int, default=500)
    ap.add_argument("--duration", type=float, default=120.0)
    ap.add_argument("--screenshots", type=Path, default=None)
    args = ap.parse_args()

    print("recording the demo calls once …", flush=True)
    by_id = {s.id: s for s in load_scenarios()}
    results = [run_demo(by_id[i]) for i in ("bad_agent", "angry_bill", "polite_inquiry", "compensation_threat",
                                                   "praise", "bad_agent_hold")]
    calls = [r.events for r in results]
    root = Path(tempfile.mkdtemp(prefix="assist-bench-"))
    cluster = PgCluster(Path(tempfile.mkdtemp(prefix="assist-bench-pg-")), max_connections=args.seats + 50,
                        settings={"shared_buffers": "256MB"})
    cluster.start()
    with cluster.admin_connect() as conn:
        admin.init_schema(conn)
        teams = [f"{i + 1}组" for i in range((args.seats + 49) // 50)]
        sup_pw = admin.add_supervisor(conn, "bench_sup", teams)
        seats = []
        for i in range(args.seats):
            sid = f"S{i + 1:04d}"
            role, pw = admin.add_seat(conn, sid, teams[i // 50], password=f"pw-{sid}-{random.random()}")
            seats.append((sid, CentreConfig(host="127.0.0.1", port=cluster.port, user=role, seat_id=sid,
                                            interval_s=0.5), pw))
        size0 = conn.execute("SELECT pg_database_size('assist')").fetchone()[0]
    pid = cluster.postmaster_pid() or 0
    cpu0, _ = server_usage(pid)
    print(f"{args.seats} seats enrolled; running {args.duration:.0f} s …", flush=True)

    stop = threading.Event()
    stores = []
    reps = []
    latencies: list[float] = []

    def play(store: CallStore, name: str, k: int) -> None:
        time.sleep(random.uniform(0, 8))
        while not stop.is_set():
            events = calls[k % len(calls)]
            k += 1
            sink = store.recorder(CallMeta(agent_id=name, agent_name=name))
            t0 = time.time()
            for ev in events:
                due = t0 + float(getattr(ev, "t", 0.0) or 0.0)  # seconds of call audio: real speed
                delay = due - time.time()
                if delay > 0 and stop.wait(delay):
                    break
                sink(dataclasses.replace(ev, wall=time.time()))
            else:
                score = results[(k - 1) % len(results)].score
                if score is not None and sink.call_id:
                    store.save_score(sink.call_id, score)
                stop.wait(random.uniform(1, 4))
                continue
            break

    for n, (sid, cfg, pw) in enumerate(seats):
        st = CallStore(root / f"{sid}.db")
        stores.append(st)
        rep = Replicator(st.path, cfg, pw)
        reps.append(rep)
        rep.start()
        threading.Thread(target=play, args=(st, NAMES[n % len(NAMES)] + str(n // len(NAMES) or ""), n),
                         daemon=True).start()

    sup_cfg = CentreConfig(host="127.0.0.1", port=cluster.port, user="bench_sup")

    def watch() -> None:
        try:
            _watch()
        except Exception as exc:
            print(f"watcher failed: {exc!r}", flush=True)

    def _watch() -> None:
        import psycopg

        seen: dict[str, tuple[float | None, float | None, float | None]] = {}
        with psycopg.connect(sup_cfg.conninfo(sup_pw), autocommit=True) as conn:
            conn.execute("LISTEN assist_live")
            while not stop.is_set():
                got = False
                for _ in conn.notifies(timeout=0.5, stop_after=1):
                    got = True
                if not got:
                    continue
                for _ in conn.notifies(timeout=0.1):
                    pass
                now = time.time()
                for t in read_wall(conn):
                    key = (t.call_started, t.flag_wall, None)
                    old = seen.get(t.seat_id)
                    if old is not None and key != old:
                        newest = max(v for v in key if v is not None) if any(key) else None
                        if newest is not None and (old[0] != key[0] or old[1] != key[1]):
                            latencies.append(now - newest)
                    seen[t.seat_id] = key

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    t_start = time.time()
    shots = args.screenshots
    env = dict(os.environ, PGPASSWORD=sup_pw, QT_QPA_PLATFORM="offscreen")

    def screenshot(tab: str, name: str) -> None:
        assert shots is not None
        subprocess.run([sys.executable, "-m", "assist_app", "supervisor", "--host", "127.0.0.1", "--port",
                        str(cluster.port), "--user", "bench_sup", "--screenshot", str(shots / name), "--tab", tab,
                        "--wait", "5"], env=env, check=False, timeout=120)

    if shots is not None:  # the wall mid-run, with every seat on a call
        time.sleep(min(40.0, args.duration * 0.5))
        screenshot("wall", "supervisor-wall.png")
    while time.time() - t_start < args.duration:
        time.sleep(1.0)
    if shots is not None:  # the trends once calls have ended and been scored
        screenshot("trends", "supervisor-trends.png")
    stop.set()
    elapsed = time.time() - t_start
    cpu1, pss = server_usage(pid)
    for st in stores:
        st.flush()
    # catch-up: every seat's centre counts equal its local counts
    t_catch = time.time()
    import psycopg

    with cluster.admin_connect() as conn:
        while True:
            mismatched = 0
            for (sid, _cfg, _pw), st in zip(seats, stores, strict=True):
                local = local_counts(st.path)
                central = {k: conn.execute(f"SELECT count(*) FROM assist.{k} WHERE seat_id = %s",
                                           (sid,)).fetchone()[0] for k in local}
                conn.commit()
                mismatched += local != central
            if mismatched == 0 or time.time() - t_catch > 60:
                break
            time.sleep(1.0)
        size1 = conn.execute("SELECT pg_database_size('assist')").fetchone()[0]
        call_s = conn.execute("SELECT coalesce(sum(coalesce(duration, ended - started)), 0) FROM assist.calls "
                              "WHERE ended IS NOT NULL").fetchone()[0]
        active_s = conn.execute("SELECT coalesce(sum(extract(epoch FROM now()) - started), 0) FROM assist.calls "
                                "WHERE ended IS NULL").fetchone()[0]
    rows = sum(r.stats.rows_sent for r in reps)
    heartbeats = sum(r.stats.heartbeats for r in reps)
    for r in reps:
        r.stop(timeout=5)
    for st in stores:
        st.close()
    cluster.destroy()
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    _ = psycopg
    call_hours = (float(call_s) + float(active_s)) / 3600
    print(f"seats {args.seats}, {elapsed:.0f} s at real speed")
    print(f"rows shipped {rows} ({rows / elapsed:.0f} rows/s), live heartbeats {heartbeats} "
          f"({heartbeats / elapsed:.0f}/s)")
    print(f"seat→wall latency: n={len(latencies)} p50={pct(latencies, 0.5):.2f} s p95={pct(latencies, 0.95):.2f} s "
          f"max={max(latencies, default=float('nan')):.2f} s "
          f"mean={statistics.fmean(latencies) if latencies else 0:.2f}")
    print(f"server CPU {100 * (cpu1 - cpu0) / elapsed:.0f}% of one core, memory (PSS) {pss:.0f} MB")
    print(f"DB growth {(size1 - size0) / 1e6:.1f} MB for {call_hours:.2f} call-hours → "
          f"{(size1 - size0) / 1e9 / max(call_hours, 1e-9) * 1000:.1f} GB per 1,000 call-hours")
    print(f"catch-up after stop: {'exact' if mismatched == 0 else f'{mismatched} seats differ'} "
          f"in {time.time() - t_catch:.1f} s")
    return 0 if mismatched == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
