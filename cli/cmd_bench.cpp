#include <iostream>
#include <stdexcept>

#include "bench/bench_runner.h"
#include "cli/commands.h"
#include "profiler/cupti_case_profiler.h"

namespace llmkb {

namespace {
const char* kBenchHelp = R"(usage: llmkb bench [options] [Google Benchmark flags]

  --out FILE          results file (default results.json): Google Benchmark's JSON plus the llmkb
                      section (docs/results-schema.md)
  --op a,b            only these ops (default: all; see `llmkb list`)
  --model a,b         only these model presets (default: all)
  --warm              do not flush L2 before each timed launch, nor L2 and the instruction caches
                      before each --profile pass (default: cold)
  --profile           after each case's timing, collect hardware counters per kernel (CUPTI range
                      profiler, user replay) and trace every kernel over the run (CUPTI activity
                      API); both go into the results file. See `llmkb metrics --chip NAME`.
  --metrics a,b       extra Perfworks metrics for --profile (checked against the GPU's chip first)

Google Benchmark flags pass through: --benchmark_filter=REGEX, --benchmark_repetitions=N (N >= 1),
--benchmark_min_time=T (seconds, as a number, e.g. 0.05; replaces the default of ~5 ms of kernel
time per case), --benchmark_out=FILE, --benchmark_format=console|json|csv, --benchmark_list_tests,
... Not --benchmark_report_aggregates_only or --benchmark_display_aggregates_only: the results
file is made from the per-repetition rows they drop.

Exit codes: 0 all cases passed their check; 1 a case failed its check or errored, the GPU setup
or calibration failed, or the results file could not be written at the end (the error is printed);
2 bad input: an unknown option, op or model, a missing or bad value, an output file that cannot be
written (all checked before the GPU is used), a filter matching nothing, or no selected case that
this shape or GPU supports; 3 no usable CUDA device.
)";
}  // namespace

int cmd_bench(const std::vector<std::string>& args) {
  BenchOptions options;
  bool profile = false;
  ProfilerOptions profiler_options;
  std::vector<std::string> passthrough = {"llmkb bench"};
  options.command_line = "llmkb bench";
  // A missing value is bad input (exit 2), like an unknown option.
  try {
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      options.command_line += " " + a;
      auto value = [&] {  // the option's value, also kept in the command line the results file records
        const std::string v = option_value(args, i);
        options.command_line += " " + v;
        return v;
      };
      if (a == "--help" || a == "-h") {
        std::cout << kBenchHelp;
        return 0;
      } else if (a == "--out") {
        options.out_path = value();
      } else if (a == "--op") {
        options.ops = split_list(value());
      } else if (a == "--model") {
        options.models = split_list(value());
      } else if (a == "--warm") {
        options.cold = false;
      } else if (a == "--profile") {
        profile = true;
      } else if (a == "--metrics") {
        profiler_options.extra_metrics = metric_names(value());
      } else if (a.rfind("--benchmark_", 0) == 0) {
        passthrough.push_back(a);
      } else {
        std::cerr << "llmkb bench: unknown option '" << a << "'\n\n" << kBenchHelp;
        return kBenchBadInput;
      }
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "llmkb bench: " << e.what() << "\n";
    return kBenchBadInput;
  }
  if (!profiler_options.extra_metrics.empty() && !profile) {
    std::cerr << "llmkb bench: --metrics needs --profile\n";
    return kBenchBadInput;
  }
  std::vector<char*> argv;
  for (std::string& s : passthrough) argv.push_back(s.data());
  argv.push_back(nullptr);
  if (profile) {
    // Unknown metric names stop the run before anything is measured (run_bench calls this after the
    // checks that need no GPU, so bad flags and unwritable files stop it first).
    options.check_profiler = [metrics = profiler_options.extra_metrics] {
      std::string chip;
      const std::vector<std::string> unknown = check_metrics_on_device(metrics, chip);
      for (const std::string& line : unknown) std::cerr << "llmkb bench: " << line << "\n";
      return unknown.empty() ? kBenchOk : kBenchBadInput;
    };
    profiler_options.flush_l2 = options.cold;
    profiler_options.flush_instruction_caches = options.cold;
    options.make_profiler = [profiler_options] { return make_cupti_profiler(profiler_options); };
  }
  return run_bench(options, static_cast<int>(passthrough.size()), argv.data());
}

}  // namespace llmkb
