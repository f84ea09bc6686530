"""Frozen start-up to a ready window (issue 6 budget: ≤ 3 s without a model).

Starts the bundle's ``assist-app`` (no command: the agent panel) on a private Xvfb display with a
clean environment (``env -i``-style: PATH, HOME, DISPLAY only) and measures the wall time from
process start until X reports the "坐席助手" top-level window as viewable (``xwininfo``), i.e.
mapped on screen after ``window.show()`` and the first event-loop pass. Then closes it.

    .venv/bin/python scripts/bundle_startup.py [dist/assist-app] [--runs 5]

Prints each run and the median. Needs Xvfb and xwininfo (scripts/install_sysdeps.sh installs both).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TITLE = "坐席助手"


def _viewable(display: str) -> bool:
    proc = subprocess.run(["xwininfo", "-display", display, "-name", TITLE], capture_output=True, text=True,
                          timeout=5)
    return proc.returncode == 0 and "IsViewable" in proc.stdout


def measure_once(exe: Path, display: str, timeout: float = 30.0) -> float:
    with tempfile.TemporaryDirectory(prefix="assist-startup-") as home:
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "DISPLAY": display}
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(exe)], cwd=home, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            while time.perf_counter() - t0 < timeout:
                if _viewable(display):
                    return time.perf_counter() - t0
                if proc.poll() is not None:
                    raise RuntimeError(f"assist-app exited with {proc.returncode} before showing its window")
                time.sleep(0.01)
            raise TimeoutError(f"no window after {timeout:.0f} s")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", type=Path, default=Path("dist/assist-app"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--display", default=":97")
    args = parser.parse_args(argv)
    exe = args.bundle.resolve() / "assist-app"
    if not exe.is_file():
        print(f"no bundle at {exe} (run make bundle)", file=sys.stderr)
        return 2
    for tool in ("Xvfb", "xwininfo"):
        if shutil.which(tool) is None:
            print(f"{tool} is needed (scripts/install_sysdeps.sh)", file=sys.stderr)
            return 2
    xvfb = subprocess.Popen(["Xvfb", args.display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        times = []
        for i in range(args.runs):
            t = measure_once(exe, args.display)
            times.append(t)
            print(f"run {i + 1}: {t:.2f} s to a viewable window")
        print(f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s "
              f"({args.runs} runs, {os.cpu_count()} CPUs)")
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
