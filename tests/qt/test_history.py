"""The history window (记录): calls recorded from bundled demo scenarios are listed, filtered,
searched, opened for review, and their work orders edited and saved back to the store."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from assist_app.demo.runner import run_demo
from assist_app.demo.scenario import find_scenario, load_scenarios
from assist_app.store import CallMeta, CallStore
from assist_app.store.display import review_flags
from assist_app.ui.app import build_panel, ensure_app
from assist_app.ui.history import NO_STORE_ZH, HistoryWindow, open_history
from assist_app.ui.settings import AppSettings

# scenario id -> (agent id, agent name); bad_agent is the only one with banned phrases.
CALLS = {"angry_bill": ("1024", "李静"), "polite_inquiry": ("1024", "李静"), "bad_agent": ("8023", "张敏")}
WAIT = 10_000


@pytest.fixture(scope="module")
def recorded_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A call-record file with three demo calls played through the real session and engine."""
    path = tmp_path_factory.mktemp("history") / "calls.db"
    scenarios = load_scenarios()
    ids: dict[str, str] = {}
    with CallStore(path) as store:
        for scenario_id, (agent_id, agent_name) in CALLS.items():
            scenario = find_scenario(scenarios, scenario_id)
            assert scenario is not None
            sink = store.recorder(CallMeta(agent_id=agent_id, agent_name=agent_name, mode="demo"))
            result = run_demo(scenario, sinks=[sink])
            call_id = getattr(sink, "call_id", None)
            assert call_id and result.score is not None
            store.save_score(call_id, result.score)
            ids[scenario_id] = call_id
        assert store.flush()
    return path, ids


@pytest.fixture
def store(recorded_db: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[CallStore]:
    src, _ids = recorded_db
    for f in src.parent.glob(src.name + "*"):  # the file and any WAL/SHM beside it
        shutil.copy(f, tmp_path / f.name)
    s = CallStore(tmp_path / src.name)
    yield s
    s.close()


@pytest.fixture
def ids(recorded_db: tuple[Path, dict[str, str]]) -> dict[str, str]:
    return recorded_db[1]


@pytest.fixture
def history(qtbot: Any, store: CallStore) -> Iterator[HistoryWindow]:
    ensure_app(13)
    dlg = HistoryWindow(None, store, None)
    qtbot.addWidget(dlg)
    dlg.show()
    with qtbot.waitSignal(dlg.controller.calls_loaded, timeout=WAIT):
        dlg.controller.refresh()
    yield dlg
    dlg.close()


def _cell(dlg: HistoryWindow, row: int, col: int) -> str:
    item = dlg.table.item(row, col)
    assert item is not None
    return f"{item.text()}\n{item.toolTip()}"


def _reload(qtbot: Any, dlg: HistoryWindow, change: Any) -> list[str]:
    """Apply a filter change the way a user does (the list follows after a short pause)."""
    with qtbot.waitSignal(dlg.controller.calls_loaded, timeout=WAIT):
        change()
    return dlg.row_call_ids()


def test_all_calls_listed_newest_first_with_columns(history: HistoryWindow, ids: dict[str, str],
                                                     store: CallStore) -> None:
    newest_first = [c.id for c in store.list_calls()]
    assert history.row_call_ids() == newest_first
    assert set(newest_first) == set(ids.values())
    assert history.selected_call_id() == newest_first[0]  # the latest call is preselected
    row = history.row_call_ids().index(ids["bad_agent"])
    assert _cell(history, row, 2).startswith("8023 张敏\n")
    assert int(_cell(history, row, 5).split()[0]) > 0  # flags
    assert _cell(history, row, 6).startswith("正常结束\n")
    assert not _cell(history, row, 3).startswith("—")


def test_filters_narrow_the_list(qtbot: Any, history: HistoryWindow, ids: dict[str, str],
                                 store: CallStore) -> None:
    d = history
    everything = set(d.row_call_ids())

    flagged = _reload(qtbot, d, lambda: d.flagged_only.setChecked(True))
    assert flagged == [ids["bad_agent"]]
    assert set(_reload(qtbot, d, lambda: d.flagged_only.setChecked(False))) == everything

    good = _reload(qtbot, d, lambda: d.min_score.setValue(60))
    assert ids["bad_agent"] not in good and ids["polite_inquiry"] in good
    def poor_only() -> None:
        d.min_score.setValue(0)
        d.max_score.setValue(59)

    poor = _reload(qtbot, d, poor_only)
    assert poor == [ids["bad_agent"]]
    _reload(qtbot, d, lambda: d.max_score.setValue(100))

    angry = store.get_call(ids["angry_bill"])
    assert angry is not None and angry.summary.max_emotion
    label = angry.summary.max_emotion
    same = {c.id for c in store.list_calls() if c.max_emotion == label}
    assert len(same) < len(everything)
    by_emotion = _reload(qtbot, d, lambda: d.emotion.setCurrentIndex(d.emotion.findData(label)))
    assert set(by_emotion) == same and ids["angry_bill"] in by_emotion
    _reload(qtbot, d, lambda: d.emotion.setCurrentIndex(0))

    assert _reload(qtbot, d, lambda: d.agent_edit.setText("8023")) == [ids["bad_agent"]]
    assert set(_reload(qtbot, d, lambda: d.agent_edit.setText(""))) == everything

    today = _reload(qtbot, d, lambda: d.date_preset.setCurrentIndex(d.date_preset.findData("today")))
    assert set(today) == everything  # recorded just now
    custom = d.date_preset.findData("custom")
    _reload(qtbot, d, lambda: d.date_preset.setCurrentIndex(custom))
    def years_ago() -> None:
        d.date_to.setDate(d.date_to.date().addYears(-3))
        d.date_from.setDate(d.date_from.date().addYears(-4))

    long_ago = _reload(qtbot, d, years_ago)
    assert long_ago == []
    assert d.status.text() == "没有符合条件的通话。"


def test_search_finds_a_call_by_a_transcript_word(qtbot: Any, history: HistoryWindow, ids: dict[str, str],
                                                  store: CallStore) -> None:
    polite = store.get_call(ids["polite_inquiry"])
    assert polite is not None
    others = [store.get_call(ids[k]) for k in ("angry_bill", "bad_agent")]
    other_text = "".join(ln.text for rec in others if rec for ln in rec.transcript)
    # A word of the polite call that the other two calls never say.
    word = next(ln.text[i:i + 2] for ln in polite.transcript for i in range(len(ln.text) - 1)
                if ln.text[i:i + 2].strip() and ln.text[i:i + 2] not in other_text
                and all("\u4e00" <= ch <= "\u9fff" for ch in ln.text[i:i + 2]))
    found = _reload(qtbot, history, lambda: history.search_edit.setText(word))
    assert found == [ids["polite_inquiry"]]
    assert word in _cell(history, 0, 0)

    with qtbot.waitSignal(history.controller.call_opened, timeout=WAIT):
        history.table.selectRow(0)
        qtbot.mouseClick(history.open_button, Qt.MouseButton.LeftButton)
    marked = [e.text[s:t] for e in history.transcript.entries for s, t in e.found]
    assert marked and all(m == word for m in marked)

    assert _reload(qtbot, history, lambda: history.search_edit.setText("没有这个词语的通话")) == []
    assert history.status.text() == "没有找到符合条件的通话。"


def test_opening_a_call_shows_transcript_flags_and_emotions(qtbot: Any, history: HistoryWindow,
                                                            ids: dict[str, str], store: CallStore) -> None:
    rec = store.get_call(ids["bad_agent"])
    assert rec is not None and rec.flags
    row = history.row_call_ids().index(ids["bad_agent"])
    with qtbot.waitSignal(history.controller.call_opened, timeout=WAIT) as blocker:
        history.table.cellDoubleClicked.emit(row, 0)
    assert blocker.args[0].summary.id == ids["bad_agent"]
    assert history.stack.currentWidget() is history.detail_page

    shown = history.transcript.entries
    assert [(e.speaker, e.text) for e in shown] == [(ln.speaker, ln.text) for ln in rec.transcript]
    words = history.transcript.flagged_words()
    assert words and {f.matched for f in rec.flags if f.final} <= set(words)
    assert "不归我管" in history.transcript.toPlainText()

    review = history.review
    assert review.flags_list.count() == len(review_flags(rec))
    listed = "\n".join(review.flags_list.item(i).text() for i in range(review.flags_list.count()))
    assert all(f.matched in listed for f in rec.flags)
    assert rec.score is not None and review.total.text() == f"{rec.score.total:.0f}"
    assert len(review.timeline.points) == len(rec.emotions) > 0
    assert "8023 张敏" in review.title.text()

    qtbot.mouseClick(review.back_button, Qt.MouseButton.LeftButton)
    assert history.stack.currentWidget() is history.list_page


def test_editing_the_work_order_persists(qtbot: Any, history: HistoryWindow, ids: dict[str, str],
                                         store: CallStore) -> None:
    call_id = ids["polite_inquiry"]
    row = history.row_call_ids().index(call_id)
    history.table.selectRow(row)
    with qtbot.waitSignal(history.controller.call_opened, timeout=WAIT):
        qtbot.mouseClick(history.open_button, Qt.MouseButton.LeftButton)
    review = history.review
    assert review.work_order.save_status.text().startswith("工单尚未保存")
    review.work_order.handling_edit.setPlainText("已预约周三上门移机，客户同意。")
    review.work_order.name_edit.setText("王")
    with qtbot.waitSignal(history.controller.work_order_saved, timeout=WAIT):
        qtbot.mouseClick(review.work_order.save_button, Qt.MouseButton.LeftButton)
    assert review.work_order.save_status.text().startswith("已保存")

    saved = store.get_call(call_id)
    assert saved is not None and saved.work_order is not None
    assert saved.work_order.handling == "已预约周三上门移机，客户同意。"
    assert saved.work_order.caller_name == "王"
    assert saved.work_order.follow_up is None  # no callback asked for: none invented

    # Reopen in a fresh window: the edited order is what is shown.
    history.close()
    again = HistoryWindow(None, store, None)
    qtbot.addWidget(again)
    again.show()
    with qtbot.waitSignal(again.controller.calls_loaded, timeout=WAIT):
        again.controller.refresh(focus_call_id=call_id)
    assert again.selected_call_id() == call_id
    with qtbot.waitSignal(again.controller.call_opened, timeout=WAIT):
        again.controller.open_selected()
    assert again.review.work_order.handling_edit.toPlainText() == "已预约周三上门移机，客户同意。"
    assert again.review.work_order.name_edit.text() == "王"
    assert again.review.draft().follow_up is None
    assert again.review.work_order.save_status.text().startswith("工单状态")
    again.close()


def test_closed_store_is_reported(qtbot: Any, history: HistoryWindow, store: CallStore) -> None:
    store.close()
    with qtbot.waitSignal(history.controller.failed, timeout=WAIT) as blocker:
        history.controller.refresh()
    assert "关闭" in blocker.args[0] and history.status.text() == blocker.args[0]


def test_history_button_opens_history_with_the_last_call_selected(qtbot: Any, shipped_library: Any,
                                                                   store: CallStore) -> None:
    ensure_app(13)
    window, controller = build_panel(AppSettings(agent_id="8023", agent_name="张敏"), store=store,
                                     library=shipped_library, with_live=False)
    qtbot.addWidget(window)
    window.show()
    try:
        assert controller.select_scenario_id("polite_inquiry")
        with qtbot.waitSignal(controller.call_finished, timeout=60_000) as blocker:
            controller.start_demo(flat_out=True)
        just_now = blocker.args[0].saved_call_id
        assert just_now
        qtbot.mouseClick(window.history_button, Qt.MouseButton.LeftButton)
        dlg = window.findChild(HistoryWindow)
        assert dlg is not None and dlg.isVisible()
        qtbot.waitUntil(lambda: just_now in dlg.row_call_ids(), timeout=WAIT)
        assert dlg.row_call_ids()[0] == just_now and dlg.selected_call_id() == just_now
        assert len(dlg.row_call_ids()) == len(CALLS) + 1
        # The same window comes back on the next click.
        qtbot.mouseClick(window.history_button, Qt.MouseButton.LeftButton)
        assert window.findChild(HistoryWindow) is dlg
        dlg.close()
    finally:
        controller.shutdown()
        window.close()


def test_without_a_store_history_says_so(qtbot: Any, panel: Any) -> None:
    window, _controller = panel
    qtbot.mouseClick(window.history_button, Qt.MouseButton.LeftButton)
    dlg = window.findChild(HistoryWindow)
    assert dlg is not None and dlg.isVisible()
    assert dlg.status.text() == NO_STORE_ZH and dlg.status.text().startswith("未连接通话记录库")
    assert not dlg.search_edit.isEnabled() and dlg.table.rowCount() == 0
    assert dlg.last_review_button.isHidden()  # no call finished yet
    dlg.close()
    again = open_history(window, None)
    assert again is dlg and again.isVisible()
    again.close()
