"""The matcher's pinyin table (issue 15): the reading behind every sound code is pypinyin's own, and
no app command imports pypinyin (its character dictionary alone is ~11 MB, with phrases ~55 MB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pypinyin import Style, pinyin

from assist_app.analysis.matcher import _HAN, _fold, char_sound, sound_codes, strict_pinyin

ROOT = Path(__file__).resolve().parents[3]


def _pypinyin(ch: str) -> str | None:
    py = pinyin(ch, style=Style.NORMAL, heteronym=False, errors="ignore")
    return py[0][0] if py and py[0] and py[0][0] else None


def test_every_character_reads_as_pypinyin_reads_it() -> None:
    chars = [chr(cp) for cp in range(0x3400, 0xA000)]
    assert all(_HAN.match(ch) for ch in chars)  # the whole range the matcher reads
    read = 0
    for ch in chars:
        expected = _pypinyin(ch)
        assert strict_pinyin(ch) == (ch if expected is None else expected), ch
        assert char_sound(ch) == (ch if expected is None else _fold(expected)), ch
        read += expected is not None
    assert read > 26_000  # pypinyin 0.55 reads 26,703 of the 27,648


def test_characters_outside_the_han_range_stand_for_themselves() -> None:
    # Latin, digits, punctuation, U+3007, a compatibility and an Extension B character
    for ch in "a1，。〇\uf900\U00020000":
        assert char_sound(ch) == strict_pinyin(ch) == ch
    assert char_sound("知") == char_sound("资") == "zi"  # zh/z folded
    assert strict_pinyin("知") == "zhi"
    assert sound_codes("投诉") == sound_codes("偷诉") != sound_codes("投票")


_PROBE = """
import json, sys
{prelude}
print(json.dumps({{"modules": sorted({{m.split(".")[0] for m in sys.modules}}), "phrases": phrases}}))
"""

_APP = """
import assist_app.__main__  # what `assist-app` (GUI, listen, analyze, self-test…) imports first
from assist_app.analysis.analyzer import kit_for
from assist_app.analysis.engine import GuidanceEngine
from assist_app.events import FinalText, Speaker
from assist_app.library import load_library
kit = kit_for(load_library())
engine = GuidanceEngine(kit.library, call_id="m")
engine.handle(FinalText(t=1.0, speaker=Speaker.AGENT, text="这个不归我管你有完没完"))
phrases = 0
"""

_LEARN = """
import assist_app.__main__
from assist_app.learning import noise  # what `assist-app learn` imports when it runs
import pypinyin.constants as c
phrases = len(c.PHRASES_DICT)
"""


def _run(prelude: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYPINYIN_")}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(prelude=prelude)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    return json.loads(out.stdout)


def test_the_app_never_imports_pypinyin_or_jieba() -> None:
    app = _run(_APP)
    modules = app["modules"]
    assert isinstance(modules, list) and "assist_app" in modules
    assert "pypinyin" not in modules and "jieba" not in modules and "pkg_resources" not in modules


def test_learn_keeps_readings_in_context() -> None:
    # `assist-app learn` simulates ASR noise with polyphones read in context (learning/noise.py).
    learn = _run(_LEARN)
    assert int(str(learn["phrases"])) > 10_000
