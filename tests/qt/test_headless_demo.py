"""``assist-app demo --headless --screenshot`` (what ``make demo`` does without a display)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage


def test_headless_demo_writes_a_screenshot_and_records_the_call(tmp_path: Path, capsys: Any, qapp: Any) -> None:
    from assist_app.__main__ import main
    from assist_app.store import CallStore

    shot = tmp_path / "demo.png"
    db = tmp_path / "calls.db"
    code = main(["demo", "--headless", "--scenario", "bad_agent", "--screenshot", str(shot), "--db", str(db)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "质检得分" in out and "截图已保存" in out and "通话记录已保存" in out
    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 340 and image.height() >= 600
    with CallStore(db) as store:
        calls = store.list_calls()
        assert len(calls) == 1 and calls[0].mode == "demo" and calls[0].flag_count >= 2
        assert calls[0].score is not None and calls[0].score < 55
