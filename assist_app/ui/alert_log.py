"""The alerts of one call, as the review needs them (Qt-free; issue 11: this list used to live in
the alert widget as ``AlertPanel.shown``)."""

from __future__ import annotations

from assist_app.events import ConductEvent, Flag, FlagKind


def conduct_as_flag(ev: ConductEvent) -> Flag:
    """A conduct finding shown like a flag in the alert history and the review."""
    return Flag(rule=ev.rule, kind=FlagKind.CONDUCT, severity=ev.severity, span=(0, 0), matched="",
                message=ev.message, replacement="")


class AlertLog:
    """Every alert shown during the call, once each, with the call time it was shown at."""

    def __init__(self) -> None:
        self.shown: list[tuple[float, Flag]] = []
        self._keys: set[tuple[str, str]] = set()

    def clear(self) -> None:
        self.shown.clear()
        self._keys.clear()

    def add_flag(self, flag: Flag, t: float, text: str = "") -> bool:
        """Log a flag; False when it repeats one already logged: a partial-text flag confirmed on the
        final text, or the same words flagged again right after (the history shows them once)."""
        key = (flag.rule, text[: flag.span[1]] if text else flag.matched)
        if key in self._keys or any(f.rule == flag.rule and f.matched == flag.matched for _, f in self.shown[-2:]):
            return False
        self._keys.add(key)
        self.shown.append((t, flag))
        return True

    def add_conduct(self, ev: ConductEvent) -> None:
        self.shown.append((ev.t, conduct_as_flag(ev)))
