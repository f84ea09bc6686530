"""Load ``scripts_library/`` into a ``ScriptLibrary``, collecting every problem at once.

Errors read ``file: entry.field: why`` (qutebrowser-style: unknown keys are rejected, and all
problems are reported together so a centre fixing its library sees the whole list in one go).
The readers are ``validation.Collector``'s (see ``library/reading.py``); the keys each entry may
use are its dataclass's fields. ``emotion.yaml`` and ``conduct.yaml`` are read in ``sections.py``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from assist_app.events import Phase, Severity, Speaker
from assist_app.library.model import (
    BUILTIN_SITUATIONS,
    PLACEHOLDERS,
    REQUIREMENTS,
    Banned,
    BannedCategory,
    BannedRule,
    Formula,
    Phrase,
    ScriptLibrary,
    Situation,
    Step,
)
from assist_app.library.reading import UNREADABLE, LibraryCollector, LibraryError, label, read_yaml
from assist_app.library.sections import load_conduct, load_emotion
from assist_app.resources import library_dir
from assist_app.textnorm import to_simplified
from assist_app.validation import Problem, field_keys

__all__ = ["FILES", "LibraryError", "load_library"]

FILES = ("formula.yaml", "banned.yaml", "situations.yaml", "emotion.yaml", "conduct.yaml")
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")

_STEP_KEYS = field_keys(Step, exclude={"agent_cues", "customer_cues"}, extra={"cues"})
_PHRASE_KEYS = field_keys(Phrase, exclude={"step"})
_PHRASE_REQUIRED = {"id", "text"}
_CATEGORY_KEYS = field_keys(BannedCategory)
_RULE_KEYS = field_keys(BannedRule)
_RULE_OPTIONAL = {"unless", "message", "examples", "counter_examples", "source"}
_SITUATION_KEYS = field_keys(Situation)

Uses = dict[str, list[tuple[str, str]]]  # situation id -> [(where, phrase id)] naming it


def _placeholders(ctx: LibraryCollector, where: str, text: str) -> None:
    for name in _PLACEHOLDER_RE.findall(text):
        if name not in PLACEHOLDERS:
            ctx.add(where, f"未知占位符 {{{name}}}（可用：{'、'.join(sorted(PLACEHOLDERS))}）",
                    f"unknown placeholder {{{name}}}")


# ---- formula ---------------------------------------------------------------------------------


def _load_phrase(ctx: LibraryCollector, pwhere: str, pm: dict[str, Any], step_id: Phase | None,
                 seen: set[str], phrase_situations: Uses, gated_situations: Uses) -> Phrase | None:
    pid = ctx.ident(pm, pwhere, seen)
    text = to_simplified(ctx.get_text(pm, "text", pwhere))
    _placeholders(ctx, f"{pwhere}.text", text)
    situations = ctx.get_list(pm, "situations", pwhere)
    for s in situations:
        phrase_situations.setdefault(s, []).append((pwhere, pid))
    requires = ctx.get_list(pm, "requires", pwhere)
    for i, req in enumerate(requires):
        if req not in REQUIREMENTS:
            known = ", ".join(sorted(REQUIREMENTS))
            ctx.add(f"{pwhere}.requires[{i}]", f"未知前提 {req!r}（可用：{known}）",
                    f"unknown requirement {req!r} (known: {known})")
    # only_in / not_in name situations: checked with the others once situations.yaml is read
    gates = {key: ctx.get_list(pm, key, pwhere) for key in ("only_in", "not_in")}
    for key, ids in gates.items():
        for i, sid in enumerate(ids):
            gated_situations.setdefault(sid, []).append((f"{pwhere}.{key}[{i}]", pid))
    if step_id is None:
        return None
    return Phrase(pid, step_id, text, tuple(situations), ctx.get_text(pm, "source", pwhere, ""),
                  tuple(requires), tuple(gates["only_in"]), tuple(gates["not_in"]))


def _step_id(ctx: LibraryCollector, m: dict[str, Any], where: str, seen: set[Phase]) -> Phase | None:
    step_id = ctx.get_enum(m, "id", where, Phase)
    if step_id is Phase.OTHER:
        ctx.add(f"{where}.id", "'other' 不是公式步骤", "'other' is not a formula step")
        return None
    if step_id is not None and step_id in seen:
        ctx.add(f"{where}.id", f"步骤 {step_id.value!r} 重复", f"duplicate step {step_id.value!r}")
    if step_id is not None:
        seen.add(step_id)
    return step_id


def _load_formula(doc: Any, ctx: LibraryCollector, phrase_situations: Uses, gated_situations: Uses) -> Formula:
    steps: list[Step] = []
    seen_steps: set[Phase] = set()
    seen_phrases: set[str] = set()
    ctx.top_keys(doc, {"steps"})
    for where, node in ctx.entries(doc, "steps"):
        where = label(node, where)
        m = ctx.mapping(where, node, {"id", "name", "phrases"}, _STEP_KEYS - {"id", "name", "phrases"})
        if m is None:
            continue
        step_id = _step_id(ctx, m, where, seen_steps)
        agent_cues: tuple[str, ...] = ()
        customer_cues: tuple[str, ...] = ()
        if "cues" in m:
            cues = ctx.mapping(f"{where}.cues", m["cues"], set(), {"agent", "customer"})
            if cues is not None:
                agent_cues = ctx.patterns(cues, "agent", f"{where}.cues")
                customer_cues = ctx.patterns(cues, "customer", f"{where}.cues")
        phrases: list[Phrase] = []
        for j, pnode in enumerate(ctx.nonempty_list(f"{where}.phrases", m.get("phrases"))):
            pwhere = label(pnode, f"{where}.phrases[{j}]")
            pm = ctx.mapping(pwhere, pnode, _PHRASE_REQUIRED, _PHRASE_KEYS - _PHRASE_REQUIRED)
            phrase = None if pm is None else _load_phrase(ctx, pwhere, pm, step_id, seen_phrases,
                                                          phrase_situations, gated_situations)
            if phrase is not None:
                phrases.append(phrase)
        if step_id is not None:
            steps.append(Step(step_id, ctx.get_text(m, "name", where), ctx.get_text(m, "description", where, ""),
                              agent_cues, customer_cues, tuple(phrases)))
    order = [s.id for s in steps]
    if steps and order != list(Phase.steps()):
        missing = [p.value for p in Phase.steps() if p not in order]
        if missing:
            ctx.add("steps", f"缺少步骤：{', '.join(missing)}", f"missing steps: {', '.join(missing)}")
        else:
            chain = " → ".join(p.value for p in Phase.steps())
            ctx.add("steps", f"步骤须按公式顺序：{chain}", f"steps must be in formula order: {chain}")
    return Formula(tuple(steps))


# ---- banned ----------------------------------------------------------------------------------


def _load_rule(ctx: LibraryCollector, where: str, m: dict[str, Any], seen: set[str],
               cats: list[BannedCategory]) -> BannedRule:
    rid = ctx.ident(m, where, seen)
    category = ctx.get_text(m, "category", where)
    if category and category not in {c.id for c in cats}:
        ctx.add(f"{where}.category", f"未知类别 {category!r}", f"unknown category {category!r}")
    severity = ctx.get_enum(m, "severity", where, Severity)
    patterns = ctx.patterns(m, "patterns", where, allow_empty=False)
    unless = ctx.patterns(m, "unless", where)
    cat_name = next((c.name for c in cats if c.id == category), category)
    _placeholders(ctx, f"{where}.replacement", str(m.get("replacement", "")))
    return BannedRule(
        id=rid,
        category=category,
        severity=severity or Severity.MEDIUM,
        patterns=patterns,
        unless=unless,
        replacement=to_simplified(ctx.get_text(m, "replacement", where)),
        message=to_simplified(ctx.get_text(m, "message", where, "")) or f"服务忌语：{cat_name}",
        examples=tuple(ctx.get_list(m, "examples", where)),
        counter_examples=tuple(ctx.get_list(m, "counter_examples", where)),
        source=ctx.get_text(m, "source", where, ""),
    )


def _load_banned(doc: Any, ctx: LibraryCollector) -> Banned:
    cats: list[BannedCategory] = []
    seen_cats: set[str] = set()
    ctx.top_keys(doc, {"categories", "rules"})
    if not isinstance(doc, dict):
        ctx.add("(top)", "顶层应为映射", "expected a mapping at the top level")
        return Banned((), ())
    for where, node in ctx.entries(doc, "categories"):
        m = ctx.mapping(label(node, where), node, {"id", "name"}, _CATEGORY_KEYS - {"id", "name"})
        if m is not None:
            cats.append(BannedCategory(
                ctx.ident(m, label(node, where), seen_cats),
                ctx.get_text(m, "name", where),
                to_simplified(ctx.get_text(m, "message", where, "")),
                to_simplified(ctx.get_text(m, "replacement", where, "")),
            ))
    rules: list[BannedRule] = []
    seen_rules: set[str] = set()
    for where, node in ctx.entries(doc, "rules"):
        where = label(node, where)
        m = ctx.mapping(where, node, _RULE_KEYS - _RULE_OPTIONAL, _RULE_OPTIONAL)
        if m is not None:
            rules.append(_load_rule(ctx, where, m, seen_rules, cats))
    # A category without its own message/replacement uses its first rule's (learned-layer flags).
    filled = []
    for c in cats:
        first = next((r for r in rules if r.category == c.id), None)
        filled.append(replace(
            c,
            message=c.message or (first.message if first else f"服务忌语：{c.name}"),
            replacement=c.replacement or (first.replacement if first else ""),
        ))
    return Banned(tuple(filled), tuple(rules))


# ---- situations ------------------------------------------------------------------------------


def _situation_steps(ctx: LibraryCollector, m: dict[str, Any], where: str) -> tuple[Phase, ...]:
    steps: list[Phase] = []
    for i, raw in enumerate(ctx.get_list(m, "steps", where, allow_empty=False)):
        try:
            phase = Phase(raw)
        except ValueError:
            ctx.add(f"{where}.steps[{i}]", f"未知步骤 {raw!r}", f"unknown step {raw!r}")
            continue
        if phase is Phase.OTHER:
            ctx.add(f"{where}.steps[{i}]", "'other' 不是公式步骤", "'other' is not a formula step")
            continue
        steps.append(phase)
    return tuple(steps)


def _load_situations(doc: Any, ctx: LibraryCollector) -> tuple[Situation, ...]:
    out: list[Situation] = []
    seen: set[str] = set()
    ctx.top_keys(doc, {"situations"})
    for where, node in ctx.entries(doc, "situations"):
        where = label(node, where)
        m = ctx.mapping(where, node, _SITUATION_KEYS - {"priority"}, {"priority"})
        if m is None:
            continue
        sid = ctx.ident(m, where, seen)
        if sid in BUILTIN_SITUATIONS:
            ctx.add(f"{where}.id", f"{sid!r} 是内置场景，不能重新定义", f"{sid!r} is built in and cannot be redefined")
        speaker = ctx.get_enum(m, "speaker", where, Speaker)
        steps = _situation_steps(ctx, m, where)
        out.append(Situation(
            id=sid,
            name=ctx.get_text(m, "name", where),
            speaker=speaker or Speaker.CUSTOMER,
            patterns=ctx.patterns(m, "patterns", where, allow_empty=False),
            steps=steps,
            reason=to_simplified(ctx.get_text(m, "reason", where)),
            priority=int(ctx.get_number(m, "priority", where, 0, 100, 50)),
        ))
    return tuple(out)


def _cross_check(formula_ctx: LibraryCollector, sit_ctx: LibraryCollector, situations: tuple[Situation, ...],
                 phrase_situations: Uses, gated_situations: Uses) -> None:
    """Situations named by phrases exist, and every situation is named by some phrase."""
    known = {s.id for s in situations} | BUILTIN_SITUATIONS
    for sid, users in phrase_situations.items():
        if sid not in known:
            for where, _pid in users:
                formula_ctx.add(f"{where}.situations", f"未知场景 {sid!r}", f"unknown situation {sid!r}")
    for sid, users in gated_situations.items():
        if sid not in known or sid in BUILTIN_SITUATIONS:
            for where, _pid in users:
                formula_ctx.add(where, f"未知场景 {sid!r}", f"unknown situation {sid!r}")
    for s in situations:
        if s.id not in phrase_situations:
            sit_ctx.add(f"situations[{s.id}]", "formula.yaml 里没有话术用到这个场景",
                        "no phrase in formula.yaml lists this situation")


# ---- entry point -----------------------------------------------------------------------------


def load_library(path: Path | str | None = None) -> ScriptLibrary:
    """Load and validate a script library folder (default: the shipped one).

    Raises ``LibraryError`` listing every problem found, across all files.
    """
    root = Path(path) if path is not None else library_dir()
    if not root.is_dir():
        raise LibraryError([Problem(str(root), "(folder)", "不是文件夹", "not a folder")])
    read_problems: list[Problem] = []
    docs = {name: read_yaml(root / name, read_problems) for name in FILES}
    # A file that could not be read was already reported once; its collector's follow-on problems
    # are dropped below.
    ctxs = {name: LibraryCollector(name) for name in FILES}
    phrase_situations: Uses = {}
    gated_situations: Uses = {}  # only_in / not_in: where -> phrase
    formula = _load_formula(docs["formula.yaml"], ctxs["formula.yaml"], phrase_situations, gated_situations)
    banned = _load_banned(docs["banned.yaml"], ctxs["banned.yaml"])
    situations = _load_situations(docs["situations.yaml"], ctxs["situations.yaml"])
    emotion = load_emotion(docs["emotion.yaml"], ctxs["emotion.yaml"])
    conduct = load_conduct(docs["conduct.yaml"], ctxs["conduct.yaml"])
    problems = list(read_problems)
    for name in FILES:
        if docs[name] is not UNREADABLE:
            problems.extend(ctxs[name].problems)
    if docs["formula.yaml"] is not UNREADABLE and docs["situations.yaml"] is not UNREADABLE:
        formula_ctx, sit_ctx = LibraryCollector("formula.yaml"), LibraryCollector("situations.yaml")
        _cross_check(formula_ctx, sit_ctx, situations, phrase_situations, gated_situations)
        problems.extend(formula_ctx.problems + sit_ctx.problems)
    if problems:
        raise LibraryError(problems)
    return ScriptLibrary(str(root), formula, banned, situations, emotion, conduct)
