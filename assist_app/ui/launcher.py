"""Starting a call, without Qt: the speech model, the source, the engine, the store recorder and
the ``CallSession`` (issue 11: this used to live inside the panel controller).

The speech model is resolved when a call starts, from the settings of that moment, and the call's
source gets settings pinned to the folder found then: a model chosen or installed in 设置 → 模型 is
the one the next call uses, never the one seen at start-up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from assist_app.analysis.engine import EngineFactory, GuidanceEngine, PhraseSettings
from assist_app.asr.engine import RecognizerFactory
from assist_app.events import Event, FormulaPosition, HoldChanged, Speaker, SuggestionUsed, Utterance, UtteranceAnalysis
from assist_app.library.model import ScriptLibrary
from assist_app.pipeline.session import CallSession, CallSource, Sink
from assist_app.store.callstore import CallStore
from assist_app.store.models import CallMeta
from assist_app.ui.call_mode import CallMode
from assist_app.ui.settings import AppSettings

log = logging.getLogger(__name__)

SpeechModelLookup = Callable[[AppSettings], Path | None]
SourceFactory = Callable[[AppSettings], CallSource]
RecognizerLoader = Callable[[], RecognizerFactory]


def phrase_settings(settings: AppSettings) -> PhraseSettings:
    """The placeholders of the library's phrases (公司、工号、姓名) from the app settings."""
    return PhraseSettings(company=settings.company, agent_id=settings.agent_id, agent_name=settings.agent_name)


class LibraryWarmer:
    """Compiles a library's pattern sets and loads the segmenter's dictionary, once per library.

    Both take about a second the first time and hold the GIL in C code, so doing them when a call
    starts — on any thread — froze the window for up to a second (benchmarks/bench_ui.py). One
    warmer is shared by the start-up thread and the controller; it keeps the library it warmed, so
    an identity check cannot be fooled by a recycled ``id()``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._warmed: ScriptLibrary | None = None

    def warm(self, library: ScriptLibrary) -> None:
        with self._lock:
            if self._warmed is library:
                return
            engine = EngineFactory(library)("warm-up")
            engine.analyze_utterance(Utterance(Speaker.AGENT, "您好，请问有什么可以帮您？"))
            self._warmed = library


class LazyEngine:
    """The session's ``Analyzer``: builds the real ``GuidanceEngine`` on the analysis thread (so
    pressing 开始通话 never waits for it) and is the only thing that touches it during the call.

    Everything the panel learns during the call arrives as events: besides the engine's own, a
    ``HoldChanged`` whenever the hold state changes. The panel's commands (``SuggestionUsed``)
    come in through ``CallSession.send`` and are applied here, on the analysis thread.
    ``analyses``/``position`` are for after the call (review, tests), when the thread has ended.
    """

    def __init__(self, factory: Callable[[], GuidanceEngine]) -> None:
        self._factory = factory
        self._engine: GuidanceEngine | None = None
        self._hold: float | None = None

    def _get(self) -> GuidanceEngine:
        if self._engine is None:
            self._engine = self._factory()
        return self._engine

    @property
    def ready(self) -> GuidanceEngine | None:
        return self._engine

    def handle(self, event: Event) -> list[Event]:
        engine = self._get()
        if isinstance(event, SuggestionUsed):
            engine.mark_used(event.phrase_id)
            return []
        return self._with_hold(list(engine.handle(event)), event.t)

    def tick(self, t: float) -> list[Event]:
        return self._with_hold(list(self._get().tick(t)), t)

    def finish(self, t: float) -> list[Event]:
        out = list(self._get().finish(t))
        if self._hold is not None:  # the call is over: nobody is waiting any more
            self._hold = None
            out.append(HoldChanged(t=t, since=None))
        return out

    def _with_hold(self, out: list[Event], t: float) -> list[Event]:
        since = self._get().on_hold_since
        if since != self._hold:
            self._hold = since
            out.append(HoldChanged(t=t, since=since))
        return out

    @property
    def analyses(self) -> list[UtteranceAnalysis]:
        return list(self._engine.analyses) if self._engine is not None else []

    @property
    def position(self) -> FormulaPosition:
        return self._get().position


@dataclass
class LaunchedCall:
    """One started call: what the controller keeps while it runs and reads when it ends."""

    mode: CallMode
    call_id: str
    session: CallSession
    engine: LazyEngine
    source: CallSource
    recorder: Sink | None  # the store's sink for this call (``CallRecorder``)
    # Set once the live text's score is stored: the second pass (精校转写) stores its re-score after it.
    live_score_saved: threading.Event = field(default_factory=threading.Event)

    @property
    def saved_call_id(self) -> str | None:
        cid = getattr(self.recorder, "call_id", None)
        return cid if isinstance(cid, str) else None


class CallLauncher:
    """Decides whether a call can start and starts it (plain Python; the controller calls it).

    ``speech_model``: settings → the model folder or None, asked whenever a call starts (None here:
    the source factories alone decide, as in tests). ``live_source``/``practice_voice``: settings →
    a source/voice (None: the packages are missing). ``demo_asr``: settings → a recognizer-factory
    loader for scenario audio, None without a model.
    """

    def __init__(
        self,
        *,
        store: CallStore | None = None,
        live_source: SourceFactory | None = None,
        speech_model: SpeechModelLookup | None = None,
        demo_asr: Callable[[AppSettings], RecognizerLoader | None] | None = None,
        practice_voice: SourceFactory | None = None,
    ) -> None:
        self.store = store
        self._live_source = live_source
        self._speech_model = speech_model
        self._demo_asr = demo_asr
        self._practice_voice = practice_voice

    # -- the speech model, looked up now ------------------------------------------------------

    def settings_for_call(self, settings: AppSettings) -> AppSettings | None:
        """``settings`` with the speech model found now pinned in ``model_dir``; None: no model."""
        if self._speech_model is None:
            return settings
        folder = self._speech_model(settings)
        if folder is None:
            return None
        return replace(settings, model_dir=str(folder))

    def model_ready(self, settings: AppSettings) -> bool:
        return self._speech_model is None or self._speech_model(settings) is not None

    def live_ready(self, settings: AppSettings) -> bool:
        return self._live_source is not None and self.model_ready(settings)

    def can_hear_trainee(self, settings: AppSettings) -> bool:
        """Spoken practice is possible: the recogniser's packages and a model are there."""
        return self._practice_voice is not None and self.model_ready(settings)

    # -- sources -------------------------------------------------------------------------------

    def live_source(self, settings: AppSettings) -> CallSource:
        """The live source for a call starting now; raises ``LookupError`` without a model."""
        pinned = self.settings_for_call(settings)
        if self._live_source is None or pinned is None:
            raise LookupError("no speech model")
        return self._live_source(pinned)

    def practice_voice(self, settings: AppSettings) -> CallSource | None:
        """The trainee's microphone + recogniser for a practice starting now, or None (typing)."""
        pinned = self.settings_for_call(settings)
        if self._practice_voice is None or pinned is None:
            return None
        return self._practice_voice(pinned)

    def demo_asr(self, settings: AppSettings) -> RecognizerLoader | None:
        return self._demo_asr(settings) if self._demo_asr is not None else None

    # -- the session ---------------------------------------------------------------------------

    def launch(self, source: CallSource, *, mode: CallMode, library: ScriptLibrary, settings: AppSettings,
               scenario_id: str = "") -> LaunchedCall:
        """Build the engine, the store's recorder and the session for ``source``, and start it."""
        call_id = f"{mode.id_prefix}-{time.strftime('%Y%m%d-%H%M%S')}"
        make_engine = EngineFactory(library, phrase_settings(settings)).for_call(call_id)
        engine = LazyEngine(make_engine)
        recorder = self._recorder(mode, settings, scenario_id if mode.scripted else "")
        sinks: list[Sink] = [recorder] if recorder is not None else []
        call = LaunchedCall(mode, call_id, CallSession(source=source, analyzer=engine, sinks=sinks, call_id=call_id),
                            engine, source, recorder)
        attach = getattr(source, "attach_record", None)
        if callable(attach):  # the live source's second pass (精校转写) writes to the record itself
            attach(sinks, make_engine, self._rescore_saver(call))
        call.session.start()
        return call

    def _recorder(self, mode: CallMode, settings: AppSettings, scenario_id: str) -> Sink | None:
        if self.store is None or not settings.store_transcripts:
            return None
        try:
            return self.store.recorder(CallMeta(agent_id=settings.agent_id, agent_name=settings.agent_name,
                                                mode=mode.value, scenario_id=scenario_id))
        except Exception:
            log.exception("store recorder unavailable")
            return None

    def _rescore_saver(self, call: LaunchedCall) -> Callable[[Any], None]:
        store = self.store

        def save_rescored(score: Any) -> None:  # runs on the second-pass thread, after the call
            # After the score of the live text is saved at call end, never before it.
            call.live_score_saved.wait(60.0)
            cid = call.saved_call_id
            if store is not None and cid is not None:
                store.save_score(cid, score)

        return save_rescored
