"""SIGKILL in mid-call: at most the last second is lost and the call is kept as interrupted.

A child process records a call through the real recorder and writer, printing each utterance's
number and the time it handed it over. The test kills it with SIGKILL mid-call, reopens the file
and checks that every utterance handed over more than 1 s before the kill is there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from assist_app.store import CallStore

CHILD = textwrap.dedent(
    """
    import sys, time
    from assist_app.events import CallStarted, FinalText, FlagRaised, Flag, FlagKind, Severity, Speaker
    from assist_app.store import CallStore, CallMeta

    store = CallStore(sys.argv[1])
    sink = store.recorder(CallMeta(agent_id="7"))
    sink(CallStarted(t=0.0, call_id="crash", source="test"))
    flag = Flag("rude", FlagKind.BANNED_PHRASE, Severity.HIGH, (0, 3), "有完没完", "不耐烦", "请您慢慢说")
    i = 0
    while True:
        speaker = Speaker.CUSTOMER if i % 2 else Speaker.AGENT
        text = f"第{i}句 电话13812345678"
        sink(FinalText(t=i * 0.5, speaker=speaker, text=text, start=i * 0.5, end=i * 0.5 + 0.4))
        if i % 5 == 0:
            sink(FlagRaised(t=i * 0.5, speaker=Speaker.AGENT, flag=flag, text="有完没完", final=True))
        print(i, time.time(), flush=True)
        i += 1
        time.sleep(0.05)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_call_loses_at_most_the_last_second(tmp_path: Path) -> None:
    db = tmp_path / "calls.db"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    handed: list[tuple[int, float]] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            i, wall = line.split()
            handed.append((int(i), float(wall)))
            if len(handed) >= 60:  # about 3 s into the call
                break
        killed_at = time.time()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    must_have = {i for i, wall in handed if wall < killed_at - 1.0}
    assert len(must_have) >= 30

    with CallStore(db) as store:
        [call] = store.list_calls()
        assert call.status == "interrupted" and call.status_zh == "意外中断"
        assert call.end_reason == "crash"
        assert call.ended is not None
        rec = store.get_call(call.id)
        assert rec is not None
        stored = {int(ln.text[1 : ln.text.index("句")]) for ln in rec.transcript}
        assert must_have <= stored
        assert all("13812345678" not in ln.text for ln in rec.transcript)
        assert len(rec.flags) >= len([i for i in must_have if i % 5 == 0])
        assert call.utterance_count == len(stored) and call.flag_count == len(rec.flags)
