"""Qt stays at the edge: nothing outside assist_app/ui imports PySide6 (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "assist_app"
QT_MODULES = ("PySide6", "shiboken6")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_qt_outside_ui() -> None:
    offenders = []
    files = [p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts[:1]]
    assert len(files) > 20
    for path in files:
        for name in _imports(path):
            if name.split(".")[0] in QT_MODULES:
                offenders.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    assert offenders == []


def test_core_imports_without_qt_installed_at_runtime() -> None:
    """Importing the analysis core must not pull Qt in (run in a fresh interpreter)."""
    import subprocess
    import sys

    code = (
        "import sys; import assist_app.analysis.engine, assist_app.commands.analyze, assist_app.library;"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('PySide6','shiboken6')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# Layer contracts (issue 11, after napari's import-linter contracts): package -> packages it must
# never import, directly or lazily inside a function.
FORBIDDEN = {
    "analysis": ("store", "audio", "pipeline", "ui", "demo", "training", "centre", "commands", "learning"),
    "library": ("analysis", "store", "audio", "pipeline", "ui"),
    "store": ("analysis", "audio", "pipeline", "ui"),
    "audio": ("pipeline", "ui", "analysis", "store"),
    "asr": ("pipeline", "ui", "analysis", "store"),
    "learning": ("ui", "store", "audio", "pipeline"),
    "centre": ("audio", "asr", "pipeline"),
    "reports": ("analysis", "store", "audio", "asr", "pipeline", "ui", "demo", "training", "centre", "commands",
                "learning", "library"),
}

# Shared modules every layer imports (issue 11): they may use ``events`` and each other, nothing else
# of the app, or a layer importing them would inherit a forbidden edge.
SHARED = {"events", "enums", "values", "validation", "formatting", "scores"}


def test_layer_contracts() -> None:
    broken = []
    for layer, banned in FORBIDDEN.items():
        files = list((PACKAGE / layer).rglob("*.py"))
        assert files, layer
        for path in files:
            for name in _imports(path):
                parts = name.split(".")
                if parts[0] == "assist_app" and len(parts) > 1 and parts[1] in banned:
                    broken.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    assert broken == []


# The panel's logic that needs no display (issue 11): starting a call and resolving its speech
# model, the outcome (score, work-order draft), the alert log, the call mode, the speech sources.
QT_FREE_UI = ("call_mode", "launcher", "outcome", "alert_log", "speech_sources", "device_probe", "settings",
              "errors")


def test_panel_logic_imports_without_qt() -> None:
    import subprocess
    import sys

    modules = ", ".join(f"assist_app.ui.{m}" for m in QT_FREE_UI) + ", assist_app.demo.turns"
    code = (
        f"import sys; import {modules};"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('PySide6','shiboken6')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_shared_modules_import_only_each_other() -> None:
    broken = []
    for name in sorted(SHARED):
        for imported in _imports(PACKAGE / f"{name}.py"):
            parts = imported.split(".")
            if parts[0] == "assist_app" and (len(parts) < 2 or parts[1] not in SHARED):
                broken.append(f"assist_app/{name}.py imports {imported}")
    assert broken == []
