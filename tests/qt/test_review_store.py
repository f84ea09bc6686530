"""After a demo call the review's work order and score are saved through the call-record store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from assist_app.store import CallStore
from assist_app.ui.app import build_panel, ensure_app
from assist_app.ui.settings import AppSettings


def test_work_order_is_saved_and_masked(qtbot: Any, shipped_library: Any, tmp_path: Path) -> None:
    ensure_app(13)
    store = CallStore(tmp_path / "calls.db")
    window, controller = build_panel(AppSettings(agent_id="8023", agent_name="张敏"), store=store,
                                     library=shipped_library, with_live=False)
    qtbot.addWidget(window)
    window.show()
    try:
        assert controller.select_scenario_id("angry_bill")
        with qtbot.waitSignal(controller.call_finished, timeout=60_000) as blocker:
            controller.start_demo(flat_out=True)
        outcome = blocker.args[0]
        assert outcome.saved_call_id, "the call was recorded by the store"
        review = window.review
        review.work_order.handling_edit.setPlainText("已提交账单核查，24小时内回电。")
        qtbot.mouseClick(review.work_order.save_button, Qt.MouseButton.LeftButton)
        # saved off the GUI thread (issue 11): the review says so once the store has it
        qtbot.waitUntil(lambda: not controller.saves.busy, timeout=10_000)
        assert review.work_order.save_status.text().startswith("已保存"), review.work_order.save_status.text()
        store.flush()
        record = store.get_call(outcome.saved_call_id)
        assert record is not None
        assert record.work_order is not None
        assert record.work_order.handling == "已提交账单核查，24小时内回电。"
        assert record.work_order.is_complaint and record.work_order.follow_up is not None
        assert "13812345678" not in record.work_order.phone and record.work_order.phone.endswith("5678")
        assert record.score is not None and abs(record.score.total - outcome.score.total) < 0.01
        assert len(record.transcript) == len(outcome.scenario.turns)
        assert all("13812345678" not in line.text for line in record.transcript)  # masked at rest
    finally:
        controller.shutdown()
        window.close()
        store.close()
