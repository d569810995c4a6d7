// Scratch memory for GEMV kernels that split K over several blocks: fp32 partial sums and one
// arrival counter per row tile. One workspace per device, grown on demand (never during a
// timed launch: a problem's first launch is its check), never freed before exit. The counters
// are zero when a launch starts and the last block of each row tile sets its counter back to
// zero, so launches need no memset. Launches that share a device must run one after another
// (one stream, as the harness does): concurrent launches would share the counters.
#pragma once
#include <cstddef>

namespace llmkb {

struct SplitKWorkspace {
  float* partials = nullptr;     // at least the floats asked for
  unsigned* counters = nullptr;  // at least the counters asked for, all zero
};

// For the current device; may synchronise the device when it has to grow.
SplitKWorkspace split_k_workspace(size_t partial_floats, size_t counter_count);

}  // namespace llmkb
