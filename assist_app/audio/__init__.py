"""Audio sources: device capture (sounddevice/PortAudio), file replay, resampling, levels and VAD.

Every source delivers :class:`~assist_app.audio.blocks.AudioBlock` objects — 16 kHz mono int16,
one speaker each, stamped with call-audio time — through the same ``AudioFeed`` interface, so live
calls, demo replay and tests share one code path (STYLE.md, after Buzz).
"""
