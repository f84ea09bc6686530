"""User-facing wording of errors (issue 12.17): the app's own errors carry ``message_zh``; a raw
library or OS message (often English, e.g. PortAudio's "Error opening InputStream: Invalid number
of channels [PaErrorCode -9998]") is replaced by a short Chinese explanation and written to the log."""

from __future__ import annotations

import errno
import logging

log = logging.getLogger(__name__)

_OS_ZH = {
    errno.ENOENT: "找不到文件或文件夹",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "磁盘是只读的",
    errno.EISDIR: "这是一个文件夹，不是文件",
}


def user_message(exc: BaseException, what: str = "") -> str:
    """``exc`` in calm Chinese; ``what`` names the thing that failed (e.g. "麦克风")."""
    own = getattr(exc, "message_zh", None)
    if own:
        return str(own)
    log.warning("shown to the user as a plain message: %r", exc)
    if isinstance(exc, OSError) and exc.errno in _OS_ZH:
        where = f"：{exc.filename}" if exc.filename else ""
        return f"{_OS_ZH[exc.errno]}{where}"
    name = type(exc).__name__
    if "PortAudio" in name or "sounddevice" in type(exc).__module__:
        return f"{what or '音频设备'}无法打开：请检查设备是否插好、是否被其他程序占用。"
    if isinstance(exc, OSError):
        return f"{what or '文件'}无法读写，请检查路径和权限。"
    return f"{what or '操作'}没有成功（{name}），详情已写入日志。"
