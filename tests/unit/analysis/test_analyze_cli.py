"""``assist-app analyze`` follows the DESIGN.md §5 contract, end to end in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

MINI = Path(__file__).parents[1] / "fixtures" / "mini_library"
PHASES = {"greeting", "asking", "listening", "soothing", "explanation", "advice", "closing", "other"}
EMOTIONS = {"angry", "anxious", "complaint_escalation", "negative_other", "neutral", "positive"}


def run(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assist_app", "analyze", "-", "--library", str(MINI), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_contract_fields_order_and_bad_lines() -> None:
    lines = [
        {"call_id": "c1", "speaker": "agent", "text": "您好，很高兴为您服务", "start": 0.0, "end": 2.5},
        {"call_id": "c2", "speaker": "customer", "text": "我要投诉你们"},
        "this is not json",
        {"call_id": "c1", "speaker": "customer", "text": "气死我了，什么破服务！", "start": 3.0, "end": 5.0},
        {"call_id": "c1", "speaker": "boss", "text": "嗯"},
        {"speaker": "agent", "text": "这事不归我管"},
        {"call_id": "c1", "speaker": "agent", "text": 42},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    proc = run(stdin)
    assert proc.returncode == 1
    assert "line 3" in proc.stderr and "line 5" in proc.stderr and "line 7" in proc.stderr
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [(o["call_id"], o["index"]) for o in out] == [("c1", 0), ("c2", 0), ("c1", 1), ("call", 0)]
    for o in out:
        assert set(o) == {
            "call_id",
            "index",
            "speaker",
            "text",
            "phase",
            "call_phase",
            "emotion",
            "flags",
            "suggestions",
        }
        assert o["phase"] in PHASES and o["call_phase"] in PHASES
        assert len(o["suggestions"]) <= 3
        for s in o["suggestions"]:
            assert set(s) == {"step", "text", "reason"} and s["step"] in PHASES - {"other"}
    agent0, cust_c2, cust_c1, agent_default = out
    assert agent0["emotion"] is None
    assert cust_c2["emotion"]["label"] == "complaint_escalation"
    assert cust_c1["emotion"]["label"] == "angry" and cust_c1["emotion"]["cues"]
    assert 0.0 < cust_c1["emotion"]["intensity"] <= 1.0
    (flag,) = [f for f in agent_default["flags"] if f["kind"] == "banned_phrase"]
    assert set(flag) == {"rule", "kind", "severity", "span", "matched", "message", "replacement"}
    s, e = flag["span"]
    assert agent_default["text"][s:e] == flag["matched"] == "不归我管"
    assert flag["severity"] in {"high", "medium", "low"}


def test_result_depends_only_on_earlier_utterances() -> None:
    call = [
        {"speaker": "agent", "text": "您好，很高兴为您服务"},
        {"speaker": "customer", "text": "我家停电了"},
        {"speaker": "agent", "text": "非常抱歉，您先别着急"},
    ]
    full = run("\n".join(json.dumps(x, ensure_ascii=False) for x in call)).stdout.splitlines()
    prefix = run("\n".join(json.dumps(x, ensure_ascii=False) for x in call[:2])).stdout.splitlines()
    assert full[:2] == prefix


def test_text_format_and_missing_input(tmp_path: Path) -> None:
    proc = run(json.dumps({"speaker": "agent", "text": "你有完没完"}, ensure_ascii=False), "--format", "text")
    assert proc.returncode == 0
    assert "有完没完" in proc.stdout and "建议" in proc.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "assist_app", "analyze", str(tmp_path / "nope.jsonl")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2 and "无法读取" in missing.stderr


def test_broken_library_is_reported(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "assist_app", "analyze", "-", "--library", str(tmp_path)],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "formula.yaml: (file): missing" in proc.stderr
