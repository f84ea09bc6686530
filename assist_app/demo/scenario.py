"""Demo/training scenarios: typed model of ``resources/scenarios/*.yaml`` and its validating loader.

A scenario is a scripted call: metadata for the trainer's picker, the caller's record data, the
turns (who says what, after how long a pause, optionally how fast and how loud) and, per turn, the
guidance an agent should see at that point. Validation works like the script library's: every
problem in every file is collected and reported as ``file: turn[n].field: why``; unknown keys are
errors, so a typo in a trainer's file never passes silently.

Format (all text Simplified Chinese)::

    id: angry_bill                 # unique; defaults to the file name
    title: 账单争议：情绪激动的客户
    situation: 客户认为话费被多扣……    # one or two sentences for the picker
    difficulty: hard               # easy | medium | hard
    direction: inbound             # inbound | outbound (default inbound)
    caller: {name: 王, title: 先生, gender: 男, phone: "13812345678"}   # optional, pre-fills the work order
    expect_end: {score_min: 60, score_max: 100}                         # optional
    practice: {pass_score: 70, weights: {hold: 2}}   # optional, practice mode (trainee = agent):
                                   # pass mark and score-item weights (keys: scoring items)
    audio: audio/angry_bill        # optional folder of per-turn clips with manifest.json, written by
                                   # scripts/synth_scenario_audio.py; every turn needs its clip
    turns:
      - speaker: customer          # agent | customer
        text: 你们怎么又乱扣我话费！
        pause: 0.8                 # seconds of silence before the turn (default 0.6)
        rate: 230                  # optional speaking rate, 字/分 (default 190)
        overlap: 0.8               # optional: starts this long before the previous turn ends (no pause)
        loudness: 8                # optional: dB louder than the speaker's usual level
        audio: calls/001_customer.wav   # optional, relative to the scenario file
        note: 客户一开口就很激动    # optional trainer note
        if_bad: 你这是什么态度？我要投诉你！   # optional, customer turns, practice mode only: what the
                                   # customer says instead when the trainee's reply just before was
                                   # bad (a 服务忌语, or no soothing for an angry customer); without
                                   # it a default escalation line is said (training/judge.py)
        expect:
          phase: [asking, other]            # the utterance's label is one of these
          call_phase: soothing              # where the call stands after it (one of)
          flags: [shirk, vulgar.wei]        # each must fire on this turn: a rule id or its category
          no_flags: true                    # nothing may fire on this turn
          emotion: [angry, complaint_escalation]   # customer emotion label is one of these
          suggest: [soothing]               # a suggestion for one of these steps is offered after it
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from assist_app.events import EmotionLabel, Phase, Speaker

DIFFICULTIES = ("easy", "medium", "hard")
DIRECTIONS = ("inbound", "outbound")
DEFAULT_PAUSE_S = 0.6
DEFAULT_RATE_CPM = 190.0  # seed 000: 180–200 字/分钟

_TOP_KEYS = {"id", "title", "situation", "difficulty", "direction", "caller", "expect_end", "practice", "audio",
             "turns"}
_PRACTICE_KEYS = {"pass_score", "weights"}
#: Score items of ``analysis.scoring.score_call`` a scenario may weight for practice.
SCORE_ITEM_KEYS = ("opening", "closing", "formula", "order", "language", "hold", "interruptions", "rate")
DEFAULT_PASS_SCORE = 60.0
MANIFEST = "manifest.json"
_CALLER_KEYS = {"name", "title", "gender", "phone"}
_END_KEYS = {"score_min", "score_max"}
_TURN_KEYS = {"speaker", "text", "pause", "rate", "overlap", "loudness", "audio", "note", "expect", "if_bad"}
_EXPECT_KEYS = {"phase", "call_phase", "flags", "no_flags", "emotion", "suggest"}


class ScenarioError(ValueError):
    """One or more problems in scenario files; ``problems`` lists ``file: where.field: why``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True, slots=True)
class TurnExpectation:
    """The guidance expected right after one turn; empty fields mean "not checked"."""

    phases: tuple[Phase, ...] = ()
    call_phases: tuple[Phase, ...] = ()
    flags: tuple[str, ...] = ()
    no_flags: bool = False
    emotions: tuple[EmotionLabel, ...] = ()
    suggest: tuple[Phase, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.phases or self.call_phases or self.flags or self.no_flags or self.emotions
                    or self.suggest)


@dataclass(frozen=True, slots=True)
class Turn:
    """One utterance of the scripted call."""

    index: int
    speaker: Speaker
    text: str
    pause: float = DEFAULT_PAUSE_S
    rate_cpm: float = DEFAULT_RATE_CPM
    overlap: float = 0.0
    loudness_db: float | None = None
    audio: Path | None = None
    note: str = ""
    expect: TurnExpectation = field(default_factory=TurnExpectation)
    audio_s: float | None = None  # length of the turn's clip, when the scenario has audio
    if_bad: str = ""  # practice: the customer's line instead of ``text`` after a bad reply

    @property
    def duration(self) -> float:
        """Seconds the turn takes to say: its clip's length, else the text at its speaking rate."""
        if self.audio_s is not None:
            return self.audio_s
        return max(0.4, len(self.text) * 60.0 / self.rate_cpm)


@dataclass(frozen=True, slots=True)
class Caller:
    """The caller's record data (seed 004's fields) used to pre-fill the work-order draft."""

    name: str = ""
    title: str = ""
    gender: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario; built only by ``load_scenario``/``load_scenarios``."""

    id: str
    title: str
    situation: str
    difficulty: str
    direction: str
    turns: tuple[Turn, ...]
    caller: Caller = field(default_factory=Caller)
    score_min: float | None = None
    score_max: float | None = None
    path: Path | None = None
    pass_score: float = DEFAULT_PASS_SCORE
    weights: tuple[tuple[str, float], ...] = ()  # practice score-item weights (others weigh 1)
    audio_dir: Path | None = None

    @property
    def has_audio(self) -> bool:
        return all(t.audio is not None for t in self.turns)

    @property
    def difficulty_zh(self) -> str:
        return {"easy": "简单", "medium": "中等", "hard": "困难"}[self.difficulty]

    @property
    def duration(self) -> float:
        """Approximate length of the scripted call in seconds of call audio."""
        from assist_app.demo.source import plan_timings

        return max((tm.end for tm in plan_timings(self)), default=0.0)


class _Collector:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[str] = []

    def add(self, where: str, why: str) -> None:
        self.problems.append(f"{self.file}: {where}: {why}")


def _text(c: _Collector, where: str, value: object, *, required: bool = True) -> str:
    if value is None:
        if required:
            c.add(where, "缺少必填项")
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        c.add(where, "应为非空文本")
        return ""
    return value.strip()


def _number(c: _Collector, where: str, value: object, lo: float, hi: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        c.add(where, f"应为 {lo:g}–{hi:g} 之间的数字")
        return None
    if not lo <= float(value) <= hi:
        c.add(where, f"{value} 超出范围 {lo:g}–{hi:g}")
        return None
    return float(value)


def _unknown(c: _Collector, where: str, data: Mapping[str, Any], allowed: set[str]) -> None:
    for key in data:
        if key not in allowed:
            prefix = f"{where}." if where else ""
            c.add(f"{prefix}{key}", f"未知字段（可用：{', '.join(sorted(allowed))}）")


def _enum_list(c: _Collector, where: str, value: object, enum_type: type[Phase] | type[EmotionLabel],
               ) -> tuple[Any, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        c.add(where, "应为一个取值或非空列表")
        return ()
    out = []
    allowed = [e.value for e in enum_type]
    for item in items:
        try:
            out.append(enum_type(item))
        except ValueError:
            c.add(where, f"未知取值 {item!r}（可用：{', '.join(allowed)}）")
    return tuple(out)


def _expectation(c: _Collector, where: str, data: object, speaker: Speaker | None) -> TurnExpectation:
    if data is None:
        return TurnExpectation()
    if not isinstance(data, dict):
        c.add(where, "应为映射")
        return TurnExpectation()
    _unknown(c, where, data, _EXPECT_KEYS)
    phases = _enum_list(c, f"{where}.phase", data["phase"], Phase) if "phase" in data else ()
    call_phases = (_enum_list(c, f"{where}.call_phase", data["call_phase"], Phase)
                   if "call_phase" in data else ())
    flags: tuple[str, ...] = ()
    if "flags" in data:
        raw = data["flags"]
        if not isinstance(raw, list) or not raw or not all(isinstance(f, str) and f.strip() for f in raw):
            c.add(f"{where}.flags", "应为规则 id 或类别的非空列表")
        else:
            flags = tuple(f.strip() for f in raw)
    no_flags = False
    if "no_flags" in data:
        if not isinstance(data["no_flags"], bool):
            c.add(f"{where}.no_flags", "应为 true 或 false")
        else:
            no_flags = data["no_flags"]
    if flags and no_flags:
        c.add(f"{where}.no_flags", "与 flags 矛盾")
    if (flags or no_flags) and speaker is Speaker.CUSTOMER:
        c.add(f"{where}.flags", "只检查坐席的话，客户发言不应有 flags/no_flags")
    emotions = _enum_list(c, f"{where}.emotion", data["emotion"], EmotionLabel) if "emotion" in data else ()
    if emotions and speaker is Speaker.AGENT:
        c.add(f"{where}.emotion", "情绪只针对客户发言")
    suggest = _enum_list(c, f"{where}.suggest", data["suggest"], Phase) if "suggest" in data else ()
    if Phase.OTHER in suggest:
        c.add(f"{where}.suggest", "建议只能是公式七步之一")
    return TurnExpectation(phases, call_phases, flags, no_flags, emotions, suggest)


def _turn(c: _Collector, n: int, data: object, base: Path | None) -> Turn | None:
    where = f"turn[{n}]"
    if not isinstance(data, dict):
        c.add(where, "应为映射")
        return None
    _unknown(c, where, data, _TURN_KEYS)
    speaker: Speaker | None = None
    raw_speaker = data.get("speaker")
    try:
        speaker = Speaker(str(raw_speaker))
    except ValueError:
        c.add(f"{where}.speaker", f"应为 agent 或 customer，而不是 {raw_speaker!r}")
    text = _text(c, f"{where}.text", data.get("text"))
    pause = DEFAULT_PAUSE_S
    if "pause" in data:
        pause = _number(c, f"{where}.pause", data["pause"], 0.0, 120.0) or 0.0
    rate = DEFAULT_RATE_CPM
    if "rate" in data:
        rate = _number(c, f"{where}.rate", data["rate"], 60.0, 600.0) or DEFAULT_RATE_CPM
    overlap = 0.0
    if "overlap" in data:
        overlap = _number(c, f"{where}.overlap", data["overlap"], 0.0, 10.0) or 0.0
        if n == 0 and overlap:
            c.add(f"{where}.overlap", "第一句不能与前一句重叠")
    loudness = _number(c, f"{where}.loudness", data["loudness"], -30.0, 30.0) if "loudness" in data else None
    audio: Path | None = None
    if "audio" in data:
        rel = _text(c, f"{where}.audio", data["audio"])
        if rel:
            audio = (base / rel) if base else Path(rel)
            if not audio.is_file():
                c.add(f"{where}.audio", f"找不到音频文件 {rel}")
    note = _text(c, f"{where}.note", data.get("note"), required=False)
    expect = _expectation(c, f"{where}.expect", data.get("expect"), speaker)
    if_bad = _text(c, f"{where}.if_bad", data.get("if_bad"), required=False)
    if if_bad and speaker is Speaker.AGENT:
        c.add(f"{where}.if_bad", "只能写在客户的话上（学员回答不当时客户怎么说）")
    if speaker is None or not text:
        return None
    return Turn(n, speaker, text, pause, rate, overlap, loudness, audio, note, expect, if_bad=if_bad)


def parse_scenario(data: object, file: str, *, default_id: str = "", base: Path | None = None) -> Scenario:
    """Validate already-parsed YAML; raises ``ScenarioError`` listing every problem."""
    c = _Collector(file)
    if not isinstance(data, dict):
        raise ScenarioError([f"{file}: 顶层应为映射（id、title、turns…）"])
    _unknown(c, "", data, _TOP_KEYS)
    sid = _text(c, "id", data.get("id", default_id))
    title = _text(c, "title", data.get("title"))
    situation = _text(c, "situation", data.get("situation"))
    difficulty = data.get("difficulty", "medium")
    if difficulty not in DIFFICULTIES:
        c.add("difficulty", f"应为 {' / '.join(DIFFICULTIES)}，而不是 {difficulty!r}")
        difficulty = "medium"
    direction = data.get("direction", "inbound")
    if direction not in DIRECTIONS:
        c.add("direction", f"应为 {' / '.join(DIRECTIONS)}，而不是 {direction!r}")
        direction = "inbound"
    caller = Caller()
    if "caller" in data:
        raw = data["caller"]
        if not isinstance(raw, dict):
            c.add("caller", "应为映射")
        else:
            _unknown(c, "caller", raw, _CALLER_KEYS)
            vals = {k: _text(c, f"caller.{k}", raw.get(k), required=False) for k in _CALLER_KEYS}
            if vals["phone"] and not vals["phone"].replace("-", "").isdigit():
                c.add("caller.phone", "应只含数字和 -")
            caller = Caller(**vals)
    score_min = score_max = None
    if "expect_end" in data:
        raw_end = data["expect_end"]
        if not isinstance(raw_end, dict):
            c.add("expect_end", "应为映射")
        else:
            _unknown(c, "expect_end", raw_end, _END_KEYS)
            if "score_min" in raw_end:
                score_min = _number(c, "expect_end.score_min", raw_end["score_min"], 0, 100)
            if "score_max" in raw_end:
                score_max = _number(c, "expect_end.score_max", raw_end["score_max"], 0, 100)
            if score_min is not None and score_max is not None and score_min > score_max:
                c.add("expect_end", "score_min 大于 score_max")
    pass_score, weights = _practice(c, data.get("practice"))
    turns: list[Turn] = []
    raw_turns = data.get("turns")
    if not isinstance(raw_turns, list) or not raw_turns:
        c.add("turns", "应为非空列表")
    else:
        for n, raw_turn in enumerate(raw_turns):
            turn = _turn(c, n, raw_turn, base)
            if turn is not None:
                turns.append(turn)
    audio_dir: Path | None = None
    if "audio" in data:
        rel = _text(c, "audio", data["audio"])
        if rel:
            audio_dir = (base / rel) if base else Path(rel)
            if not c.problems:
                turns = _attach_audio(c, audio_dir, rel, turns)
    if c.problems:
        raise ScenarioError(c.problems)
    return Scenario(sid, title, situation, difficulty, direction, tuple(turns), caller, score_min,
                    score_max, None, pass_score, weights, audio_dir)


def _practice(c: _Collector, raw: object) -> tuple[float, tuple[tuple[str, float], ...]]:
    if raw is None:
        return DEFAULT_PASS_SCORE, ()
    if not isinstance(raw, dict):
        c.add("practice", "应为映射")
        return DEFAULT_PASS_SCORE, ()
    _unknown(c, "practice", raw, _PRACTICE_KEYS)
    pass_score = DEFAULT_PASS_SCORE
    if "pass_score" in raw:
        pass_score = _number(c, "practice.pass_score", raw["pass_score"], 0, 100) or DEFAULT_PASS_SCORE
    weights: list[tuple[str, float]] = []
    raw_w = raw.get("weights")
    if raw_w is not None:
        if not isinstance(raw_w, dict) or not raw_w:
            c.add("practice.weights", "应为“评分项: 权重”的映射")
        else:
            for key, value in raw_w.items():
                if key not in SCORE_ITEM_KEYS:
                    c.add(f"practice.weights.{key}", f"未知评分项（可用：{', '.join(SCORE_ITEM_KEYS)}）")
                    continue
                w = _number(c, f"practice.weights.{key}", value, 0, 10)
                if w is not None:
                    weights.append((str(key), w))
    return pass_score, tuple(weights)


def _attach_audio(c: _Collector, folder: Path, rel: str, turns: list[Turn]) -> list[Turn]:
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
    problems: list[str] = []
    out: list[Scenario] = []
    seen: dict[str, str] = {}
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ScenarioError([f"{folder}: 没有场景文件（*.yaml）"])
    for path in files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            problems.extend(exc.problems)
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
