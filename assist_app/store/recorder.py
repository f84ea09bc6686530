# Kept whole at ~400 lines: one sink's per-call state (rows awaiting their analysis, partial-text flags).
"""The call recorder: a ``CallSession`` sink that turns events into masked rows for the writer.

It runs on the analysis thread, so it only builds small ``Write`` objects and hands them to the
writer's bounded queue without blocking (``put_nowait``). Text is masked here, before it is queued,
so unmasked customer data never reaches the writer, the memory buffer or the file.

One row per utterance (issue 11): the session numbers each ``FinalText`` (``Event.utterance``) and
the engine copies that index onto everything it derives, ending with ``UtteranceAnalysed``. The
recorder keeps the final's row in memory until that record arrives and then inserts it once, with
its phase and emotion; flags and emotion readings name their utterance by its index. A final with
no analysis (no engine, or a session that stopped first) is written as it is by the next final or
the end of the call. A banned phrase caught on partial text is raised once, *before* its final
(``final=False``), when no utterance index exists yet: it is written at once (the supervisor's wall
reads it from the file, and a crash must not lose it) and linked to its utterance when that
speaker's final arrives — the one update left. Every flag is raised once, so every stored flag
counts.

Second pass (issue 14): a ``CorrectedText`` replaces a stored utterance's text, keeping the live
recognizer's in ``asr_text``. It comes from the second-pass thread, possibly after ``CallEnded``
(even during the next call), so the recorder serialises events with a lock and finds the
utterance by its ``utterance_id`` (a correction that outruns its final waits for it). When the
correction says which banned phrases the corrected text shows, the utterance's live flags it no
longer supports are marked ``second_pass = 'unsupported'`` (kept, not counted) and the ones only it
shows are added with ``second_pass = 'added'`` (``store.corrections``). A correction for the
utterance still held in memory is applied to that row, and its flags are reviewed once it is
written (all the utterance's live flags are raised before ``UtteranceAnalysed``).

A suggestion counts as *used* when a later agent utterance (within ``USE_WINDOW_S`` of call time)
is close to its text (rapidfuzz ``partial_ratio`` ≥ ``USE_THRESHOLD``); QA reads that as "the agent
followed the guidance".
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from assist_app.events import (
    CallEnded,
    CallStarted,
    ConductEvent,
    CorrectedText,
    EmotionEvent,
    Event,
    FinalText,
    FlagRaised,
    Speaker,
    StatusEvent,
    SuggestionEvent,
    UtteranceAnalysed,
)
from assist_app.store.corrections import ADDED, SQL_CATEGORY, UNSUPPORTED, added_flags, flag_category
from assist_app.store.models import CallMeta
from assist_app.store.ops import FinishCall, Write
from assist_app.store.privacy import CallMasker, Masker

if TYPE_CHECKING:
    from assist_app.store.writer import StoreWriter

log = logging.getLogger(__name__)


def new_call_id(wall: float | None = None) -> str:
    """A store id that sorts by time and never collides: ``20250101-093000-1a2b3c``."""
    stamp = datetime.fromtimestamp(wall if wall is not None else time.time()).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{uuid.uuid4().hex[:6]}"


@dataclass(slots=True)
class _Row:
    """A final utterance waiting for its ``UtteranceAnalysed`` record."""

    idx: int
    utterance: int | None
    speaker: str
    text: str  # masked
    start: float | None
    end: float | None
    t: float
    wall: float
    asr_text: str | None = None  # set when a second-pass correction arrived while pending
    correction: CorrectedText | None = None  # that correction, its flag review still to do


@dataclass(slots=True)
class _Shown:
    seq: int
    t: float
    text: str
    used: bool = False


class NullRecorder:
    """The "store nothing" recorder: accepts every event and writes nothing."""

    call_id: str | None = None

    def __call__(self, event: Event) -> None:
        return None


class CallRecorder:
    """Sink for one session's events (see the module docstring). Create via ``CallStore.recorder``."""

    USE_WINDOW_S = 60.0
    USE_THRESHOLD = 75.0
    KEEP_IDS = 20_000  # utterance ids remembered for late corrections (a few calls' worth)

    def __init__(self, writer: StoreWriter, meta: CallMeta, masker: Masker) -> None:
        self._writer = writer
        self._meta = meta
        self._mask = masker
        self.call_id: str | None = None  # the current (or, after CallEnded, the last) call's store id
        self._in_call = False
        self._idx = -1
        self._idx_of: dict[int, int] = {}  # Event.utterance -> this call's row index
        self._pending: _Row | None = None
        self._unlinked: set[str] = set()  # speakers with partial-text flags not yet linked to a final
        self._seq = 0
        self._shown: list[_Shown] = []
        self._call_masker = CallMasker(masker)
        self._speaker_idxs: dict[str, list[int]] = {}
        self._last_final: dict[str, tuple[str, str]] = {}  # speaker -> (raw, masked) of its last final
        self._lock = threading.Lock()  # the analysis thread and the second-pass thread both call in
        self._by_utterance: OrderedDict[str, tuple[str, int]] = OrderedDict()
        self._early: dict[str, CorrectedText] = {}
        self.corrections = 0

    def _mask_utterance_text(self, speaker: str | None, text: str) -> str:
        """The stored form of an utterance's text (also for flags/emotions repeating it)."""
        raw_masked = self._last_final.get(speaker or "")
        if raw_masked is not None and raw_masked[0] == text:
            return raw_masked[1]
        return self._mask(text)

    def __call__(self, event: Event) -> None:
        try:
            with self._lock:
                if isinstance(event, CorrectedText):
                    self._correct(event)
                else:
                    self._record(event)
        except Exception:  # a recording bug must never stop the call or its guidance
            log.exception("recording %s failed", event.type_name)

    def _correct(self, event: CorrectedText) -> None:
        where = self._by_utterance.get(event.utterance_id)
        if where is None:
            if len(self._early) < 1000:
                self._early[event.utterance_id] = event
            return
        cid, idx = where
        self.corrections += 1
        row = self._pending
        if row is not None and cid == self.call_id and row.idx == idx:
            # Not written yet: the row is inserted corrected, and its flags are reviewed then, once
            # the engine has raised them all (they come before ``UtteranceAnalysed``).
            row.asr_text = row.asr_text or row.text
            row.text = self._mask(event.text)
            row.correction = event
            return
        masked = self._mask(event.text)
        self._put(
            "UPDATE utterances SET asr_text = coalesce(asr_text, text), text = ?, corrected = 1 "
            "WHERE call_id = ? AND idx = ?",
            (masked, cid, idx),
        )
        if event.banned is not None:
            self._review_flags(cid, idx, event, masked)
        # A call already closed: its flag counts may have changed, and ``updated`` moving makes the
        # centre's replicator ship the call's rows again (``Replicator._sweep``).
        self._put(
            "UPDATE calls SET updated = ?, "
            "flag_count = (SELECT count(*) FROM flags WHERE call_id = calls.id AND second_pass != 'unsupported'), "
            "high_flag_count = (SELECT count(*) FROM flags WHERE call_id = calls.id AND severity = 'high' "
            "AND second_pass != 'unsupported') WHERE id = ? AND status != 'active'",
            (time.time(), cid),
        )

    def _review_flags(self, cid: str, idx: int, event: CorrectedText, masked: str) -> None:
        """Mark the utterance's live banned-phrase flags the corrected text no longer supports, and
        add the banned phrases only the corrected text shows (``store.corrections``)."""
        banned = event.banned or ()
        cats = sorted({flag_category(f.rule) for f in banned})
        marks = ",".join("?" * len(cats))
        self._put(
            f"UPDATE flags SET second_pass = CASE WHEN {SQL_CATEGORY} IN ({marks}) THEN '' ELSE '{UNSUPPORTED}' END "
            f"WHERE call_id = ? AND utterance_idx = ? AND kind = 'banned_phrase' AND second_pass != '{ADDED}'",
            (*cats, cid, idx),
        )
        speaker = event.speaker.value if event.speaker else "agent"
        t = event.start if event.start is not None else event.t
        for f in added_flags((), banned):  # one per rule; the insert skips categories raised live
            self._put(
                "INSERT INTO flags(call_id, utterance_idx, t, wall, speaker, rule, kind, severity, span_start, "
                "span_end, matched, message, replacement, text, final, second_pass) "
                f"SELECT ?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,'{ADDED}' WHERE NOT EXISTS (SELECT 1 FROM flags "
                "WHERE call_id = ? AND utterance_idx = ? AND kind = 'banned_phrase' "
                f"AND ((second_pass != '{ADDED}' AND {SQL_CATEGORY} = ?) OR (second_pass = '{ADDED}' AND rule = ?)))",
                (cid, idx, t, event.wall, speaker, f.rule, f.kind.value, f.severity.value, f.span[0], f.span[1],
                 self._mask(f.matched), f.message, f.replacement, masked,
                 cid, idx, flag_category(f.rule), f.rule),
            )

    # -- events -----------------------------------------------------------------------------------

    def _record(self, event: Event) -> None:
        if isinstance(event, CallStarted):
            self._start(event.wall, event.call_id, event.source)
            return
        if not self._in_call:
            # A status between calls (the second pass finishing late) is not the start of a call.
            if isinstance(event, CallEnded | StatusEvent):
                return
            self._start(event.wall, "", "")
        cid = self.call_id
        assert cid is not None
        if isinstance(event, FinalText):
            self._final(cid, event)
        elif isinstance(event, UtteranceAnalysed):
            self._analysed(cid, event)
        elif isinstance(event, FlagRaised):
            self._flag(cid, event)
        elif isinstance(event, EmotionEvent):
            self._emotion(cid, event)
        elif isinstance(event, SuggestionEvent):
            for s in event.suggestions:
                self._seq += 1
                self._shown.append(_Shown(self._seq, event.t, s.text))
                self._put(
                    "INSERT INTO suggestions(call_id, seq, t, wall, step, text, reason, phrase_id) "
                    "VALUES (?,?,?,?,?,?,?,?)",
                    (cid, self._seq, event.t, event.wall, s.step.value, s.text, s.reason, s.phrase_id),
                )
        elif isinstance(event, ConductEvent):
            self._put(
                "INSERT INTO conduct(call_id, t, wall, speaker, rule, severity, message, value) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (cid, event.t, event.wall, event.speaker.value if event.speaker else None, event.rule,
                 event.severity.value, self._mask(event.message), event.value),
            )
        elif isinstance(event, CallEnded):
            self._end(cid, event)
        # PhaseEvent: its phase reaches the utterance's row through ``UtteranceAnalysed``.

    def _row_of(self, event: Event) -> int | None:
        """This call's row index of the utterance ``event`` belongs to (``None``: not known)."""
        return None if event.utterance is None else self._idx_of.get(event.utterance)

    def _flag(self, cid: str, event: FlagRaised) -> None:
        f = event.flag
        speaker = event.speaker.value if event.speaker else None
        if not event.final:
            self._unlinked.add(speaker or "")
        idx = self._row_of(event) if event.final else None
        text = self._mask_utterance_text(speaker, event.text) if event.final else self._mask(event.text)
        self._put(
            "INSERT INTO flags(call_id, utterance_idx, t, wall, speaker, rule, kind, severity, "
            "span_start, span_end, matched, message, replacement, text, final) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (cid, idx, event.t, event.wall, speaker, f.rule, f.kind.value, f.severity.value, f.span[0], f.span[1],
             self._mask(f.matched), f.message, f.replacement, text, int(event.final)),
        )

    def _emotion(self, cid: str, event: EmotionEvent) -> None:
        r = event.reading
        speaker = event.speaker.value if event.speaker else None
        self._put(
            "INSERT INTO emotions(call_id, utterance_idx, t, wall, label, intensity, cues, text) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (cid, self._row_of(event), event.t, event.wall, r.label.value, float(r.intensity),
             json.dumps([self._mask(c) for c in r.cues], ensure_ascii=False),
             self._mask_utterance_text(speaker, event.text)),
        )

    def _analysed(self, cid: str, event: UtteranceAnalysed) -> None:
        row = self._pending
        if row is None or event.utterance is None or row.utterance != event.utterance:
            return  # its final was empty, or already written without analysis
        self._pending = None
        emo = event.emotion
        self._insert_row(cid, row, event.phase.value, event.call_phase.value,
                         emo.label.value if emo else None, float(emo.intensity) if emo else None)

    def _insert_row(self, cid: str, row: _Row, phase: str | None = None, call_phase: str | None = None,
                    emotion: str | None = None, intensity: float | None = None) -> None:
        self._put(
            'INSERT INTO utterances(call_id, idx, speaker, text, start, "end", t, wall, phase, call_phase, '
            "emotion, emotion_intensity, asr_text, corrected) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (cid, row.idx, row.speaker, row.text, row.start, row.end, row.t, row.wall, phase, call_phase,
             emotion, intensity, row.asr_text, int(row.asr_text is not None)),
        )
        if row.correction is not None and row.correction.banned is not None:
            self._review_flags(cid, row.idx, row.correction, row.text)

    def _flush_pending(self, cid: str) -> None:
        """Write the waiting utterance without analysis (none came for it)."""
        if self._pending is not None:
            row, self._pending = self._pending, None
            self._insert_row(cid, row)

    def _end(self, cid: str, event: CallEnded) -> None:
        self._flush_pending(cid)
        status = "normal" if event.reason == "normal" else "interrupted"
        self._writer.submit(
            FinishCall(call_id=cid, status=status, reason=event.reason, ended=event.wall, duration=event.t or None)
        )
        self._writer.mark_finished(cid)
        self._in_call = False
        self._shown.clear()

    def _start(self, wall: float, session_call_id: str, source: str) -> None:
        self.call_id = new_call_id(wall)
        self._in_call = True
        self._idx = -1
        self._idx_of.clear()
        self._pending = None
        self._unlinked.clear()
        self._seq = 0
        self._shown.clear()
        self._call_masker = CallMasker(self._mask)
        self._speaker_idxs.clear()
        self._last_final.clear()
        self._writer.mark_active(self.call_id)
        self._put(
            "INSERT INTO calls(id, session_call_id, started, status, agent_id, agent_name, source, mode, "
            "scenario_id, writer_pid, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                self.call_id,
                session_call_id,
                wall,
                "active",
                self._meta.agent_id,
                self._meta.agent_name,
                source,
                self._meta.mode,
                self._meta.scenario_id,
                os.getpid(),
                wall,
            ),
        )

    def _final(self, cid: str, event: FinalText) -> None:
        if not event.text.strip():
            return
        self._flush_pending(cid)
        self._idx += 1
        speaker = event.speaker.value if event.speaker else "customer"
        if event.utterance is not None:
            self._idx_of[event.utterance] = self._idx
        if speaker in self._unlinked:
            # Flags raised on this utterance's partial text were written before it existed.
            self._unlinked.discard(speaker)
            self._put(
                "UPDATE flags SET utterance_idx = ? WHERE call_id = ? AND speaker = ? AND final = 0 "
                "AND utterance_idx IS NULL",
                (self._idx, cid, speaker),
            )
        masked, corrections = self._call_masker.add(speaker, event.text)
        earlier = self._speaker_idxs.setdefault(speaker, [])
        for back, text in corrections:
            # This utterance completes a number an earlier one of the same speaker started.
            idx = earlier[-back]
            self._put("UPDATE utterances SET text = ? WHERE call_id = ? AND idx = ?", (text, cid, idx))
            self._put("UPDATE emotions SET text = ? WHERE call_id = ? AND utterance_idx = ?", (text, cid, idx))
            self._put("UPDATE flags SET text = ? WHERE call_id = ? AND utterance_idx = ? AND final = 1",
                      (text, cid, idx))
        earlier.append(self._idx)
        del earlier[:-CallMasker.WINDOW]
        self._last_final[speaker] = (event.text, masked)
        self._pending = _Row(self._idx, event.utterance, speaker, masked, event.start, event.end, event.t, event.wall)
        if event.utterance is None:  # not numbered by a session: no analysis will name it
            self._flush_pending(cid)
        if event.utterance_id:
            self._by_utterance[event.utterance_id] = (cid, self._idx)
            while len(self._by_utterance) > self.KEEP_IDS:
                self._by_utterance.popitem(last=False)
            early = self._early.pop(event.utterance_id, None)
            if early is not None:
                self._correct(early)
        if event.speaker is Speaker.AGENT and len(event.text) >= 4:
            for shown in self._shown:
                if shown.used or event.t - shown.t > self.USE_WINDOW_S:
                    continue
                if fuzz.partial_ratio(shown.text, event.text) >= self.USE_THRESHOLD:
                    shown.used = True
                    self._put(
                        "UPDATE suggestions SET used = 1, used_t = ? WHERE call_id = ? AND seq = ?",
                        (event.t, cid, shown.seq),
                    )
            self._shown = [s for s in self._shown if not s.used and event.t - s.t <= self.USE_WINDOW_S]

    def _put(self, sql: str, params: tuple[object, ...]) -> None:
        self._writer.submit(Write(sql, params))
