"""One speech model per app, loaded in the background at start-up, with warm recognizers.

The desktop app used to load a ``VoskEngine`` for every call, practice and demo (1.7–3.3 s before
capture opened, and a cold recognizer each time). ``SpeechService`` loads the model once (on its
own thread, started when the window is up), keeps a ``WarmRecognizerPool`` for it, and hands the
pool to every call. When the settings point to another model, the next call loads that one and
the old model is dropped (and its heap trimmed).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from assist_app.asr.engine import LIVE_DECODER, VoskEngine
from assist_app.asr.warm import RECYCLE_AFTER_S, WarmRecognizerPool, load_warmup_clip
from assist_app.procutil import malloc_trim

log = logging.getLogger(__name__)


def _default_engine(model_dir: Path) -> VoskEngine:
    return VoskEngine(model_dir, decoder=LIVE_DECODER)


class _Loaded:
    """One model being loaded or loaded: its pool, or the error that stopped it."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self.done = threading.Event()
        self.engine: VoskEngine | None = None
        self.pool: WarmRecognizerPool | None = None
        self.error: BaseException | None = None


class SpeechService:
    """The app's speech model and its warm recognizers (plain Python, thread-safe).

    ``preload`` starts loading in the background; ``pool_for`` returns the pool for a model
    folder, waiting for (or doing) the load. ``engine_factory``/``warmup`` are injectable so tests
    run without a model.
    """

    def __init__(
        self,
        *,
        engine_factory: Callable[[Path], VoskEngine] = _default_engine,
        pool_size: int = 2,
        recycle_after_s: float = RECYCLE_AFTER_S,
        warmup: Callable[[], bytes] = load_warmup_clip,
        trim: Callable[[], bool] = malloc_trim,
    ) -> None:
        self._engine_factory = engine_factory
        self._pool_size = pool_size
        self._recycle_after_s = recycle_after_s
        self._warmup = warmup
        self._trim = trim
        self._lock = threading.Lock()
        self._current: _Loaded | None = None
        self._threads: list[threading.Thread] = []

    def preload(self, model_dir: Path | None) -> None:
        """Load ``model_dir`` (and warm its recognizers) on a background thread; no-op if None or
        already loading/loaded."""
        if model_dir is None:
            return
        entry, fresh = self._entry(model_dir)
        if fresh:
            t = threading.Thread(target=self._load, args=(entry,), name="speech-preload", daemon=True)
            with self._lock:
                self._threads = [x for x in self._threads if x.is_alive()] + [t]
            t.start()

    def pool_for(self, model_dir: Path, timeout: float = 300.0) -> WarmRecognizerPool:
        """The warm pool for ``model_dir``; loads it on the calling thread when nobody is.

        Raises what loading raised (``ModelLoadError``), or ``TimeoutError``."""
        entry, fresh = self._entry(model_dir)
        if fresh:
            self._load(entry)
        if not entry.done.wait(timeout):
            raise TimeoutError(f"speech model {model_dir} still loading after {timeout:.0f} s")
        if entry.error is not None:
            raise entry.error
        assert entry.pool is not None
        return entry.pool

    def loaded_model(self) -> Path | None:
        """The model folder whose pool is ready, if any."""
        with self._lock:
            cur = self._current
        return cur.model_dir if cur is not None and cur.done.is_set() and cur.error is None else None

    def close(self) -> None:
        with self._lock:
            cur, self._current = self._current, None
            threads = list(self._threads)
        for t in threads:
            t.join(60)
        if cur is not None and cur.pool is not None:
            cur.pool.close()

    def _entry(self, model_dir: Path) -> tuple[_Loaded, bool]:
        key = model_dir.resolve()
        old: _Loaded | None = None
        with self._lock:
            cur = self._current
            if cur is not None and cur.model_dir == key and not (cur.done.is_set() and cur.error is not None):
                return cur, False
            old, self._current = cur, _Loaded(key)
            entry = self._current
        if old is not None:  # another model was chosen in 设置: drop the old one
            log.info("speech model changed: %s → %s", old.model_dir, key)
            if old.pool is not None:
                old.pool.close()
            old.engine = None
            self._trim()
        return entry, True

    def _load(self, entry: _Loaded) -> None:
        try:
            engine = self._engine_factory(entry.model_dir)
            pool = WarmRecognizerPool(
                engine.new_recognizer,
                size=self._pool_size,
                recycle_after_s=self._recycle_after_s,
                warmup_pcm=self._warmup(),
                trim=self._trim,
            )
            pool.fill()
            entry.engine, entry.pool = engine, pool
            log.info("speech model %s ready (%d warm recognizers)", entry.model_dir, pool.idle)
        except BaseException as exc:
            log.warning("loading speech model %s failed: %s", entry.model_dir, exc)
            entry.error = exc
        finally:
            entry.done.set()

