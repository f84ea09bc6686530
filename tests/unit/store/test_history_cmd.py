"""``assist-app history list|export`` as a QA lead would use it."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest

from assist_app.__main__ import main
from assist_app.commands.history import progress
from assist_app.events import Event
from assist_app.scores import QAScore, ScoreItem
from assist_app.store import CallMeta, CallStore, draft_work_order

Events = Callable[..., Iterator[Event]]


@pytest.fixture
def filled_db(db_path: Path, call_events: Events) -> list[str]:
    ids: list[str] = []
    with CallStore(db_path) as store:
        for k in range(3):
            sink = store.recorder(CallMeta(agent_id=f"10{k}", agent_name="张三"))
            for ev in call_events():
                sink(ev)
            cid = getattr(sink, "call_id", None)
            assert cid
            ids.append(cid)
            assert store.flush()
            items = (ScoreItem("opening", "开场问候", 10, 10), ScoreItem("banned", "服务忌语", 5, 20))
            store.save_score(cid, QAScore(total=70.0 + k, max_total=100.0, items=items))
            rec = store.get_call(cid)
            assert rec is not None
            store.save_work_order(draft_work_order(cid, rec.summary.started, rec.transcript))
    return ids


def test_list_filters_and_searches(db_path: Path, filled_db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--db", str(db_path), "list", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["id"] for r in rows} == set(filled_db)
    assert main(["history", "list", "--db", str(db_path), "--agent", "101", "--search", "工信部", "--json"]) == 0
    [row] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["id"] == filled_db[1] and "工信部" in row["matches"][0]["text"]
    assert main(["history", "list", "--db", str(db_path), "--min-score", "71.5"]) == 0
    out = capsys.readouterr().out
    assert filled_db[2] in out and filled_db[0] not in out and "共 1 通" in out


def test_list_from_env_var_and_empty_result(
    db_path: Path, filled_db: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSIST_DB", str(db_path))
    assert main(["history", "list", "--search", "退款"]) == 0
    assert "没有符合条件的通话" in capsys.readouterr().out


def test_export_report_is_self_contained_printable_html(db_path: Path, filled_db: list[str], tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["history", "export", "--db", str(db_path), filled_db[0], "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "@media print" in page
    assert not re.search(r"(src|href)=\"https?:", page)  # nothing fetched from the network
    svg = page[page.index("<svg") : page.index("</svg>") + 6]
    root = ElementTree.fromstring(svg)  # well-formed inline SVG
    circles = root.findall("{http://www.w3.org/2000/svg}circle")
    assert len(circles) == 3  # angry, complaint, positive
    assert "投诉升级" in svg
    assert "开场问候" in page and "70.0" in page  # score card
    assert "<mark>不归我管</mark>" in page  # the flagged words in the transcript
    assert "138****5678" in page and "13812345678" not in page
    assert "回访时间" in page and "须在24小时内回复" in page  # complaint work order


def test_export_unknown_call_fails_clearly(
    db_path: Path, filled_db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", "export", "--db", str(db_path), "nope", "-o", str(tmp_path / "x.html")]) == 1
    assert "找不到通话：nope" in capsys.readouterr().err


def test_export_date_range_to_csv(db_path: Path, filled_db: list[str], tmp_path: Path) -> None:
    calls_csv, flags_csv, html_dir = tmp_path / "calls.csv", tmp_path / "flags.csv", tmp_path / "reports"
    args = ["history", "export", "--db", str(db_path), "--since", "2000-01-01", "--until", "2999-12-31"]
    assert main([*args, "--csv", str(calls_csv), "--flags-csv", str(flags_csv), "--html-dir", str(html_dir)]) == 0
    assert calls_csv.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel-friendly UTF-8
    with calls_csv.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["通话编号"] for r in rows] == filled_db  # oldest first
    assert [r["评分"] for r in rows] == ["70.0", "71.0", "72.0"]
    assert rows[0]["开场问候"] == "10.0" and rows[0]["最高情绪"] == "投诉升级"
    with flags_csv.open(encoding="utf-8-sig") as fh:
        flags = list(csv.DictReader(fh))
    assert len(flags) == 3 and {f["命中内容"] for f in flags} == {"不归我管"}
    assert sorted(p.stem for p in html_dir.iterdir()) == sorted(filled_db)
    # A range with no calls still writes the header.
    empty = tmp_path / "empty.csv"
    assert main(["history", "export", "--db", str(db_path), "--until", "2001-01-01", "--csv", str(empty)]) == 0
    assert empty.read_text(encoding="utf-8-sig").startswith("通话编号")


def test_progress_bar_is_drawn_for_large_exports() -> None:
    import io

    stream = io.StringIO()
    assert list(progress(list(range(40)), "导出通话", stream)) == list(range(40))
    text = stream.getvalue()
    assert "40/40 100%" in text and text.count("\r") == 40
    quiet = io.StringIO()
    list(progress([1, 2], "导出通话", quiet))
    assert quiet.getvalue() == ""


def test_names_that_look_like_formulas_are_exported_as_text(
    db_path: Path, call_events: Events, tmp_path: Path
) -> None:
    # Issue 13 item 6: an agent called "=HYPERLINK(...)" must not become a live formula in Excel.
    evil = '=HYPERLINK("http://evil.example","点我")'
    with CallStore(db_path) as store:
        sink = store.recorder(CallMeta(agent_id="@SUM(A1)", agent_name=evil))
        for ev in call_events():
            sink(ev)
        assert store.flush()
    out = tmp_path / "calls.csv"
    assert main(["history", "export", "--db", str(db_path), "--csv", str(out)]) == 0
    with out.open(encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert "'" + evil in cells and "'@SUM(A1)" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


def test_training_csv_escapes_formula_trainee_names(tmp_path: Path) -> None:
    from datetime import datetime

    from assist_app.store import TraineeSession

    db = tmp_path / "calls.db"
    with CallStore(db) as store:
        store.save_trainee_session(TraineeSession(trainee="+cmd|' /C calc'!A0", scenario_id="long_hold",
                                                  started=datetime(2025, 3, 1, 9, 0), score=80.0))
    out = tmp_path / "t.csv"
    assert main(["training", "--db", str(db), "export", "--csv", str(out)]) == 0
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1][1] == "'+cmd|' /C calc'!A0"


@pytest.mark.parametrize("bad", ["0", "-1", "abc"])
def test_limit_must_be_a_positive_whole_number(db_path: Path, bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["history", "list", "--db", str(db_path), "--limit", bad])
    assert exit_.value.code == 2 and "正整数" in capsys.readouterr().err


def test_limit_returns_that_many_calls(db_path: Path, filled_db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "list", "--db", str(db_path), "--limit", "2", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_history_list_reads_a_database_on_a_read_only_disk(
    tmp_path: Path, call_events: Events, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess

    mnt = tmp_path / "ro"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "none", str(mnt)], capture_output=True).returncode:
        pytest.skip("mounting a test file system needs privileges this machine does not give")
    try:
        db = mnt / "calls.db"
        with CallStore(db) as store:
            sink = store.recorder(CallMeta(agent_id="101"))
            for ev in call_events():
                sink(ev)
            assert store.flush()
        before = db.read_bytes()
        assert subprocess.run(["mount", "-o", "remount,ro", str(mnt)], capture_output=True).returncode == 0
        assert main(["history", "list", "--db", str(db), "--json"]) == 0
        out, err = capsys.readouterr()
        assert len(out.splitlines()) == 1 and json.loads(out)["agent_id"] == "101"
        assert "内存" not in err
        assert db.read_bytes() == before
    finally:
        if subprocess.run(["umount", str(mnt)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
    assert not any(str(mnt) in line for line in Path("/proc/mounts").read_text().splitlines())


def test_listing_before_any_call_creates_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "none" / "calls.db"
    assert main(["history", "list", "--db", str(db)]) == 0
    assert "还没有通话记录" in capsys.readouterr().out
    assert not db.exists()
