"""The live-pipeline commands, registered together in the order ``--help`` lists them.

One module per command (issue 11): ``listen``, ``transcribe``, ``qa``, ``devices`` and ``model``;
shared helpers in ``common.py``, the progress bar in ``progress.py``.
"""

from __future__ import annotations

import argparse

from assist_app.commands import devices, listen, model, qa, transcribe


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for command in (listen, transcribe, qa, devices, model):
        command.register(sub)
