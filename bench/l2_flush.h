// Cold-cache measurements: before each timed launch, read a buffer twice the size of L2.
//
// Reading, not writing: a memset would leave L2 full of dirty lines, and the timed kernel would pay
// for writing them back to DRAM (seen on an H200: an RMSNorm's DRAM writes counted 2.6x what
// Nsight Compute, which cleans the cache, reported). Reading leaves clean lines that are evicted
// for free, and writes back whatever the previous launch left dirty before the timer starts.
//
// The flush also keeps the stream busy while the host enqueues the start event, the timed launch
// and the stop event, so the host's launch latency is not timed. Warm measurements have no flush:
// hold_stream does that part alone.
#pragma once
#include <cuda_runtime_api.h>

#include "kernels/common/device_buffer.h"

namespace llmkb {

class L2Flusher {
 public:
  L2Flusher(size_t l2_bytes, int sm_count);
  void flush(cudaStream_t stream);  // one kernel launch

 private:
  DeviceBuffer scratch_;
  DeviceBuffer sink_;
  int blocks_;
};

// Keeps `stream` busy for about 50 us (one thread spinning on the GPU's nanosecond timer; no memory
// traffic, so warm L2 contents stay). Enqueued before the start event of a warm timed launch:
// otherwise the start event is recorded on an idle stream and the timed interval includes the host's
// launch latency (a few us, as much as a decode-size kernel takes).
void hold_stream(cudaStream_t stream);

// What goes before the start event of every timed launch: the flush when cold (`flusher` set), else
// hold_stream.
void before_timed_launch(L2Flusher* flusher, cudaStream_t stream);

}  // namespace llmkb
