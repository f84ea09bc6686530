"""Replay recorded calls from files through the same ``AudioFeed`` interface as live capture.

Two layouts, as call recorders produce them: one stereo WAV with a channel map (default
left = agent, right = customer), or one mono file per side. A single mono file is one speaker.
Replay runs at real speed (``speed=1``), faster, or as fast as the consumer takes it
(``speed=0``, used by ``transcribe``/``qa``). Files are checked when the feed is built, so a
missing or corrupt file fails before a call starts, with a Chinese message for the user.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from assist_app.audio.blocks import AudioBlock, BlockFn, StatusFn
from assist_app.audio.errors import AudioFileError
from assist_app.audio.resample import StreamResampler
from assist_app.events import Speaker, StatusCode, StatusEvent

log = logging.getLogger(__name__)

DEFAULT_CHANNEL_MAP: Mapping[Speaker, int] = {Speaker.AGENT: 0, Speaker.CUSTOMER: 1}

ProgressFn = Callable[[float, float], None]


@dataclass(frozen=True, slots=True)
class _Track:
    """One file and which of its channels belongs to which speaker."""

    path: Path
    channels: Mapping[Speaker, int]
    samplerate: int
    frames: int


def wav_truncation(path: Path) -> tuple[int, int] | None:
    """(declared, present) bytes of a WAV file's audio when the file ends before its header says
    it should (a copy or recording cut short); None when complete or not a plain RIFF WAV.

    libsndfile quietly plays what is there, which would pass a cut-off call for a short one."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            size = path.stat().st_size
            pos = 12
            while pos + 8 <= size:
                fh.seek(pos)
                chunk = fh.read(8)
                cid, length = chunk[:4], int.from_bytes(chunk[4:8], "little")
                if cid == b"data":
                    if length in (0, 0xFFFFFFFF):  # streaming writers leave the size open
                        return None
                    present = size - (pos + 8)
                    return (length, present) if present < length else None
                pos += 8 + length + (length & 1)
    except OSError:
        return None
    return None


def _probe(path: Path) -> tuple[int, int, int]:
    """(samplerate, channels, frames) of an audio file, or ``AudioFileError``."""
    if not path.exists():
        raise AudioFileError(f"audio file not found: {path}", f"找不到音频文件：{path}")
    if path.is_dir():
        raise AudioFileError(f"audio path is a folder: {path}", f"这是一个文件夹，不是音频文件：{path}")
    try:
        info = sf.info(str(path))
    except Exception as exc:  # libsndfile raises RuntimeError/LibsndfileError/TypeError variants
        raise AudioFileError(
            f"cannot read audio file {path}: {exc}",
            f"无法读取音频文件（文件损坏或格式不支持）：{path}",
        ) from exc
    if info.samplerate <= 0 or info.channels <= 0:
        raise AudioFileError(f"audio file has no usable audio: {path}", f"音频文件没有可用的音频：{path}")
    return int(info.samplerate), int(info.channels), int(info.frames)


class FileReplay:
    """An ``AudioFeed`` that plays one stereo file or two mono files."""

    def __init__(
        self,
        tracks: Sequence[_Track],
        *,
        speed: float = 1.0,
        block_s: float = 0.1,
        on_progress: ProgressFn | None = None,
    ) -> None:
        self._tracks = list(tracks)
        self.speed = speed
        self.block_s = block_s
        self.on_progress = on_progress
        self.speakers: tuple[Speaker, ...] = tuple(s for tr in self._tracks for s in tr.channels)
        self.name = "file:" + "+".join(tr.path.name for tr in self._tracks)
        self.duration = max(tr.frames / tr.samplerate for tr in self._tracks) if self._tracks else 0.0

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def stereo(
        cls,
        path: Path,
        *,
        channel_map: Mapping[Speaker, int] = DEFAULT_CHANNEL_MAP,
        speed: float = 1.0,
        on_progress: ProgressFn | None = None,
    ) -> FileReplay:
        """One file with both sides on different channels (default L = agent, R = customer)."""
        rate, channels, frames = _probe(path)
        need = max(channel_map.values()) + 1
        if channels < need:
            raise AudioFileError(
                f"{path} has {channels} channel(s), the channel map needs {need}",
                f"音频文件只有 {channels} 个声道，需要 {need} 个（左声道坐席、右声道客户）：{path}",
            )
        return cls([_Track(path, dict(channel_map), rate, frames)], speed=speed, on_progress=on_progress)

    @classmethod
    def mono_pair(
        cls, agent: Path, customer: Path, *, speed: float = 1.0, on_progress: ProgressFn | None = None
    ) -> FileReplay:
        """One file per side (first channel of each is used)."""
        tracks = []
        for speaker, path in ((Speaker.AGENT, agent), (Speaker.CUSTOMER, customer)):
            rate, _channels, frames = _probe(path)
            tracks.append(_Track(path, {speaker: 0}, rate, frames))
        return cls(tracks, speed=speed, on_progress=on_progress)

    @classmethod
    def single(
        cls, path: Path, speaker: Speaker, *, speed: float = 1.0, on_progress: ProgressFn | None = None
    ) -> FileReplay:
        """One file, one speaker (channels mixed down)."""
        rate, _channels, frames = _probe(path)
        return cls([_Track(path, {speaker: -1}, rate, frames)], speed=speed, on_progress=on_progress)

    @classmethod
    def from_paths(
        cls,
        paths: Sequence[Path],
        *,
        mono_speaker: Speaker = Speaker.AGENT,
        channel_map: Mapping[Speaker, int] = DEFAULT_CHANNEL_MAP,
        speed: float = 1.0,
        on_progress: ProgressFn | None = None,
    ) -> FileReplay:
        """What the commands accept: one stereo file, one mono file, or agent + customer files."""
        if len(paths) == 2:
            return cls.mono_pair(paths[0], paths[1], speed=speed, on_progress=on_progress)
        if len(paths) != 1:
            raise AudioFileError(
                f"expected 1 or 2 audio files, got {len(paths)}",
                "请给出一个立体声文件（左坐席、右客户）或两个单声道文件（坐席、客户）",
            )
        _rate, channels, _frames = _probe(paths[0])
        if channels >= 2:
            return cls.stereo(paths[0], channel_map=channel_map, speed=speed, on_progress=on_progress)
        return cls.single(paths[0], mono_speaker, speed=speed, on_progress=on_progress)

    # -- AudioFeed ---------------------------------------------------------------------------

    def run(self, on_block: BlockFn, on_status: StatusFn, stop: threading.Event) -> None:
        for tr in self._tracks:
            cut = wav_truncation(tr.path)
            if cut is not None:
                declared, present = cut
                log.warning("%s is truncated: %d of %d audio bytes present", tr.path, present, declared)
                present_s = tr.frames / tr.samplerate
                missing_s = (declared - present) * present_s / present if present and present_s else 0.0
                on_status(StatusEvent(
                    t=0.0, code=StatusCode.AUDIO_TRUNCATED,
                    message=(f"音频文件不完整（可能被截断），比文件头记录的短约 {missing_s:.0f} 秒，"
                             f"只处理了现有部分：{tr.path}"),
                ))
        files = []
        try:
            for tr in self._tracks:
                try:
                    files.append(sf.SoundFile(str(tr.path)))
                except Exception as exc:
                    raise AudioFileError(
                        f"cannot open {tr.path}: {exc}", f"无法打开音频文件：{tr.path}"
                    ) from exc
            self._play(files, on_block, stop)
        finally:
            for f in files:
                f.close()

    def _play(self, files: list[sf.SoundFile], on_block: BlockFn, stop: threading.Event) -> None:
        resamplers = {
            (i, sp): StreamResampler(tr.samplerate) for i, tr in enumerate(self._tracks) for sp in tr.channels
        }
        clocks = {sp: 0.0 for sp in self.speakers}
        done = [False] * len(files)
        start_wall = time.monotonic()
        t = 0.0
        k = 0
        while not all(done) and not stop.is_set():
            k += 1
            if self.speed > 0:
                # Like a sound card: a block is handed on once its last sample has "happened".
                delay = start_wall + k * self.block_s / self.speed - time.monotonic()
                if delay > 0 and stop.wait(delay):
                    break
            for i, (tr, f) in enumerate(zip(self._tracks, files, strict=True)):
                if done[i]:
                    continue
                n = max(1, round(self.block_s * tr.samplerate))
                try:
                    data = f.read(n, dtype="float32", always_2d=True)
                except Exception as exc:  # corrupt data past a good header
                    log.warning("read error in %s at %.1fs: %s", tr.path, t, exc)
                    raise AudioFileError(
                        f"read error in {tr.path}: {exc}",
                        f"音频文件在 {t:.1f} 秒处损坏，之前的内容已处理：{tr.path}",
                    ) from exc
                if len(data) < n:
                    done[i] = True
                if len(data) == 0:
                    continue
                for sp, ch in tr.channels.items():
                    col = data.mean(axis=1) if ch < 0 else data[:, ch]
                    out = resamplers[(i, sp)].process(np.ascontiguousarray(col))
                    if len(out):
                        on_block(AudioBlock(speaker=sp, t=clocks[sp], samples=out))
                        clocks[sp] += len(out) / 16_000
            t = max(clocks.values()) if clocks else 0.0
            if self.on_progress is not None:
                # The resampler holds back a few samples until the end, so the clock can trail
                # the file's duration by a fraction of a block: report a finished file as whole.
                self.on_progress(self.duration if all(done) else min(t, self.duration), self.duration)
