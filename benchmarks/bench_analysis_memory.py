"""Memory of the analysis side (issue 15): RSS added by the script library, its analysis kit
(patterns, pinyin table, DUTIR lexicon, segmenter on jieba's dictionary, learned layer) and one
call, in a fresh process, and after library reloads; the RSS of a process that has imported the
``assist-app`` entry point (every command module); then the same build step by step in one
process, RSS added by each part.

    .venv/bin/python benchmarks/bench_analysis_memory.py [--reloads 3] [--day]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import gc, json, sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
import assist_app
base = rss()
from assist_app.analysis.analyzer import kit_for
from assist_app.analysis.engine import GuidanceEngine
from assist_app.events import FinalText, Speaker
from assist_app.library import load_library
kit = kit_for(load_library())
engine = GuidanceEngine(kit.library, call_id="m")
engine.handle(FinalText(t=1.0, speaker=Speaker.CUSTOMER, text="宽带又断了你们到底管不管我要投诉"))
after = rss()
for _ in range({reloads}):
    lib = load_library()
    kit = kit_for(lib)
    engine = GuidanceEngine(lib, call_id="m")
    engine.handle(FinalText(t=1.0, speaker=Speaker.AGENT, text="这个不归我管"))
gc.collect()
print(json.dumps({{"base": base, "kit": after - base, "reloaded": rss() - base}}))
"""


STEPS = """
import gc, json
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
import assist_app
from assist_app.procutil import malloc_trim
steps = []
last = rss()
def step(name):
    # Freed heap handed back after each step (kit_for does so once, after a build), so a step's
    # temporaries do not show up as a later step being cheap.
    global last
    gc.collect()
    malloc_trim()
    now = rss()
    steps.append((name, now - last))
    last = now
import numpy
step("numpy")
from assist_app.analysis import analyzer, emotion
from assist_app.analysis.banned import BannedPhraseDetector
from assist_app.analysis.conduct import ConductPatterns
from assist_app.analysis.engine import GuidanceEngine
from assist_app.analysis.learned.store import default_layer
from assist_app.analysis.phase import PhaseClassifier
from assist_app.analysis.suggest import SituationDetector
from assist_app.events import FinalText, Speaker
from assist_app.library import load_library
step("analysis imports (OpenCC, rapidfuzz, ahocorasick, PyYAML, the modules)")
lib = load_library()
step("script library (loaded and validated)")
tok = analyzer._segmenter.for_library(lib)
step("segmenter (jieba's dictionary + the library's words)")
parts = [emotion.EmotionModel(lib, emotion.load_dutir(), tok)]
step("emotion model (DUTIR lexicon, cues; built first, as the kit does)")
parts.append(BannedPhraseDetector(lib))
step("banned-phrase detector")
parts.append(PhaseClassifier(lib))
step("phase classifier")
parts.append(SituationDetector(lib))
step("situations")
parts.append(ConductPatterns(lib.conduct))
step("conduct patterns")
layer = default_layer()
step("learned layer")
del parts
kit = analyzer.kit_for(lib)  # the real kit: reuses the tokenizer and the layer, frees the parts above
step("kit (replacing the parts above)")
engine = GuidanceEngine(lib, call_id="m")
engine.handle(FinalText(t=1.0, speaker=Speaker.CUSTOMER, text="宽带又断了你们到底管不管我要投诉"))
step("one call")
if DAY:
    # A day's worth of varied wording: every turn of the learned layer's training corpus, twice
    # (what the learned models remember of the names they meet stays bounded). The turns come from
    # a file the parent wrote: reading the corpus here would import the training code.
    calls = {}
    for line in open(DAY, encoding="utf-8"):
        rec = json.loads(line)
        calls.setdefault(rec["call_id"], []).append((Speaker(rec["speaker"]), rec["text"]))
    for _ in range(2):
        for call_id, turns in calls.items():
            engine = GuidanceEngine(lib, call_id=call_id)
            for i, (speaker, text) in enumerate(turns):
                engine.handle(FinalText(t=float(i), speaker=speaker, text=text))
    step(f"{sum(map(len, calls.values())) * 2:,} more utterances (the training corpus, twice)")
print(json.dumps(steps, ensure_ascii=False))
"""


ENTRY = """
import assist_app.__main__
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) / 1024)
"""


def _run(code: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=300)
    return out.stdout.strip().splitlines()[-1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reloads", type=int, default=3)
    ap.add_argument("--day", action="store_true",
                    help="also analyse the training corpus twice and report what that adds (about a minute)")
    args = ap.parse_args()
    print(f"load avg {os.getloadavg()[0]:.2f}\n")
    r = json.loads(_run(PROBE.format(reloads=args.reloads)))
    print("| measure | RSS |\n|---|---|")
    print(f"| library + kit + one call (added to the process) | {r['kit']:.0f} MB |")
    print(f"| ... after {args.reloads} library reloads | {r['reloaded']:.0f} MB |")
    print(f"| a process that imported `assist_app.__main__` (total) | {float(_run(ENTRY)):.0f} MB |")
    print("\n| step (one process) | RSS added |\n|---|---|")
    tmp = tempfile.TemporaryDirectory()
    day = str(Path(tmp.name) / "corpus.jsonl") if args.day else ""
    if day:
        sys.path.insert(0, str(ROOT))
        from assist_app.learning.builtin import shipped_corpus
        from assist_app.library import load_library

        with open(day, "w", encoding="utf-8") as fh:
            for d in shipped_corpus([c.id for c in load_library().banned.categories]):
                for turn in d.turns:
                    fh.write(json.dumps({"call_id": d.id, "speaker": turn.speaker.value, "text": turn.text},
                                        ensure_ascii=False) + "\n")
    for name, mb in json.loads(_run(STEPS.replace("DAY", repr(day)))):
        print(f"| {name} | {mb:+.1f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
