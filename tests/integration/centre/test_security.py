"""Who may see what at the centre: row-level security with real roles and passwords."""

from __future__ import annotations

from pathlib import Path

import pytest

from assist_app.centre import admin
from assist_app.centre.replicator import Replicator
from assist_app.store import CallStore

from .conftest import PgCluster, Seat, connect_as, psycopg, record_call


@pytest.fixture(scope="module")
def two_teams(pg: PgCluster, scenarios, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Seat]:
    """Seat A (team 一组) and seat C (team 二组), each with one replicated call and practice result."""
    from .conftest import enrol

    seats = {"a": enrol(pg, "一组"), "c": enrol(pg, "二组")}
    by_id = {sc.id: sc for sc in scenarios}
    for name, seat in seats.items():
        db = tmp_path_factory.mktemp(f"seat-{name}") / "calls.db"
        with CallStore(db) as store:
            record_call(store, by_id["bad_agent"], agent=name, trainee=f"学员{name}")
        rep = Replicator(db, seat.config, seat.password)
        try:
            rep.sync_once()
        finally:
            rep.stop()
    return seats


def test_a_seat_cannot_read_another_seats_calls(pg: PgCluster, two_teams: dict[str, Seat]) -> None:
    a, c = two_teams["a"], two_teams["c"]
    with connect_as(pg, c.config.user, c.password) as conn:
        assert conn.execute("SELECT count(*) FROM assist.calls WHERE seat_id = %s", (a.seat_id,)).fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM assist.utterances WHERE seat_id = %s",
                            (a.seat_id,)).fetchone() == (0,)
        own = conn.execute("SELECT DISTINCT seat_id FROM assist.calls").fetchall()
        assert own == [(c.seat_id,)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM assist.seats")


def test_a_seat_cannot_write_as_another_seat_or_delete(pg: PgCluster, two_teams: dict[str, Seat]) -> None:
    a, c = two_teams["a"], two_teams["c"]
    with connect_as(pg, c.config.user, c.password) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # row-level security WITH CHECK
            conn.execute("INSERT INTO assist.calls(seat_id, id, started, status) VALUES (%s, 'x', 0, 'normal')",
                         (a.seat_id,))
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM assist.calls")
        conn.rollback()
        # Updating another seat's rows touches nothing (they are invisible).
        cur = conn.execute("UPDATE assist.calls SET score = 0 WHERE seat_id = %s", (a.seat_id,))
        assert cur.rowcount == 0
        conn.rollback()
    with pytest.raises(psycopg.OperationalError):
        connect_as(pg, c.config.user, "wrong-password")


def test_supervisors_read_only_their_teams(pg: PgCluster, two_teams: dict[str, Seat]) -> None:
    a, c = two_teams["a"], two_teams["c"]
    with pg.admin_connect() as conn:
        pw = admin.add_supervisor(conn, "sup_team1", ["一组"])
    with connect_as(pg, "sup_team1", pw) as conn:
        seats = {r[0] for r in conn.execute("SELECT DISTINCT seat_id FROM assist.calls")}
        assert a.seat_id in seats and c.seat_id not in seats
        assert conn.execute("SELECT count(*) FROM assist.seat_live WHERE seat_id = %s", (c.seat_id,)).fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE assist.calls SET score = 0")
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM assist.sync_state")


def test_trainers_see_only_their_trainees_practice(pg: PgCluster, two_teams: dict[str, Seat]) -> None:
    with pg.admin_connect() as conn:
        pw = admin.add_trainer(conn, "trainer_one", ["学员a"])
    with connect_as(pg, "trainer_one", pw) as conn:
        rows = conn.execute("SELECT DISTINCT trainee FROM assist.practice_results").fetchall()
        assert rows == [("学员a",)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM assist.calls")


def test_migrations_are_idempotent_and_versioned(pg: PgCluster) -> None:
    from assist_app.centre.pgschema import SCHEMA_VERSION, migrate

    with pg.admin_connect() as conn:
        assert migrate(conn) == (SCHEMA_VERSION, SCHEMA_VERSION)


def test_seat_credentials_are_not_in_plain_settings(tmp_path: Path) -> None:
    import os
    import stat

    from assist_app.centre.config import CentreConfig, save_config
    from assist_app.centre.credentials import CredentialStore

    cfg = CentreConfig(host="centre.example", user="assist_seat_s1", seat_id="s1", enabled=True)
    save_config(cfg, tmp_path / "centre.json")
    creds = CredentialStore(tmp_path, use_keyring=False)
    creds.set(cfg.host, cfg.port, cfg.dbname, cfg.user, "s3cret-pass")
    assert "s3cret-pass" not in (tmp_path / "centre.json").read_text()
    assert stat.S_IMODE(os.stat(creds.file).st_mode) == 0o600
    assert creds.get(cfg.host, cfg.port, cfg.dbname, cfg.user) == "s3cret-pass"
    assert cfg.effective_sslmode == "require"
    assert "sslmode=require" in cfg.conninfo(None)
