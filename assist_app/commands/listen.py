"""``assist-app listen``: live capture, recognition and guidance without the window, as JSONL events."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from assist_app.commands.common import (
    EXIT_CANNOT_START,
    EXIT_OK,
    EXIT_PROBLEMS,
    err,
    find_model_or_explain,
    load_engine,
    make_analyzer,
    outputs_ok,
)
from assist_app.commands.devices import ENV_AGENT, ENV_CUSTOMER, ENV_STEREO
from assist_app.events import EndReason, Event, Speaker, StatusCode, StatusEvent

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``listen``."""
    p = sub.add_parser("listen", help="实时监听（无界面），输出事件流 JSONL")
    p.add_argument(
        "--agent", metavar="DEV", default=os.environ.get(ENV_AGENT), help="坐席耳麦设备（名称或编号）"
    )
    p.add_argument("--customer", metavar="DEV", default=os.environ.get(ENV_CUSTOMER), help="客户线路设备")
    p.add_argument("--stereo", metavar="DEV", default=os.environ.get(ENV_STEREO), help="单个立体声设备")
    p.add_argument("--agent-channel", type=int, default=0, help="立体声设备中坐席的声道（默认 0 = 左）")
    p.add_argument("--customer-channel", type=int, default=1, help="立体声设备中客户的声道（默认 1 = 右）")
    p.add_argument("--model", type=Path, default=None, help="语音识别模型文件夹")
    p.add_argument("--duration", type=float, default=None, metavar="S", help="监听秒数（默认一直到 Ctrl+C）")
    p.add_argument(
        "--levels-only", action="store_true", help="只检测音量，不识别（检查声卡设置用，不需要模型）"
    )
    p.add_argument("--library", type=Path, default=None, help="话术库目录（默认内置）")
    p.add_argument(
        "-o", "--output", type=Path, default=None, metavar="EVENTS.jsonl", help="事件输出文件（默认标准输出）"
    )
    p.add_argument("--second-pass", action="store_true",
                   help="精校转写：用 Whisper 在后台重新识别每句话，输出更正后的文字（corrected 事件）；"
                        "实时提示仍按实时识别结果")
    p.add_argument("--whisper-model", type=Path, default=None, metavar="DIR",
                   help="精校转写用的 Whisper 模型文件夹（默认自动查找）")
    p.add_argument("--second-pass-wait", type=float, default=300.0, metavar="S",
                   help="监听结束后最多等精校转写完成的秒数（默认 300）")
    p.set_defaults(handler=_listen)


def _capture_config(args: argparse.Namespace) -> Any:
    """The devices asked for, or ``None`` (after saying what to give)."""
    from assist_app.audio.capture import CaptureConfig
    from assist_app.audio.errors import DeviceError

    try:
        if args.stereo and not (args.agent or args.customer):
            return CaptureConfig.stereo(args.stereo, agent_channel=args.agent_channel,
                                        customer_channel=args.customer_channel)
        if args.agent and args.customer:
            return CaptureConfig.two_devices(args.agent, args.customer)
        err("请指定设备：--agent 坐席设备 --customer 客户设备，或 --stereo 立体声设备（用 devices 命令查看设备）")
    except DeviceError as exc:
        err(exc.message_zh)
    return None


def _open_capture(config: Any) -> tuple[Any, Any] | None:
    """The capture and its resolved devices, or ``None`` (after saying why)."""
    from assist_app.audio.capture import DeviceCapture
    from assist_app.audio.devices import SoundDeviceBackend
    from assist_app.audio.errors import DeviceError

    try:
        capture = DeviceCapture(config, SoundDeviceBackend())
        return capture, capture.resolve()
    except DeviceError as exc:
        log.error("%s", exc)
        err(exc.message_zh)
    except Exception as exc:
        err(f"无法访问录音设备：{exc}")
    return None


def _warm_recognizers(model_dir: Path) -> Any:
    """The recognizer factory of a warmed pool, or ``None`` when the model does not load. Warmed
    before capture opens, so the call's first words are not the slowest."""
    from assist_app.asr.warm import WarmRecognizerPool, load_warmup_clip

    engine = load_engine(model_dir, live=True)
    if engine is None:
        return None
    pool = WarmRecognizerPool(engine.new_recognizer, warmup_pcm=load_warmup_clip())
    pool.fill()
    return pool.acquire


def _listen(args: argparse.Namespace) -> int:
    config = _capture_config(args)
    if config is None or not outputs_ok([(args.output, False)], []):
        return EXIT_CANNOT_START
    model_dir: Path | None = None
    if not args.levels_only:
        model_dir = find_model_or_explain(args.model)
        if model_dir is None:
            err("（只检查声卡设置可加 --levels-only，不需要模型）")
            return EXIT_CANNOT_START
    opened = _open_capture(config)
    if opened is None:
        return EXIT_CANNOT_START
    capture, resolved = opened
    factory = None
    if model_dir is not None:
        factory = _warm_recognizers(model_dir)
        if factory is None:
            return EXIT_CANNOT_START
    return _run_session(args, capture, resolved, factory)


def _run_session(args: argparse.Namespace, capture: Any, resolved: Any, factory: Any) -> int:
    from assist_app.pipeline.live import LiveSource
    from assist_app.pipeline.offline import PassThroughAnalyzer
    from assist_app.pipeline.session import CallSession
    from assist_app.pipeline.sinks import JsonlSink

    call_id = time.strftime("live-%Y%m%d-%H%M%S")
    analyzer = None if args.levels_only else make_analyzer(args.library, call_id)
    sink = JsonlSink(args.output if args.output else sys.stdout)
    statuses: list[StatusEvent] = []

    def show_status(event: Event) -> None:
        # Device lost/restored, overflow...: IT watching the console must see it as it happens.
        if isinstance(event, StatusEvent):
            statuses.append(event)
            err(f"[{event.t:7.1f}s] {event.message}")

    corrector = _listen_corrector(args, [sink, show_status], call_id) if args.second_pass and factory else None
    if args.second_pass and not args.levels_only and corrector is None:
        return EXIT_CANNOT_START
    source: Any = LiveSource(capture, factory, on_utterance=corrector.submit if corrector else None)
    if corrector is not None:
        from assist_app.pipeline.call_corrector import CorrectedSource

        source = CorrectedSource(source, corrector)
    session = CallSession(
        source=source, analyzer=analyzer or PassThroughAnalyzer(), sinks=[sink, show_status], call_id=call_id
    )
    for spec, dev in resolved:
        roles = "、".join({Speaker.AGENT: "坐席", Speaker.CUSTOMER: "客户"}[s] for s in spec.channels)
        err(f"{roles}：{dev.name}（{dev.max_input_channels} 声道，{dev.default_samplerate:.0f} Hz）")
    err("开始监听" + (f" {args.duration:g} 秒" if args.duration else "，按 Ctrl+C 结束"))
    interrupted = False
    old = _install_sigterm()
    try:
        session.start()
        try:
            session.wait(args.duration)
        except KeyboardInterrupt:
            interrupted = True
        session.stop(reason=EndReason.INTERRUPTED if interrupted else EndReason.NORMAL)
        session.wait(5.0)
        if corrector is not None:
            _finish_second_pass(corrector, args.second_pass_wait)
    finally:
        signal.signal(signal.SIGTERM, old)
        sink.close()
    err(f"监听结束，共 {sink.count} 个事件" + (f"，写入 {args.output}" if args.output else ""))
    if source.error is not None:
        return EXIT_PROBLEMS
    return EXIT_PROBLEMS if any(s.code is StatusCode.AUDIO_ERROR for s in statuses) else EXIT_OK


def _listen_corrector(args: argparse.Namespace, sinks: list[Any], call_id: str) -> Any:
    """The second pass for ``listen --second-pass`` (corrections and its statuses go to ``sinks``),
    or None after saying why it cannot run."""
    from assist_app.asr.models import ModelNotFoundError, find_whisper_model
    from assist_app.asr.whisper import WhisperEngine, whisper_runtime_available
    from assist_app.pipeline.call_corrector import CallCorrector

    if not whisper_runtime_available():
        err("精校转写需要 Whisper 运行库（faster-whisper），请安装：pip install 'assist-app[whisper]'")
        return None
    try:
        whisper_dir = find_whisper_model(args.whisper_model)
    except ModelNotFoundError as exc:
        err(f"精校转写需要 Whisper 模型：{getattr(exc, 'message_zh', exc)}")
        return None
    try:
        # One CPU thread, as in the agent window: the pass runs beside capture and analysis.
        decoder = WhisperEngine(whisper_dir, cpu_threads=1)
    except Exception as exc:
        err(f"Whisper 模型加载失败：{exc}")
        return None
    err(f"精校转写已开启（Whisper：{whisper_dir}）")

    def make_engine() -> Any:
        return make_analyzer(args.library, call_id)

    def on_rescored(score: Any) -> None:
        err(f"精校转写后的质检评分：{score.total:.0f}")

    corrector = CallCorrector(decoder, sinks, make_engine=make_engine, on_rescored=on_rescored)
    corrector.start()
    return corrector


def _finish_second_pass(corrector: Any, wait_s: float) -> None:
    """After the call: let the second pass finish (bounded), then stop it."""
    pending = corrector.second.pending
    if pending:
        err(f"正在完成精校转写（还有 {pending} 句）…")
    if not corrector.second.wait(wait_s):
        err(f"精校转写未能在 {wait_s:g} 秒内完成，未校对的句子保持实时识别结果")
    corrector.second.stop()
    s = corrector.second.stats
    err(f"精校转写：校对 {s.decoded} 句，更正 {s.corrected} 句" + (f"，{s.dropped} 句来不及校对" if s.dropped else ""))


def _install_sigterm() -> Any:
    def _on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, _on_term)
