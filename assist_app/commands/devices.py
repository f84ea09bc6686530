"""``assist-app devices``: the input devices, marked with the ones the environment configures."""

from __future__ import annotations

import argparse
import json
import logging
import os

from assist_app.commands.common import EXIT_CANNOT_START, EXIT_OK, err

log = logging.getLogger(__name__)

ENV_AGENT = "ASSIST_AGENT_DEVICE"
ENV_CUSTOMER = "ASSIST_CUSTOMER_DEVICE"
ENV_STEREO = "ASSIST_STEREO_DEVICE"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``devices``."""
    p = sub.add_parser("devices", help="列出录音设备")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(handler=_devices)


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
        err(f"无法读取录音设备列表：{exc}")
        return EXIT_CANNOT_START
    marks: dict[int, list[str]] = {}
    for role, spec in _configured().items():
        try:
            marks.setdefault(resolve_device(spec, devices).index, []).append(role)
        except DeviceError as exc:
            err(f"已配置的{role}设备有问题：{exc.message_zh}")
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
