"""jieba's dictionary in compact arrays (issue 15): the same keys, frequencies, total and cuts."""

from __future__ import annotations

import io
import logging

import jieba
import pytest

from assist_app.analysis.wordfreq import compact_tokenizer, load_compact

SENTENCES = [
    "你们这是什么破服务我要投诉到工信部",
    "宽带又断了我明天还要上网课怎么办",
    "我的bp机和qq号都被停了气死我了",
    "不归我管你问领导去吧有完没完",
    "非常抱歉给您带来不便我马上为您查询",
    "太谢谢你了问题解决了12315",
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


def test_cuts_like_jieba_with_added_words() -> None:
    jieba.setLogLevel(logging.WARNING)
    compact = compact_tokenizer()
    reference = jieba.Tokenizer()
    reference.initialize()
    assert compact.total == reference.total
    for tok in (compact, reference):
        tok.add_word("破服务", freq=2000)
        tok.add_word("有完没完", freq=2000)
    assert compact.total == reference.total
    for text in SENTENCES:
        assert compact.lcut(text, HMM=False) == reference.lcut(text, HMM=False), text
    assert "破服务" in compact.lcut(SENTENCES[0], HMM=False)
