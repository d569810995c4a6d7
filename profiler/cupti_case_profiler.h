// `llmkb bench --profile`: the CUPTI collector behind bench's CaseProfiler hook. Per case, after its
// timing: the launch records of one plain run (activity API) and the counters of every kernel
// (range profiler, user replay). Over the whole run: the kernel trace, profiling replays excluded.
// Nothing of CUPTI is touched unless one of these functions is called.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "bench/case_profiler.h"

namespace llmkb {

struct ProfilerOptions {
  std::vector<std::string> extra_metrics;  // --metrics, added to the default set
  size_t max_kernels_per_case = 64;        // ranges per case; launches beyond are counted as dropped
  bool flush_l2 = true;                    // flush L2 before the profiled launch (as bench's cold timing)
  bool flush_instruction_caches = true;    // and then the instruction caches (as ncu --cache-control all)
};

// Checks metric names against the chip of CUDA device 0 before anything runs. Returns one line per
// unknown name (with the closest known names); empty when all resolve or when the chip cannot be
// read (the collector then reports why). `chip` receives the chip name when known.
std::vector<std::string> check_metrics_on_device(const std::vector<std::string>& metrics, std::string& chip);

// The collector; never throws for CUPTI failures: they become the "profiler" section's status and
// message (and one line on stderr), and the timings go on.
std::unique_ptr<CaseProfiler> make_cupti_profiler(const ProfilerOptions& options);

}  // namespace llmkb
