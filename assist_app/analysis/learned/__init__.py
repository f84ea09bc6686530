"""The learned layer: small linear models over character n-grams that generalise beyond the
library's listed wordings (issue 10).

- ``features``: the text units and n-gram features shared by training and inference;
- ``linear``: a multinomial logistic-regression model (numpy only), its training, file format and
  per-feature explanations;
- ``layer``: the three models the analyser uses — banned-phrase category for agent speech,
  customer emotion, and utterance phase in its call context — loaded from a folder with a
  manifest (version, labels, SHA-256 per file);
- ``corpus`` / ``train``: where training examples come from and the one command that rebuilds
  the models (``assist-app learn``).

Nothing here imports torch, scikit-learn or Qt: inference and training are plain numpy.
"""
