"""Shared fixtures: the shipped script library and a small one for testing mechanics."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist_app.analysis.analyzer import AnalysisKit, kit_for
from assist_app.library import ScriptLibrary, load_library

MINI_LIBRARY = Path(__file__).parent / "unit" / "fixtures" / "mini_library"


@pytest.fixture(autouse=True)
def _isolated_store_journals(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unsaved-record journals of test stores go to a per-test folder, never the user's cache."""
    from assist_app.store import journal

    folder = tmp_path_factory.mktemp("journals")
    monkeypatch.setattr(journal, "default_journal_dirs", lambda db_path: [folder / "cache", folder / "tmp"])


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
