"""Administrator actions on the central database: schema, seat, supervisor and trainer roles.

Run as a role that may create roles (the database owner with CREATEROLE, or a superuser). Each
login role gets a random password, returned once to be handed to the person setting up the seat
or viewer; the server keeps only its SCRAM hash.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from typing import Any

from psycopg import sql

from assist_app.centre.config import SEAT_ID_RE
from assist_app.centre.pgschema import SEAT_GROUP, SUPERVISOR_GROUP, TRAINER_GROUP, migrate

ROLE_RE = re.compile(r"^[a-z][a-z0-9_]{0,50}$")


class AdminError(ValueError):
    """Invalid name or request (message in Chinese)."""


def seat_role(seat_id: str) -> str:
    if not SEAT_ID_RE.match(seat_id):
        raise AdminError(f"坐席编号只能包含字母、数字、-、_：{seat_id!r}")
    return "assist_seat_" + seat_id.lower().replace("-", "_")


def _check_role(name: str) -> str:
    if not ROLE_RE.match(name):
        raise AdminError(f"用户名只能包含小写字母、数字和下划线，且以字母开头：{name!r}")
    return name


def _login_role(conn: Any, role: str, group: str, password: str) -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    conn.execute(sql.SQL(verb + " ROLE {} LOGIN PASSWORD {} NOSUPERUSER NOCREATEDB NOCREATEROLE").format(
        sql.Identifier(role), sql.Literal(password)))
    conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(role)))
    db = conn.info.dbname
    conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(db), sql.Identifier(role)))


def init_schema(conn: Any) -> tuple[int, int]:
    """Create or upgrade the central schema (see ``pgschema.migrate``)."""
    return migrate(conn)


def add_seat(conn: Any, seat_id: str, team: str, password: str | None = None) -> tuple[str, str]:
    """Create (or reset) the seat's login role; returns (role, password)."""
    role = seat_role(seat_id)
    pw = password or secrets.token_urlsafe(24)
    with conn.transaction():
        _login_role(conn, role, SEAT_GROUP, pw)
        conn.execute(
            "INSERT INTO assist.seats(seat_id, role_name, team) VALUES (%s, %s, %s) "
            "ON CONFLICT (seat_id) DO UPDATE SET team = excluded.team, role_name = excluded.role_name",
            (seat_id, role, team),
        )
    return role, pw


def add_supervisor(conn: Any, name: str, teams: Iterable[str], password: str | None = None) -> str:
    """Create (or reset) a supervisor login that reads the seats of ``teams``; returns the password."""
    role = _check_role(name)
    pw = password or secrets.token_urlsafe(24)
    with conn.transaction():
        _login_role(conn, role, SUPERVISOR_GROUP, pw)
        conn.execute("DELETE FROM assist.supervisor_teams WHERE role_name = %s", (role,))
        for team in teams:
            conn.execute("INSERT INTO assist.supervisor_teams(role_name, team) VALUES (%s, %s)", (role, team))
    return pw


def add_trainer(conn: Any, name: str, trainees: Iterable[str], password: str | None = None) -> str:
    """Create (or reset) a trainer login that reads the practice results of ``trainees``."""
    role = _check_role(name)
    pw = password or secrets.token_urlsafe(24)
    with conn.transaction():
        _login_role(conn, role, TRAINER_GROUP, pw)
        conn.execute("DELETE FROM assist.trainer_trainees WHERE role_name = %s", (role,))
        for trainee in trainees:
            conn.execute("INSERT INTO assist.trainer_trainees(role_name, trainee) VALUES (%s, %s)", (role, trainee))
    return pw
