"""Recorded Korean speech for the live-latency benchmark: 27 Zeroth-Korean clips, 228 s, 2 speakers.

``bench_live_latency.py --speech DIR`` replays real read speech instead of espeak-ng's Korean,
which the Korean model reads at 94–97 % character error (its partials keep rewriting themselves,
so word latency on it says more about the synthetic voice than about the app). The clips are
Zeroth-Korean (Atlas Guide Inc. and Gridspace Inc., OpenSLR 40, **CC BY 4.0**; docs/data-card.md)
as three public repositories carry them; nothing is committed here. Get the repositories once::

    git clone https://github.com/hchung12/espnet-asr          # speaker 104 (Zeroth test set), FLAC
    git clone https://github.com/Ella77/Tacotron-2-Korean     # speaker 218 (Zeroth train set), WAV
    git clone https://github.com/smilemcm/ClovaCall           # Zeroth's test transcripts (JSON)
    .venv/bin/python benchmarks/zeroth_clips.py --espnet espnet-asr --taco Tacotron-2-Korean \\
        --clova ClovaCall --out /tmp/zeroth

Files are read at fixed commits with ``git show``, so a later change upstream does not change the
set. Samples are written as they are (the sources are 16 kHz mono 16-bit already; anything else
stops the script rather than being resampled). ``DIR/transcripts.tsv``: file, transcript (as the
source has it; speaker 218's lines end in a "." that Zeroth's own transcripts do not have),
``zeroth_korean:<utterance id>``.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import soundfile as sf

ESPNET_COMMIT = "321c7f67c34f5b4d43d5ff4d510595417e28bf1a"
TACO_COMMIT = "c181f74205bc12ef2db53509ca95ddbe5d6abb62"
CLOVA_COMMIT = "b4a5e947aeddd9dc6552aa9d4a39421ee7519b73"
RATE = 16_000

SPEAKER_104 = ["0019", "0193", "0253", "0280", "0294", "0352", "0360", "0374", "0437",
               "0451", "0452", "0472", "0526", "0555", "0577"]  # fmt: skip
SPEAKER_218 = ["0022", "0024", "0111", "0145", "0148", "0275", "0286", "0292", "0366",
               "0392", "0553", "0586"]  # fmt: skip


def git_show(repo: Path, commit: str, path: str) -> bytes:
    git_dir = repo / ".git" if (repo / ".git").exists() else repo
    done = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"],
                          check=True, capture_output=True)  # fmt: skip
    return done.stdout


def clips(espnet: Path, taco: Path, clova: Path) -> list[tuple[str, bytes, str]]:
    """(utterance id, audio file bytes, transcript) for the 27 clips, speaker 104 first."""
    test = json.loads(git_show(clova, CLOVA_COMMIT, "data/test_zeroth_korean.json"))
    text_104 = {Path(item["wav"]).stem: item["text"] for item in test}
    text_218 = {}
    for line in git_show(taco, TACO_COMMIT, "LJSpeech-1.1/transcript.txt").decode("utf-8").splitlines():
        if line.strip():
            fields = line.split("|")
            text_218[Path(fields[0]).stem] = fields[1]
    out = []
    for n in SPEAKER_104:
        uid = f"104_003_{n}"
        out.append((uid, git_show(espnet, ESPNET_COMMIT, f"evalset/zeroth_korean/wavs/{uid}.flac"), text_104[uid]))
    for n in SPEAKER_218:
        uid = f"218_003_{n}"
        out.append((uid, git_show(taco, TACO_COMMIT, f"LJSpeech-1.1/wavs/{uid}.wav"), text_218[uid]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--espnet", type=Path, required=True, help="clone of hchung12/espnet-asr")
    ap.add_argument("--taco", type=Path, required=True, help="clone of Ella77/Tacotron-2-Korean")
    ap.add_argument("--clova", type=Path, required=True, help="clone of smilemcm/ClovaCall")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    (args.out / "clips").mkdir(parents=True, exist_ok=True)
    rows, total = [], 0.0
    for k, (uid, data, text) in enumerate(clips(args.espnet, args.taco, args.clova), 1):
        audio, rate = sf.read(io.BytesIO(data), dtype="int16", always_2d=True)
        if rate != RATE or audio.shape[1] != 1:
            print(f"{uid}: {rate} Hz, {audio.shape[1]} channels; expected 16 kHz mono", file=sys.stderr)
            return 1
        name = f"{k:03d}.wav"
        sf.write(args.out / "clips" / name, audio[:, 0], RATE, subtype="PCM_16", format="WAV")
        total += len(audio) / RATE
        rows.append(f"{name}\t{text}\tzeroth_korean:{uid}")
    (args.out / "transcripts.tsv").write_text("file\ttranscript\tsource_id\n" + "\n".join(rows) + "\n",
                                              encoding="utf-8")  # fmt: skip
    print(f"wrote {len(rows)} clips, {total:.1f} s, to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
