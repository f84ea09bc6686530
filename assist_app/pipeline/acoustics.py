"""Acoustic cues per channel: level/VAD history, loudness against the speaker's own baseline,
speaking rate, overlap (interruptions) and silence.

Fed with every audio block (``observe``) by the source thread and asked for an utterance's
features (``features``) by the ASR workers when a final result arrives, so it is guarded by a
lock (never touched by the PortAudio callback). History is bounded (``history_s``).

Definitions, chosen for what the analysis rules need:
- ``loudness_rel_db``: mean level of the utterance's voiced blocks minus the speaker's running
  baseline (duration-weighted mean over their earlier utterances); None for their first one.
- ``rate_cpm``: non-space characters per minute between the first word's start and the last
  word's end (seed 000 norm: 180–200 字/分); None for utterances under a second or 3 characters.
- ``overlap_s``: if the other side was already speaking when this utterance started, how long the
  two talked at the same time — i.e. this speaker talked over the other (an agent interrupting
  the customer is a conduct problem, seed 000 行为禁忌). Talk that starts in the *other* direction
  is counted on the other speaker's utterance instead.
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass

from assist_app.audio.levels import VoiceActivityDetector
from assist_app.events import AcousticFeatures, Speaker, chars_per_minute


@dataclass(frozen=True, slots=True)
class _Block:
    t: float
    end: float
    dbfs: float
    voiced: bool  # VAD decision, including hang-over
    loud: bool  # above the speech threshold itself (used for loudness)

    def covered_by(self, start: float, end: float) -> bool:
        """Most of this block lies inside [start, end) (robust to float drift at the edges)."""
        return min(self.end, end) - max(self.t, start) > 0.5 * (self.end - self.t)


class _Channel:
    def __init__(self, maxlen: int) -> None:
        self.vad = VoiceActivityDetector()
        self.blocks: collections.deque[_Block] = collections.deque(maxlen=maxlen)
        self.last_voiced_end: float | None = None
        self.baseline_db: float | None = None
        self.baseline_weight = 0.0


class AcousticTracker:
    """Per-call acoustic state for both speakers; see the module docstring."""

    def __init__(self, *, history_s: float = 600.0, block_s: float = 0.05) -> None:
        maxlen = max(100, int(history_s / block_s))
        self._ch = {sp: _Channel(maxlen) for sp in Speaker}
        self._lock = threading.Lock()
        self._last_t = 0.0

    def observe(self, speaker: Speaker, t: float, end: float, level_dbfs: float) -> bool:
        """Record one block; returns the VAD decision for it."""
        with self._lock:
            ch = self._ch[speaker]
            voiced = ch.vad.update(level_dbfs, end - t)
            ch.blocks.append(_Block(t, end, level_dbfs, voiced, ch.vad.last_loud))
            if voiced:
                ch.last_voiced_end = end
            self._last_t = max(self._last_t, end)
            return voiced

    @property
    def last_t(self) -> float:
        """End of the latest block seen on any channel (call-audio time)."""
        with self._lock:
            return self._last_t

    def silence_s(self, now: float | None = None) -> float:
        """Seconds since anyone on the call was last voiced (0 while someone speaks)."""
        with self._lock:
            now = self._last_t if now is None else now
            ends = [c.last_voiced_end for c in self._ch.values() if c.last_voiced_end is not None]
            last = max(ends) if ends else 0.0
            return max(0.0, now - last)

    def features(
        self, speaker: Speaker, start: float | None, end: float | None, text: str
    ) -> AcousticFeatures:
        """The cues for one final utterance (updates the speaker's loudness baseline)."""
        if start is None or end is None or end <= start:
            return AcousticFeatures()
        with self._lock:
            ch = self._ch[speaker]
            own = [b for b in ch.blocks if b.loud and b.covered_by(start, end)]
            loud_rel = None
            if own:
                level = sum(b.dbfs for b in own) / len(own)
                dur = sum(b.end - b.t for b in own)
                if ch.baseline_db is not None:
                    loud_rel = level - ch.baseline_db
                    ch.baseline_db = (ch.baseline_db * ch.baseline_weight + level * dur) / (
                        ch.baseline_weight + dur
                    )
                else:
                    ch.baseline_db = level
                ch.baseline_weight += dur
            overlap = self._overlap(speaker, start, end)
        chars = sum(1 for c in text if not c.isspace())
        rate = chars_per_minute(chars, start, end) if end - start >= 1.0 and chars >= 3 else None
        return AcousticFeatures(
            loudness_rel_db=None if loud_rel is None else round(loud_rel, 2),
            rate_cpm=None if rate is None else round(rate, 1),
            overlap_s=overlap,
        )

    def _overlap(self, speaker: Speaker, start: float, end: float) -> float:
        other = self._ch[Speaker.CUSTOMER if speaker is Speaker.AGENT else Speaker.AGENT]
        # The other side's voiced run in progress at ``start`` (blocks are time-ordered).
        blocks = [b for b in other.blocks if b.end > start - 0.1 and b.t < end]
        if not blocks or not any(b.voiced and b.t <= start + 0.1 for b in blocks[:3]):
            return 0.0
        total = 0.0
        for b in blocks:
            if b.end <= start:
                continue
            if not b.voiced:
                break
            total += min(b.end, end) - max(b.t, start)
        return round(max(0.0, total), 2)
