"""The real Vosk engine (Korean model from PyPI) through the live pipeline: two channels in
parallel, partial and final results, word timings on the call clock, clean shutdown."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from assist_app.asr import fstfile
from assist_app.asr.engine import ModelLoadError, VoskEngine
from assist_app.audio.replay import FileReplay
from assist_app.events import FinalText, LevelEvent, PartialText, Speaker
from assist_app.pipeline.live import LiveSource
from assist_app.pipeline.offline import PassThroughAnalyzer, transcribe_files
from assist_app.pipeline.session import CallSession
from assist_app.pipeline.sinks import CollectSink


def test_two_channels_recognised_in_parallel_with_call_time_words(
    vosk_engine: VoskEngine, speech_wavs: dict[str, Path]
) -> None:
    before = set(threading.enumerate())
    sink = CollectSink()
    source = LiveSource(FileReplay.from_paths([speech_wavs["stereo"]], speed=0), vosk_engine.new_recognizer)
    session = CallSession(source=source, analyzer=PassThroughAnalyzer(), sinks=[sink])
    session.start()
    assert session.wait(120)
    session.stop()
    events = sink.snapshot()

    finals = [e for e in events if isinstance(e, FinalText)]
    by_sp = {sp: [f for f in finals if f.speaker is sp] for sp in Speaker}
    assert by_sp[Speaker.AGENT] and by_sp[Speaker.CUSTOMER], [f.text for f in finals]
    # The agent spoke from 0 s (left), the customer from 6 s (right): timings say so.
    agent_words = [w for f in by_sp[Speaker.AGENT] for w in f.words]
    cust_words = [w for f in by_sp[Speaker.CUSTOMER] for w in f.words]
    assert agent_words and cust_words
    assert agent_words[0].start < 1.0 and agent_words[-1].end < 6.0
    assert cust_words[0].start >= 5.8
    for f in finals:
        assert f.start is not None and f.end is not None and f.start <= f.end <= f.t + 0.01
        assert all(f.start - 0.01 <= w.start <= w.end <= f.end + 0.01 for w in f.words)
        assert f.acoustic is not None and f.acoustic.rate_cpm is not None

    partials = [e for e in events if isinstance(e, PartialText)]
    assert {p.speaker for p in partials} == {Speaker.AGENT, Speaker.CUSTOMER}
    # Partials arrive while the phrase is still being spoken, not only at its end.
    first_cust_partial = min(p.t for p in partials if p.speaker is Speaker.CUSTOMER)
    assert first_cust_partial < by_sp[Speaker.CUSTOMER][-1].end
    levels = [e for e in events if isinstance(e, LevelEvent)]
    assert any(lv.voiced for lv in levels if lv.speaker is Speaker.CUSTOMER and lv.t > 6.0)
    assert not any(lv.voiced for lv in levels if lv.speaker is Speaker.CUSTOMER and lv.t < 5.5)
    assert set(threading.enumerate()) <= before, "pipeline threads left running"


def test_transcribe_two_mono_files_matches_speaker_to_file(
    vosk_engine: VoskEngine, speech_wavs: dict[str, Path]
) -> None:
    tr = transcribe_files([speech_wavs["customer"], speech_wavs["agent"]], vosk_engine.new_recognizer)
    # The first file is the agent's by convention, whatever it contains.
    texts = {sp: " ".join(f.text for f in tr.finals if f.speaker is sp) for sp in Speaker}
    assert texts[Speaker.AGENT] and texts[Speaker.CUSTOMER]
    alone = {
        name: " ".join(f.text for f in transcribe_files([speech_wavs[name]], vosk_engine.new_recognizer).finals)
        for name in ("customer", "agent")
    }
    # Each side reads like its own file transcribed alone (the decoder may settle the last word
    # differently when blocks reach it in other batches, so compare by similarity, not equality).
    assert fuzz.ratio(texts[Speaker.AGENT], alone["customer"]) >= 80
    assert fuzz.ratio(texts[Speaker.AGENT], alone["customer"]) > fuzz.ratio(texts[Speaker.AGENT], alone["agent"])
    assert fuzz.ratio(texts[Speaker.CUSTOMER], alone["agent"]) > fuzz.ratio(texts[Speaker.CUSTOMER], alone["customer"])


def test_a_folder_that_looks_like_a_model_but_is_not_fails_clearly(tmp_path: Path) -> None:
    for rel in ("am/final.mdl", "conf/mfcc.conf", "graph/HCLG.fst"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"not kaldi")
    with pytest.raises(ModelLoadError) as exc:
        VoskEngine(tmp_path)
    assert "无法加载语音识别模型" in exc.value.message_zh


# Decodes the bundled warm-up clip in a fresh process and prints every result Vosk returns.
# A fresh process each time: the same model decodes the same audio slightly differently the
# second time round in one process (state Vosk keeps between recognizers), alike across processes.
_DECODE = """
import sys
from pathlib import Path

import soundfile as sf
import vosk
from assist_app.asr.engine import VoskEngine
from assist_app.asr.warm import warmup_clip_path

vosk.SetLogLevel(-1)
model = vosk.Model(sys.argv[2]) if sys.argv[1] == "as-shipped" else VoskEngine(Path(sys.argv[2]))._model
pcm = sf.read(warmup_clip_path(), dtype="int16")[0].tobytes()
rec = vosk.KaldiRecognizer(model, 16000)
rec.SetWords(True)
for i in range(0, len(pcm), 3200):
    print(rec.Result() if rec.AcceptWaveform(pcm[i : i + 3200]) else rec.PartialResult())
print(rec.FinalResult())
"""


def test_grammar_without_its_duplicate_word_table_recognises_exactly_alike(ko_model_dir: Path) -> None:
    # The engine loads the Korean model through a view whose Gr.fst lacks the input word table.
    assert fstfile.duplicate_input_symbols(ko_model_dir / "graph" / "Gr.fst") is not None
    outputs = {}
    for how in ("as-shipped", "engine"):
        done = subprocess.run(
            [sys.executable, "-c", _DECODE, how, str(ko_model_dir)],
            capture_output=True, text=True, timeout=300, check=True, cwd=Path(__file__).parents[2],
        )
        outputs[how] = done.stdout
    assert outputs["engine"].count('"conf"') >= 10, outputs["engine"][-500:]  # words, times, confidences
    assert outputs["engine"] == outputs["as-shipped"]
