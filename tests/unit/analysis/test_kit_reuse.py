"""Library reloads replace the analysis kit and share one segmenter (issue 15): the app used to
keep up to four kits, each with its own ~70 MB jieba dictionary."""

from __future__ import annotations

import gc
import shutil
import weakref
from pathlib import Path

from assist_app.analysis import analyzer
from assist_app.analysis.emotion import SharedSegmenter, _library_words, build_tokenizer
from assist_app.analysis.engine import GuidanceEngine
from assist_app.library import load_library
from assist_app.library.model import ScriptLibrary
from assist_app.resources import library_dir

RULE = """
  - id: test.reload{n}
    category: vulgar
    severity: low
    patterns: ["重新加载测试{n}"]
    replacement: 测试
"""

SENTENCES = [
    "你们这是什么破服务我要投诉到工信部",
    "宽带又断了我明天还要上网课怎么办",
    "不归我管你问领导去吧有完没完",
    "非常抱歉给您带来不便我马上为您查询",
    "太谢谢你了问题解决了",
]


def test_reloading_a_library_replaces_its_kit_and_keeps_one_tokenizer(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    shutil.copytree(library_dir(), folder)
    first = analyzer.kit_for(load_library(folder))  # a library object no other test holds
    gone = weakref.ref(first.banned)  # (the kit itself is a slots dataclass: no weak references)
    tokenizer = first.emotion.tokenizer

    same = analyzer.kit_for(load_library(folder))  # 校验并重新加载 with nothing changed
    assert same is first  # no rebuild
    del same, first

    banned = folder / "banned.yaml"
    for n in range(3):  # the centre edits its library and reloads, three times
        banned.write_text(banned.read_text(encoding="utf-8") + RULE.format(n=n), encoding="utf-8")
        reloaded = load_library(folder)
        kit = analyzer.kit_for(reloaded)
        assert kit.library is reloaded and any(r.id == f"test.reload{n}" for r in reloaded.banned.rules)
        assert analyzer.kit_for(reloaded) is kit  # reused while it is the current library
        assert kit.emotion.tokenizer is tokenizer  # one segmenter for all of them
        engine = GuidanceEngine(reloaded, call_id="c")  # a call on the new library uses that kit
        assert engine.analyzer.kit is kit
    kits = [k for k in analyzer._kits.values() if k.library.root == reloaded.root]
    assert len(kits) == 1  # replaced, not accumulated
    del kit, kits, engine
    gc.collect()
    assert gone() is None  # the first kit (and its compiled patterns) freed once nothing holds it


def test_shared_segmenter_cuts_like_a_fresh_tokenizer(mini_library: ScriptLibrary,
                                                     shipped_library: ScriptLibrary) -> None:
    shared = SharedSegmenter()
    for library in (shipped_library, mini_library, shipped_library, mini_library):
        tok = shared.for_library(library)
        fresh = build_tokenizer(library)
        for text in SENTENCES:
            assert list(tok.cut(text)) == list(fresh.cut(text)), (library.root, text)
        assert tok.total == fresh.total


def test_shared_segmenter_holds_every_library_word_as_add_word_would(shipped_library: ScriptLibrary,
                                                                     mini_library: ScriptLibrary) -> None:
    shared = SharedSegmenter()
    shared.for_library(mini_library)
    tok = shared.for_library(shipped_library)  # re-keyed: the mini library's words are gone
    fresh = build_tokenizer(shipped_library)
    words = _library_words(shipped_library) | _library_words(mini_library)
    assert len(words) > 20_000
    keys = {w[:end] for w in words for end in range(1, len(w) + 1)}
    assert all(tok.FREQ.get(k) == fresh.FREQ.get(k) for k in keys)
    assert len(tok.FREQ) == len(fresh.FREQ)
