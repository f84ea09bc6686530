"""Row counts of the replicated tables, in a seat's file and at the centre (``centre status``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from assist_app.centre.tables import TABLES


def local_counts(db_path: Path) -> dict[str, int]:
    """Row counts of the replicated tables in a seat's file (for `centre status` and tests)."""
    conn = sqlite3.connect(f"file:{Path(db_path).as_posix()}?mode=ro", uri=True)
    try:
        return {spec.central: int(conn.execute(f"SELECT count(*) FROM {spec.local}").fetchone()[0])
                for spec in TABLES}
    finally:
        conn.close()


def central_counts(pg: Any, seat_id: str) -> dict[str, int]:
    """Row counts the centre holds for a seat (as far as the connected role may see)."""
    out: dict[str, int] = {}
    for spec in TABLES:
        row = pg.execute(f"SELECT count(*) FROM assist.{spec.central} WHERE seat_id = %s", (seat_id,)).fetchone()
        out[spec.central] = int(row[0])
    pg.commit()
    return out
