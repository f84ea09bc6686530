"""Issue 13 items 7 and 8: empty library files and YAML alias bombs are refused, loudly and fast."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assist_app.__main__ import main
from assist_app.library import LibraryError, load_library

MINI = Path(__file__).parents[1] / "fixtures" / "mini_library"


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "lib"
    shutil.copytree(MINI, dst)
    return dst


@pytest.mark.parametrize("content", ["", "# only a comment\n# and another\n", "\n\n   \n", "---\n"])
@pytest.mark.parametrize("name", ["banned.yaml", "formula.yaml"])
def test_an_empty_or_comment_only_file_is_an_error(tmp_path: Path, name: str, content: str) -> None:
    lib = _copy(tmp_path)
    (lib / name).write_text(content, encoding="utf-8")
    with pytest.raises(LibraryError) as err:
        load_library(lib)
    assert any(p.startswith(f"{name}: ") and "empty" in p for p in err.value.problems)


def test_library_check_refuses_an_empty_banned_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = _copy(tmp_path)
    (lib / "banned.yaml").write_text("# rules removed\n", encoding="utf-8")
    assert main(["library", "check", str(lib)]) != 0
    assert "0 条" not in capsys.readouterr().out


def test_a_library_without_banned_rules_or_formula_steps_is_invalid(tmp_path: Path) -> None:
    lib = _copy(tmp_path)
    (lib / "banned.yaml").write_text("categories: [{id: a, name: 甲}]\nrules: []\n", encoding="utf-8")
    (lib / "formula.yaml").write_text("steps: []\n", encoding="utf-8")
    with pytest.raises(LibraryError) as err:
        load_library(lib)
    text = str(err.value)
    assert "banned.yaml: rules" in text and "formula.yaml: steps" in text


def test_analyze_with_an_empty_formula_says_so_instead_of_crashing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    lib = _copy(tmp_path)
    (lib / "formula.yaml").write_text("", encoding="utf-8")
    line = json.dumps({"speaker": "agent", "text": "您好"}, ensure_ascii=False).encode() + b"\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(line), encoding="utf-8"))
    assert main(["analyze", "-", "--library", str(lib)]) == 2
    assert "formula.yaml" in capsys.readouterr().err


BOMB = """categories: [{id: a, name: 甲}]
x0: &a0 ["哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈"]
x1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]
x2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]
x3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]
x4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]
x5: &a5 [*a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4]
x6: &a6 [*a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5]
x7: &a7 [*a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6]
x8: &a8 [*a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7]
rules:
  - {id: x.y, category: a, severity: *a8, patterns: ["不管"], replacement: 好的}
"""


def test_a_yaml_alias_bomb_is_refused_without_expanding_it(tmp_path: Path) -> None:
    lib = _copy(tmp_path)
    (lib / "banned.yaml").write_text(BOMB, encoding="utf-8")
    # In a subprocess with a deadline: before the fix, building the error message never finished.
    proc = subprocess.run([sys.executable, "-m", "assist_app", "library", "check", str(lib)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "banned.yaml: line 3" in proc.stdout + proc.stderr and "alias" in proc.stdout + proc.stderr
