"""Load and validate demo/training scenarios (``resources/scenarios/*.yaml``).

The file format and the typed model are in ``scenario_model.py``. Validation goes through
``validation.Collector`` like the script library's: every problem in every file is collected and
reported as ``file: turn[n].field: why`` in Chinese; unknown keys are errors (the allowed keys are
the model's dataclass fields), so a typo in a trainer's file never passes silently.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from assist_app.demo.scenario_model import (
    DEFAULT_PASS_SCORE,
    DEFAULT_PAUSE_S,
    DEFAULT_RATE_CPM,
    DIFFICULTIES,
    DIRECTIONS,
    MANIFEST,
    SCORE_ITEM_KEYS,
    Caller,
    Scenario,
    ScenarioError,
    Turn,
    TurnExpectation,
)
from assist_app.events import EmotionLabel, Phase, Speaker
from assist_app.validation import Collector, Problem, field_keys, fields_under

__all__ = [
    "DEFAULT_PASS_SCORE", "DEFAULT_PAUSE_S", "DEFAULT_RATE_CPM", "DIFFICULTIES", "DIRECTIONS", "MANIFEST",
    "SCORE_ITEM_KEYS", "Caller", "Scenario", "ScenarioError", "Turn", "TurnExpectation", "find_scenario",
    "load_scenario", "load_scenarios", "parse_scenario", "shown_note",
]

_TOP_KEYS = field_keys(Scenario)
_END_KEYS = fields_under(Scenario, "expect_end")
_PRACTICE_KEYS = fields_under(Scenario, "practice")
_CALLER_KEYS = field_keys(Caller)
_TURN_KEYS = field_keys(Turn)
_EXPECT_KEYS = field_keys(TurnExpectation)


def _section(c: Collector, where: str, data: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any] | None:
    """The optional nested mapping ``data[where]`` (``None`` when absent or not a mapping)."""
    if where not in data:
        return None
    raw = data[where]
    if not isinstance(raw, dict):
        c.add(where, "应为映射")
        return None
    c.unknown_keys(where, raw, allowed)
    return raw


def _flags(c: Collector, where: str, data: dict[str, Any]) -> tuple[tuple[str, ...], bool]:
    flags: tuple[str, ...] = ()
    if "flags" in data:
        raw = data["flags"]
        if not isinstance(raw, list) or not raw or not all(isinstance(f, str) and f.strip() for f in raw):
            c.add(f"{where}.flags", "应为规则 id 或类别的非空列表")
        else:
            flags = tuple(f.strip() for f in raw)
    no_flags = bool(c.boolean(f"{where}.no_flags", data["no_flags"])) if "no_flags" in data else False
    if flags and no_flags:
        c.add(f"{where}.no_flags", "与 flags 矛盾")
    return flags, no_flags


def _expectation(c: Collector, where: str, data: object, speaker: Speaker | None) -> TurnExpectation:
    if data is None:
        return TurnExpectation()
    if not isinstance(data, dict):
        c.add(where, "应为映射")
        return TurnExpectation()
    c.unknown_keys(where, data, _EXPECT_KEYS)
    phases = c.enum_list(f"{where}.phase", data["phase"], Phase) if "phase" in data else ()
    call_phases = c.enum_list(f"{where}.call_phase", data["call_phase"], Phase) if "call_phase" in data else ()
    flags, no_flags = _flags(c, where, data)
    if (flags or no_flags) and speaker is Speaker.CUSTOMER:
        c.add(f"{where}.flags", "只检查坐席的话，客户发言不应有 flags/no_flags")
    emotions = c.enum_list(f"{where}.emotion", data["emotion"], EmotionLabel) if "emotion" in data else ()
    if emotions and speaker is Speaker.AGENT:
        c.add(f"{where}.emotion", "情绪只针对客户发言")
    suggest = c.enum_list(f"{where}.suggest", data["suggest"], Phase) if "suggest" in data else ()
    if Phase.OTHER in suggest:
        c.add(f"{where}.suggest", "建议只能是公式七步之一")
    return TurnExpectation(phases, call_phases, flags, no_flags, emotions, suggest)


def _optional_number(c: Collector, where: str, data: dict[str, Any], key: str, lo: float, hi: float,
                     default: float) -> float:
    """``data[key]`` when present and valid, else ``default`` (a bad value is reported)."""
    if key not in data:
        return default
    value = c.number(f"{where}.{key}", data[key], lo, hi)
    return default if value is None else value


def _turn(c: Collector, n: int, data: object, base: Path | None) -> Turn | None:
    where = f"turn[{n}]"
    if not isinstance(data, dict):
        c.add(where, "应为映射")
        return None
    c.unknown_keys(where, data, _TURN_KEYS)
    speaker: Speaker | None = None
    raw_speaker = data.get("speaker")
    try:
        speaker = Speaker(str(raw_speaker))
    except ValueError:
        c.add(f"{where}.speaker", f"应为 agent 或 customer，而不是 {raw_speaker!r}")
    text = c.text(f"{where}.text", data.get("text"))
    pause = _optional_number(c, where, data, "pause", 0.0, 120.0, DEFAULT_PAUSE_S)
    rate = _optional_number(c, where, data, "rate", 60.0, 600.0, DEFAULT_RATE_CPM)
    overlap = _optional_number(c, where, data, "overlap", 0.0, 10.0, 0.0)
    if n == 0 and overlap:
        c.add(f"{where}.overlap", "第一句不能与前一句重叠")
    loudness = c.number(f"{where}.loudness", data["loudness"], -30.0, 30.0) if "loudness" in data else None
    audio: Path | None = None
    if "audio" in data:
        rel = c.text(f"{where}.audio", data["audio"])
        if rel:
            audio = (base / rel) if base else Path(rel)
            if not audio.is_file():
                c.add(f"{where}.audio", f"找不到音频文件 {rel}")
    note = c.text(f"{where}.note", data.get("note"), required=False)
    expect = _expectation(c, f"{where}.expect", data.get("expect"), speaker)
    if_bad = c.text(f"{where}.if_bad", data.get("if_bad"), required=False)
    if if_bad and speaker is Speaker.AGENT:
        c.add(f"{where}.if_bad", "只能写在客户的话上（学员回答不当时客户怎么说）")
    if speaker is None or not text:
        return None
    return Turn(n, speaker, text, pause, rate, overlap, loudness, audio, note, expect, if_bad=if_bad)


def _caller(c: Collector, data: dict[str, Any]) -> Caller:
    raw = _section(c, "caller", data, _CALLER_KEYS)
    if raw is None:
        return Caller()
    vals = {k: c.text(f"caller.{k}", raw.get(k), required=False) for k in sorted(_CALLER_KEYS)}
    if vals["phone"] and not vals["phone"].replace("-", "").isdigit():
        c.add("caller.phone", "应只含数字和 -")
    return Caller(**vals)


def _expect_end(c: Collector, data: dict[str, Any]) -> tuple[float | None, float | None]:
    raw = _section(c, "expect_end", data, _END_KEYS)
    if raw is None:
        return None, None
    lo, hi = (c.number(f"expect_end.{k}", raw[k], 0, 100) if k in raw else None for k in ("score_min", "score_max"))
    if lo is not None and hi is not None and lo > hi:
        c.add("expect_end", "score_min 大于 score_max")
    return lo, hi


def _practice(c: Collector, raw: object) -> tuple[float, tuple[tuple[str, float], ...]]:
    if raw is None:
        return DEFAULT_PASS_SCORE, ()
    if not isinstance(raw, dict):
        c.add("practice", "应为映射")
        return DEFAULT_PASS_SCORE, ()
    c.unknown_keys("practice", raw, _PRACTICE_KEYS)
    pass_score = _optional_number(c, "practice", raw, "pass_score", 0, 100, DEFAULT_PASS_SCORE)
    weights: list[tuple[str, float]] = []
    raw_w = raw.get("weights")
    if raw_w is not None:
        if not isinstance(raw_w, dict) or not raw_w:
            c.add("practice.weights", "应为“评分项: 权重”的映射")
            return pass_score, ()
        for key, value in raw_w.items():
            if key not in SCORE_ITEM_KEYS:
                c.add(f"practice.weights.{key}", f"未知评分项（可用：{', '.join(SCORE_ITEM_KEYS)}）")
                continue
            w = c.number(f"practice.weights.{key}", value, 0, 10)
            if w is not None:
                weights.append((str(key), w))
    return pass_score, tuple(weights)


def _turns(c: Collector, raw_turns: object, base: Path | None) -> list[Turn]:
    if not isinstance(raw_turns, list) or not raw_turns:
        c.add("turns", "应为非空列表")
        return []
    turns = (_turn(c, n, raw_turn, base) for n, raw_turn in enumerate(raw_turns))
    return [t for t in turns if t is not None]


def parse_scenario(data: object, file: str, *, default_id: str = "", base: Path | None = None) -> Scenario:
    """Validate already-parsed YAML; raises ``ScenarioError`` listing every problem."""
    c = Collector(file)
    if not isinstance(data, dict):
        raise ScenarioError([f"{file}: 顶层应为映射（id、title、turns…）"])
    c.unknown_keys("", data, _TOP_KEYS)
    sid = c.text("id", data.get("id", default_id))
    title = c.text("title", data.get("title"))
    situation = c.text("situation", data.get("situation"))
    difficulty = c.choice("difficulty", data.get("difficulty", "medium"), DIFFICULTIES) or "medium"
    direction = c.choice("direction", data.get("direction", "inbound"), DIRECTIONS) or "inbound"
    caller = _caller(c, data)
    score_min, score_max = _expect_end(c, data)
    pass_score, weights = _practice(c, data.get("practice"))
    turns = _turns(c, data.get("turns"), base)
    audio_dir: Path | None = None
    if "audio" in data:
        rel = c.text("audio", data["audio"])
        if rel:
            audio_dir = (base / rel) if base else Path(rel)
            if not c.problems:
                turns = _attach_audio(c, audio_dir, rel, turns)
    if c.problems:
        raise ScenarioError(c.problems)
    return Scenario(sid, title, situation, difficulty, direction, tuple(turns), caller, score_min,
                    score_max, None, pass_score, weights, audio_dir)


def _attach_audio(c: Collector, folder: Path, rel: str, turns: list[Turn]) -> list[Turn]:
    """Give every turn its clip from ``folder/manifest.json`` (stale or missing clips are errors)."""
    manifest = folder / MANIFEST
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        entries = data["turns"]
        if not isinstance(entries, list):
            raise TypeError("turns")
    except (OSError, ValueError, KeyError, TypeError):
        c.add("audio", f"找不到或无法读取 {rel}/{MANIFEST}（请运行 scripts/synth_scenario_audio.py）")
        return turns
    if len(entries) != len(turns):
        c.add("audio", f"音频有 {len(entries)} 句，场景有 {len(turns)} 句：请重新生成音频")
        return turns
    out = []
    for turn, entry in zip(turns, entries, strict=True):
        where = f"turn[{turn.index}].audio"
        if not isinstance(entry, dict) or entry.get("text") != turn.text or entry.get("speaker") != turn.speaker.value:
            c.add(where, "音频与这句的文字或说话人不一致：请重新生成音频")
            continue
        clip = folder / str(entry.get("file", ""))
        seconds = entry.get("seconds")
        if not clip.is_file() or not isinstance(seconds, int | float) or seconds <= 0:
            c.add(where, f"找不到音频文件 {rel}/{entry.get('file', '')}")
            continue
        out.append(replace(turn, audio=clip, audio_s=float(seconds)))
    return out if len(out) == len(turns) else turns


def load_scenario(path: Path) -> Scenario:
    """Load and validate one scenario file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError([f"{path.name}: 无法读取：{exc.strerror or exc}"]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else "YAML"
        raise ScenarioError([f"{path.name}: {where}: YAML 格式错误：{getattr(exc, 'problem', exc)}"]) from exc
    scenario = parse_scenario(data, path.name, default_id=path.stem, base=path.parent)
    return replace(scenario, path=path)


def load_scenarios(folder: Path | None = None) -> list[Scenario]:
    """Every ``*.yaml`` in ``folder`` (default: the bundled scenarios), sorted by file name.

    All files are checked before raising, so one ``ScenarioError`` lists every problem; duplicate
    ids are an error too.
    """
    if folder is None:
        from assist_app.resources import scenarios_dir

        folder = scenarios_dir()
    problems: list[Problem | str] = []
    out: list[Scenario] = []
    seen: dict[str, str] = {}
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ScenarioError([f"{folder}: 没有场景文件（*.yaml）"])
    for path in files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            problems.extend(exc.details)
            continue
        if scenario.id in seen:
            problems.append(f"{path.name}: id: 与 {seen[scenario.id]} 重复（{scenario.id}）")
            continue
        seen[scenario.id] = path.name
        out.append(scenario)
    if problems:
        raise ScenarioError(problems)
    return out


_SOURCE_REF = re.compile(r"\s*[（(]\s*seed\s*\d+[^）)]*[）)]", re.IGNORECASE)


def shown_note(note: str) -> str:
    """A turn's note as trainees and trainers see it: without the authors' source references
    such as "（seed 001）" (internal: they name the project's seed documents)."""
    return _SOURCE_REF.sub("", note).strip()


def find_scenario(scenarios: list[Scenario], key: str) -> Scenario | None:
    """A scenario by id, by file stem or by a unique id prefix."""
    for s in scenarios:
        if s.id == key or (s.path is not None and s.path.stem == key):
            return s
    matches = [s for s in scenarios if s.id.startswith(key)]
    return matches[0] if len(matches) == 1 else None
