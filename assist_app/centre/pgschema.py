"""The central PostgreSQL schema (``assist``), its forward migrations and its access rules.

``assist.schema_version`` holds the version. ``MIGRATIONS[i]`` takes the schema from ``i`` to
``i + 1`` inside one transaction together with the version bump, under an advisory lock so two
administrators cannot migrate at once. A schema newer than this code is left alone (seats keep
replicating: migrations only add).

Access (row-level security on every data table):

* ``assist_seat`` — group of the seat login roles. A seat may insert, read and update (upserts)
  only rows whose ``seat_id`` is its own; no DELETE is granted. Which seat a login is comes from
  ``assist.seats`` keyed by ``session_user``, which a client cannot change.
* ``assist_supervisor`` — read-only, rows of seats in the teams listed for it in
  ``assist.supervisor_teams``.
* ``assist_trainer`` — read-only, practice results whose trainee is listed for it in
  ``assist.trainer_trainees``.

LISTEN/NOTIFY is not covered by row-level security, so notifications carry no data: a change of
``seat_live`` sends an empty ``assist_live`` notification and the viewer re-reads what its role
may see.
"""

from __future__ import annotations

from typing import Any

SEAT_GROUP = "assist_seat"
SUPERVISOR_GROUP = "assist_supervisor"
TRAINER_GROUP = "assist_trainer"
LIVE_CHANNEL = "assist_live"

DATA_TABLES = ("calls", "utterances", "flags", "emotions", "suggestions", "conduct", "qa_scores", "work_orders",
               "practice_results")
SEAT_TABLES = (*DATA_TABLES, "sync_state", "seat_live")

_GROUPS = f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{SEAT_GROUP}') THEN CREATE ROLE {SEAT_GROUP} NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{SUPERVISOR_GROUP}') THEN
    CREATE ROLE {SUPERVISOR_GROUP} NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{TRAINER_GROUP}') THEN
    CREATE ROLE {TRAINER_GROUP} NOLOGIN; END IF;
END $$;
"""

_V1_TABLES = """
CREATE TABLE assist.seats (
    seat_id text PRIMARY KEY CHECK (seat_id ~ '^[A-Za-z0-9_-]{1,40}$'),
    role_name text NOT NULL UNIQUE,
    team text NOT NULL DEFAULT '',
    created timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE assist.supervisor_teams (role_name text NOT NULL, team text NOT NULL, PRIMARY KEY (role_name, team));
CREATE TABLE assist.trainer_trainees (role_name text NOT NULL, trainee text NOT NULL, PRIMARY KEY (role_name, trainee));

CREATE TABLE assist.calls (
    seat_id text NOT NULL, id text NOT NULL, session_call_id text NOT NULL DEFAULT '',
    started double precision NOT NULL, ended double precision, duration double precision,
    status text NOT NULL, end_reason text NOT NULL DEFAULT '', agent_id text NOT NULL DEFAULT '',
    agent_name text NOT NULL DEFAULT '', source text NOT NULL DEFAULT '', mode text NOT NULL DEFAULT 'live',
    score double precision, max_emotion text, max_emotion_intensity double precision,
    utterance_count integer NOT NULL DEFAULT 0, flag_count integer NOT NULL DEFAULT 0,
    high_flag_count integer NOT NULL DEFAULT 0, updated double precision,
    scenario_id text NOT NULL DEFAULT '',
    received timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (seat_id, id)
);
CREATE INDEX calls_started ON assist.calls (started);

CREATE TABLE assist.utterances (
    seat_id text NOT NULL, call_id text NOT NULL, idx integer NOT NULL, id bigint NOT NULL,
    speaker text NOT NULL, text text NOT NULL, start double precision, "end" double precision,
    t double precision NOT NULL, wall double precision NOT NULL, phase text, call_phase text, emotion text,
    emotion_intensity double precision,
    PRIMARY KEY (seat_id, call_id, idx)
);

CREATE TABLE assist.flags (
    seat_id text NOT NULL, call_id text NOT NULL, id bigint NOT NULL, utterance_idx integer,
    t double precision NOT NULL, wall double precision NOT NULL, speaker text, rule text NOT NULL,
    kind text NOT NULL, severity text NOT NULL, span_start integer, span_end integer,
    matched text NOT NULL DEFAULT '', message text NOT NULL DEFAULT '', replacement text NOT NULL DEFAULT '',
    text text NOT NULL DEFAULT '', final integer NOT NULL DEFAULT 0,
    PRIMARY KEY (seat_id, call_id, id)
);
CREATE INDEX flags_wall ON assist.flags (wall);

CREATE TABLE assist.emotions (
    seat_id text NOT NULL, call_id text NOT NULL, id bigint NOT NULL, utterance_idx integer,
    t double precision NOT NULL, wall double precision NOT NULL, label text NOT NULL,
    intensity double precision NOT NULL, cues text NOT NULL DEFAULT '[]', text text NOT NULL DEFAULT '',
    PRIMARY KEY (seat_id, call_id, id)
);

CREATE TABLE assist.suggestions (
    seat_id text NOT NULL, call_id text NOT NULL, seq integer NOT NULL, id bigint NOT NULL,
    t double precision NOT NULL, wall double precision NOT NULL, step text NOT NULL, text text NOT NULL,
    reason text NOT NULL DEFAULT '', phrase_id text NOT NULL DEFAULT '', used integer NOT NULL DEFAULT 0,
    used_t double precision,
    PRIMARY KEY (seat_id, call_id, seq)
);

CREATE TABLE assist.conduct (
    seat_id text NOT NULL, call_id text NOT NULL, id bigint NOT NULL, t double precision NOT NULL,
    wall double precision NOT NULL, speaker text, rule text NOT NULL, severity text NOT NULL,
    message text NOT NULL DEFAULT '', value double precision,
    PRIMARY KEY (seat_id, call_id, id)
);

CREATE TABLE assist.qa_scores (
    seat_id text NOT NULL, call_id text NOT NULL, total double precision NOT NULL,
    max_total double precision NOT NULL, items text NOT NULL DEFAULT '[]', created double precision NOT NULL,
    PRIMARY KEY (seat_id, call_id)
);

CREATE TABLE assist.work_orders (
    seat_id text NOT NULL, call_id text NOT NULL, id bigint NOT NULL, date text NOT NULL, time text NOT NULL,
    caller_name text NOT NULL DEFAULT '', caller_title text NOT NULL DEFAULT '', gender text NOT NULL DEFAULT '',
    phone text NOT NULL DEFAULT '', summary text NOT NULL DEFAULT '', handling text NOT NULL DEFAULT '',
    follow_up text, is_complaint integer NOT NULL DEFAULT 0, status text NOT NULL DEFAULT 'draft',
    created double precision NOT NULL, updated double precision NOT NULL,
    PRIMARY KEY (seat_id, call_id)
);

CREATE TABLE assist.practice_results (
    seat_id text NOT NULL, id bigint NOT NULL, started double precision NOT NULL, call_id text,
    scenario_id text NOT NULL, trainee text NOT NULL DEFAULT '', score double precision,
    items text NOT NULL DEFAULT '[]', ended double precision,
    PRIMARY KEY (seat_id, id, started)
);

CREATE TABLE assist.sync_state (
    seat_id text NOT NULL, tbl text NOT NULL, hwm double precision NOT NULL DEFAULT 0,
    hwm_key text NOT NULL DEFAULT '', updated timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (seat_id, tbl)
);

CREATE TABLE assist.seat_live (
    seat_id text PRIMARY KEY, state text NOT NULL DEFAULT 'idle', agent_name text NOT NULL DEFAULT '',
    call_id text, call_started double precision, emotion text, emotion_intensity double precision,
    emotion_wall double precision, escalating boolean NOT NULL DEFAULT false,
    flag_rule text, flag_matched text, flag_severity text, flag_wall double precision,
    flags_in_call integer NOT NULL DEFAULT 0, banned_repeats integer NOT NULL DEFAULT 0,
    sent double precision NOT NULL, updated timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION assist.notify_live() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_notify('assist_live', ''); RETURN NULL; END $$;
CREATE TRIGGER seat_live_notify AFTER INSERT OR UPDATE ON assist.seat_live
    FOR EACH STATEMENT EXECUTE FUNCTION assist.notify_live();

CREATE FUNCTION assist.my_seat() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp AS $$
    SELECT seat_id FROM assist.seats WHERE role_name = session_user $$;
CREATE FUNCTION assist.visible_seats() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.seat_id FROM assist.seats s JOIN assist.supervisor_teams t ON t.team = s.team
    WHERE t.role_name = session_user $$;
CREATE FUNCTION assist.my_trainees() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp AS $$
    SELECT trainee FROM assist.trainer_trainees WHERE role_name = session_user $$;
"""


def _v1_access() -> str:
    parts = [
        "REVOKE ALL ON SCHEMA assist FROM PUBLIC;",
        "REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA assist FROM PUBLIC;",
        f"GRANT USAGE ON SCHEMA assist TO {SEAT_GROUP}, {SUPERVISOR_GROUP}, {TRAINER_GROUP};",
        f"GRANT EXECUTE ON FUNCTION assist.my_seat() TO {SEAT_GROUP};",
        f"GRANT EXECUTE ON FUNCTION assist.visible_seats() TO {SUPERVISOR_GROUP};",
        f"GRANT EXECUTE ON FUNCTION assist.my_trainees() TO {TRAINER_GROUP};",
        f"GRANT SELECT ON assist.seats TO {SUPERVISOR_GROUP};",
        "ALTER TABLE assist.seats ENABLE ROW LEVEL SECURITY;",
        f"CREATE POLICY supervisor_read ON assist.seats FOR SELECT TO {SUPERVISOR_GROUP} "
        "USING (seat_id IN (SELECT assist.visible_seats()));",
    ]
    for table in SEAT_TABLES:
        parts += [
            f"ALTER TABLE assist.{table} ENABLE ROW LEVEL SECURITY;",
            f"GRANT SELECT, INSERT, UPDATE ON assist.{table} TO {SEAT_GROUP};",
            f"CREATE POLICY seat_own ON assist.{table} FOR ALL TO {SEAT_GROUP} "
            "USING (seat_id = assist.my_seat()) WITH CHECK (seat_id = assist.my_seat());",
        ]
        if table != "sync_state":
            parts += [
                f"GRANT SELECT ON assist.{table} TO {SUPERVISOR_GROUP};",
                f"CREATE POLICY supervisor_read ON assist.{table} FOR SELECT TO {SUPERVISOR_GROUP} "
                "USING (seat_id IN (SELECT assist.visible_seats()));",
            ]
    parts += [
        f"GRANT SELECT ON assist.practice_results TO {TRAINER_GROUP};",
        f"CREATE POLICY trainer_read ON assist.practice_results FOR SELECT TO {TRAINER_GROUP} "
        "USING (trainee IN (SELECT assist.my_trainees()));",
    ]
    return "\n".join(parts)


# v2 (issue 14): the second pass (精校转写) — an utterance's live text kept beside the corrected
# one, and what the corrected text made of each flag ('' | unsupported | added).
_V2 = """
ALTER TABLE assist.utterances ADD COLUMN asr_text text, ADD COLUMN corrected integer NOT NULL DEFAULT 0;
ALTER TABLE assist.flags ADD COLUMN second_pass text NOT NULL DEFAULT '';
"""

# MIGRATIONS[i] upgrades the central schema from version i to i + 1.
MIGRATIONS: tuple[str, ...] = (_V1_TABLES + "\n" + _v1_access(), _V2)
SCHEMA_VERSION = len(MIGRATIONS)
_LOCK_KEY = 0x61737369  # "assi": one advisory lock for migrations


def current_version(conn: Any) -> int:
    """The central schema version (0 when the schema does not exist yet)."""
    row = conn.execute(
        "SELECT to_regclass('assist.schema_version') IS NOT NULL"
    ).fetchone()
    if not row or not row[0]:
        return 0
    got = conn.execute("SELECT max(version) FROM assist.schema_version").fetchone()
    return int(got[0]) if got and got[0] is not None else 0


def migrate(conn: Any) -> tuple[int, int]:
    """Bring the central schema to ``SCHEMA_VERSION`` (``conn``: a psycopg connection of an owner role).

    Returns (version before, version after). Each step commits on its own.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(_GROUPS)
        conn.execute("CREATE SCHEMA IF NOT EXISTS assist")
        conn.execute("CREATE TABLE IF NOT EXISTS assist.schema_version (version integer NOT NULL)")
    before = current_version(conn)
    for version in range(before, SCHEMA_VERSION):
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            if current_version(conn) != version:  # another administrator got there first
                continue
            conn.execute(MIGRATIONS[version])
            conn.execute("DELETE FROM assist.schema_version")
            conn.execute("INSERT INTO assist.schema_version(version) VALUES (%s)", (version + 1,))
    return before, max(before, current_version(conn))
