"""Settings that must be in place before heavy libraries are first imported (issue 15).

Imported for its effect by ``assist_app.__main__`` ahead of every command module.

pypinyin: the matcher asks for one character at a time (``matcher.char_code``), for which the
phrase dictionary is never consulted; without it pypinyin takes ~12 MB instead of ~55 MB, and the
toneless reading of every character in U+3400–U+9FFF is the same (tests/unit/analysis/
test_pinyin_mode.py). The variables are read once, when pypinyin is first imported, so they are
set here. Not for ``assist-app learn``: its ASR-noise simulation (``learning/noise.py``) reads
polyphones in context, which needs the phrases.
"""

from __future__ import annotations

import os
import sys

PINYIN_SINGLE_CHARACTER = {"PYPINYIN_NO_PHRASES": "1", "PYPINYIN_NO_DICT_COPY": "1"}


def apply(argv: list[str]) -> bool:
    """Set the variables unless the command is ``learn`` or pypinyin is already imported."""
    if "learn" in argv or "pypinyin" in sys.modules:
        return False
    for key, value in PINYIN_SINGLE_CHARACTER.items():
        os.environ.setdefault(key, value)
    return True


apply(sys.argv[1:])
