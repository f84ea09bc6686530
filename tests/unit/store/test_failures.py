"""Nothing lost: a damaged file, an unwritable folder and a full disk."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assist_app.events import Event, StatusEvent
from assist_app.store import CallStore

Events = Callable[..., Iterator[Event]]


def test_corrupt_file_is_moved_aside_and_a_new_one_started(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = b"this is not a database " * 400
    db_path.write_bytes(garbage)
    seen: list[StatusEvent] = []
    with caplog.at_level(logging.ERROR), CallStore(db_path, on_status=seen.append) as store:
        assert [n.code for n in store.notices] == ["store_corrupt"]
        assert "已损坏" in store.notices[0].message and "未删除" in store.notices[0].message
        assert seen == list(store.notices)
        assert store.list_calls() == []  # the new file works
    moved = [p for p in db_path.parent.iterdir() if ".corrupt-" in p.name]
    assert len(moved) == 1 and moved[0].read_bytes() == garbage  # kept, byte for byte
    assert moved[0].name in store.notices[0].message
    assert "damaged" in caplog.text  # English in the log
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM calls").fetchone() == (0,)


def test_file_with_damaged_pages_is_moved_aside(db_path: Path, call_events: Events) -> None:
    with CallStore(db_path) as store:
        sink = store.recorder()
        for _ in range(30):
            for ev in call_events():
                sink(ev)
    data = bytearray(db_path.read_bytes())
    page = 4096
    for off in range(2 * page, min(len(data), 6 * page)):  # scribble over b-tree pages, keep the header
        data[off] = 0x5A
    db_path.write_bytes(bytes(data))
    with CallStore(db_path) as store:
        assert [n.code for n in store.notices] == ["store_corrupt"]
        assert store.list_calls() == []
    assert len([p for p in db_path.parent.iterdir() if ".corrupt-" in p.name]) == 1


def test_unwritable_folder_buffers_the_call_and_writes_it_later(tmp_path: Path, call_events: Events) -> None:
    # A regular file where the data folder should be: the database cannot be created (honest
    # stand-in for a read-only folder; the tests run as root, which ignores permission bits).
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    seen: list[StatusEvent] = []
    store = CallStore(blocker / "calls.db", on_status=seen.append)
    try:
        assert [n.code for n in store.notices] == ["store_unavailable"]
        assert "内存" in store.notices[0].message
        sink = store.recorder()
        for ev in call_events():
            sink(ev)  # the call goes on
        assert not store.flush(timeout=2)
        assert store.buffered > 0
        # The folder becomes writable: everything held in memory is written.
        blocker.unlink()
        blocker.mkdir()
        assert store.flush()
        assert store.buffered == 0
        [call] = store.list_calls()
        assert call.utterance_count == 9 and call.status == "normal"
        assert seen[-1].code == "store_recovered"
    finally:
        store.close()


def test_full_disk_keeps_records_in_memory_until_space_is_freed(db_path: Path, call_events: Events) -> None:
    # SQLite's max_page_count makes writes fail with SQLITE_FULL, the same error a full disk gives.
    seen: list[StatusEvent] = []
    store = CallStore(db_path, on_status=seen.append, _max_page_count=40)
    try:
        sink = store.recorder()
        calls = 0
        while store.flush(timeout=5):
            for ev in call_events():
                sink(ev)
            calls += 1
            assert calls < 500, "the size limit never triggered"
        assert "store_unavailable" in [s.code for s in seen]
        for ev in call_events():  # recording continues while the disk is full
            sink(ev)
        assert store.buffered > 0
        # Space is freed.
        store._writer.call(lambda c: c.execute("PRAGMA max_page_count=1000000"))
        assert store.flush()
        assert len(store.list_calls()) == calls + 1
        assert seen[-1].code == "store_recovered"
    finally:
        store.close()


def test_a_store_in_a_missing_folder_creates_it(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "calls.db"
    with CallStore(path) as store:
        assert store.notices == ()
    assert path.exists()
    shutil.rmtree(tmp_path / "a")
