"""Per-call analysis of final utterances: phase, emotion, flags, suggestions.

``AnalysisKit`` holds what is built once per library (compiled patterns, the DUTIR lexicon, the
jieba segmenter); ``CallAnalyzer`` holds one call's state. The result for an utterance depends
only on it and earlier ones, as in a live call (DESIGN.md §5).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace

from assist_app.analysis.banned import BannedPhraseDetector
from assist_app.analysis.conduct import ConductMonitor, ConductPatterns
from assist_app.analysis.emotion import EmotionModel, EmotionReader, SharedSegmenter, build_tokenizer, load_dutir
from assist_app.analysis.learned.layer import LearnedLayer, PhaseContext
from assist_app.analysis.learned.store import default_layer
from assist_app.analysis.phase import FormulaTracker, PhaseClassifier, looks_like_identifier, refine_phase
from assist_app.analysis.segmenter import Segmenter
from assist_app.analysis.suggest import PhraseSettings, SituationDetector, Suggester
from assist_app.events import (
    AcousticFeatures,
    EmotionLabel,
    EmotionReading,
    Flag,
    FlagKind,
    Phase,
    Severity,
    Speaker,
    Suggestion,
    Utterance,
    UtteranceAnalysis,
)
from assist_app.library.model import ScriptLibrary
from assist_app.procutil import malloc_trim
from assist_app.textnorm import NormText, normalize

log = logging.getLogger(__name__)

UPSET = frozenset(
    {EmotionLabel.ANGRY, EmotionLabel.ANXIOUS, EmotionLabel.COMPLAINT_ESCALATION, EmotionLabel.NEGATIVE_OTHER}
)


@dataclass(frozen=True, slots=True)
class AnalysisKit:
    """Everything built once per script library and shared by all calls (read-only)."""

    library: ScriptLibrary
    banned: BannedPhraseDetector
    phases: PhaseClassifier
    situations: SituationDetector
    emotion: EmotionModel
    conduct: ConductPatterns
    learned: LearnedLayer | None = None

    @classmethod
    def build(
        cls,
        library: ScriptLibrary,
        learned: LearnedLayer | bool | None = True,
        *,
        tokenizer: Segmenter | None = None,
    ) -> AnalysisKit:
        """The kit for ``library``; ``learned`` is a layer, ``True`` for the installed one, or off.
        ``tokenizer``: a segmenter already keyed to ``library`` (else one of its own is built)."""
        # The emotion model first: building its lexicon holds ~27,000 words for a moment, and
        # Python's heap keeps the size of its highest point; with little else built yet that
        # point is lower (issue 15: ~3 MB).
        emotion = EmotionModel(library, load_dutir(), tokenizer or build_tokenizer(library))
        layer = default_layer() if learned is True else (learned or None)
        return cls(
            library=library,
            banned=BannedPhraseDetector(library),
            phases=PhaseClassifier(library),
            situations=SituationDetector(library),
            emotion=emotion,
            conduct=ConductPatterns(library.conduct),
            learned=layer,
        )

    def without_learned(self) -> AnalysisKit:
        """The same kit with the rules alone (what the learned layer is trained on top of)."""
        return replace(self, learned=None)

    def __hash__(self) -> int:
        return id(self)


_MAX_KITS = 2  # a library reloaded from the same folder replaces its kit; this bounds other folders
_kits: dict[str, AnalysisKit] = {}  # library root → its latest kit
_kits_lock = threading.Lock()
_segmenter = SharedSegmenter()


def kit_for(library: ScriptLibrary | AnalysisKit) -> AnalysisKit:
    """The kit for ``library``, built on first use and reused.

    Kits are kept per library folder: loading a changed library from the same folder
    (校验并重新加载) replaces the kit instead of adding one, an unchanged one keeps it, at most
    ``_MAX_KITS`` folders are kept, and every kit handed out here shares one segmenter
    (issue 15: each kit used to keep its own ~70 MB dictionary, up to four of them).
    """
    if isinstance(library, AnalysisKit):
        return library
    with _kits_lock:
        kit = _kits.pop(library.root, None)
        if kit is not None and kit.library is not library and kit.library != library:
            kit = None  # changed on disk: replaced; the old kit goes with the last call holding it
        if kit is None:
            if len(_kits) >= _MAX_KITS:
                _kits.pop(next(iter(_kits)))
            kit = AnalysisKit.build(library, tokenizer=_segmenter.for_library(library))
            # Building churns through ~50 MB of temporary arrays and objects that glibc would keep
            # in the process (measured: +32 MB of RSS for a 6 MB dictionary without the trim).
            malloc_trim()
        else:  # a reload that changed nothing keeps its kit (re-keying the segmenter if needed)
            _segmenter.for_library(kit.library)
        _kits[library.root] = kit  # most recently used last
        return kit


@dataclass(frozen=True, slots=True)
class RuleView:
    """What the library's rules alone said about one utterance (the learned layer's input)."""

    phase: Phase
    emotion: EmotionReading | None
    banned: bool
    holds: bool


def _share(flags: list[Flag], length: int) -> float:
    """How much of the utterance the flags' spans cover (0–1)."""
    if length <= 0:
        return 0.0
    covered: set[int] = set()
    for f in flags:
        covered.update(range(*f.span))
    return len(covered) / length


class CallAnalyzer:
    """Analyses the final utterances of one call, in order."""

    def __init__(
        self,
        library: ScriptLibrary | AnalysisKit,
        settings: PhraseSettings | None = None,
        call_id: str = "call",
    ) -> None:
        self.kit = kit_for(library)
        lib = self.kit.library
        self.call_id = call_id
        self.settings = settings or PhraseSettings()
        greeting = lib.formula.step(Phase.GREETING).phrases
        closing = lib.formula.step(Phase.CLOSING).phrases
        self.tracker = FormulaTracker()
        self.emotion = EmotionReader(self.kit.emotion)
        self.conduct = ConductMonitor(
            self.kit.conduct,
            opening_example=self.settings.fill(greeting[0].text) if greeting else "",
            closing_example=self.settings.fill(closing[0].text) if closing else "",
        )
        self.suggester = Suggester(lib, self.settings)
        self.analyses: list[UtteranceAnalysis] = []
        self.last_emotion: EmotionReading | None = None
        self._soothed_since_upset = False
        self.last_rule_view: RuleView | None = None  # the rules' reading of the latest utterance
        self._prev: tuple[Speaker, str, Phase] | None = None  # speaker, normalised text, rule phase

    def fill(self, flag: Flag) -> Flag:
        """The flag with its replacement phrase's placeholders filled from the settings."""
        if "{" not in flag.replacement:
            return flag
        return replace(flag, replacement=self.settings.fill(flag.replacement))

    @property
    def customer_upset(self) -> bool:
        return self.last_emotion is not None and self.last_emotion.label in UPSET

    # Over 60 lines on purpose: one utterance's steps in the order they depend on each other
    # (emotion, banned phrases, learned flags, phase, conduct, position, suggestions); split into
    # helpers, that order would only be visible across several functions sharing the same locals.
    def analyze(self, utt: Utterance, acoustic: AcousticFeatures | None = None) -> UtteranceAnalysis:
        utt = Utterance(utt.speaker, utt.text, self.call_id, len(self.analyses), utt.start, utt.end)
        norm = normalize(utt.text)
        learned = self.kit.learned
        vote = self.kit.phases.classify(utt.speaker, norm)
        emotion: EmotionReading | None = None
        flags: list[Flag] = []
        if utt.speaker is Speaker.CUSTOMER:
            rule_emotion = self.emotion.read(norm, acoustic)
            emotion = self._learned_emotion(norm, rule_emotion) if learned else rule_emotion
            prev = self.last_emotion
            if emotion.label in UPSET and (
                prev is None or prev.label is not emotion.label or emotion.intensity > prev.intensity + 0.15
            ):
                self._soothed_since_upset = False  # a new or stronger upset needs soothing again
            self.last_emotion = emotion
        else:
            rule_emotion = None
            flags.extend(self.fill(h.flag) for h in self.kit.banned.detect(norm))
            self.suggester.observe_agent(norm)
        rule_flags = list(flags)
        if learned is not None and utt.speaker is Speaker.AGENT:
            flags.extend(self.learned_flags(norm, flags))
        scan = self.kit.conduct.scan(norm) if utt.speaker is Speaker.AGENT else None
        holds = scan is not None and self.kit.conduct.holds(scan)
        # The rules' own label (what the learned phase model reads; with no learned layer, the label).
        phase = rule_phase = refine_phase(
            vote,
            utt.speaker,
            norm.text,
            emotion_hostile=emotion is not None
            and emotion.label in (EmotionLabel.ANGRY, EmotionLabel.COMPLAINT_ESCALATION),
            banned_share=_share(rule_flags, len(utt.text)),
            holds=holds,
        )
        self.last_rule_view = RuleView(rule_phase, rule_emotion, bool(rule_flags), holds)
        if learned is not None:
            phase = self._learned_phase(utt, norm, rule_phase, emotion, _share(flags, len(utt.text)), holds)
        self._prev = (utt.speaker, norm.text, rule_phase)
        if utt.speaker is Speaker.AGENT and phase is Phase.SOOTHING:
            self._soothed_since_upset = True
        flags.extend(self.conduct.on_utterance(utt, norm, acoustic, scan))
        flags.sort(key=lambda f: (f.span[0], f.span[1]))
        self.tracker.update(utt.speaker, phase)
        situations = self.kit.situations.detect(utt.speaker, norm)
        position = self.tracker.position(customer_upset=self.customer_upset and not self._soothed_since_upset)
        if position.current is Phase.CLOSING and self.conduct.farewell_seen:
            suggestions: tuple[Suggestion, ...] = ()  # the agent has said goodbye: nothing left to say
        else:
            suggestions = self.suggester.suggest(
                position, situations, upset=self.customer_upset, soothed=self._soothed_since_upset
            )
        result = UtteranceAnalysis(
            utterance=utt,
            phase=phase,
            call_phase=position.current,
            position=position,
            emotion=emotion,
            flags=tuple(flags),
            suggestions=suggestions,
        )
        self.analyses.append(result)
        return result

    def banned_on(self, text: str) -> list[Flag]:
        """The banned-phrase flags a final agent utterance with this text would raise (rules, then
        the learned layer), without touching the call's state: the second pass checks its
        corrected text with it (issue 14)."""
        norm = normalize(text)
        flags = [self.fill(h.flag) for h in self.kit.banned.detect(norm)]
        if self.kit.learned is not None:
            flags.extend(self.learned_flags(norm, flags))
        return flags

    # -- the learned layer (issue 10): adds what the rules miss, rule hits stay -------------------

    def learned_flags(self, norm: NormText, rule_flags: list[Flag], *, partial: bool = False) -> list[Flag]:
        """A banned-phrase flag from the learned layer where no rule flag covers its words."""
        learned = self.kit.learned
        guess = learned.banned_guess(norm, partial=partial) if learned is not None else None
        if guess is None:
            return []
        start, end = norm.span_to_original(*guess.span)
        if any(f.kind is FlagKind.BANNED_PHRASE and f.span[0] < end and start < f.span[1] for f in rule_flags):
            return []
        category = self.kit.library.banned.category(guess.category)
        if category is None:
            return []
        flag = Flag(
            rule=f"{category.id}.learned",
            kind=FlagKind.BANNED_PHRASE,
            severity=Severity.MEDIUM,
            span=(start, end),
            matched=norm.original[start:end],
            message=category.message or category.name,
            replacement=category.replacement,
        )
        return [self.fill(flag)]

    def _learned_emotion(self, norm: NormText, rule: EmotionReading) -> EmotionReading:
        learned = self.kit.learned
        guess = learned.emotion_guess(norm, rule) if learned is not None else None
        if guess is None or guess.label is rule.label:
            return rule
        if guess.label is EmotionLabel.NEUTRAL:
            return EmotionReading(EmotionLabel.NEUTRAL, 0.0, ())
        intensity = round(min(1.0, 0.3 + 0.5 * guess.probability), 3)
        cues = tuple(dict.fromkeys((*guess.cues, *rule.cues)))
        return EmotionReading(guess.label, intensity, cues)

    def _learned_phase(
        self,
        utt: Utterance,
        norm: NormText,
        rule_phase: Phase,
        emotion: EmotionReading | None,
        banned_share: float,
        holds: bool,
    ) -> Phase:
        learned = self.kit.learned
        if learned is None:
            return rule_phase
        prev = self._prev
        ctx = PhaseContext(
            speaker=utt.speaker,
            text=norm.text,
            asks=utt.text.rstrip().endswith(("?", "？")),
            rule_phase=rule_phase,
            index=utt.index,
            banned=banned_share > 0,
            banned_most=banned_share >= 0.6,
            holds=holds,
            identifier=looks_like_identifier(norm.text),
            emotion=emotion.label if emotion is not None else None,
            prev_speaker=prev[0] if prev else None,
            prev_text=prev[1] if prev else "",
            prev_rule_phase=prev[2] if prev else None,
        )
        guess = learned.phase_guess(ctx)
        return guess[0] if guess is not None else rule_phase
