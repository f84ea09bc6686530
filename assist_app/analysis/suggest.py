"""What to say next: the top 1–3 library phrases for the call's state, each with a reason.

Order of precedence: situations that just fired (投诉, 等待, 听不清…, by priority); soothing first
while the customer is upset and the agent has not soothed yet (seed 002: soothe the emotion
before handling the matter; 003: 倾听认可 → 安抚情绪 → 问题解释); then the formula's next step.
Phrases already said or used are not offered again unless nothing else fits.

A phrase must also fit what has happened so far (issue 12.16), as its library entry says:
``requires:`` (at least one of: ``lookup`` — the agent put the customer on hold to look something up
or reported a lookup result in an earlier turn; ``explained`` — the agent explained earlier), so
"经查询，……已经为您处理好了" is not offered before anything was checked; ``only_in:`` (offered only
once one of these situations came up in the call), so "争取让您那边尽快送电" stays out of a billing
dispute where the customer merely said 尽快; ``not_in:`` (never once one came up).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from assist_app.analysis.matcher import PatternSet
from assist_app.events import FormulaPosition, Phase, Speaker, Suggestion
from assist_app.library.model import Phrase, ScriptLibrary, Situation
from assist_app.textnorm import NormText, norm_str

MAX_SUGGESTIONS = 3
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# "{title}，" at the start or after a comma, and "，{title}，" in the middle, can simply be dropped.
# An agent turn that reports a lookup result ("查到您那一片是线路故障", "系统显示", "经核实"): a lookup
# has happened even without a hold phrase.
_LOOKUP_DONE = re.compile(r"查到|查询(结果|下来)|经查|经过查询|核实(过|了|后发现)|系统(显示|里显示)|帮您(看|查)(了|过)")
# Agent-side situations that mean the agent is looking something up.
_LOOKUP_SITUATIONS = frozenset({"hold", "long_lookup", "not_found"})
_BARE_TITLE = re.compile(r"^\{title\}[，,]?|(?<=[，,])\{title\}[，,]|[，,]\{title\}(?=[，,。！？])")

STEP_REASONS = {
    Phase.GREETING: "通话开始 → 标准问候，报公司和工号",
    Phase.ASKING: "了解客户诉求 → 询问并确认问题",
    Phase.LISTENING: "客户在陈述 → 回应认可，复述确认",
    Phase.SOOTHING: "客户情绪波动 → 先安抚情绪再解释",
    Phase.EXPLANATION: "诉求已明确 → 给出解决方案或原因",
    Phase.ADVICE: "暂时无法解决 → 提供其他建议",
    Phase.CLOSING: "问题已处理 → 询问其他需求并礼貌告别",
}


@dataclass(frozen=True, slots=True)
class PhraseSettings:
    """Values for phrase placeholders, from the user's settings."""

    company: str = ""
    agent_id: str = ""
    agent_name: str = ""
    title: str = ""
    hours: str = "24"
    minutes: str = "5"
    direction: str = "inbound"  # inbound | outbound

    def fill(self, text: str) -> str:
        values = {
            "company": self.company or "客服中心",
            "agent_id": self.agent_id,
            "agent_name": self.agent_name,
            "title": self.title or "先生/女士",
            "hours": self.hours,
            "minutes": self.minutes,
        }
        if not self.agent_id:
            text = text.replace("{agent_id}号", "").replace("工号{agent_id}", "")
        if not self.agent_name:
            text = text.replace("我是{agent_name}", "我是客服代表")
        if not self.title:
            # Unknown caller: a form of address is left out rather than read as "先生/女士".
            text = _BARE_TITLE.sub("", text)
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


@dataclass(frozen=True, slots=True)
class _SaidIndex:
    """The library's normalised phrases, for telling which of them the agent has (nearly) said."""

    ids: list[str]
    texts: list[str]
    lengths: npt.NDArray[np.float64]
    column: dict[str, int]  # character -> column of ``counts``
    counts: npt.NDArray[np.int16]  # (phrases, characters): how often each character occurs

    @classmethod
    def build(cls, pairs: list[tuple[str, str]]) -> _SaidIndex:
        texts = [t for _, t in pairs]
        column: dict[str, int] = {}
        for t in texts:
            for ch in t:
                column.setdefault(ch, len(column))
        counts = np.zeros((len(texts), len(column)), dtype=np.int16)
        for i, t in enumerate(texts):
            for ch, n in Counter(t).items():
                counts[i, column[ch]] = n
        lengths = np.asarray([len(t) for t in texts], dtype=np.float64)
        return cls([pid for pid, _ in pairs], texts, lengths, column, counts)

    def inside_candidates(self, text: str) -> list[int]:
        """Phrases short enough to be inside ``text`` that share enough characters with it to
        reach ``fuzz.partial_ratio`` 90: that needs a longest common subsequence of at least
        0.9 / 1.1 of the shorter string (the ratio is 200·LCS / (m + k) over windows of k ≤ m
        characters), so at least that many shared characters. Skipping the others skips most of
        the cost of ``partial_ratio`` and changes no result."""
        here = Counter(text)
        cols = [self.column[ch] for ch in here if ch in self.column]
        shared = (
            np.minimum(self.counts[:, cols], np.asarray([here[ch] for ch in here if ch in self.column])).sum(axis=1)
            if cols
            else np.zeros(len(self.texts))
        )
        short = self.lengths <= len(text) * 1.25
        enough = shared >= 0.8 * np.minimum(self.lengths, len(text))
        return np.flatnonzero(short & enough).tolist()


_PhraseIndex = tuple[dict[str, str], _SaidIndex]
_phrase_indexes: dict[tuple[int, PhraseSettings], tuple[ScriptLibrary, _PhraseIndex]] = {}


def _phrase_index(library: ScriptLibrary, settings: PhraseSettings) -> _PhraseIndex:
    """Filled phrase texts, and their normalised forms for said-detection; shared by calls."""
    key = (id(library), settings)
    cached = _phrase_indexes.get(key)
    if cached is not None and cached[0] is library:
        return cached[1]
    filled = {p.id: settings.fill(p.text) for p in library.formula.phrases()}
    pairs = [(pid, norm_str(text)) for pid, text in filled.items()]
    pairs = [(pid, t) for pid, t in pairs if len(t) >= 4]
    index: _PhraseIndex = (filled, _SaidIndex.build(pairs))
    if len(_phrase_indexes) >= 16:
        _phrase_indexes.pop(next(iter(_phrase_indexes)))
    _phrase_indexes[key] = (library, index)
    return index


class SituationDetector:
    """Finds the library's situations in an utterance, by speaker, highest priority first."""

    def __init__(self, library: ScriptLibrary) -> None:
        self._sets = {
            sp: PatternSet((p, s) for s in library.situations if s.speaker is sp for p in s.patterns) for sp in Speaker
        }

    def detect(self, speaker: Speaker, norm: NormText) -> list[Situation]:
        found = {m.payload.id: m.payload for m in self._sets[speaker].find(norm)}
        return sorted(found.values(), key=lambda s: -s.priority)


@dataclass
class Suggester:
    """Per-call suggestion state."""

    library: ScriptLibrary
    settings: PhraseSettings = field(default_factory=PhraseSettings)
    said: set[str] = field(default_factory=set)
    shown: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_step = {s.id: s.phrases for s in self.library.formula.steps}
        self._filled, self._said_index = _phrase_index(self.library, self.settings)
        self._turn = 0
        self._seen: set[str] = set()  # situations detected so far in the call
        self._facts: set[str] = set()  # REQUIREMENTS met by earlier turns
        self._lookup_said = False  # the turn being analysed reported a lookup result
        self._context: set[str] = set()  # situations for the only_in / not_in checks of this turn

    def mark_used(self, phrase_id: str) -> None:
        self.said.add(phrase_id)

    def observe_agent(self, norm: NormText) -> None:
        """Mark phrases the agent has (nearly) said, so they are not offered again."""
        text = norm.text
        if _LOOKUP_DONE.search(text):
            self._lookup_said = True
        if len(text) < 4:
            return
        index = self._said_index
        ids, texts = index.ids, index.texts
        for _, _, i in process.extract_iter(text, texts, scorer=fuzz.ratio, score_cutoff=75):
            self.said.add(ids[i])
        # Phrases short enough to be inside what was said (not the reverse), then how fully they are.
        inside = index.inside_candidates(text)
        for _, _, k in process.extract_iter(
            text, [texts[i] for i in inside], scorer=fuzz.partial_ratio, score_cutoff=90
        ):
            self.said.add(ids[inside[k]])

    def suggest(
        self,
        position: FormulaPosition,
        situations: list[Situation],
        *,
        upset: bool,
        soothed: bool,
    ) -> tuple[Suggestion, ...]:
        self._turn += 1
        now = {s.id for s in situations}
        self._context = self._seen | now
        try:
            return self._suggest(position, situations, upset=upset, soothed=soothed)
        finally:
            # What this turn did counts from the next one on ("经查询" only after the lookup).
            self._seen |= now
            if self._lookup_said or now & _LOOKUP_SITUATIONS:
                self._facts.add("lookup")
            if Phase.EXPLANATION in position.done:
                self._facts.add("explained")
            self._lookup_said = False

    def fits_call(self, phrase: Phrase) -> bool:
        """Whether ``phrase``'s ``requires`` / ``only_in`` / ``not_in`` hold at this point of the call."""
        if phrase.requires and not self._facts.intersection(phrase.requires):
            return False
        if phrase.only_in and not self._context.intersection(phrase.only_in):
            return False
        return not self._context.intersection(phrase.not_in)

    def _suggest(
        self,
        position: FormulaPosition,
        situations: list[Situation],
        *,
        upset: bool,
        soothed: bool,
    ) -> tuple[Suggestion, ...]:
        plan: list[tuple[Phase, Situation | None, str]] = []
        if upset and not soothed:
            first = situations[0] if situations else None
            plan.append((Phase.SOOTHING, first, first.reason if first else STEP_REASONS[Phase.SOOTHING]))
        for fired in situations:
            for step in fired.steps:
                plan.append((step, fired, fired.reason))
        if position.next is not None:
            plan.append((position.next, None, STEP_REASONS[position.next]))
        elif position.current is Phase.CLOSING:
            plan.append((Phase.CLOSING, None, STEP_REASONS[Phase.CLOSING]))

        out: list[Suggestion] = []
        used_ids: set[str] = set()
        for relaxed in (False, True):
            for step, sit, reason in plan:
                if len(out) >= MAX_SUGGESTIONS:
                    break
                phrase = self._pick(step, sit, used_ids, allow_said=relaxed)
                if phrase is None:
                    continue
                used_ids.add(phrase.id)
                self.shown[phrase.id] = self._turn
                out.append(Suggestion(step=step, text=self._filled[phrase.id], reason=reason, phrase_id=phrase.id))
            if out:
                break
        return tuple(out)

    def _pick(self, step: Phase, sit: Situation | None, exclude: set[str], *, allow_said: bool) -> Phrase | None:
        direction = self.settings.direction
        candidates = [
            p for p in self._by_step.get(step, ())
            if p.id not in exclude and (allow_said or p.id not in self.said) and self.fits_call(p)
        ]
        if not candidates:
            return None

        def fit(p: Phrase) -> int:
            tags = p.situations
            if sit is not None and sit.id in tags:
                return 0
            if not tags or "general" in tags or direction in tags:
                return 1
            return 3 if "inbound" in tags or "outbound" in tags else 2

        # Best fit first; among equals, the one shown least recently (rotates the phrasing); the
        # first listed of equals.
        best_fit, _, i = min((fit(p), self.shown.get(p.id, 0), i) for i, p in enumerate(candidates))
        if best_fit >= 2:
            return None  # only phrases for other situations left: don't offer them out of context
        return candidates[i]
