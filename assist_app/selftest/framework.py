"""The self-test's building blocks: check outcomes, the shared context and the report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"  # works, but something the user needs is missing (e.g. no microphone)
    FAILED = "failed"
    SKIPPED = "skipped"


class CheckWarning(Exception):
    """The part works but is not ready for real use; the message says what is missing."""


class CheckSkipped(Exception):
    """Raised by a check that does not apply here (e.g. no model bundled); the message says why."""


class CheckFailed(Exception):
    """Raised by a check with a clear, user-facing reason (Chinese, with the English gist)."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's outcome, as printed in the report."""

    id: str
    title: str
    status: Status
    detail: str
    seconds: float

    @property
    def line(self) -> str:
        mark = {Status.OK: "✓", Status.WARNING: "⚠", Status.FAILED: "✗", Status.SKIPPED: "–"}[self.status]
        word = {Status.OK: "通过", Status.WARNING: "警告", Status.FAILED: "失败", Status.SKIPPED: "跳过"}[self.status]
        return f"{mark} {self.title}：{word}（{self.seconds:.2f} s）{self.detail}"


@dataclass
class SelfTestContext:
    """State shared by the checks of one run: a scratch folder and what earlier checks loaded."""

    workdir: Path
    library: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Check:
    """A named check: ``run`` returns a one-line detail or raises (CheckSkipped/CheckFailed/any)."""

    id: str
    title: str
    run: Callable[[SelfTestContext], str]


@dataclass(frozen=True, slots=True)
class SelfTestReport:
    results: tuple[CheckResult, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(r.status is not Status.FAILED for r in self.results)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.status is Status.FAILED)

    @property
    def warnings(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.status is Status.WARNING)
