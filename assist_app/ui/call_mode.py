"""What kind of call the panel runs: the one place the mode is decided (Qt-free).

The controller used to keep two booleans (``demo_mode``, ``practice_mode``) and work the mode out
from them in three places, with three spellings ("call"/"live", "demo", "practice")."""

from __future__ import annotations

import enum


class CallMode(enum.StrEnum):
    """Live monitoring, a played demo scenario, or a practice where the trainee is the agent."""

    LIVE = "live"
    DEMO = "demo"
    PRACTICE = "practice"

    @property
    def scripted(self) -> bool:
        """Runs a scenario (its caller, turns and notes belong to the call)."""
        return self is not CallMode.LIVE

    @property
    def id_prefix(self) -> str:
        """The start of the call id (``call-20250101-093000``, ``demo-…``, ``practice-…``)."""
        return "call" if self is CallMode.LIVE else self.value
