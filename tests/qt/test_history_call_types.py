"""记录 keeps live calls apart from demos and practices (issue 12.8): the call type and scenario
are stored, shown in a 类型 column and filtered; the real-call figures leave training out; a file
written before (schema v1, "training") is migrated forward."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from assist_app.demo.runner import run_demo
from assist_app.demo.scenario import find_scenario, load_scenarios
from assist_app.store import CallMeta, CallStore
from assist_app.store.schema import MIGRATIONS
from assist_app.ui.history import HistoryWindow

WAIT = 10_000


def _record(store: CallStore, scenario_id: str, mode: str) -> str:
    scenario = find_scenario(load_scenarios(), scenario_id)
    assert scenario is not None
    sink = store.recorder(CallMeta(agent_id="8023", agent_name="张敏", mode=mode,
                                   scenario_id="" if mode == "live" else scenario_id))
    result = run_demo(scenario, sinks=[sink])
    call_id = str(getattr(sink, "call_id", ""))
    assert result.score is not None
    store.save_score(call_id, result.score)
    return call_id


def test_history_shows_and_filters_call_types(qtbot: Any, tmp_path: Path) -> None:
    with CallStore(tmp_path / "calls.db") as store:
        live = _record(store, "polite_inquiry", "live")
        demo = _record(store, "bad_agent", "demo")
        practice = _record(store, "angry_bill", "practice")
        store.flush()
        dlg = HistoryWindow(None, store, None)
        qtbot.addWidget(dlg)
        dlg.show()
        dlg.controller.refresh()
        qtbot.waitUntil(lambda: len(dlg.row_call_ids()) == 3, timeout=WAIT)
        kinds = {dlg.table.item(r, 0).data(256): dlg.table.item(r, 7).text() for r in range(3)}
        assert kinds[live] == "实时通话"
        titles = {s.id: s.title for s in load_scenarios()}
        assert kinds[demo] == "演示：" + titles["bad_agent"]
        assert kinds[practice] == "练习：" + titles["angry_bill"]
        assert "实时通话 1 通" in dlg.status.text() and "不含演示和练习 2 通" in dlg.status.text()
        with qtbot.waitSignal(dlg.controller.calls_loaded, timeout=WAIT):
            dlg.mode_box.setCurrentIndex(dlg.mode_box.findData("live"))
        assert dlg.row_call_ids() == [live]
        with qtbot.waitSignal(dlg.controller.calls_loaded, timeout=WAIT):
            dlg.mode_box.setCurrentIndex(dlg.mode_box.findData("practice"))
        assert dlg.row_call_ids() == [practice]
        dlg.close()


def test_a_version_1_file_is_migrated_forward(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(MIGRATIONS[0])
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.execute("INSERT INTO calls(id, started, status, mode) VALUES ('old-1', 1700000000, 'normal', 'training')")
    conn.close()
    with CallStore(path) as store:
        [call] = store.list_calls()
    assert call.mode == "practice" and call.scenario_id == ""


def test_the_panel_stores_the_type_and_scenario_of_a_demo(qtbot: Any, shipped_library: Any, tmp_path: Path) -> None:
    from assist_app.ui.app import build_panel, ensure_app

    ensure_app(13)
    with CallStore(tmp_path / "calls.db") as store:
        window, controller = build_panel(library=shipped_library, store=store, with_live=False)
        qtbot.addWidget(window)
        window.show()
        controller.select_scenario_id("wrong_number")
        with qtbot.waitSignal(controller.call_finished, timeout=60_000) as ended:
            controller.start_demo(flat_out=True)
        controller.shutdown()
        window.close()
        store.flush()
        [call] = store.list_calls()
    assert call.id == ended.args[0].saved_call_id
    assert (call.mode, call.scenario_id, call.status_zh) == ("demo", "wrong_number", "正常结束")
