"""GUI responsiveness during a demo call: event-loop stall and flag-to-screen latency.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_ui.py --speed 4
    xvfb-run -a .venv/bin/python benchmarks/bench_ui.py --speed 4      # real X server

Plays bundled scenarios at the given speed through the real panel (session threads, engine,
bridge timer, widgets, painted charts). Meanwhile a 5 ms "heartbeat" timer records how late each tick
fires: that lateness is the event-loop stall an agent would feel (issue 4 asks ≤ 50 ms at 4×).
Flag latency is the time from a flag event's creation on the analysis thread to the moment its
alert is on screen (the alert slot ran); frame time is one bridge drain plus the widget updates.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from assist_app.demo.scenario import load_scenarios  # noqa: E402
from assist_app.library import load_library  # noqa: E402
from assist_app.ui.app import build_panel, ensure_app  # noqa: E402

HEARTBEAT_MS = 5


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speed", type=float, default=4.0)
    ap.add_argument("--scenario", action="append", help="scenario id (default: all bundled)")
    args = ap.parse_args()
    app = ensure_app(13)
    library = load_library()
    scenarios = [s for s in load_scenarios() if not args.scenario or s.id in args.scenario]
    window, controller = build_panel(library=library, scenarios=scenarios, with_live=False)
    window.resize(420, 960)
    window.show()

    gaps: list[float] = []
    flag_ms: list[float] = []
    frame_ms: list[float] = []
    events = [0]
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def beat() -> None:
        now = clock.nsecsElapsed()
        gaps.append(max(0.0, (now - last[0]) / 1e6 - HEARTBEAT_MS))
        if gaps[-1] > 50 and os.environ.get("BENCH_DEBUG"):
            print(f"stall {gaps[-1]:.0f} ms at {now / 1e9:.2f} s", file=sys.stderr)
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(beat)

    # time one drain (+ every slot it triggers) by wrapping the bridge's drain
    original_drain = controller.bridge.drain

    def timed_drain() -> int:
        t0 = time.perf_counter()
        n = original_drain()
        if n:
            frame_ms.append((time.perf_counter() - t0) * 1000)
            if frame_ms[-1] > 20 and os.environ.get("BENCH_DEBUG"):
                print(f"slow frame {frame_ms[-1]:.1f} ms", file=sys.stderr)
            events[0] += n
        return n

    controller.bridge._timer.timeout.disconnect()
    controller.bridge._timer.timeout.connect(timed_drain)
    controller.bridge.flag_raised.connect(lambda ev: flag_ms.append((time.time() - ev.wall) * 1000))

    total_audio = 0.0
    t_start = time.perf_counter()
    for s in scenarios:
        controller.select_scenario_id(s.id)
        done = [False]
        controller.call_finished.connect(lambda _o, flag=done: flag.__setitem__(0, True))
        heartbeat.start()
        last[0] = clock.nsecsElapsed()
        if os.environ.get("BENCH_DEBUG"):
            print(f"start {s.id} at {clock.nsecsElapsed() / 1e9:.2f} s", file=sys.stderr)
        controller.start_demo(args.speed)
        while not done[0]:
            app.processEvents()
            time.sleep(0.001)
        heartbeat.stop()
        controller.call_finished.disconnect()
        total_audio += s.duration
    wall = time.perf_counter() - t_start
    controller.shutdown()
    window.close()
    window.deleteLater()
    QApplication.processEvents()

    print(f"scenarios: {', '.join(s.id for s in scenarios)}  speed {args.speed:g}×  "
          f"platform {QApplication.platformName()}")
    print(f"call audio {total_audio:.0f} s played in {wall:.1f} s wall; {events[0]} events drained")
    print(f"event-loop stall (heartbeat {HEARTBEAT_MS} ms lateness, n={len(gaps)}): "
          f"median {statistics.median(gaps):.2f} ms, p99 {pct(gaps, 99):.2f} ms, max {max(gaps):.2f} ms")
    print(f"frame (one drain + widget updates, n={len(frame_ms)}): median {statistics.median(frame_ms):.2f} ms, "
          f"p99 {pct(frame_ms, 99):.2f} ms, max {max(frame_ms):.2f} ms")
    if flag_ms:
        print(f"flag event → alert on screen (n={len(flag_ms)}): median {statistics.median(flag_ms):.1f} ms, "
              f"max {max(flag_ms):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
