"""Load ``scripts_library/`` into a ``ScriptLibrary``, collecting every problem at once.

Errors read ``file: entry.field: why`` (qutebrowser-style: unknown keys are rejected, and all
problems are reported together so a centre fixing its library sees the whole list in one go).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import yaml

from assist_app.events import EmotionLabel, Phase, Severity, Speaker
from assist_app.library.model import (
    BUILTIN_SITUATIONS,
    PLACEHOLDERS,
    REQUIREMENTS,
    Banned,
    BannedCategory,
    BannedRule,
    ConductConfig,
    DegreeRule,
    EmotionConfig,
    Formula,
    HoldConfig,
    LexiconMapping,
    Phrase,
    ScriptLibrary,
    Situation,
    SpeakingRate,
    Step,
    WeightedCue,
)
from assist_app.library.patterns import PatternError, parse_pattern
from assist_app.resources import library_dir
from assist_app.textnorm import to_simplified

FILES = ("formula.yaml", "banned.yaml", "situations.yaml", "emotion.yaml", "conduct.yaml")
DUTIR_CATEGORIES = frozenset("乐哀好怒恶惊惧")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")

T = TypeVar("T")
# libyaml's C parser when PyYAML has it (about 10× faster on the shipped library).
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LibraryError(Exception):
    """The library has problems; ``problems`` lists each as ``file: entry.field: why``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class _Ctx:
    """Collects problems for one file while reading it."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.file = file
        self.problems = problems

    def err(self, where: str, why: str) -> None:
        self.problems.append(f"{self.file}: {where}: {why}")

    def top_keys(self, doc: Any, allowed: set[str]) -> None:
        """Report unknown keys at the top of a file (the file's own shape is checked elsewhere)."""
        if isinstance(doc, Mapping):
            for key in doc:
                if key not in allowed:
                    self.err(str(key), "unknown key")

    def mapping(self, node: Any, where: str, required: set[str], optional: set[str]) -> dict[str, Any] | None:
        if not isinstance(node, Mapping):
            self.err(where, f"expected a mapping, got {type(node).__name__}")
            return None
        for key in node:
            if key not in required and key not in optional:
                self.err(f"{where}.{key}", "unknown key")
        for key in sorted(required):
            if key not in node:
                self.err(f"{where}.{key}", "missing")
        return dict(node)

    def text(self, node: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = node.get(key, default)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.err(f"{where}.{key}", f"expected text, got {type(value).__name__}")
            return ""
        value = str(value).strip()
        if not value and default is None:
            self.err(f"{where}.{key}", "must not be empty")
        return value

    def number(self, node: dict[str, Any], key: str, where: str, lo: float, hi: float, default: float) -> float:
        value = node.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.err(f"{where}.{key}", f"expected a number, got {value!r}")
            return default
        if not lo <= value <= hi:
            self.err(f"{where}.{key}", f"{value} is outside {lo}–{hi}")
            return default
        return float(value)

    def str_list(self, node: dict[str, Any], key: str, where: str, *, allow_empty: bool = True) -> list[str]:
        value = node.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list):
            self.err(f"{where}.{key}", f"expected a list, got {type(value).__name__}")
            return []
        out: list[str] = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, str | int):
                self.err(f"{where}.{key}[{i}]", f"expected text, got {type(item).__name__}")
                continue
            out.append(str(item))
        if not out and not allow_empty:
            self.err(f"{where}.{key}", "must not be empty")
        return out

    def patterns(self, node: dict[str, Any], key: str, where: str, *, allow_empty: bool = True) -> tuple[str, ...]:
        out: list[str] = []
        for i, pat in enumerate(self.str_list(node, key, where, allow_empty=allow_empty)):
            try:
                parse_pattern(pat)
            except PatternError as exc:
                self.err(f"{where}.{key}[{i}]", f"bad pattern {pat!r}: {exc}")
                continue
            out.append(to_simplified(pat))
        return tuple(out)

    def enum(self, node: dict[str, Any], key: str, where: str, enum_type: Callable[[str], T]) -> T | None:
        raw = node.get(key)
        try:
            return enum_type(str(raw))
        except ValueError:
            self.err(f"{where}.{key}", f"unknown value {raw!r}")
            return None

    def ident(self, node: dict[str, Any], where: str, seen: set[str]) -> str:
        value = self.text(node, "id", where)
        if value and not _ID_RE.match(value):
            self.err(f"{where}.id", f"{value!r} is not a lower-case dotted id")
        if value in seen:
            self.err(f"{where}.id", f"duplicate id {value!r}")
        seen.add(value)
        return value


def _alias_problem(text: str, name: str) -> str | None:
    """Aliases (``*name``) are refused before anything is built: a few lines of nested aliases
    ("billion laughs") expand to billions of nodes when an error message prints the value."""
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(file)"
            return f"{name}: {where}: YAML aliases (*{event.anchor}) are not allowed; write the value out"
    return None


_UNREADABLE = object()  # ``_read_yaml``'s answer for a file already reported


def _read_yaml(path: Path, problems: list[str]) -> Any:
    """The document, or ``_UNREADABLE`` (with the problem reported). An empty or comment-only file is
    a problem, not an empty library: it would silently turn its checks off."""
    try:
        text = path.read_text(encoding="utf-8")
        alias = _alias_problem(text, path.name)
        if alias is not None:
            problems.append(alias)
            return _UNREADABLE
        doc = yaml.load(text, Loader=_SafeLoader)
        if doc is None:
            problems.append(f"{path.name}: (file): empty document (nothing but blanks or comments)")
            return _UNREADABLE
        return doc
    except FileNotFoundError:
        problems.append(f"{path.name}: (file): missing")
    except UnicodeDecodeError as exc:
        problems.append(f"{path.name}: (file): not UTF-8 text ({exc.reason} at byte {exc.start})")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problems.append(f"{path.name}: {where}: invalid YAML: {getattr(exc, 'problem', exc)}")
    except OSError as exc:
        problems.append(f"{path.name}: (file): cannot read: {exc.strerror}")
    return _UNREADABLE


def _entries(ctx: _Ctx, doc: Any, key: str) -> list[tuple[str, Any]]:
    if not isinstance(doc, Mapping):
        ctx.err("(top)", "expected a mapping at the top level")
        return []
    items = doc.get(key)
    if not isinstance(items, list) or not items:
        ctx.err(key, "missing or not a non-empty list")
        return []
    return [(f"{key}[{i}]", item) for i, item in enumerate(items)]


def _label(node: Any, fallback: str) -> str:
    if isinstance(node, Mapping) and isinstance(node.get("id"), str):
        return f"{fallback.rsplit('[', 1)[0]}[{node['id']}]"
    return fallback


# ---- formula ---------------------------------------------------------------------------------


def _load_formula(doc: Any, ctx: _Ctx, phrase_situations: dict[str, list[tuple[str, str]]],
                  gated_situations: dict[str, list[tuple[str, str]]]) -> Formula:
    steps: list[Step] = []
    seen_steps: set[str] = set()
    seen_phrases: set[str] = set()
    ctx.top_keys(doc, {"steps"})
    for where, node in _entries(ctx, doc, "steps"):
        where = _label(node, where)
        m = ctx.mapping(node, where, {"id", "name", "phrases"}, {"description", "cues"})
        if m is None:
            continue
        step_id = ctx.enum(m, "id", where, Phase)
        if step_id is Phase.OTHER:
            ctx.err(f"{where}.id", "'other' is not a formula step")
            step_id = None
        if step_id is not None and step_id.value in seen_steps:
            ctx.err(f"{where}.id", f"duplicate step {step_id.value!r}")
        if step_id is not None:
            seen_steps.add(step_id.value)
        agent_cues: tuple[str, ...] = ()
        customer_cues: tuple[str, ...] = ()
        if "cues" in m:
            cues = ctx.mapping(m["cues"], f"{where}.cues", set(), {"agent", "customer"})
            if cues is not None:
                agent_cues = ctx.patterns(cues, "agent", f"{where}.cues")
                customer_cues = ctx.patterns(cues, "customer", f"{where}.cues")
        phrases: list[Phrase] = []
        raw_phrases = m.get("phrases")
        if not isinstance(raw_phrases, list) or not raw_phrases:
            ctx.err(f"{where}.phrases", "missing or not a non-empty list")
            raw_phrases = []
        for j, pnode in enumerate(raw_phrases):
            pwhere = _label(pnode, f"{where}.phrases[{j}]")
            pm = ctx.mapping(pnode, pwhere, {"id", "text"}, {"situations", "source", "requires", "only_in", "not_in"})
            if pm is None:
                continue
            pid = ctx.ident(pm, pwhere, seen_phrases)
            text = to_simplified(ctx.text(pm, "text", pwhere))
            for name in _PLACEHOLDER_RE.findall(text):
                if name not in PLACEHOLDERS:
                    ctx.err(f"{pwhere}.text", f"unknown placeholder {{{name}}}")
            situations = ctx.str_list(pm, "situations", pwhere)
            for s in situations:
                phrase_situations.setdefault(s, []).append((pwhere, pid))
            requires = ctx.str_list(pm, "requires", pwhere)
            for i, req in enumerate(requires):
                if req not in REQUIREMENTS:
                    ctx.err(f"{pwhere}.requires[{i}]",
                            f"unknown requirement {req!r} (known: {', '.join(sorted(REQUIREMENTS))})")
            # only_in / not_in name situations: checked with the others once situations.yaml is read
            gates = {key: ctx.str_list(pm, key, pwhere) for key in ("only_in", "not_in")}
            for key, ids in gates.items():
                for i, sid in enumerate(ids):
                    gated_situations.setdefault(sid, []).append((f"{pwhere}.{key}[{i}]", pid))
            if step_id is not None:
                phrases.append(Phrase(pid, step_id, text, tuple(situations), ctx.text(pm, "source", pwhere, ""),
                                      tuple(requires), tuple(gates["only_in"]), tuple(gates["not_in"])))
        if step_id is not None:
            steps.append(
                Step(
                    step_id,
                    ctx.text(m, "name", where),
                    ctx.text(m, "description", where, ""),
                    agent_cues,
                    customer_cues,
                    tuple(phrases),
                )
            )
    order = [s.id for s in steps]
    if steps and order != list(Phase.steps()):
        missing = [p.value for p in Phase.steps() if p not in order]
        if missing:
            ctx.err("steps", f"missing steps: {', '.join(missing)}")
        else:
            ctx.err("steps", "steps must be in formula order: " + " → ".join(p.value for p in Phase.steps()))
    return Formula(tuple(steps))


# ---- banned ----------------------------------------------------------------------------------


def _load_banned(doc: Any, ctx: _Ctx) -> Banned:
    cats: list[BannedCategory] = []
    seen_cats: set[str] = set()
    ctx.top_keys(doc, {"categories", "rules"})
    if not isinstance(doc, Mapping):
        ctx.err("(top)", "expected a mapping at the top level")
        return Banned((), ())
    for where, node in _entries(ctx, doc, "categories"):
        m = ctx.mapping(node, _label(node, where), {"id", "name"}, {"message", "replacement"})
        if m is not None:
            cats.append(
                BannedCategory(
                    ctx.ident(m, _label(node, where), seen_cats),
                    ctx.text(m, "name", where),
                    to_simplified(ctx.text(m, "message", where, "")),
                    to_simplified(ctx.text(m, "replacement", where, "")),
                )
            )
    rules: list[BannedRule] = []
    seen_rules: set[str] = set()
    for where, node in _entries(ctx, doc, "rules"):
        where = _label(node, where)
        m = ctx.mapping(
            node,
            where,
            {"id", "category", "severity", "patterns", "replacement"},
            {"unless", "message", "examples", "counter_examples", "source"},
        )
        if m is None:
            continue
        rid = ctx.ident(m, where, seen_rules)
        category = ctx.text(m, "category", where)
        if category and category not in seen_cats:
            ctx.err(f"{where}.category", f"unknown category {category!r}")
        severity = ctx.enum(m, "severity", where, Severity)
        patterns = ctx.patterns(m, "patterns", where, allow_empty=False)
        unless = ctx.patterns(m, "unless", where)
        cat_name = next((c.name for c in cats if c.id == category), category)
        for name in _PLACEHOLDER_RE.findall(str(m.get("replacement", ""))):
            if name not in PLACEHOLDERS:
                ctx.err(f"{where}.replacement", f"unknown placeholder {{{name}}}")
        rules.append(
            BannedRule(
                id=rid,
                category=category,
                severity=severity or Severity.MEDIUM,
                patterns=patterns,
                unless=unless,
                replacement=to_simplified(ctx.text(m, "replacement", where)),
                message=to_simplified(ctx.text(m, "message", where, "")) or f"服务忌语：{cat_name}",
                examples=tuple(ctx.str_list(m, "examples", where)),
                counter_examples=tuple(ctx.str_list(m, "counter_examples", where)),
                source=ctx.text(m, "source", where, ""),
            )
        )
    # A category without its own message/replacement uses its first rule's (learned-layer flags).
    filled = []
    for c in cats:
        first = next((r for r in rules if r.category == c.id), None)
        filled.append(
            replace(
                c,
                message=c.message or (first.message if first else f"服务忌语：{c.name}"),
                replacement=c.replacement or (first.replacement if first else ""),
            )
        )
    return Banned(tuple(filled), tuple(rules))


# ---- situations ------------------------------------------------------------------------------


def _load_situations(doc: Any, ctx: _Ctx) -> tuple[Situation, ...]:
    out: list[Situation] = []
    seen: set[str] = set()
    ctx.top_keys(doc, {"situations"})
    for where, node in _entries(ctx, doc, "situations"):
        where = _label(node, where)
        m = ctx.mapping(node, where, {"id", "name", "speaker", "patterns", "steps", "reason"}, {"priority"})
        if m is None:
            continue
        sid = ctx.ident(m, where, seen)
        if sid in BUILTIN_SITUATIONS:
            ctx.err(f"{where}.id", f"{sid!r} is built in and cannot be redefined")
        speaker = ctx.enum(m, "speaker", where, Speaker)
        steps: list[Phase] = []
        for i, raw in enumerate(ctx.str_list(m, "steps", where, allow_empty=False)):
            try:
                phase = Phase(raw)
            except ValueError:
                ctx.err(f"{where}.steps[{i}]", f"unknown step {raw!r}")
                continue
            if phase is Phase.OTHER:
                ctx.err(f"{where}.steps[{i}]", "'other' is not a formula step")
                continue
            steps.append(phase)
        out.append(
            Situation(
                id=sid,
                name=ctx.text(m, "name", where),
                speaker=speaker or Speaker.CUSTOMER,
                patterns=ctx.patterns(m, "patterns", where, allow_empty=False),
                steps=tuple(steps),
                reason=to_simplified(ctx.text(m, "reason", where)),
                priority=int(ctx.number(m, "priority", where, 0, 100, 50)),
            )
        )
    return tuple(out)


# ---- emotion ---------------------------------------------------------------------------------


def _load_emotion(doc: Any, ctx: _Ctx) -> EmotionConfig:
    m = ctx.mapping(doc, "(top)", {"lexicon", "cues", "degree", "negation"}, {"negation_window"}) or {}
    dutir: list[LexiconMapping] = []
    ignore: list[str] = []
    lex = ctx.mapping(m.get("lexicon", {}), "lexicon", {"dutir"}, {"ignore"}) if "lexicon" in m else None
    if lex is not None:
        raw = lex.get("dutir")
        if isinstance(raw, Mapping):
            for cat, spec in raw.items():
                where = f"lexicon.dutir.{cat}"
                if cat not in DUTIR_CATEGORIES:
                    ctx.err(where, f"unknown DUTIR category (known: {''.join(sorted(DUTIR_CATEGORIES))})")
                    continue
                sm = ctx.mapping(spec, where, {"emotion", "weight"}, set())
                if sm is None:
                    continue
                emo = ctx.enum(sm, "emotion", where, EmotionLabel)
                if emo is not None:
                    dutir.append(LexiconMapping(str(cat), emo, ctx.number(sm, "weight", where, 0, 1, 0.3)))
        else:
            ctx.err("lexicon.dutir", "expected a mapping of DUTIR category → {emotion, weight}")
        ignore = ctx.str_list(lex, "ignore", "lexicon")
    cues: dict[EmotionLabel, tuple[WeightedCue, ...]] = {}
    raw_cues = m.get("cues")
    if isinstance(raw_cues, Mapping):
        for label, items in raw_cues.items():
            where = f"cues.{label}"
            try:
                emo = EmotionLabel(str(label))
            except ValueError:
                ctx.err(where, "unknown emotion label")
                continue
            if emo is EmotionLabel.NEUTRAL:
                ctx.err(where, "neutral takes no cues")
                continue
            if not isinstance(items, list):
                ctx.err(where, "expected a list")
                continue
            got: list[WeightedCue] = []
            for i, item in enumerate(items):
                iw = f"{where}[{i}]"
                im = ctx.mapping(item, iw, {"pattern", "weight"}, set())
                if im is None:
                    continue
                pats = ctx.patterns({"p": [im.get("pattern")]}, "p", iw)
                if pats:
                    got.append(WeightedCue(pats[0], ctx.number(im, "weight", iw, 0, 1, 0.5)))
            cues[emo] = tuple(got)
    elif "cues" in m:
        ctx.err("cues", "expected a mapping of emotion label → list")
    for needed in (EmotionLabel.ANGRY, EmotionLabel.ANXIOUS, EmotionLabel.COMPLAINT_ESCALATION, EmotionLabel.POSITIVE):
        if not cues.get(needed) and isinstance(raw_cues, Mapping):
            ctx.err(f"cues.{needed.value}", "missing or empty")
    degree: list[DegreeRule] = []
    raw_degree = m.get("degree", [])
    if not isinstance(raw_degree, list):
        ctx.err("degree", "expected a list")
        raw_degree = []
    for i, item in enumerate(raw_degree):
        dm = ctx.mapping(item, f"degree[{i}]", {"words", "factor"}, set())
        if dm is not None:
            words = ctx.str_list(dm, "words", f"degree[{i}]", allow_empty=False)
            degree.append(DegreeRule(tuple(words), ctx.number(dm, "factor", f"degree[{i}]", 0.1, 5, 1.0)))
    return EmotionConfig(
        dutir=tuple(dutir),
        ignore=frozenset(ignore),
        cues=cues,
        degree=tuple(degree),
        negation=tuple(ctx.str_list(m, "negation", "(top)", allow_empty=False)) if "negation" in m else (),
        negation_window=int(ctx.number(m, "negation_window", "(top)", 0, 10, 3)),
    )


# ---- conduct ---------------------------------------------------------------------------------


def _load_conduct(doc: Any, ctx: _Ctx) -> ConductConfig:
    m = (
        ctx.mapping(
            doc,
            "(top)",
            {"speaking_rate", "hold", "opening", "closing"},
            {"address", "fillers", "interruption"},
        )
        or {}
    )

    def sub(key: str, req: set[str], opt: set[str]) -> dict[str, Any]:
        if key not in m:
            return {}
        return ctx.mapping(m[key], key, req, opt) or {}

    rate = sub("speaking_rate", {"min_cpm", "max_cpm"}, {"min_chars"})
    hold = sub("hold", {"limit_s", "update_every_s", "ask_patterns", "thanks_patterns"}, {"progress_patterns"})
    opening = sub("opening", {"patterns"}, {"within_turns"})
    closing = sub("closing", {"check_patterns", "farewell_patterns"}, set())
    address = sub("address", {"patterns"}, {"unless"})
    fillers = sub("fillers", {"patterns"}, {"max_per_utterance"})
    interruption = sub("interruption", set(), {"min_overlap_s"})
    min_cpm = ctx.number(rate, "min_cpm", "speaking_rate", 30, 600, 180)
    max_cpm = ctx.number(rate, "max_cpm", "speaking_rate", 30, 600, 200)
    if min_cpm > max_cpm:
        ctx.err("speaking_rate.min_cpm", "is above max_cpm")
    return ConductConfig(
        speaking_rate=SpeakingRate(min_cpm, max_cpm, int(ctx.number(rate, "min_chars", "speaking_rate", 1, 200, 12))),
        hold=HoldConfig(
            limit_s=ctx.number(hold, "limit_s", "hold", 1, 600, 30),
            update_every_s=ctx.number(hold, "update_every_s", "hold", 1, 600, 15),
            ask_patterns=ctx.patterns(hold, "ask_patterns", "hold"),
            thanks_patterns=ctx.patterns(hold, "thanks_patterns", "hold"),
            progress_patterns=ctx.patterns(hold, "progress_patterns", "hold"),
        ),
        opening_patterns=ctx.patterns(opening, "patterns", "opening"),
        opening_within_turns=int(ctx.number(opening, "within_turns", "opening", 1, 10, 1)),
        closing_check_patterns=ctx.patterns(closing, "check_patterns", "closing"),
        farewell_patterns=ctx.patterns(closing, "farewell_patterns", "closing"),
        address_patterns=ctx.patterns(address, "patterns", "address"),
        address_unless=ctx.patterns(address, "unless", "address"),
        filler_patterns=ctx.patterns(fillers, "patterns", "fillers"),
        filler_max_per_utterance=int(ctx.number(fillers, "max_per_utterance", "fillers", 0, 20, 1)),
        interruption_min_overlap_s=ctx.number(interruption, "min_overlap_s", "interruption", 0, 10, 0.5),
    )


# ---- entry point -----------------------------------------------------------------------------


def load_library(path: Path | str | None = None) -> ScriptLibrary:
    """Load and validate a script library folder (default: the shipped one).

    Raises ``LibraryError`` listing every problem found, across all files.
    """
    root = Path(path) if path is not None else library_dir()
    problems: list[str] = []
    if not root.is_dir():
        raise LibraryError([f"{root}: (folder): not a folder"])
    docs = {name: _read_yaml(root / name, problems) for name in FILES}

    def ctx(name: str) -> _Ctx:
        # A file that could not be read was already reported once; don't pile up follow-on errors.
        return _Ctx(name, problems if docs[name] is not _UNREADABLE else [])

    phrase_situations: dict[str, list[tuple[str, str]]] = {}
    gated_situations: dict[str, list[tuple[str, str]]] = {}  # only_in / not_in: where -> phrase
    formula = _load_formula(docs["formula.yaml"], ctx("formula.yaml"), phrase_situations, gated_situations)
    banned = _load_banned(docs["banned.yaml"], ctx("banned.yaml"))
    sit_ctx = ctx("situations.yaml")
    situations = _load_situations(docs["situations.yaml"], sit_ctx)
    emotion = _load_emotion(docs["emotion.yaml"], ctx("emotion.yaml"))
    conduct = _load_conduct(docs["conduct.yaml"], ctx("conduct.yaml"))

    if docs["formula.yaml"] is not _UNREADABLE and docs["situations.yaml"] is not _UNREADABLE:
        known = {s.id for s in situations} | BUILTIN_SITUATIONS
        fctx = _Ctx("formula.yaml", problems)
        for sid, users in phrase_situations.items():
            if sid not in known:
                for where, _pid in users:
                    fctx.err(f"{where}.situations", f"unknown situation {sid!r}")
        for sid, users in gated_situations.items():
            if sid not in known or sid in BUILTIN_SITUATIONS:
                for where, _pid in users:
                    fctx.err(where, f"unknown situation {sid!r}")
        for s in situations:
            if s.id not in phrase_situations:
                sit_ctx.err(f"situations[{s.id}]", "no phrase in formula.yaml lists this situation")
    if problems:
        raise LibraryError(problems)
    return ScriptLibrary(str(root), formula, banned, situations, emotion, conduct)
