"""Whisper base on the 14 demo scenarios: CER at 16 kHz and through the 8 kHz telephone band, and
how many scenario expectations (banned phrases, emotion, phase) hold on recognised vs script text.

Usage (writes the JSON and prints the Markdown table that EVALUATION.md quotes):

    PYTHONPATH=. .venv/bin/python scripts/whisper_eval.py [--model DIR] [--json eval/results/whisper_scenarios.json]

Without ``--model`` the model is joined from the installed model wheels into a temporary folder.
Each turn's clip is decoded on its own (utterance by utterance, as the app does), language zh,
beam 5, int8 on CPU; CER on normalised text (``assist_app.asr.accuracy``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from assist_app.asr.accuracy import cer
from assist_app.asr.install import install_whisper_from_packages
from assist_app.asr.whisper import WhisperEngine
from assist_app.demo.recognition import KINDS, expectation_tally, recognize_turns, with_texts
from assist_app.demo.runner import build_engine, run_demo
from assist_app.demo.scenario import load_scenarios
from assist_app.library import load_library


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="Whisper model folder (default: from the wheels)")
    ap.add_argument("--json", type=Path, default=Path("eval/results/whisper_scenarios.json"))
    ap.add_argument("--scenario", action="append", default=None, help="only these scenario ids")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="whisper-eval-") as tmp:
        model_dir = args.model or install_whisper_from_packages(Path(tmp)).path
        engine = WhisperEngine(model_dir)
        library = load_library()
        rows = []
        for scenario in load_scenarios():
            if args.scenario and scenario.id not in args.scenario:
                continue
            row: dict[str, object] = {"scenario": scenario.id, "turns": len(scenario.turns)}
            script = run_demo(scenario, engine=build_engine(library))
            row["script_expectations"] = expectation_tally(scenario, script.analyses, script.final_order)
            for band, tel in (("16k", False), ("8k", True)):
                turns = recognize_turns(scenario, engine, telephone=tel)
                row[f"cer_{band}"] = round(cer((t.script, t.text) for t in turns), 4)
                row[f"decode_s_{band}"] = [round(t.decode_s, 3) for t in turns]
                row[f"text_{band}"] = [t.text for t in turns]
                heard = with_texts(scenario, [t.text for t in turns])
                res = run_demo(heard, engine=build_engine(library))
                row[f"expectations_{band}"] = expectation_tally(scenario, res.analyses, res.final_order)
            row["script_text"] = [t.text for t in scenario.turns]
            rows.append(row)
            print(f"{scenario.id}: CER 16k {row['cer_16k']:.3f}, 8k {row['cer_8k']:.3f}", file=sys.stderr, flush=True)
    pairs16 = [(s, h) for r in rows for s, h in zip(r["script_text"], r["text_16k"], strict=True)]  # type: ignore[call-overload]
    pairs8 = [(s, h) for r in rows for s, h in zip(r["script_text"], r["text_8k"], strict=True)]  # type: ignore[call-overload]
    summary = {
        "cer_16k": round(cer(pairs16), 4),
        "cer_8k": round(cer(pairs8), 4),
        "utterances": len(pairs16),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "date": time.strftime("%Y-%m-%d"),
    }
    for key in ("script_expectations", "expectations_16k", "expectations_8k"):
        summary[key] = {k: [sum(r[key][k][0] for r in rows), sum(r[key][k][1] for r in rows)]  # type: ignore[index]
                        for k in KINDS}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"summary": summary, "scenarios": rows}, ensure_ascii=False, indent=1) + "\n",
                         encoding="utf-8")
    print("| scenario | turns | CER 16 kHz | CER 8 kHz | banned ok script/16k/8k | emotion ok script/16k/8k "
          "| phase ok script/16k/8k |")
    print("|---|---:|---:|---:|---|---|---|")

    def cell(r: dict[str, object], k: str) -> str:
        parts = [r[key][k] for key in ("script_expectations", "expectations_16k", "expectations_8k")]  # type: ignore[index]
        return " / ".join(f"{h}/{t}" for h, t in parts)

    for r in rows:
        print(f"| {r['scenario']} | {r['turns']} | {r['cer_16k']:.3f} | {r['cer_8k']:.3f} | {cell(r, 'banned')} | "
              f"{cell(r, 'emotion')} | {cell(r, 'phase')} |")
    print(f"| **all** | {summary['utterances']} | **{summary['cer_16k']:.3f}** | **{summary['cer_8k']:.3f}** | "
          + " | ".join(cell(summary, k) for k in KINDS) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
