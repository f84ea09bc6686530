"""A scripted stand-in for ``vosk.KaldiRecognizer``: loud audio is "speech", a quiet block after
it ends the utterance. Word times are relative to the recognizer's own stream start, as Vosk's."""

from __future__ import annotations

import json

import numpy as np

SYLLABLES = "您好请问有什么可以帮您"


class FakeRecognizer:
    def __init__(self) -> None:
        self.samples = 0
        self.loud_blocks: list[tuple[float, float]] = []  # (start, end) seconds since stream start

    def _text(self) -> str:
        return "".join(SYLLABLES[i % len(SYLLABLES)] for i in range(len(self.loud_blocks)))

    def AcceptWaveform(self, data: bytes) -> bool:
        x = np.frombuffer(data, dtype=np.int16)
        start = self.samples / 16_000
        self.samples += len(x)
        end = self.samples / 16_000
        if np.abs(x.astype(np.int32)).max(initial=0) > 3000:
            self.loud_blocks.append((start, end))
            return False
        return bool(self.loud_blocks)

    def Result(self) -> str:
        text = self._text()
        words = [
            {"word": SYLLABLES[i % len(SYLLABLES)], "start": s, "end": e, "conf": 0.9}
            for i, (s, e) in enumerate(self.loud_blocks)
        ]
        self.loud_blocks = []
        return json.dumps({"text": text, "result": words}, ensure_ascii=False)

    def PartialResult(self) -> str:
        return json.dumps({"partial": self._text()}, ensure_ascii=False)

    def FinalResult(self) -> str:
        return self.Result() if self.loud_blocks else json.dumps({"text": ""})
