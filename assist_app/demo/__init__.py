"""Trainer demo mode without Qt: scenarios, the scripted transcript source and a headless runner.

- ``scenario``: the YAML scenario model and its validating loader (``file: turn[n].field: why``);
- ``source``: ``ScriptedTranscriptSource``, a ``CallSource`` replaying turns at speaking pace;
- ``expectations``: checks the engine's conclusions against each turn's expected guidance;
- ``runner``: plays a scenario through the real ``CallSession`` and engine and summarises it;
- ``audio``: a scenario's synthesised clips as a two-channel call (``ScenarioAudioSource`` runs it
  through the live audio pipeline and a recognizer when a speech model is installed).
Practice mode (the trainee plays the agent) builds on these in ``assist_app.training``.
"""

from assist_app.demo.scenario import (
    Scenario,
    ScenarioError,
    Turn,
    TurnExpectation,
    find_scenario,
    load_scenario,
    load_scenarios,
)
from assist_app.demo.source import SPEED_MAX, SPEED_MIN, ScriptedTranscriptSource

__all__ = [
    "SPEED_MAX",
    "SPEED_MIN",
    "Scenario",
    "ScenarioError",
    "ScriptedTranscriptSource",
    "Turn",
    "TurnExpectation",
    "find_scenario",
    "load_scenario",
    "load_scenarios",
]
