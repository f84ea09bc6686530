"""Training without Qt: practice mode (the trainee plays the agent against a scenario), the
trainee's score card against the norms, and per-trainee history and export for the trainer.

- ``practice``: ``PracticeSource`` (a ``CallSource``: scenario customer + trainee voice or typing);
- ``scorecard``: ``score_practice`` → ``PracticeScore`` (weighted items, pass mark, costly moments
  with the better phrase);
- ``history``: saving sessions through ``CallStore`` and exporting them as CSV/HTML.
"""
