"""Work-arounds for bugs in the Qt binding we ship with.

PySide6 6.12.0 on CPython 3.11: every ``SignalInstance.emit()`` called from Python drops one
reference to ``True`` (its return value is not increfed). After a few hundred emits ``True`` is
deallocated and the interpreter aborts with "Fatal Python error: bool_dealloc" — in the middle of
a call, or at exit. Signals emitted by Qt itself (timers, clicks) are not affected; ours, pytest-qt's
and pyqtgraph's are. 6.11.x does not have the bug; CPython 3.12+ makes ``True`` immortal, so it
cannot happen there either.

The same build also drops references to ``None`` on some paths ("none_dealloc" at exit after a
few thousand events). ``guard_bool_refcount`` detects the leak with a probe signal and, only if it
is present, gives ``True``/``False``/``None`` a very large number of extra references — which is exactly what 3.12's
immortal objects do — so no realistic session can run them down. The proper fix is a version
pin (PySide6-Essentials != 6.12.0).
"""

from __future__ import annotations

import ctypes
import sys

_EXTRA_REFS = 1 << 40
_guarded = False


def _leaks_on_emit() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    after = sys.getrefcount(True)
    probe.deleteLater()
    return after < before


def guard_bool_refcount() -> bool:
    """Apply the work-around if this PySide6 leaks; returns whether it was needed."""
    global _guarded
    if _guarded:
        return True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    if not _leaks_on_emit():
        return False
    for obj in (True, False, None):
        ctypes.c_ssize_t.from_address(id(obj)).value += _EXTRA_REFS
    _guarded = True
    return True
