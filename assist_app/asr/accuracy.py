"""Recognition accuracy helpers: character error rate and the 8 kHz telephone band.

CER is computed on ``textnorm.norm_str`` of both sides (simplified characters, no punctuation or
spaces, Arabic digits spelled as Chinese digits), the form the analysis engine matches in, so a
difference in punctuation or traditional/simplified spelling is not counted as an error. Used by
the Whisper tests and ``scripts/whisper_eval.py``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Levenshtein

from assist_app.audio.resample import StreamResampler
from assist_app.textnorm import norm_str

F32 = npt.NDArray[np.float32]

TELEPHONE_RATE = 8_000


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (substitutions, insertions and deletions all cost 1), in C (rapidfuzz)."""
    return int(Levenshtein.distance(a, b))


def char_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(character errors, reference length) after normalisation."""
    ref, hyp = norm_str(reference), norm_str(hypothesis)
    return edit_distance(ref, hyp), len(ref)


def cer(pairs: Iterable[tuple[str, str]]) -> float:
    """Corpus CER over (reference, hypothesis) pairs: total errors / total reference characters."""
    errors = total = 0
    for ref, hyp in pairs:
        e, n = char_errors(ref, hyp)
        errors += e
        total += n
    return errors / total if total else 0.0


def telephone_band(samples: npt.NDArray[np.float32], rate: int = 16_000) -> F32:
    """``samples`` as a narrow-band phone line delivers them: down to 8 kHz (low-passed below
    3.6 kHz) and back up to ``rate``, the way the app resamples an 8 kHz recording."""
    down = StreamResampler(rate, TELEPHONE_RATE).process(samples)
    up = StreamResampler(TELEPHONE_RATE, rate).process(down)
    return np.asarray(up, dtype=np.float32) / np.float32(32768.0)
