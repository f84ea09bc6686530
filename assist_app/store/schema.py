"""Database schema and forward migrations.

``schema_version`` holds one row with the version the file is at. ``MIGRATIONS[i]`` takes a file
from version ``i`` to ``i + 1``; each runs in its own transaction together with the version bump, so
a crash during a migration leaves the file at the previous version. A file from a newer app (version
above ``SCHEMA_VERSION``) is refused rather than guessed at.

Full-text search: ``utterances_fts`` is an FTS5 index with the **trigram** tokenizer (SQLite ≥ 3.34;
we ship with 3.40) over ``utterances.text`` as external content, kept in step by triggers. Why
trigram rather than jieba-segmented tokens: transcripts are ASR output with ~20 % character errors,
and jieba segments erroneous text unstably — the same word can be cut differently in the stored
text and in the query, silently losing hits. Trigram gives exact-substring semantics whatever the
segmentation, needs no Python tokenizer callback (the stdlib ``sqlite3`` module cannot register one),
and external content means the text is not stored twice. Its gap — queries under 3 characters such
as 投诉 or 退款 — is covered in ``queries.search`` by an ``instr()`` scan of ``utterances`` (measured in
BENCHMARKS.md).
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 4

_V1 = """
CREATE TABLE calls (
    id TEXT PRIMARY KEY,
    session_call_id TEXT NOT NULL DEFAULT '',
    started REAL NOT NULL,              -- Unix time
    ended REAL,                         -- Unix time; NULL while active
    duration REAL,                      -- seconds of call audio
    status TEXT NOT NULL DEFAULT 'active',   -- active | normal | interrupted
    end_reason TEXT NOT NULL DEFAULT '',
    agent_id TEXT NOT NULL DEFAULT '',
    agent_name TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    mode TEXT NOT NULL DEFAULT 'live',       -- live | demo | training
    score REAL,
    max_emotion TEXT,
    max_emotion_intensity REAL,
    utterance_count INTEGER NOT NULL DEFAULT 0,
    flag_count INTEGER NOT NULL DEFAULT 0,
    high_flag_count INTEGER NOT NULL DEFAULT 0,
    writer_pid INTEGER,
    updated REAL
);
CREATE INDEX calls_started ON calls(started);
CREATE INDEX calls_agent ON calls(agent_id);
CREATE INDEX calls_status ON calls(status);

CREATE TABLE utterances (
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    speaker TEXT NOT NULL,
    text TEXT NOT NULL,
    start REAL,
    "end" REAL,
    t REAL NOT NULL,
    wall REAL NOT NULL,
    phase TEXT,
    call_phase TEXT,
    emotion TEXT,
    emotion_intensity REAL
);
CREATE UNIQUE INDEX utterances_call_idx ON utterances(call_id, idx);

CREATE VIRTUAL TABLE utterances_fts USING fts5(
    text, content='utterances', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER utterances_ai AFTER INSERT ON utterances BEGIN
    INSERT INTO utterances_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER utterances_ad AFTER DELETE ON utterances BEGIN
    INSERT INTO utterances_fts(utterances_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER utterances_au AFTER UPDATE OF text ON utterances BEGIN
    INSERT INTO utterances_fts(utterances_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO utterances_fts(rowid, text) VALUES (new.id, new.text);
END;

CREATE TABLE flags (
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    utterance_idx INTEGER,
    t REAL NOT NULL,
    wall REAL NOT NULL,
    speaker TEXT,
    rule TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    span_start INTEGER,
    span_end INTEGER,
    matched TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    replacement TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    final INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX flags_call ON flags(call_id);
CREATE INDEX flags_rule ON flags(rule);

CREATE TABLE suggestions (
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t REAL NOT NULL,
    wall REAL NOT NULL,
    step TEXT NOT NULL,
    text TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    phrase_id TEXT NOT NULL DEFAULT '',
    used INTEGER NOT NULL DEFAULT 0,
    used_t REAL
);
CREATE UNIQUE INDEX suggestions_call_seq ON suggestions(call_id, seq);

CREATE TABLE emotions (
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    utterance_idx INTEGER,
    t REAL NOT NULL,
    wall REAL NOT NULL,
    label TEXT NOT NULL,
    intensity REAL NOT NULL,
    cues TEXT NOT NULL DEFAULT '[]',
    text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX emotions_call ON emotions(call_id);

CREATE TABLE conduct (
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    t REAL NOT NULL,
    wall REAL NOT NULL,
    speaker TEXT,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    value REAL
);
CREATE INDEX conduct_call ON conduct(call_id);

CREATE TABLE qa_scores (
    call_id TEXT PRIMARY KEY REFERENCES calls(id) ON DELETE CASCADE,
    total REAL NOT NULL,
    max_total REAL NOT NULL,
    items TEXT NOT NULL DEFAULT '[]',
    created REAL NOT NULL
);

CREATE TABLE work_orders (
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL UNIQUE REFERENCES calls(id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    time TEXT NOT NULL,
    caller_name TEXT NOT NULL DEFAULT '',
    caller_title TEXT NOT NULL DEFAULT '',
    gender TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    handling TEXT NOT NULL DEFAULT '',
    follow_up TEXT,
    is_complaint INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'draft',
    created REAL NOT NULL,
    updated REAL NOT NULL
);

CREATE TABLE trainee_sessions (
    id INTEGER PRIMARY KEY,
    call_id TEXT REFERENCES calls(id) ON DELETE SET NULL,
    scenario_id TEXT NOT NULL,
    trainee TEXT NOT NULL DEFAULT '',
    score REAL,
    items TEXT NOT NULL DEFAULT '[]',
    started REAL NOT NULL,
    ended REAL
);
CREATE INDEX trainee_sessions_started ON trainee_sessions(started);
"""

# v2 (issue 12.8): the call type is live | demo | practice ("training" before) and a demo or
# practice call keeps its scenario, so 记录 can show and filter them and real statistics skip them.
_V2 = """
ALTER TABLE calls ADD COLUMN scenario_id TEXT NOT NULL DEFAULT '';
UPDATE calls SET mode = 'practice' WHERE mode = 'training';
CREATE INDEX calls_mode ON calls(mode);
"""

# v3 (issue 14): the second pass ("精校转写") replaces an utterance's text with Whisper's;
# ``asr_text`` keeps what the live recognizer heard (masked like ``text``), ``corrected`` marks it.
_V3 = """
ALTER TABLE utterances ADD COLUMN asr_text TEXT;
ALTER TABLE utterances ADD COLUMN corrected INTEGER NOT NULL DEFAULT 0;
"""

# v4 (issue 14): what the second pass made of a banned-phrase flag: '' as raised live,
# 'unsupported' (the corrected text does not show it; kept, not counted) or 'added' (only the
# corrected text shows it). See ``store.corrections``.
_V4 = """
ALTER TABLE flags ADD COLUMN second_pass TEXT NOT NULL DEFAULT '';
"""

# MIGRATIONS[i] upgrades a file at version i to version i + 1.
MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4)
assert len(MIGRATIONS) == SCHEMA_VERSION


class SchemaTooNewError(Exception):
    """The file was written by a newer version of the app; we do not touch it."""

    def __init__(self, found: int) -> None:
        super().__init__(f"database schema version {found} is newer than supported {SCHEMA_VERSION}")
        self.found = found


def current_version(conn: sqlite3.Connection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the file up to ``SCHEMA_VERSION``; returns the version it was at before.

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    before = current_version(conn)
    if before > SCHEMA_VERSION:
        raise SchemaTooNewError(before)
    for version in range(before, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version(version) VALUES (?)", (version + 1,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return before


def _split(script: str) -> list[str]:
    """Split a migration into statements (``sqlite3.complete_statement`` handles triggers)."""
    statements: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        stripped = line.split("--", 1)[0] if "'" not in line else line
        buf += stripped
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements
