"""坐席助手 AgentAssist: offline real-time agent assist for Mandarin call centres."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("assist-app")
except PackageNotFoundError:  # running from a source tree or a frozen bundle without metadata
    __version__ = "0.1.0"
