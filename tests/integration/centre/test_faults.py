"""Faults: the server killed with SIGKILL mid-run, or unreachable for a while — every seat catches up
and the centre's row counts equal the seats' own counts exactly."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from assist_app.centre.replicator import Replicator, central_counts, local_counts
from assist_app.store import CallStore

from .conftest import PgCluster, connect_as, enrol, record_call


def _run_fault(cluster: PgCluster, scenarios, tmp_path: Path, fault: str) -> None:
    by_id = {sc.id: sc for sc in scenarios}
    plays = [by_id[i] for i in ("bad_agent", "angry_bill", "polite_inquiry", "compensation_threat")]
    seats = [enrol(cluster, "一组") for _ in range(3)]
    stores = [CallStore(tmp_path / f"{s.seat_id}.db") for s in seats]
    reps = [Replicator(st.path, s.config, s.password, max_backoff_s=1.0) for st, s in zip(stores, seats, strict=True)]
    for r in reps:
        r.start()
    stop = threading.Event()

    def seat_work(store: CallStore) -> None:  # each seat keeps taking calls through the fault
        i = 0
        while not stop.is_set() and i < 200:
            record_call(store, plays[i % len(plays)], trainee="学员" if i % 3 == 0 else "")
            i += 1

    workers = [threading.Thread(target=seat_work, args=(st,), daemon=True) for st in stores]
    try:
        for w in workers:
            w.start()
        time.sleep(2.0)
        if fault == "kill9":
            cluster.kill9()
            time.sleep(3.0)
        else:
            cluster.stop("immediate")
            time.sleep(6.0)  # unreachable: connections refused while the seats keep recording
        assert any(r.stats.failures for r in reps), "the seats did not notice the outage"
        calls_during_fault = [local_counts(st.path)["calls"] for st in stores]
        cluster.start()
        time.sleep(2.0)  # recording goes on after the restart too
        stop.set()
        for w in workers:
            w.join(120)
        for st in stores:
            assert st.flush()
        deadline = time.monotonic() + 60
        pending = list(range(len(seats)))
        while pending and time.monotonic() < deadline:
            for i in list(pending):
                with connect_as(cluster, seats[i].config.user, seats[i].password) as conn:
                    if central_counts(conn, seats[i].seat_id) == local_counts(stores[i].path):
                        pending.remove(i)
            time.sleep(0.5)
        for i in pending:
            with connect_as(cluster, seats[i].config.user, seats[i].password) as conn:
                assert central_counts(conn, seats[i].seat_id) == local_counts(stores[i].path)
        for st, before in zip(stores, calls_during_fault, strict=True):
            assert local_counts(st.path)["calls"] > before >= 1  # calls were recorded before, during and after
    finally:
        stop.set()
        for r in reps:
            r.stop()
        for st in stores:
            st.close()


def test_server_killed_mid_run_every_seat_catches_up_exactly(tmp_cluster: PgCluster, scenarios, tmp_path: Path) -> None:
    _run_fault(tmp_cluster, scenarios, tmp_path, "kill9")


def test_server_unreachable_for_a_while_every_seat_catches_up(
    tmp_cluster: PgCluster, scenarios, tmp_path: Path
) -> None:
    _run_fault(tmp_cluster, scenarios, tmp_path, "down")
