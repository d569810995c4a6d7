// `llmkb bench`: registers every (op, shape, dtype, variant) with Google Benchmark, checks each
// output against the fp64 reference once, times with CUDA events, and writes the results file.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/case_profiler.h"

namespace llmkb {

// Exit codes of `llmkb bench` (also in README.md).
enum BenchExit : int {
  kBenchOk = 0,
  kBenchCaseFailed = 1,  // a case failed its check or raised an error, or the GPU setup or calibration failed
  kBenchBadInput = 2,    // unknown or bad flag, op, model, an unwritable output file, a filter matching nothing
  kBenchNoDevice = 3,    // no CUDA device this process can use (none, or no driver for it)
};

struct BenchOptions {
  bool cold = true;
  std::string out_path = "results.json";
  std::vector<std::string> ops;     // empty: every op
  std::vector<std::string> models;  // empty: every model preset
  std::string command_line;
  // Set by --profile: makes the collector once the device is known (profiler/).
  std::function<std::unique_ptr<CaseProfiler>()> make_profiler;
  // Set by --profile: checks its metric names on the GPU (kBenchOk, or the exit code after its message);
  // runs after the checks that need no GPU and before anything is measured.
  std::function<int()> check_profiler;
};

// argv holds only Google Benchmark's flags (and argv[0]); returns a BenchExit. The selection, the
// Google Benchmark flags llmkb reads or cannot work with, and the output files are checked first,
// without touching the GPU.
int run_bench(const BenchOptions& options, int argc, char** argv);

}  // namespace llmkb
