#!/usr/bin/env bash
# The main job: build; run the default benchmark suite (every op, variant, dtype and model shape,
# cold L2) with hardware counters (--profile) into results/latest.json; render the report into
# reports/latest/. Extra arguments go to `llmkb bench` (e.g. --op rmsnorm, --benchmark_filter=...).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release
mkdir -p results
rm -f results/latest.json  # bench leaves an existing file as it is when it stops early: never render an old run
set +e
./build/release/llmkb bench --profile --out results/latest.json "$@"
code=$?
set -e
if [ "$code" -eq 3 ]; then
  echo "llmkb: no CUDA GPU on this machine, so nothing was measured." >&2
  echo "       Open the committed example report instead: reports/examples/h200/report.html" >&2
  exit 3
fi
# 0: every case passed; 1: some case failed its check (the file says which) or the setup failed (no file).
if [ "$code" -gt 1 ] || [ ! -f results/latest.json ]; then exit "$code"; fi
./build/release/llmkb report --input results/latest.json --out reports/latest
echo "results: results/latest.json"
echo "report:  reports/latest/report.html (also report.md, report.json)"
exit "$code"
