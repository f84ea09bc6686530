"""Training the learned layer (``assist_app.analysis.learned``): where examples come from, and the
one command that rebuilds the models, from the shipped corpus or a centre's own QA labels."""
