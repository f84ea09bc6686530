"""Audio errors carry a Simplified Chinese message for the user and an English one for logs."""

from __future__ import annotations


class AudioError(Exception):
    """Base class: ``str(exc)`` is English (logs); ``message_zh`` is shown to the user."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh


class AudioFileError(AudioError):
    """An audio file is missing, unreadable, corrupt or has an unusable layout."""


class DeviceError(AudioError):
    """An input device is missing, has too few channels or cannot be opened."""
