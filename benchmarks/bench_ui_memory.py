"""GUI process memory: resident set size (RSS) of the agent panel or the supervisor window, step by step.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_ui_memory.py            # the agent panel
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_ui_memory.py --supervisor

One fresh process per run (``--runs``, default 3), each printing VmRSS from /proc/self/status after:
the interpreter, numpy, PySide6.QtWidgets with a QApplication, the UI modules, the window built and
shown; for the panel also after a bundled demo call (angry_bill) was replayed into it (emotion
timeline filled, post-call review shown), for the supervisor window after its trends view was given
a week of figures (no centre connection: the window is never started). No speech model is loaded.
Also lists the Qt binding modules the process imported. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def one_run(supervisor: bool) -> dict[str, object]:
    """The measured steps, in this process (a child of ``main``)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    steps: list[tuple[str, float]] = [("interpreter", rss_mb())]
    import numpy  # noqa: F401

    steps.append(("+ numpy", rss_mb()))
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    steps.append(("+ PySide6.QtWidgets, QApplication", rss_mb()))
    if supervisor:
        from assist_app.ui.app import ensure_app
        from assist_app.ui.supervisor import SupervisorWindow

        steps.append(("+ UI modules (supervisor)", rss_mb()))
        ensure_app(13)
        window = SupervisorWindow("host=127.0.0.1 port=1 connect_timeout=1")  # never started: no connection
        window.resize(1500, 900)
        window.show()
        app.processEvents()
        steps.append(("window built and shown", rss_mb()))
        weeks = [dt.date(2026, 11, 16), dt.date(2026, 11, 23)]
        names = [f"坐席{i:02d}" for i in range(20)]
        banned = [(a, w, (i * 7 + j * 5) % 17) for i, a in enumerate(names) for j, w in enumerate(weeks)]
        window.tabs.setCurrentWidget(window.trends)
        window.trends.show_data(banned, [float(s) for s in range(30, 100, 3)],
                                {"neutral": 30, "anxious": 20, "complaint_escalation": 40, "positive": 5})
        app.processEvents()
        window.grab()  # paint everything once
        steps.append(("trends shown", rss_mb()))
        window.close()
    else:
        from assist_app.demo.runner import run_demo
        from assist_app.demo.scenario import find_scenario, load_scenarios
        from assist_app.library import load_library
        from assist_app.ui.app import build_panel, ensure_app

        steps.append(("+ UI modules (panel)", rss_mb()))
        ensure_app(13)
        scenarios = load_scenarios()
        window, controller = build_panel(library=load_library(), scenarios=scenarios, with_live=False)
        window.resize(420, 900)
        window.show()
        app.processEvents()
        window.grab()
        steps.append(("panel built and shown", rss_mb()))
        scenario = find_scenario(scenarios, "angry_bill")
        assert scenario is not None
        result = run_demo(scenario)
        controller.set_demo_mode(True)
        controller.select_scenario_id("angry_bill")
        controller.replay(result.events, result.engine)
        app.processEvents()
        window.grab()
        steps.append(("demo call replayed, review shown", rss_mb()))
        controller.shutdown()
        window.close()
    qt = sorted({m.split(".")[1] for m in sys.modules if m.startswith("PySide6.Qt")})
    return {"steps": steps, "qt_modules": qt, "pyqtgraph": "pyqtgraph" in sys.modules}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--supervisor", action="store_true", help="the supervisor window instead of the agent panel")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(one_run(args.supervisor), ensure_ascii=False))
        return 0
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    runs = []
    for _ in range(args.runs):
        cmd = [sys.executable, __file__, "--child"] + (["--supervisor"] if args.supervisor else [])
        out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    names = [name for name, _ in runs[0]["steps"]]
    print(f"{'step':<36} {'RSS MB (median of ' + str(len(runs)) + ')':>22}  runs")
    for i, name in enumerate(names):
        values = [float(r["steps"][i][1]) for r in runs]
        print(f"{name:<36} {statistics.median(values):>22.0f}  {' '.join(f'{v:.0f}' for v in values)}")
    print("Qt modules imported:", " ".join(runs[0]["qt_modules"]))
    print("pyqtgraph imported:", runs[0]["pyqtgraph"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
