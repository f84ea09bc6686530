"""Shared fixtures: the shipped script library and a small one for testing mechanics."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist_app.analysis.analyzer import AnalysisKit, kit_for
from assist_app.library import ScriptLibrary, load_library

MINI_LIBRARY = Path(__file__).parent / "unit" / "fixtures" / "mini_library"


@pytest.fixture(scope="session")
def mini_library() -> ScriptLibrary:
    return load_library(MINI_LIBRARY)


@pytest.fixture(scope="session")
def mini_kit(mini_library: ScriptLibrary) -> AnalysisKit:
    # The mini library tests the rules' mechanics; the shipped learned layer belongs to the shipped
    # library (its categories and training), so it is left out here.
    return AnalysisKit.build(mini_library, learned=False)


@pytest.fixture(scope="session")
def shipped_library() -> ScriptLibrary:
    return load_library()


@pytest.fixture(scope="session")
def shipped_kit(shipped_library: ScriptLibrary) -> AnalysisKit:
    return kit_for(shipped_library)
