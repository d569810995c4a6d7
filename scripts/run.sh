#!/usr/bin/env bash
# The main job: build, then run the default benchmark suite (every op, variant, dtype and model
# shape, cold L2) into results/latest.json. Extra arguments go to `llmkb bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release
mkdir -p results
./build/release/llmkb bench --out results/latest.json "$@"
echo "results: results/latest.json"
