// Scratch memory kept per device for the kernels that need it, grown on demand (never during a timed
// launch: a problem's first launch is its check) and never freed before exit:
// - split_workspace: for kernels that split their reduction over several blocks (the split-K GEMVs,
//   split-KV flash-decoding), fp32 partial results and one arrival counter per output tile. The
//   counters are zero when a launch starts and the last block of each output tile sets its counter
//   back to zero, so launches need no memset.
// - converted_input_workspace: an input that one kernel converts for the kernel after it.
// Launches that share a device must run one after another (one stream, as the harness does):
// concurrent launches would share this memory.
#pragma once
#include <cstddef>

namespace llmkb {

struct SplitWorkspace {
  float* partials = nullptr;     // at least the floats asked for
  unsigned* counters = nullptr;  // at least the counters asked for, all zero
};

// For the current device; may synchronise the device when it has to grow.
SplitWorkspace split_workspace(size_t partial_floats, size_t counter_count);

// Scratch of at least `bytes` (16-byte aligned) for an input that one kernel converts for the kernel
// after it (the quantised GEMVs' activation planes), apart from the partials; grown and kept as above.
void* converted_input_workspace(size_t bytes);

}  // namespace llmkb
