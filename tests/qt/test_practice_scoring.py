"""Practice verdicts agents and trainers can trust (issue 12.5, 12.6): an unfinished practice is
not a pass anywhere (score card, ``training list``, CSV, HTML); items that never had the chance to
happen are 未涉及, not full marks; every banned phrase counts and is listed."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from assist_app.events import Speaker

from .test_practice_panel import ENDED_MS, practice_panel, type_replies  # noqa: F401 - fixture

BANNED = ["这不归我管，你自己去营业厅查。", "你有完没完啊，我都说了好几遍了。", "我就是这么规定的，你爱办不办。",
          "你听不懂吗？问领导去。"]


def grid_texts(window: Any) -> list[str]:
    grid = window.review.items_grid
    return [w.text() for i in range(grid.count()) if isinstance(w := grid.itemAt(i).widget(), QLabel)]


def test_one_reply_then_end_is_unfinished_everywhere(practice_panel: Any, qtbot: Any, tmp_path: Path,  # noqa: F811
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    window, controller, store = practice_panel
    window.practice_button.click()
    bar = window.practice_bar
    bar.picker.setCurrentIndex(bar.picker.findData("polite_inquiry"))
    bar.trainee.setText("小周")
    controller.start_practice(pace=None)
    qtbot.waitUntil(lambda: bar.reply.isEnabled(), timeout=10_000)
    controller.submit_reply("您好！很高兴为您服务，请问有什么可以帮助您？")
    qtbot.waitUntil(lambda: len(window.transcript.finals()) >= 2, timeout=10_000)
    with qtbot.waitSignal(controller.call_finished, timeout=ENDED_MS):
        bar.stop_button.click()
    score = controller.practice_score
    assert score is not None and not score.passed and score.verdict_zh == "未完成"
    assert "未完成" in window.review.practice_result.text()
    # nothing happened that needed a hold, soothing-first or a measured rate: not full marks but 未涉及
    assert {"hold", "order", "rate"} <= set(score.not_applicable)
    assert grid_texts(window).count("未涉及") == len(score.not_applicable)

    qtbot.waitUntil(lambda: not controller.saves.busy, timeout=10_000)  # saved off the GUI thread
    store.flush()
    [session] = store.list_trainee_sessions("小周")
    from assist_app.__main__ import main

    db = Path(store.path)
    assert main(["training", "--db", str(db), "list"]) == 0
    listed = capsys.readouterr().out
    assert "未完成" in listed and "通过" not in listed
    out_csv, out_html = tmp_path / "t.csv", tmp_path / "t.html"
    assert main(["training", "--db", str(db), "export", "--csv", str(out_csv), "--html", str(out_html)]) == 0
    rows = list(csv.reader(out_csv.open(encoding="utf-8-sig")))
    assert rows[1][rows[0].index("及格")] == "未完成"
    assert "未涉及" in rows[1]
    assert "未完成" in out_html.read_text(encoding="utf-8")
    assert session.score == pytest.approx(score.total)


def test_every_banned_phrase_counts_and_is_listed(practice_panel: Any, qtbot: Any) -> None:  # noqa: F811
    window, controller, _store = practice_panel
    window.practice_button.click()
    bar = window.practice_bar
    bar.picker.setCurrentIndex(bar.picker.findData("polite_inquiry"))
    scenario = next(s for s in controller.scenarios if s.id == "polite_inquiry")
    good = [t.text for t in scenario.turns if t.speaker is Speaker.AGENT]

    type_replies(qtbot, window, controller, [good[0], BANNED[0], *good[2:]])
    one = controller.practice_score
    assert one is not None

    window.show_live()
    bad = [good[0], *(BANNED * 2)[: len(good) - 2], good[-1]]
    assert len(bad) == len(good)
    type_replies(qtbot, window, controller, bad)
    several = controller.practice_score
    assert several is not None
    assert several.banned_phrases >= 3
    assert not several.passed and several.verdict_zh == "未通过"
    assert several.total < one.total - 10  # each further phrase costs, past the language item's floor
    language = "\n".join(t for t in grid_texts(window) if "「" in t)
    for phrase in BANNED:
        said = next(f.matched for a in controller.engine.analyses for f in a.flags if f.matched and f.matched in phrase)
        assert said in language, (phrase, language)
