"""Which scenario turn an utterance is, by speaker and time (issue 11).

The panel used to find a turn's note by matching the final text against the script; when the
scenario's audio goes through speech recognition the text differs from the script and the note
was lost. Both demo sources place turn ``i`` at ``plan_timings(scenario)[i]`` in call time — the
scripted one emits it there, the audio one mixes its clip there — so time locates the turn
whatever the recogniser heard."""

from __future__ import annotations

from assist_app.demo.scenario import Scenario, Turn
from assist_app.demo.source import plan_timings
from assist_app.events import Speaker

#: How far (seconds) an utterance may lie outside every turn of its speaker and still be given the
#: nearest one (a recogniser's segment can start in the pause before the turn).
NEAREST_S = 1.5


class TurnLocator:
    """Finds the scenario turn a recognised or scripted utterance belongs to."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._spans = [(turn, tm.start, tm.end) for turn, tm in zip(scenario.turns, plan_timings(scenario),
                                                                      strict=True)]

    def turn_at(self, speaker: Speaker, start: float, end: float) -> Turn | None:
        """The turn of ``speaker`` overlapping [start, end] the most, else the nearest one within
        ``NEAREST_S``; None when nothing of this speaker is near."""
        end = max(end, start)
        mine = [(min(b, end) - max(a, start), turn) for turn, a, b in self._spans if turn.speaker is speaker]
        if not mine:
            return None
        overlap, turn = max(mine, key=lambda m: m[0])
        # No overlap: ``overlap`` is minus the gap to the nearest turn.
        return turn if overlap > 0 or -overlap <= NEAREST_S else None

    def position(self, turn: Turn) -> int:
        """1-based place of ``turn`` in the scenario (what 第 n/N shows)."""
        return next(i for i, t in enumerate(self.scenario.turns) if t is turn) + 1
