"""Issue 13 item 9: the work per utterance is bounded (variants per pattern, gap reach, length)."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from assist_app.__main__ import main
from assist_app.analysis.matcher import PatternSet
from assist_app.commands.analyze import MAX_ANALYSED_CHARS
from assist_app.library import LibraryError, load_library
from assist_app.library.patterns import MAX_GAP_VARIANTS, PatternError, parse_pattern

MINI = Path(__file__).parents[1] / "fixtures" / "mini_library"
# 16 × 16 × 12 = 3,072 variants of single characters joined by gaps: each variant may start almost
# anywhere in a long utterance.
GAP_BOMB = ("(我|你|他|她|们|的|是|在|不|没|别|甭|管|理|问|看)…(了|啊|吧|呢|吗|嘛|的|是|在|不|没|别|甭|管|理|问)…"
            "(看|管|理|问|你|我|他|她|的|是|在|不)")


def test_a_gap_pattern_with_thousands_of_variants_is_rejected_naming_the_entry(tmp_path: Path) -> None:
    with pytest.raises(PatternError, match="variants"):
        parse_pattern(GAP_BOMB)
    lib = tmp_path / "lib"
    shutil.copytree(MINI, lib)
    text = (lib / "banned.yaml").read_text(encoding="utf-8")
    text = text.replace('patterns: ["有完没完"]', "patterns: [\"有完没完\", \"" + GAP_BOMB + "\"]")
    (lib / "banned.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(LibraryError) as err:
        load_library(lib)
    assert "banned.yaml: rules[impatient.endless].patterns[1]" in str(err.value)


def test_the_shipped_library_fits_the_limits() -> None:
    load_library()  # every shipped pattern is within MAX_VARIANTS / MAX_GAP_VARIANTS


def test_a_gap_only_looks_within_its_reach() -> None:
    # The largest pattern allowed, on a long utterance made of its own characters: every gap finds
    # its next segment by bisecting the occurrences in reach, and the matches are the same as a
    # full scan's (checked on a short text where the full scan is cheap).
    pat = GAP_BOMB.rsplit("…", 1)[0] + "…(看|管|理|问)"
    assert len(parse_pattern(pat)) == MAX_GAP_VARIANTS
    ps = PatternSet([(pat, 1)])
    text = "我的是不管看了吧" * 4
    found = ps.find(text)
    assert found and all(m.end - m.start <= 3 + 2 * 8 for m in found)
    assert all(text[m.end - 1] in "看管理问" for m in found)


def test_an_overlong_utterance_is_cut_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    long_text = "这事不归我管" + "啊" * (MAX_ANALYSED_CHARS * 50)
    line = json.dumps({"speaker": "agent", "text": long_text}, ensure_ascii=False).encode() + b"\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(line), encoding="utf-8"))
    out = tmp_path / "out.jsonl"
    assert main(["analyze", "-", "-o", str(out), "--library", str(MINI)]) == 0
    err = capsys.readouterr().err
    assert "第 1 行过长" in err and f"只分析前 {MAX_ANALYSED_CHARS} 字" in err
    [result] = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(result["text"]) == MAX_ANALYSED_CHARS
    assert "shirk.not_my_job" in [f["rule"] for f in result["flags"]]
