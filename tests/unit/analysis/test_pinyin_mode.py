"""pypinyin in single-character mode (issue 15): the app entry point turns the phrase dictionary
off (~43 MB less), and the matcher's sound code of every character it can see is unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from assist_app import lean_imports

ROOT = Path(__file__).resolve().parents[3]

_CODES = """
import json, sys
{prelude}
import pypinyin.constants as c
from assist_app.analysis.matcher import _HAN, char_code, _fold
from pypinyin import Style, pinyin
chars = [chr(cp) for cp in range(0x3400, 0xA000) if _HAN.match(chr(cp))]
readings = [pinyin(ch, style=Style.NORMAL, heteronym=False, errors="ignore") for ch in chars]
folded = [_fold(r[0][0]) if r and r[0] and r[0][0] else "" for r in readings]
codes = [char_code(ch) for ch in "投诉您好请稍等不归我管有完没完"]
print(json.dumps({{"phrases": len(c.PHRASES_DICT), "n": len(chars), "folded": folded, "codes": codes}}))
"""


def _run(prelude: str, *args: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYPINYIN_")}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run(
        [sys.executable, "-c", _CODES.format(prelude=prelude), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    return json.loads(out.stdout)


def test_entry_point_drops_the_phrase_dictionary_and_codes_stay_the_same() -> None:
    lean = _run("import assist_app.__main__")  # what `assist-app` (GUI, listen, analyze…) runs first
    full = _run("")  # pypinyin as installed, phrases and all
    assert lean["phrases"] == 0 and int(str(full["phrases"])) > 10_000
    assert lean["n"] == full["n"] == 0xA000 - 0x3400  # every character in the matcher's Han range
    assert lean["folded"] == full["folded"]  # the toneless reading behind every sound code
    assert len(lean["codes"]) == 15


def test_learn_keeps_readings_in_context() -> None:
    # `assist-app learn` simulates ASR noise with polyphones read in context (learning/noise.py).
    learn = _run("import assist_app.__main__", "learn")
    assert int(str(learn["phrases"])) > 10_000
    assert lean_imports.apply(["learn", "--help"]) is False
