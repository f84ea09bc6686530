"""The service norms as data: typed model of ``scripts_library/`` and its validating loader."""

from assist_app.library.loader import LibraryError, load_library
from assist_app.library.model import ScriptLibrary

__all__ = ["LibraryError", "ScriptLibrary", "load_library"]
