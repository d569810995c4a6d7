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
  kBenchCaseFailed = 1,  // a case failed its correctness check or raised an error
  kBenchBadInput = 2,    // unknown flag, op, model, or a filter that matches nothing
  kBenchNoDevice = 3,    // no CUDA device, or the CUDA runtime failed
};

struct BenchOptions {
  bool cold = true;
  std::string out_path = "results.json";
  std::vector<std::string> ops;     // empty: every op
  std::vector<std::string> models;  // empty: every model preset
  std::string command_line;
  // Set by --profile: makes the collector once the device is known (profiler/).
  std::function<std::unique_ptr<CaseProfiler>()> make_profiler;
};

// argv holds only Google Benchmark's flags (and argv[0]); returns a BenchExit.
int run_bench(const BenchOptions& options, int argc, char** argv);

}  // namespace llmkb
