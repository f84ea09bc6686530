"""Demo notes follow the scenario turn an utterance belongs to, also when the recogniser heard
other words than the script's (issue 11)."""

from __future__ import annotations

from assist_app.demo.scenario import load_scenarios
from assist_app.demo.source import plan_timings
from assist_app.demo.turns import TurnLocator
from assist_app.events import Speaker


def test_every_turn_is_found_by_its_time_and_speaker() -> None:
    for scenario in load_scenarios():
        locator = TurnLocator(scenario)
        for turn, tm in zip(scenario.turns, plan_timings(scenario), strict=True):
            # a recogniser's segment: a little late at the start, cut short at the end
            found = locator.turn_at(turn.speaker, tm.start + 0.2, max(tm.start + 0.3, tm.end - 0.3))
            assert found is turn, (scenario.id, turn.index)


def test_nothing_is_found_far_from_any_turn_of_the_speaker() -> None:
    scenario = load_scenarios()[0]
    locator = TurnLocator(scenario)
    end = max(t.end for t in plan_timings(scenario))
    assert locator.turn_at(Speaker.AGENT, end + 10.0, end + 12.0) is None
    first = scenario.turns[0]
    assert locator.position(first) == 1
