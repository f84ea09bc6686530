"""``assist-app learn``: a centre's labels rebuild the layer; worse models never replace better ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assist_app.__main__ import main
from assist_app.analysis.learned.layer import LearnedLayer
from assist_app.commands import learn

AGENT_BAD = [
    ("这个事情你别找我，找你们村委会去", "shirk"), ("我这边管不了，你打别的电话吧", "shirk"),
    ("说了八百遍了你还问", "impatient"), ("你能不能别磨叽了", "impatient"),
    ("那是你自己没看清楚怪谁", "contradict"), ("谁让你当时不问清楚", "contradict"),
    ("这么简单都不会用啊", "sarcasm"), ("你是听不懂中国话吗", "sarcasm"),
]
AGENT_OK = ["您好，很高兴为您服务", "请您稍等，我帮您查一下", "这个需要售后处理，我帮您登记", "感谢您的耐心等待",
            "非常抱歉给您带来不便", "请问还有其他可以帮您的吗"]
CUSTOMER = [("你们这服务太差劲了，气死我了", "angry"), ("我要去12315投诉你们", "complaint_escalation"),
            ("能不能快点啊，我明天就要用", "anxious"), ("好的谢谢你，解决了", "positive"),
            ("我想查一下话费", "neutral"), ("唉，又是这样，算了吧", "negative_other")]


def _write(path: Path, copies: int = 4) -> Path:
    lines = []
    for k in range(copies):
        for i, (t, lab) in enumerate(AGENT_BAD):
            lines.append({"call_id": f"b{k}-{i}", "speaker": "agent", "text": t + "啊" * k, "label": lab})
        for i, t in enumerate(AGENT_OK):
            lines.append({"call_id": f"o{k}-{i}", "speaker": "agent", "text": t, "label": "ok"})
        for i, (t, lab) in enumerate(CUSTOMER):
            lines.append({"call_id": f"c{k}-{i}", "speaker": "customer", "text": t, "label": lab})
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n{broken\n", encoding="utf-8")
    return path


def test_learn_builds_a_verified_layer_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "learned"
    code = main(["learn", str(_write(tmp_path / "qa.jsonl")), "--out", str(out), "--only-mine", "--force"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "qa.jsonl:" in captured.err and "跳过" in captured.err  # the broken line, named, then skipped
    assert "→" in captured.out and "已更新学习层" in captured.out
    layer = LearnedLayer.load(out)
    assert layer.banned is not None and "shirk" in layer.banned.labels


def test_a_worse_model_is_not_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "learned"
    assert main(["learn", str(_write(tmp_path / "qa.jsonl")), "--out", str(out), "--only-mine", "--force"]) == 0
    before = (out / "manifest.json").read_bytes()
    scores = iter([{"banned_f1": 0.9, "emotion_macro_f1": 0.8}, {"banned_f1": 0.5, "emotion_macro_f1": 0.8}])
    monkeypatch.setattr(learn, "score", lambda _kit, _d: next(scores))
    capsys.readouterr()
    assert main(["learn", str(_write(tmp_path / "qa2.jsonl", copies=3)), "--out", str(out), "--only-mine"]) == 1
    assert "保留原模型" in capsys.readouterr().out
    assert (out / "manifest.json").read_bytes() == before
    assert not (tmp_path / "learned.candidate").exists()


def test_too_few_labels_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "few.jsonl"
    path.write_text(json.dumps({"speaker": "agent", "text": "你好", "label": "ok"}) + "\n", encoding="utf-8")
    assert main(["learn", str(path), "--out", str(tmp_path / "x")]) == 1
    assert "至少需要 20 条" in capsys.readouterr().err
