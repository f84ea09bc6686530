"""Call records: a crash-safe, privacy-masking SQLite store of every call (issue 5).

Public API (no Qt; everything the UI, the app and the CLI need)::

    from assist_app.store import CallStore, CallMeta, CallFilter, StoreSettings, WorkOrder

    store = CallStore(path=None,                      # None: --db / $ASSIST_DB / user data folder
                      settings=StoreSettings(retention_days=180, mask_names=False, store_nothing=False),
                      on_status=ui_queue.put_nowait)   # StatusEvent warnings, called on the writer thread
    store.notices                                     # StatusEvents from opening (corrupt file moved aside…)
    sink = store.recorder(CallMeta(agent_id="1024", agent_name="张三", mode="demo"))
    session = CallSession(source=..., analyzer=engine, sinks=[sink])   # never blocks the analysis thread
    ...                                               # after the call:
    store.save_score(sink.call_id, score_call(engine))  # call_id: the current or last call
    store.save_work_order(draft_from_analyses(call_id, started, engine.analyses))
    store.list_calls(CallFilter(since=..., agent="1024", has_flags=True, min_score=60, emotion="angry"))
    store.search("宽带 投诉")                          # -> [SearchHit(call, lines=(TranscriptLine…))]
    store.get_call(call_id)                           # -> CallRecord: transcript, flags, emotions, score…
    store.save_work_order(edited_order)               # edit = save again (one work order per call)
    store.save_trainee_session(TraineeSession(...))
    store.flush(); store.close()                      # close() joins the writer thread

Guarantees: every final utterance and flag is committed within ~0.5 s (WAL, synchronous=FULL); a
killed process loses at most the last half second and its call is marked ``interrupted`` at the next
open; a damaged file is moved aside (never deleted) and a new one started; when the file cannot be
written the records wait in memory and are written when it can (``store_unavailable`` /
``store_recovered`` status events); records still unsaved at ``close()`` go to a JSONL journal in
another writable folder and are written at the next open (``store.journal``; ``store_spilled`` /
``store_replayed``). ``CallStore(read_only=True)`` reads without writing anything (history commands).
Phone, ID-card and bank-card numbers are masked before they are
queued (``store.privacy``). The store opens no network connections.
"""

from assist_app.store.callstore import CallStore
from assist_app.store.models import (
    CallFilter,
    CallMeta,
    CallRecord,
    CallSummary,
    ConductRecord,
    EmotionPoint,
    FlagRecord,
    SearchHit,
    StoreSettings,
    SuggestionRecord,
    TraineeSession,
    TranscriptLine,
    WorkOrder,
)
from assist_app.store.paths import default_db_path, resolve_db_path
from assist_app.store.privacy import Masker, mask_names, mask_numbers
from assist_app.store.recorder import CallRecorder, NullRecorder
from assist_app.store.workorder import draft_from_analyses, draft_work_order
from assist_app.store.writer import StoreUnavailableError

__all__ = [
    "CallFilter",
    "CallMeta",
    "CallRecord",
    "CallRecorder",
    "CallStore",
    "CallSummary",
    "ConductRecord",
    "EmotionPoint",
    "FlagRecord",
    "Masker",
    "NullRecorder",
    "SearchHit",
    "StoreSettings",
    "StoreUnavailableError",
    "SuggestionRecord",
    "TraineeSession",
    "TranscriptLine",
    "WorkOrder",
    "default_db_path",
    "draft_from_analyses",
    "draft_work_order",
    "mask_names",
    "mask_numbers",
    "resolve_db_path",
]
