"""A private PulseAudio daemon with two null sinks, and an ALSA config exposing their monitors
as PortAudio input devices ``agent_in`` and ``customer_in`` (the real-device test rig).

Everything lives in one temporary folder: the daemon's config (``-n -F``: none of the user's or
system's default.pa), its runtime/state dirs and socket, and the ALSA config (pointed to with
``ALSA_CONFIG_PATH``). Nothing of the user's is read or changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ALSA_TEMPLATE = """\
</usr/share/alsa/alsa.conf>
pcm.agent_in {{ type pulse; device "agent.monitor"; server "{server}" }}
pcm.customer_in {{ type pulse; device "customer.monitor"; server "{server}" }}
ctl.agent_in {{ type pulse; server "{server}" }}
ctl.customer_in {{ type pulse; server "{server}" }}
"""


class PulseUnavailable(RuntimeError):
    """PulseAudio could not be started here (the reason is in the message)."""


@dataclass
class PulseRig:
    root: Path
    server: str = ""
    env: dict[str, str] = field(default_factory=dict)
    modules: dict[str, str] = field(default_factory=dict)  # sink name → module index

    @property
    def alsa_config(self) -> Path:
        return self.root / "asound.conf"

    def pactl(self, *args: str, check: bool = True) -> str:
        res = subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10, check=False)
        if check and res.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)} failed: {res.stderr.strip()}")
        return res.stdout

    def add_sink(self, name: str) -> None:
        idx = self.pactl("load-module", "module-null-sink", f"sink_name={name}", "rate=16000", "channels=1")
        self.modules[name] = idx.strip()

    def remove_sink(self, name: str) -> None:
        self.pactl("unload-module", self.modules.pop(name))

    def play(self, sink: str, wav: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(["paplay", f"--device={sink}", str(wav)], env=self.env)

    def stop(self) -> None:
        subprocess.run(["pulseaudio", "--kill"], env=self.env, capture_output=True, timeout=10, check=False)
        pidfile = self.root / "runtime" / "pid"
        deadline = time.monotonic() + 5
        while pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.05)


def start_pulse(root: Path) -> PulseRig:
    """Start the daemon and the two sinks; raises ``PulseUnavailable`` with the reason."""
    for tool in ("pulseaudio", "pactl", "paplay"):
        if shutil.which(tool) is None:
            raise PulseUnavailable(f"{tool} is not installed (scripts/install_sysdeps.sh installs it)")
    root.mkdir(parents=True, exist_ok=True)
    sock = root / "native"
    rig = PulseRig(root=root, server=f"unix:{sock}")
    (root / "runtime").mkdir(exist_ok=True)
    (root / "state").mkdir(exist_ok=True)
    (root / "home").mkdir(exist_ok=True)
    (root / "daemon.pa").write_text(
        f"load-module module-native-protocol-unix auth-anonymous=1 socket={sock}\nload-module module-always-sink\n"
    )
    rig.alsa_config.write_text(ALSA_TEMPLATE.format(server=rig.server))
    rig.env = {
        **os.environ,
        "HOME": str(root / "home"),
        "XDG_CONFIG_HOME": str(root / "home" / ".config"),
        "XDG_RUNTIME_DIR": str(root / "runtime"),
        "PULSE_RUNTIME_PATH": str(root / "runtime"),
        "PULSE_STATE_PATH": str(root / "state"),
        "PULSE_SERVER": rig.server,
        "ALSA_CONFIG_PATH": str(rig.alsa_config),
    }
    cmd = [
        "pulseaudio", "-n", "-F", str(root / "daemon.pa"), "--daemonize=yes", "--exit-idle-time=-1",
        "--disallow-exit", "--disallow-module-loading=no", "--use-pid-file=yes",
        f"--log-target=file:{root / 'pulse.log'}",
    ]  # fmt: skip
    res = subprocess.run(cmd, env=rig.env, capture_output=True, text=True, timeout=20, check=False)
    if res.returncode != 0:
        log = (root / "pulse.log").read_text(errors="replace") if (root / "pulse.log").exists() else ""
        raise PulseUnavailable(f"pulseaudio exited {res.returncode}: {res.stderr.strip()} {log[-800:]}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if rig.pactl("info", check=False):
            break
        time.sleep(0.1)
    else:
        rig.stop()
        raise PulseUnavailable("pulseaudio started but its socket never answered")
    rig.add_sink("agent")
    rig.add_sink("customer")
    return rig
