"""Reading ``emotion.yaml`` and ``conduct.yaml`` (the library's two single-mapping files)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assist_app.events import EmotionLabel
from assist_app.library.model import (
    ConductConfig,
    DegreeRule,
    EmotionConfig,
    HoldConfig,
    LexiconMapping,
    SpeakingRate,
    WeightedCue,
)
from assist_app.library.reading import LibraryCollector
from assist_app.validation import field_keys

DUTIR_CATEGORIES = frozenset("乐哀好怒恶惊惧")
_NEEDED_CUES = (EmotionLabel.ANGRY, EmotionLabel.ANXIOUS, EmotionLabel.COMPLAINT_ESCALATION, EmotionLabel.POSITIVE)


def _dutir(ctx: LibraryCollector, raw: object) -> list[LexiconMapping]:
    out: list[LexiconMapping] = []
    if not isinstance(raw, Mapping):
        ctx.add("lexicon.dutir", "应为“DUTIR 类别 → {emotion, weight}”的映射",
                "expected a mapping of DUTIR category → {emotion, weight}")
        return out
    keys = field_keys(LexiconMapping, exclude={"category"})
    for cat, spec in raw.items():
        where = f"lexicon.dutir.{cat}"
        if cat not in DUTIR_CATEGORIES:
            known = "".join(sorted(DUTIR_CATEGORIES))
            ctx.add(where, f"未知 DUTIR 类别（可用：{known}）", f"unknown DUTIR category (known: {known})")
            continue
        sm = ctx.mapping(where, spec, keys)
        if sm is None:
            continue
        emo = ctx.get_enum(sm, "emotion", where, EmotionLabel)
        if emo is not None:
            out.append(LexiconMapping(str(cat), emo, ctx.get_number(sm, "weight", where, 0, 1, 0.3)))
    return out


def _cue_list(ctx: LibraryCollector, where: str, items: object) -> tuple[WeightedCue, ...]:
    if not isinstance(items, list):
        ctx.add(where, "应为列表", "expected a list")
        return ()
    got: list[WeightedCue] = []
    for i, item in enumerate(items):
        iw = f"{where}[{i}]"
        im = ctx.mapping(iw, item, field_keys(WeightedCue))
        if im is None:
            continue
        pats = ctx.patterns({"p": [im.get("pattern")]}, "p", iw)
        if pats:
            got.append(WeightedCue(pats[0], ctx.get_number(im, "weight", iw, 0, 1, 0.5)))
    return tuple(got)


def _cues(ctx: LibraryCollector, m: dict[str, Any]) -> dict[EmotionLabel, tuple[WeightedCue, ...]]:
    cues: dict[EmotionLabel, tuple[WeightedCue, ...]] = {}
    raw_cues = m.get("cues")
    if not isinstance(raw_cues, Mapping):
        if "cues" in m:
            ctx.add("cues", "应为“情绪标签 → 列表”的映射", "expected a mapping of emotion label → list")
        return cues
    for label, items in raw_cues.items():
        where = f"cues.{label}"
        try:
            emo = EmotionLabel(str(label))
        except ValueError:
            ctx.add(where, "未知情绪标签", "unknown emotion label")
            continue
        if emo is EmotionLabel.NEUTRAL:
            ctx.add(where, "neutral 不需要线索", "neutral takes no cues")
            continue
        cues[emo] = _cue_list(ctx, where, items)
    for needed in _NEEDED_CUES:
        if not cues.get(needed):
            ctx.add(f"cues.{needed.value}", "缺少或为空", "missing or empty")
    return cues


def _degree(ctx: LibraryCollector, raw: object) -> tuple[DegreeRule, ...]:
    if not isinstance(raw, list):
        ctx.add("degree", "应为列表", "expected a list")
        return ()
    out: list[DegreeRule] = []
    for i, item in enumerate(raw):
        dm = ctx.mapping(f"degree[{i}]", item, field_keys(DegreeRule))
        if dm is not None:
            words = ctx.get_list(dm, "words", f"degree[{i}]", allow_empty=False)
            out.append(DegreeRule(tuple(words), ctx.get_number(dm, "factor", f"degree[{i}]", 0.1, 5, 1.0)))
    return tuple(out)


def load_emotion(doc: Any, ctx: LibraryCollector) -> EmotionConfig:
    keys = field_keys(EmotionConfig, exclude={"dutir", "ignore"}, extra={"lexicon"})
    m = ctx.mapping("(top)", doc, keys - {"negation_window"}, {"negation_window"}) or {}
    dutir: list[LexiconMapping] = []
    ignore: list[str] = []
    lex = ctx.mapping("lexicon", m.get("lexicon", {}), {"dutir"}, {"ignore"}) if "lexicon" in m else None
    if lex is not None:
        dutir = _dutir(ctx, lex.get("dutir"))
        ignore = ctx.get_list(lex, "ignore", "lexicon")
    return EmotionConfig(
        dutir=tuple(dutir),
        ignore=frozenset(ignore),
        cues=_cues(ctx, m),
        degree=_degree(ctx, m.get("degree", [])),
        negation=tuple(ctx.get_list(m, "negation", "(top)", allow_empty=False)) if "negation" in m else (),
        negation_window=int(ctx.get_number(m, "negation_window", "(top)", 0, 10, 3)),
    )


def _hold(ctx: LibraryCollector, hold: dict[str, Any]) -> HoldConfig:
    return HoldConfig(
        limit_s=ctx.get_number(hold, "limit_s", "hold", 1, 600, 30),
        update_every_s=ctx.get_number(hold, "update_every_s", "hold", 1, 600, 15),
        ask_patterns=ctx.patterns(hold, "ask_patterns", "hold"),
        thanks_patterns=ctx.patterns(hold, "thanks_patterns", "hold"),
        progress_patterns=ctx.patterns(hold, "progress_patterns", "hold"),
    )


def load_conduct(doc: Any, ctx: LibraryCollector) -> ConductConfig:
    m = ctx.mapping("(top)", doc, {"speaking_rate", "hold", "opening", "closing"},
                    {"address", "fillers", "interruption"}) or {}

    def sub(key: str, req: set[str], opt: set[str]) -> dict[str, Any]:
        if key not in m:
            return {}
        return ctx.mapping(key, m[key], req, opt) or {}

    rate = sub("speaking_rate", {"min_cpm", "max_cpm"}, {"min_chars"})
    hold = sub("hold", set(field_keys(HoldConfig)) - {"progress_patterns"}, {"progress_patterns"})
    opening = sub("opening", {"patterns"}, {"within_turns"})
    closing = sub("closing", {"check_patterns", "farewell_patterns"}, set())
    address = sub("address", {"patterns"}, {"unless"})
    fillers = sub("fillers", {"patterns"}, {"max_per_utterance"})
    interruption = sub("interruption", set(), {"min_overlap_s"})
    min_cpm = ctx.get_number(rate, "min_cpm", "speaking_rate", 30, 600, 180)
    max_cpm = ctx.get_number(rate, "max_cpm", "speaking_rate", 30, 600, 200)
    if min_cpm > max_cpm:
        ctx.add("speaking_rate.min_cpm", "大于 max_cpm", "is above max_cpm")
    return ConductConfig(
        speaking_rate=SpeakingRate(min_cpm, max_cpm,
                                   int(ctx.get_number(rate, "min_chars", "speaking_rate", 1, 200, 12))),
        hold=_hold(ctx, hold),
        opening_patterns=ctx.patterns(opening, "patterns", "opening"),
        opening_within_turns=int(ctx.get_number(opening, "within_turns", "opening", 1, 10, 1)),
        closing_check_patterns=ctx.patterns(closing, "check_patterns", "closing"),
        farewell_patterns=ctx.patterns(closing, "farewell_patterns", "closing"),
        address_patterns=ctx.patterns(address, "patterns", "address"),
        address_unless=ctx.patterns(address, "unless", "address"),
        filler_patterns=ctx.patterns(fillers, "patterns", "fillers"),
        filler_max_per_utterance=int(ctx.get_number(fillers, "max_per_utterance", "fillers", 0, 20, 1)),
        interruption_min_overlap_s=ctx.get_number(interruption, "min_overlap_s", "interruption", 0, 10, 0.5),
    )
