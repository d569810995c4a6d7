#!/usr/bin/env bash
# Runs the GPU test binary under compute-sanitizer: memcheck on problems up to 16 MiB of host data,
# racecheck on problems up to 1 MiB. Exit 77 (CTest: skipped) without the sanitizer or a GPU.
set -u
tests="$1"
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [ -z "$sanitizer" ]; then
  echo "SKIP: compute-sanitizer is not installed"; exit 77
fi
if ! nvidia-smi -L >/dev/null 2>&1; then
  echo "SKIP: no CUDA device"; exit 77
fi
if ! "$tests" --gtest_list_tests >/dev/null; then
  echo "FAIL: $tests cannot list its tests (see the error above)"; exit 1
fi
status=0
LLMKB_TEST_MAX_BYTES=$((16 << 20)) "$sanitizer" --tool memcheck --error-exitcode 99 "$tests" --gtest_brief=1 || status=1
LLMKB_TEST_MAX_BYTES=$((1 << 20)) "$sanitizer" --tool racecheck --error-exitcode 99 "$tests" --gtest_brief=1 || status=1
exit $status
