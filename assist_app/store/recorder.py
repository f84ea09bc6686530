"""The call recorder: a ``CallSession`` sink that turns events into masked rows for the writer.

It runs on the analysis thread, so it only builds small ``Write`` objects and hands them to the
writer's bounded queue without blocking (``put_nowait``). Text is masked here, before it is queued,
so unmasked customer data never reaches the writer, the memory buffer or the file.

Order of events from the engine: a ``FinalText`` is published first, then its guidance
(``PhaseEvent``, ``EmotionEvent``, ``FlagRaised``, ``SuggestionEvent``). Phase and emotion are
therefore attached to the most recent final utterance of the same speaker. A banned phrase caught
on partial text is raised once, *before* its final utterance (``final=False``); it is linked to that
utterance when the final arrives. Every flag is raised once, so every stored flag counts.

Second pass (issue 14): a ``CorrectedText`` replaces a stored utterance's text, keeping the live
recognizer's in ``asr_text``. It comes from the second-pass thread, possibly after ``CallEnded``
(even during the next call), so the recorder serialises events with a lock and finds the
utterance by its ``utterance_id`` (a correction that outruns its final waits for it). When the
correction says which banned phrases the corrected text shows, the utterance's live flags it no
longer supports are marked ``second_pass = 'unsupported'`` (kept, not counted) and the ones only it
shows are added with ``second_pass = 'added'`` (``store.corrections``).

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
    PhaseEvent,
    Speaker,
    StatusEvent,
    SuggestionEvent,
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
        self._last_idx: dict[str, int] = {}
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
        speaker = event.speaker.value if event.speaker else None
        if isinstance(event, FinalText):
            self._final(cid, event)
        elif isinstance(event, FlagRaised):
            f = event.flag
            self._put(
                "INSERT INTO flags(call_id, utterance_idx, t, wall, speaker, rule, kind, severity, "
                "span_start, span_end, matched, message, replacement, text, final) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    cid,
                    self._last_idx.get(speaker or "") if event.final else None,
                    event.t,
                    event.wall,
                    speaker,
                    f.rule,
                    f.kind.value,
                    f.severity.value,
                    f.span[0],
                    f.span[1],
                    self._mask(f.matched),
                    f.message,
                    f.replacement,
                    self._mask_utterance_text(speaker, event.text) if event.final else self._mask(event.text),
                    int(event.final),
                ),
            )
        elif isinstance(event, EmotionEvent):
            r = event.reading
            idx = self._last_idx.get(speaker or "")
            self._put(
                "INSERT INTO emotions(call_id, utterance_idx, t, wall, label, intensity, cues, text) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (
                    cid,
                    idx,
                    event.t,
                    event.wall,
                    r.label.value,
                    float(r.intensity),
                    json.dumps([self._mask(c) for c in r.cues], ensure_ascii=False),
                    self._mask_utterance_text(speaker, event.text),
                ),
            )
            if idx is not None:
                self._put(
                    "UPDATE utterances SET emotion = ?, emotion_intensity = ? WHERE call_id = ? AND idx = ?",
                    (r.label.value, float(r.intensity), cid, idx),
                )
        elif isinstance(event, PhaseEvent):
            idx = self._last_idx.get(speaker or "")
            if idx is not None:
                self._put(
                    "UPDATE utterances SET phase = ?, call_phase = ? WHERE call_id = ? AND idx = ?",
                    (event.phase.value, event.position.current.value, cid, idx),
                )
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
                (
                    cid,
                    event.t,
                    event.wall,
                    speaker,
                    event.rule,
                    event.severity.value,
                    self._mask(event.message),
                    event.value,
                ),
            )
        elif isinstance(event, CallEnded):
            status = "normal" if event.reason == "normal" else "interrupted"
            self._writer.submit(
                FinishCall(call_id=cid, status=status, reason=event.reason, ended=event.wall,
                           duration=event.t or None)
            )
            self._writer.mark_finished(cid)
            self._in_call = False
            self._shown.clear()

    def _start(self, wall: float, session_call_id: str, source: str) -> None:
        self.call_id = new_call_id(wall)
        self._in_call = True
        self._idx = -1
        self._last_idx.clear()
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
        self._idx += 1
        speaker = event.speaker.value if event.speaker else "customer"
        self._last_idx[speaker] = self._idx
        # Flags raised on this utterance's partial text arrived before it: attach them now.
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
        self._put(
            'INSERT INTO utterances(call_id, idx, speaker, text, start, "end", t, wall) VALUES (?,?,?,?,?,?,?,?)',
            (cid, self._idx, speaker, masked, event.start, event.end, event.t, event.wall),
        )
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
