"""Speech recognition: the Vosk engine wrapper and the model store (find, install, download, verify)."""
