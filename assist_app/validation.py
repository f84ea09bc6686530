"""One validator for every data file a centre edits: collect all problems, read typed values.

The script library (``library/loader.py``), the demo/training scenarios (``demo/scenario.py``) and
the user settings (``ui/settings.py``) are read through one ``Collector``: each typed reader checks a
value, records a ``Problem`` when it is wrong and returns a usable fallback, so a whole file is read
in one pass and every problem is reported together (qutebrowser-style: unknown keys are errors).

Each problem carries its message twice: Simplified Chinese for the centre staff who fix the file,
English for logs and the developer-facing ``library check`` output. Allowed keys come from the
dataclass the section is read into (``field_keys``), so a new field cannot drift from its validator.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import Field, dataclass, fields
from enum import Enum
from typing import Any, Literal, TypeVar

E = TypeVar("E", bound=Enum)
Lang = Literal["zh", "en"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem: where it is (``file``, ``entry.field``) and why, in Chinese and in English."""

    file: str
    where: str
    zh: str
    en: str

    def render(self, lang: Lang = "zh") -> str:
        """``file: where: why`` (parts that are empty are left out)."""
        why = self.zh if lang == "zh" else self.en
        return ": ".join(part for part in (self.file, self.where, why) if part)


class ValidationError(ValueError):
    """Problems found while reading a file or folder.

    ``problems`` lists each as ``file: entry.field: why`` in the error's language (``LANG``);
    ``details`` keeps the structured problems, ``messages(lang)`` renders them in either language.
    """

    LANG: Lang = "zh"

    def __init__(self, problems: Iterable[Problem | str]) -> None:
        self.details = tuple(p if isinstance(p, Problem) else Problem("", "", p, p) for p in problems)
        self.problems = self.messages(self.LANG)
        super().__init__("\n".join(self.problems))

    def messages(self, lang: Lang) -> list[str]:
        return [p.render(lang) for p in self.details]


#: ``field(metadata=NOT_IN_FILE)``: a field the loader computes, never written in the file.
NOT_IN_FILE: Mapping[str, str] = {"key": ""}


def file_key(f: Field[Any]) -> str:
    """The key a dataclass field is written under: ``metadata["key"]`` if set, else its name
    (``""``: not in the file). A nested section names several fields with one key."""
    return str(f.metadata.get("key", f.name))


def field_keys(cls: type, *, exclude: Collection[str] = (), extra: Collection[str] = ()) -> frozenset[str]:
    """The keys a file may use for ``cls``: its dataclass fields' keys (``file_key``), minus the
    ones named in ``exclude``, plus nesting keys that group several fields (``extra``)."""
    keys = {file_key(f) for f in fields(cls) if f.name not in exclude}
    return frozenset(k for k in keys | set(extra) if k)


def fields_under(cls: type, key: str) -> frozenset[str]:
    """Names of the fields written inside the nested section ``key`` (e.g. ``practice:``)."""
    return frozenset(f.name for f in fields(cls) if file_key(f) == key)


def _type_name(value: object) -> str:
    return type(value).__name__


class Collector:
    """Collects the problems of one file while its values are read.

    Every reader takes ``where`` (``entry.field``) and the raw value, records a problem when the
    value is unusable and returns a fallback (``None``, ``""`` or an empty sequence) so reading
    goes on and the next problem is found too.
    """

    def __init__(self, file: str = "") -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, where: str, zh: str, en: str | None = None) -> None:
        """Record a problem; ``en`` defaults to the Chinese text (problems only staff ever see)."""
        self.problems.append(Problem(self.file, where, zh, zh if en is None else en))

    def messages(self, lang: Lang = "zh") -> list[str]:
        return [p.render(lang) for p in self.problems]

    # ---- structure ---------------------------------------------------------------------------

    def unknown_keys(self, where: str, data: Mapping[Any, Any], allowed: Collection[str]) -> None:
        """One problem per key of ``data`` that is not in ``allowed``."""
        known = "、".join(sorted(allowed))
        for key in data:
            if key not in allowed:
                self.add(f"{where}.{key}" if where else str(key), f"未知字段（可用：{known}）", "unknown key")

    def mapping(self, where: str, value: object, required: Collection[str] = (),
                optional: Collection[str] = ()) -> dict[str, Any] | None:
        """``value`` as a dict, after reporting unknown and missing keys; ``None`` if not a mapping."""
        if not isinstance(value, Mapping):
            self.add(where, f"应为映射，而不是 {_type_name(value)}", f"expected a mapping, got {_type_name(value)}")
            return None
        self.unknown_keys(where, value, set(required) | set(optional))
        for key in sorted(required):
            if key not in value:
                self.add(f"{where}.{key}" if where else key, "缺少必填项", "missing")
        return dict(value)

    def nonempty_list(self, where: str, value: object) -> list[Any]:
        """``value`` if it is a non-empty list, else ``[]`` and a problem."""
        if not isinstance(value, list) or not value:
            self.add(where, "缺少或不是非空列表", "missing or not a non-empty list")
            return []
        return value

    # ---- scalars -----------------------------------------------------------------------------

    def text(self, where: str, value: object, *, required: bool = True, missing: bool = True,
             numbers: bool = False) -> str:
        """Stripped text. ``required``: blank is a problem. ``missing``: ``None`` is a problem when
        required (off where ``mapping`` already reported the key). ``numbers``: 12 reads as "12"."""
        if value is None:
            if required and missing:
                self.add(where, "缺少必填项", "missing")
            return ""
        ok = isinstance(value, str) or (numbers and isinstance(value, int | float) and not isinstance(value, bool))
        if not ok:
            self.add(where, "应为文本" + ("" if required else "或留空"), f"expected text, got {_type_name(value)}")
            return ""
        out = str(value).strip()
        if required and not out:
            self.add(where, "不能为空", "must not be empty")
        return out

    def number(self, where: str, value: object, lo: float, hi: float) -> float | None:
        """A number in ``lo``–``hi``, else ``None`` and a problem."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(where, f"应为 {lo:g}–{hi:g} 之间的数字", f"expected a number, got {value!r}")
            return None
        if not lo <= float(value) <= hi:
            self.add(where, f"{value} 超出范围 {lo:g}–{hi:g}", f"{value} is outside {lo:g}–{hi:g}")
            return None
        return float(value)

    def integer(self, where: str, value: object) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(where, "应为整数", f"expected a whole number, got {value!r}")
            return None
        return value

    def boolean(self, where: str, value: object) -> bool | None:
        if not isinstance(value, bool):
            self.add(where, "应为 true 或 false", f"expected true or false, got {value!r}")
            return None
        return value

    def choice(self, where: str, value: object, choices: Collection[str]) -> str | None:
        """One of ``choices`` (listed in the message when the value is not)."""
        if isinstance(value, str) and value in choices:
            return value
        listed = " / ".join(choices)
        self.add(where, f"应为 {listed}，而不是 {value!r}", f"expected one of {listed}, got {value!r}")
        return None

    def enum(self, where: str, value: object, enum_type: type[E]) -> E | None:
        try:
            return enum_type(str(value))
        except ValueError:
            known = ", ".join(str(e.value) for e in enum_type)
            self.add(where, f"未知取值 {value!r}（可用：{known}）", f"unknown value {value!r}")
            return None

    # ---- lists -------------------------------------------------------------------------------

    def str_list(self, where: str, value: object, *, allow_empty: bool = True) -> list[str]:
        """A list of texts (numbers read as text); ``None`` is an empty list."""
        if value is None:
            value = []
        if not isinstance(value, list):
            self.add(where, "应为列表", f"expected a list, got {_type_name(value)}")
            return []
        out: list[str] = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, str | int):
                self.add(f"{where}[{i}]", "应为文本", f"expected text, got {_type_name(item)}")
                continue
            out.append(str(item))
        if not out and not allow_empty:
            self.add(where, "不能为空", "must not be empty")
        return out

    def enum_list(self, where: str, value: object, enum_type: type[E]) -> tuple[E, ...]:
        """One value or a non-empty list of values of ``enum_type``."""
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            self.add(where, "应为一个取值或非空列表", "expected a value or a non-empty list")
            return ()
        out: list[E] = []
        known = ", ".join(str(e.value) for e in enum_type)
        for item in items:
            try:
                out.append(enum_type(item))
            except ValueError:
                self.add(where, f"未知取值 {item!r}（可用：{known}）", f"unknown value {item!r}")
        return tuple(out)
