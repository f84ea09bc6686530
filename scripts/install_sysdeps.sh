#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the app and its tests need, only those missing.
# Runs apt-get directly as root, through sudo otherwise. Safe to run repeatedly.
set -euo pipefail

PKGS=(
  libportaudio2 libsndfile1            # sounddevice / soundfile
  pulseaudio pulseaudio-utils alsa-utils libasound2-plugins  # null-sink audio tests
  fonts-noto-cjk fontconfig            # CJK glyphs for the Qt window
  xvfb xauth                           # a real X display for screenshots
  openbox xdotool                      # a window manager for the window-behaviour tests
  libegl1 libgl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
  libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xkb1 libfontconfig1
  sox espeak-ng                        # test audio
  postgresql                           # centre tests start a throwaway cluster (issue 16)
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "Missing system packages: ${missing[*]} (need root or sudo to install them)" >&2; exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
