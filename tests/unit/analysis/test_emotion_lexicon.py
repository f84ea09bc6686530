"""The emotion model's DUTIR lexicon in compact form (issue 15): every word reads as the plain
mapping it was built from, and nothing else is a word."""

from __future__ import annotations

import pytest

from assist_app.analysis import emotion
from assist_app.analysis.emotion import EmotionModel, Lexicon, build_tokenizer, load_dutir
from assist_app.events import EmotionLabel
from assist_app.library.model import ScriptLibrary


def test_every_word_has_its_readings_and_others_have_none(shipped_library: ScriptLibrary) -> None:
    dutir = load_dutir()
    model = EmotionModel(shipped_library, dutir, build_tokenizer(shipped_library))
    expected: dict[str, list[tuple[EmotionLabel, float]]] = {}
    for mapping in shipped_library.emotion.dutir:
        for word in dutir.get(mapping.category, ()):
            if len(word) >= 2 and word not in shipped_library.emotion.ignore:
                expected.setdefault(word, []).append((mapping.emotion, mapping.weight))
    assert len(model.lexicon) == len(expected) > 20_000
    for word, readings in expected.items():
        assert model.lexicon.get(word) == tuple(readings), word
    all_words = {w for words in dutir.values() for w in words}
    for word in ("", "投", "投诉投诉", "宽带又断了", "abc", *(w + "了" for w in list(expected)[:2000])):
        if word not in all_words:
            assert model.lexicon.get(word) is None, word


def test_words_sharing_a_key_are_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every word on one 64-bit key: the look-up still compares the words themselves.
    monkeypatch.setattr(emotion, "text_key", lambda _text: 7)
    lexicon = Lexicon({"偂": ((EmotionLabel.ANGRY, 1.0),), "BP": ((EmotionLabel.POSITIVE, 0.5),), "气死": ()})
    assert lexicon.get("偂") == ((EmotionLabel.ANGRY, 1.0),)
    assert lexicon.get("BP") == ((EmotionLabel.POSITIVE, 0.5),)
    assert lexicon.get("气死") == ()
    assert lexicon.get("B") is None and len(lexicon) == 3
