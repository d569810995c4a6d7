#!/usr/bin/env bash
# Regenerates the committed example report from a results file: reports/examples/<NAME>/ gets
# report.md, report.html, report.json (English), zh/ the same in Chinese, and report.png, a
# screenshot of the English HTML taken with headless Chromium.
#   scripts/make_example_report.sh RESULTS.json [NAME]
# NAME defaults to the results file's name without .json (e.g. results_h100_profile).
# Needs a built llmkb (build/release, or set LLMKB=path) and, for the screenshot, chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: scripts/make_example_report.sh RESULTS.json [NAME]" >&2
  exit 2
fi
input="$1"
name="${2:-$(basename "$input" .json)}"
llmkb="${LLMKB:-build/release/llmkb}"
[ -x "$llmkb" ] || { echo "no llmkb at $llmkb: build it (cmake --preset release && cmake --build --preset release) or set LLMKB" >&2; exit 2; }
out="reports/examples/$name"
rm -rf "$out"
"$llmkb" report --input "$input" --out "$out" --lang en
"$llmkb" report --input "$input" --out "$out/zh" --lang zh

browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then browser=$(command -v "$candidate"); break; fi
done
if [ -z "$browser" ]; then
  echo "no chromium: report.png not made (apt-get install chromium)" >&2
else
  profile=$(mktemp -d)
  trap 'rm -rf "$profile"' EXIT
  timeout 120 "$browser" --headless --disable-gpu --no-sandbox --no-first-run --user-data-dir="$profile" \
    --hide-scrollbars --virtual-time-budget=5000 --window-size=1400,4000 \
    --screenshot="$PWD/$out/report.png" "file://$PWD/$out/report.html" 2>/dev/null
  echo "screenshot: $out/report.png"
fi
echo "example report: $out/report.html (Chinese: $out/zh/report.html)"
