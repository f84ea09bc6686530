"""What the second pass (精校转写) changes in a call's review and record, in plain Python (no Qt).

Live flags are raised on the first pass (Vosk partials and finals) at once; the corrected text
(Whisper, issue 14) comes seconds later. For each corrected agent utterance the banned phrases the
corrected text shows (``CorrectedText.banned``) are compared with the flags the live text raised:

* a live banned-phrase flag whose category the corrected text does not show is **unsupported**
  (kept, marked "精校后未见此说法": it may have been a recognition error);
* a banned phrase of a category no live flag of that utterance had is **added**, labelled as found
  by 精校 ("精校发现").

Categories, not rule ids, are compared (``shirk.not_my_job`` and ``shirk.learned`` are one
complaint about the same words): Whisper's wording of the same 推诿 often matches a sibling rule.

The stored record keeps the verdict in ``flags.second_pass`` (see ``recorder``); the agent window's
review, which lists the flags the alert showed, marks them with ``mark_live_flags`` and follows a
``ReviewFeed`` (the call's ``CallCorrector``) while corrections are still coming after hang-up,
and shows the call's score again once it has been re-scored on the corrected text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from assist_app.events import CorrectedText, Flag, FlagKind, Speaker

UNSUPPORTED = "unsupported"
ADDED = "added"
SECOND_PASS_ZH = {UNSUPPORTED: "精校后未见此说法", ADDED: "精校发现"}

# SQL for a flag's category (the rule id up to its first dot), for the recorder's updates.
SQL_CATEGORY = "substr(rule, 1, instr(rule || '.', '.') - 1)"


def flag_category(rule: str) -> str:
    """``shirk.not_my_job`` → ``shirk`` (the banned-phrase category a rule belongs to)."""
    return rule.split(".", 1)[0]


def added_flags(live_rules: Iterable[str], banned: Sequence[Flag]) -> list[Flag]:
    """The corrected text's banned flags of categories none of ``live_rules`` has, one per rule."""
    live = {flag_category(r) for r in live_rules}
    out: list[Flag] = []
    seen: set[str] = set()
    for f in banned:
        if flag_category(f.rule) in live or f.rule in seen:
            continue
        seen.add(f.rule)
        out.append(f)
    return out


def still_supported(rule: str, banned: Sequence[Flag]) -> bool:
    return flag_category(rule) in {flag_category(f.rule) for f in banned}


@dataclass(frozen=True, slots=True)
class ReviewFlag:
    """A flag as the review lists it: ``second_pass`` is "" (as raised live), ``UNSUPPORTED`` or
    ``ADDED``."""

    t: float
    flag: Flag
    second_pass: str = ""

    @property
    def label(self) -> str:
        return SECOND_PASS_ZH.get(self.second_pass, "")


@dataclass(frozen=True, slots=True)
class ReviewLine:
    """One utterance of the review's transcript; ``first_pass`` is the live text when corrected."""

    speaker: str  # agent | customer
    t: float
    text: str
    corrected: bool = False
    first_pass: str | None = None


def _distance(c: CorrectedText, t: float, flag: Flag) -> float | None:
    """How far a live flag (shown at ``t``) is from the utterance ``c`` corrects, None when it
    cannot be that utterance's: by time when the correction has times (a flag fires on a partial,
    up to a second after the words), else by the flagged words in the live text."""
    if c.start is None:
        return 0.0 if flag.matched and flag.matched in c.original else None
    end = c.end if c.end is not None else c.start
    if not c.start - 0.5 <= t <= end + 1.0:
        return None
    return max(0.0, c.start - t, t - end)


def mark_live_flags(flags: Sequence[tuple[float, Flag]], corrections: Sequence[CorrectedText]) -> list[ReviewFlag]:
    """The review's flags with the second pass's verdicts: live flags the corrected text no
    longer supports marked, banned phrases only the corrected text shows added (by time)."""
    checked = [c for c in corrections if c.banned is not None and c.speaker is Speaker.AGENT]
    out: list[ReviewFlag] = []
    covered: dict[int, list[str]] = {}  # correction index -> live rules it covers
    for t, f in flags:
        verdict = ""
        if f.kind is FlagKind.BANNED_PHRASE:
            near = [(d, i) for i, c in enumerate(checked) if (d := _distance(c, t, f)) is not None]
            if near:
                i = min(near)[1]
                covered.setdefault(i, []).append(f.rule)
                banned = checked[i].banned
                if banned is not None and not still_supported(f.rule, banned):
                    verdict = UNSUPPORTED
        out.append(ReviewFlag(t, f, verdict))
    for i, c in enumerate(checked):
        assert c.banned is not None
        t = c.start if c.start is not None else c.t
        out.extend(ReviewFlag(t, f, ADDED) for f in added_flags(covered.get(i, []), c.banned))
    out.sort(key=lambda r: r.t)
    return out


@runtime_checkable
class ReviewFeed(Protocol):
    """A call's transcript and corrections as the review follows them (``CallCorrector``):
    ``version`` grows with every change, ``finished`` once no more corrections will come."""

    @property
    def version(self) -> int: ...
    @property
    def finished(self) -> bool: ...
    @property
    def score(self) -> Any: ...  # the QA score on the corrected text once re-scored, else None
    def lines(self) -> list[ReviewLine]: ...
    def corrections(self) -> list[CorrectedText]: ...


class StaticReviewFeed:
    """A finished call's transcript with no second pass (nothing more will change)."""

    version = 0
    finished = True
    score = None

    def __init__(self, lines: Sequence[ReviewLine]) -> None:
        self._lines = list(lines)

    def lines(self) -> list[ReviewLine]:
        return list(self._lines)

    def corrections(self) -> list[CorrectedText]:
        return []


def lines_from_analyses(analyses: Iterable[object]) -> list[ReviewLine]:
    """The transcript of a call the guidance engine analysed (``UtteranceAnalysis`` items)."""
    out = []
    for a in analyses:
        u = getattr(a, "utterance", None)
        if u is None:
            continue
        start = u.start if u.start is not None else 0.0
        out.append(ReviewLine(speaker=u.speaker.value, t=float(start), text=u.text))
    return out


def review_feed(corrector: object, analyses: Iterable[object]) -> ReviewFeed:
    """The call's corrector when it had one (精校转写 on), else its analysed transcript."""
    if isinstance(corrector, ReviewFeed):
        return corrector
    return StaticReviewFeed(lines_from_analyses(analyses))
