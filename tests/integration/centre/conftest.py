"""A throwaway PostgreSQL cluster for the centre tests (started once per session, removed after).

Seats, supervisors and trainers connect over 127.0.0.1 with their own roles and SCRAM passwords,
exactly as they would to a centre's server; the administrator uses the cluster's unix socket.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")

from assist_app.centre import admin  # noqa: E402
from assist_app.centre.config import CentreConfig  # noqa: E402
from assist_app.centre.throwaway import PgCluster, find_bin  # noqa: E402
from assist_app.demo.runner import DemoResult, run_demo  # noqa: E402
from assist_app.demo.scenario import Scenario, load_scenarios  # noqa: E402
from assist_app.store import CallMeta, CallStore, TraineeSession, draft_work_order  # noqa: E402

_seat_numbers = itertools.count(1)
MINI_LIBRARY = Path(__file__).parents[2] / "unit" / "fixtures" / "mini_library"


def _library() -> Any:
    """The shipped library, or the tests' mini library when the shipped one does not load: these
    tests are about replication, not about the norms (the mini library still raises flags)."""
    from assist_app.library import load_library

    try:
        return load_library()
    except Exception:
        return load_library(MINI_LIBRARY)


_LIB: list[Any] = []


def start_cluster() -> PgCluster:
    try:
        find_bin()
    except FileNotFoundError as exc:
        pytest.fail(f"{exc}: `make setup` installs it (scripts/install_sysdeps.sh)")
    cluster = PgCluster(Path(tempfile.mkdtemp(prefix="assist-pg-")))
    cluster.start()
    with cluster.admin_connect() as conn:
        admin.init_schema(conn)
        conn.commit()
    return cluster


@pytest.fixture(scope="session")
def pg() -> Iterator[PgCluster]:
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.destroy()


@dataclass
class Seat:
    """A seat enrolled at the centre: its id, config (no password) and password."""

    seat_id: str
    team: str
    config: CentreConfig
    password: str


def enrol(cluster: PgCluster, team: str = "一组", seat_id: str | None = None) -> Seat:
    sid = seat_id or f"seat-{next(_seat_numbers):03d}"
    with cluster.admin_connect() as conn:
        role, pw = admin.add_seat(conn, sid, team)
    cfg = CentreConfig(host="127.0.0.1", port=cluster.port, dbname="assist", user=role, seat_id=sid,
                       enabled=True, interval_s=0.2)
    return Seat(sid, team, cfg, pw)


@pytest.fixture
def make_seat(pg: PgCluster) -> Callable[..., Seat]:
    return lambda team="一组", seat_id=None: enrol(pg, team, seat_id)


def connect_as(cluster: PgCluster, user: str, password: str) -> Any:
    cfg = CentreConfig(host="127.0.0.1", port=cluster.port, dbname="assist", user=user)
    return psycopg.connect(cfg.conninfo(password))


@pytest.fixture(scope="session")
def scenarios() -> list[Scenario]:
    return load_scenarios()


def record_call(store: CallStore, scenario: Scenario, *, agent: str = "1024", trainee: str = "") -> DemoResult:
    """One demo call through the real engine into ``store``, with its score, work order and
    (with ``trainee``) a practice result."""
    sink = store.recorder(CallMeta(agent_id=agent, agent_name=f"坐席{agent}", mode="practice" if trainee else "demo"))
    if not _LIB:
        _LIB.append(_library())
    from assist_app.demo.runner import build_engine

    result = run_demo(scenario, sinks=[sink], engine=build_engine(_LIB[0]))
    call_id = sink.call_id
    assert call_id
    if result.score is not None:
        store.save_score(call_id, result.score)
    assert store.flush()
    rec = store.get_call(call_id)
    assert rec is not None
    store.save_work_order(draft_work_order(call_id, rec.summary.started, rec.transcript))
    if trainee:
        store.save_trainee_session(TraineeSession(
            scenario_id=scenario.id, trainee=trainee, started=rec.summary.started, ended=datetime.now(),
            score=result.score.total if result.score else None, call_id=call_id))
    assert store.flush()
    return result


@pytest.fixture
def tmp_cluster() -> Iterator[PgCluster]:
    """A cluster of its own, for tests that kill or stop the server."""
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(cluster.root, ignore_errors=True)
