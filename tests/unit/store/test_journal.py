"""Issue 13 item 1: writes the database could not take survive the app closing (journal + replay)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assist_app.events import Event, StatusEvent
from assist_app.store import CallStore, StoreUnavailableError
from assist_app.store.writer import StoreWriter

Events = Callable[..., Iterator[Event]]


def test_a_whole_call_on_a_full_disk_survives_closing_and_is_there_after_reopening(
    db_path: Path, call_events: Events, tmp_path: Path
) -> None:
    journals = [tmp_path / "spill"]
    seen: list[StatusEvent] = []
    # SQLite's max_page_count gives SQLITE_FULL, the error a full disk gives.
    store = CallStore(db_path, on_status=seen.append, journal_dirs=journals, _max_page_count=40)
    sink = store.recorder()
    calls = 0
    while store.flush(timeout=5):  # fill the "disk"
        for ev in call_events():
            sink(ev)
        calls += 1
        assert calls < 500, "the size limit never triggered"
    for ev in call_events():  # one whole call while the disk stays full
        sink(ev)
    store.close()
    assert store.spilled_to is not None and store.spilled_to.parent == journals[0]
    assert store.lost == 0
    assert "store_spilled" in [s.code for s in seen]
    # Space is freed; the app starts again.
    with CallStore(db_path, journal_dirs=journals) as again:
        assert "store_replayed" in [n.code for n in again.notices]
        listed = again.list_calls()
        assert len(listed) == calls + 1
        assert all(c.status == "normal" and c.utterance_count == 9 for c in listed)
    assert list(journals[0].iterdir()) == []  # replayed journals are removed


def test_an_unwritable_store_for_the_whole_session_spills_and_replays(
    tmp_path: Path, call_events: Events
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")  # the database's folder cannot be created
    db = blocker / "calls.db"
    journals = [tmp_path / "readonly-too" / "x", tmp_path / "spill"]
    (tmp_path / "readonly-too").write_text("a file, so the first journal folder fails as well")
    store = CallStore(db, journal_dirs=journals)
    sink = store.recorder()
    for ev in call_events():
        sink(ev)
    assert not store.flush(timeout=2)
    store.close()
    assert store.spilled_to is not None and store.spilled_to.parent == journals[1]
    blocker.unlink()
    blocker.mkdir()
    with CallStore(db, journal_dirs=journals) as again:
        [call] = again.list_calls()
        assert call.utterance_count == 9 and call.status == "normal"
        record = again.get_call(call.id)
        assert record is not None
        assert "13812345678" not in " ".join(u.text for u in record.transcript)  # still masked


def test_a_journal_is_replayed_only_into_its_own_database(tmp_path: Path, call_events: Events) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("x")
    journals = [tmp_path / "spill"]
    store = CallStore(blocker / "calls.db", journal_dirs=journals)
    sink = store.recorder()
    for ev in call_events():
        sink(ev)
    store.close()
    with CallStore(tmp_path / "other.db", journal_dirs=journals) as other:
        assert other.list_calls() == []
    assert len(list(journals[0].iterdir())) == 1


def test_a_lock_held_through_a_call_and_the_close_loses_nothing(
    db_path: Path, call_events: Events, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StoreWriter, "BUSY_TIMEOUT_S", 0.2)
    monkeypatch.setattr(CallStore, "LOCK_RETRY_WAIT_S", 0.05)
    journals = [tmp_path / "spill"]
    with CallStore(db_path, journal_dirs=journals):
        pass  # create the file
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
    try:
        store = CallStore(db_path, journal_dirs=journals)
        sink = store.recorder()
        for ev in call_events():
            sink(ev)
        assert not store.flush(timeout=3)
        with pytest.raises(StoreUnavailableError) as err:  # a clear message, not an OperationalError
            store.delete_older_than(1)
        assert "占用" in err.value.message_zh
        store.close()
        assert store.spilled_to is not None
    finally:
        other.execute("ROLLBACK")
        other.close()
    with CallStore(db_path, journal_dirs=journals) as again:
        [call] = again.list_calls()
        assert call.utterance_count == 9
