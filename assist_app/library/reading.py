"""Reading one library file: safe YAML, and the library's typed readers over ``validation.Collector``.

Problems read ``file: entry.field: why``; the English text is what ``library check`` prints and
what tests pin, the Chinese text is what the settings dialog shows to the centre staff.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from assist_app.library.patterns import PatternError, parse_pattern
from assist_app.textnorm import to_simplified
from assist_app.validation import Collector, Problem, ValidationError

E = TypeVar("E", bound=Enum)
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
# libyaml's C parser when PyYAML has it (about 10× faster on the shipped library).
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LibraryError(ValidationError):
    """The library has problems; ``problems`` lists each as ``file: entry.field: why`` (English, as
    ``library check`` prints them); ``messages("zh")`` gives the same list in Chinese."""

    LANG = "en"


class LibraryCollector(Collector):
    """A ``Collector`` with the library's readers, which take a key of an already-read mapping."""

    def top_keys(self, doc: Any, allowed: Collection[str]) -> None:
        """Report unknown keys at the top of a file (the file's own shape is checked elsewhere)."""
        if isinstance(doc, Mapping):
            self.unknown_keys("", doc, allowed)

    def get_text(self, node: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
        """Text at ``key``; required (not blank) unless a ``default`` is given. A missing required
        key was already reported by ``mapping``."""
        return self.text(f"{where}.{key}", node.get(key, default), required=default is None, missing=False,
                         numbers=True)

    def get_number(self, node: Mapping[str, Any], key: str, where: str, lo: float, hi: float,
                   default: float) -> float:
        value = self.number(f"{where}.{key}", node.get(key, default), lo, hi)
        return default if value is None else value

    def get_list(self, node: Mapping[str, Any], key: str, where: str, *, allow_empty: bool = True) -> list[str]:
        return self.str_list(f"{where}.{key}", node.get(key), allow_empty=allow_empty)

    def get_enum(self, node: Mapping[str, Any], key: str, where: str, enum_type: type[E]) -> E | None:
        return self.enum(f"{where}.{key}", node.get(key), enum_type)

    def patterns(self, node: Mapping[str, Any], key: str, where: str, *,
                 allow_empty: bool = True) -> tuple[str, ...]:
        out: list[str] = []
        for i, pat in enumerate(self.get_list(node, key, where, allow_empty=allow_empty)):
            try:
                parse_pattern(pat)
            except PatternError as exc:
                self.add(f"{where}.{key}[{i}]", f"写法有误 {pat!r}：{exc}", f"bad pattern {pat!r}: {exc}")
                continue
            out.append(to_simplified(pat))
        return tuple(out)

    def ident(self, node: Mapping[str, Any], where: str, seen: set[str]) -> str:
        value = self.get_text(node, "id", where)
        if value and not _ID_RE.match(value):
            self.add(f"{where}.id", f"{value!r} 应为小写字母、数字、下划线，用点分隔",
                     f"{value!r} is not a lower-case dotted id")
        if value in seen:
            self.add(f"{where}.id", f"id {value!r} 重复", f"duplicate id {value!r}")
        seen.add(value)
        return value

    def entries(self, doc: Any, key: str) -> list[tuple[str, Any]]:
        """``(where, node)`` for each item of the top-level list ``key``."""
        if not isinstance(doc, Mapping):
            self.add("(top)", "顶层应为映射", "expected a mapping at the top level")
            return []
        return [(f"{key}[{i}]", item) for i, item in enumerate(self.nonempty_list(key, doc.get(key)))]


def label(node: Any, fallback: str) -> str:
    """``steps[greeting]`` rather than ``steps[0]`` once the entry has an id."""
    if isinstance(node, Mapping) and isinstance(node.get("id"), str):
        return f"{fallback.rsplit('[', 1)[0]}[{node['id']}]"
    return fallback


def _alias_problem(text: str, name: str) -> Problem | None:
    """Aliases (``*name``) are refused before anything is built: a few lines of nested aliases
    ("billion laughs") expand to billions of nodes when an error message prints the value."""
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            en = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(file)"
            zh = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark is not None else "(file)"
            return Problem(name, en, f"{zh}：不允许使用 YAML 别名（*{event.anchor}），请把内容直接写出来",
                           f"YAML aliases (*{event.anchor}) are not allowed; write the value out")
    return None


UNREADABLE = object()  # ``read_yaml``'s answer for a file already reported


def read_yaml(path: Path, problems: list[Problem]) -> Any:
    """The document, or ``UNREADABLE`` (with the problem reported). An empty or comment-only file is
    a problem, not an empty library: it would silently turn its checks off."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
        alias = _alias_problem(text, name)
        if alias is not None:
            problems.append(alias)
            return UNREADABLE
        doc = yaml.load(text, Loader=_SafeLoader)
        if doc is None:
            problems.append(Problem(name, "(file)", "文件是空的（只有空行或注释）",
                                    "empty document (nothing but blanks or comments)"))
            return UNREADABLE
        return doc
    except FileNotFoundError:
        problems.append(Problem(name, "(file)", "文件不存在", "missing"))
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, "(file)", f"不是 UTF-8 文本（第 {exc.start} 字节）",
                                f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        why = getattr(exc, "problem", exc)
        problems.append(Problem(name, where, f"YAML 格式错误：{why}", f"invalid YAML: {why}"))
    except OSError as exc:
        problems.append(Problem(name, "(file)", f"无法读取：{exc.strerror}", f"cannot read: {exc.strerror}"))
    return UNREADABLE
