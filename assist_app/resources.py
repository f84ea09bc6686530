"""Where the app's shipped data lives, from a source tree and from a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def app_root() -> Path:
    """The folder holding ``scripts_library/``, ``resources/`` and ``models/``.

    In a PyInstaller bundle that is the bundle's data folder (``sys._MEIPASS``); from a source
    tree or an editable install it is the repository root.
    """
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parent.parent


def library_dir() -> Path:
    """The shipped script library (``scripts_library/``)."""
    return app_root() / "scripts_library"


def resources_dir() -> Path:
    return app_root() / "resources"


def scenarios_dir() -> Path:
    """Bundled demo/training scenarios."""
    return resources_dir() / "scenarios"


def bundled_models_dir() -> Path:
    """``models/`` beside the app: where IT may put an ASR model for every user of the PC."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent / "models"
    return app_root() / "models"
