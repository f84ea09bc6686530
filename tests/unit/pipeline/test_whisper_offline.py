"""The utterance-at-a-time transcription path (Whisper's) with a fake decoder and fixed VAD spans:
both channels cut at the spans, results in call order with their times, empty results dropped,
progress in seconds of speech."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soundfile as sf

from assist_app.asr.engine import RecognitionResult
from assist_app.asr.whisper import SpeechSpan
from assist_app.events import Speaker
from assist_app.pipeline.offline import transcribe_files_whisper


class LoudnessDecoder:
    """Says which tone it was given (the channels carry different amplitudes)."""

    def decode(self, samples: npt.NDArray[Any]) -> RecognitionResult:
        peak = float(np.abs(np.asarray(samples, dtype=np.float64)).max()) / 32768.0
        text = "" if peak < 0.05 else ("坐席说话" if peak < 0.35 else "客户说话")
        return RecognitionResult(text=text, words=())


def test_stereo_recording_cut_by_spans_in_call_order(tmp_path: Path) -> None:
    rate = 16_000
    audio = np.zeros((rate * 6, 2), dtype=np.float32)
    audio[0 : rate * 2, 0] = 0.2  # agent 0-2 s
    audio[rate * 3 : rate * 5, 1] = 0.5  # customer 3-5 s
    wav = tmp_path / "call.wav"
    sf.write(str(wav), audio, rate, subtype="PCM_16")

    def spans(samples: npt.NDArray[np.int16]) -> list[SpeechSpan]:
        loud = np.flatnonzero(np.abs(samples) > 1000)
        if not len(loud):
            return [SpeechSpan(5.5, 5.9)]  # a span that decodes to nothing is dropped
        return [SpeechSpan(loud[0] / rate, (loud[-1] + 1) / rate)]

    progress: list[tuple[float, float]] = []
    tr = transcribe_files_whisper([wav], LoudnessDecoder(), find_spans=spans,
                                  on_progress=lambda d, t: progress.append((d, t)))
    lines = tr.analyze_lines()
    assert [(d["speaker"], d["text"]) for d in lines] == [("agent", "坐席说话"), ("customer", "客户说话")]
    assert lines[0]["start"] == 0.0 and abs(lines[0]["end"] - 2.0) < 0.01
    assert abs(lines[1]["start"] - 3.0) < 0.01 and abs(lines[1]["end"] - 5.0) < 0.01
    assert tr.call_id == "call" and tr.error is None and abs(tr.duration - 6.0) < 0.01
    assert progress[-1][0] == progress[-1][1] and abs(progress[-1][1] - 4.0) < 0.05
    assert all(f.speaker in (Speaker.AGENT, Speaker.CUSTOMER) for f in tr.finals)
