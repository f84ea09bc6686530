"""``assist-app learn LABELS.jsonl``: rebuild the learned layer with a centre's own QA labels.

Input: JSONL, one labelled utterance a line — ``{"text": "…", "speaker": "agent"|"customer",
"label": "…"}`` with optional ``"task"`` (``banned``: a banned category id or ``ok``; ``emotion``:
the six labels; ``phase``: the formula step ids or ``other``) and ``"call_id"`` (lines of one call,
in order, give the phase model its context). A deterministic part of the calls (``--holdout``) is
kept aside; the installed models and the new ones are both scored on it, and the new ones replace
the installed ones in the user's data folder only when they are not worse (``--force`` overrides).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assist_app.analysis.analyzer import AnalysisKit, CallAnalyzer
from assist_app.analysis.learned.layer import LearnedLayer
from assist_app.analysis.learned.linear import ModelFileError
from assist_app.analysis.learned.store import default_layer, forget, user_dir
from assist_app.events import FlagKind, Utterance
from assist_app.library import LibraryError, load_library

if TYPE_CHECKING:
    from assist_app.learning.corpus import Dialogue

# ``assist_app.learning`` is imported where it is used, not here: every ``assist-app`` command
# imports this module to register ``learn``, and the training code pulls in jieba (with
# ``pkg_resources``) and pypinyin with its phrase dictionary, ~30 MB that no other command needs
# (issue 15).

CENTRE_WEIGHT = 3.0
TOLERANCE = 0.02  # a task may lose this much without the new models counting as worse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("learn", help="用本中心的质检标注重新训练学习层")
    p.add_argument("labels", type=Path, help="标注文件（JSONL：text, speaker, label[, task, call_id]）")
    p.add_argument("--out", type=Path, default=None, help="模型目录（默认：用户数据目录 learned/）")
    p.add_argument("--holdout", type=float, default=0.2, help="留作前后对比的通话比例（默认 0.2）")
    p.add_argument("--force", action="store_true", help="即使新模型更差也替换")
    p.add_argument("--only-mine", action="store_true", help="只用本中心的标注训练（不并入内置语料）")
    p.set_defaults(handler=run)


def split_holdout(dialogues: Sequence[Dialogue], share: float) -> tuple[list[Dialogue], list[Dialogue]]:
    """Deterministic split by a hash of each call id."""
    train: list[Dialogue] = []
    held: list[Dialogue] = []
    for d in dialogues:
        h = int(hashlib.sha256(d.id.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
        (held if h < share else train).append(d)
    return train, held


def score(kit: AnalysisKit, dialogues: Sequence[Dialogue]) -> dict[str, float]:
    """Banned-phrase F1 (utterance level), emotion macro-F1 and phase accuracy on labelled turns."""
    from assist_app.learning.corpus import OK
    from assist_app.learning.tuning import macro_f1

    tp = fp = fn = 0
    emo: list[tuple[str, str]] = []
    phase: list[tuple[str, str]] = []
    for d in dialogues:
        analyzer = CallAnalyzer(kit, call_id=d.id)
        for t in d.turns:
            r = analyzer.analyze(Utterance(t.speaker, t.text))
            if t.category is not None or t.banned:
                pred = any(f.kind is FlagKind.BANNED_PHRASE for f in r.flags)
                gold = bool(t.banned) or t.category != OK
                tp += pred and gold
                fp += pred and not gold
                fn += gold and not pred
            if t.emotion is not None and r.emotion is not None:
                emo.append((t.emotion.value, r.emotion.label.value))
            if t.phase is not None:
                phase.append((t.phase.value, r.phase.value))
    out: dict[str, float] = {}
    if tp + fp + fn:
        out["banned_f1"] = 2 * tp / (2 * tp + fp + fn)
    if emo:
        out["emotion_macro_f1"] = macro_f1(emo, sorted({g for g, _ in emo}))
    if phase:
        out["phase_accuracy"] = sum(g == p for g, p in phase) / len(phase)
    return out


def _worse(new: dict[str, float], old: dict[str, float]) -> list[str]:
    return [k for k in new if k in old and new[k] < old[k] - TOLERANCE]


def run(args: argparse.Namespace) -> int:
    from assist_app.learning.builtin import NOISE_RATE, shipped_corpus
    from assist_app.learning.corpus import OK, library_dialogues, noisy_copies, read_labelled_jsonl
    from assist_app.learning.train import build_models, write_folder

    if not args.labels.is_file():
        print(f"找不到标注文件：{args.labels}", file=sys.stderr)
        return 2
    if not 0.05 <= args.holdout <= 0.5:
        print("--holdout 应在 0.05 到 0.5 之间", file=sys.stderr)
        return 2
    try:
        library = load_library()
    except LibraryError as exc:
        print(f"话术库有问题，无法训练：{exc.problems[0]}", file=sys.stderr)
        return 1
    categories = [c.id for c in library.banned.categories]
    centre, problems = read_labelled_jsonl(args.labels, categories)
    for p in problems:
        print(f"跳过 {p}", file=sys.stderr)
    n_turns = sum(len(d.turns) for d in centre)
    if n_turns < 20:
        print(f"可用标注只有 {n_turns} 条，至少需要 20 条。", file=sys.stderr)
        return 1
    train, held = split_holdout(centre, args.holdout)
    if not held:
        train, held = train[1:], train[:1]
    print(f"标注 {n_turns} 条（{len(centre)} 通），训练 {len(train)} 通，留出 {len(held)} 通对比。")

    rules_kit = AnalysisKit.build(library, learned=False)
    out = (args.out or user_dir()).resolve()
    current = _installed(out)
    before = score(AnalysisKit.build(library, learned=current) if current else rules_kit, held)

    for d in train:
        d.weight = CENTRE_WEIGHT
    base = [] if args.only_mine else shipped_corpus(categories) + list(library_dialogues(library))
    corpus = base + train
    corpus += noisy_copies(corpus, rate=NOISE_RATE, weight=0.7)
    tune = train if sum(1 for d in train for t in d.turns if t.category not in (None, OK)) >= 20 else []
    result = build_models(rules_kit, corpus, tune, progress=lambda m: print(m, file=sys.stderr))
    if not tune and current is not None and current.banned is not None:
        result.models["banned"].meta["threshold"] = current.banned_threshold
    staging = out.with_name(out.name + ".candidate")
    write_folder(result, staging, {"trained_from": str(args.labels.name)})
    after = score(AnalysisKit.build(library, learned=LearnedLayer.load(staging)), held)

    print("留出部分（前 → 后）：")
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        print(f"  {key}: {'—' if b is None else f'{b:.3f}'} → {'—' if a is None else f'{a:.3f}'}")
    worse = _worse(after, before)
    if worse and not args.force:
        print(f"新模型在 {', '.join(worse)} 上更差，保留原模型（可用 --force 强制替换）。")
        _remove(staging)
        return 1
    if out.exists():
        _remove(out)
    staging.rename(out)
    forget()
    print(f"已更新学习层：{out}")
    return 0


def _installed(folder: Path) -> LearnedLayer | None:
    """The models the new ones must beat: those in ``folder`` if valid, else the ones in use."""
    if (folder / "manifest.json").exists():
        try:
            return LearnedLayer.load(folder)
        except ModelFileError as exc:
            print(f"现有模型无法使用（{exc}），将被替换。", file=sys.stderr)
            return None
    return default_layer()


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
