// Cold-cache measurements: before each timed launch, read a buffer twice the size of L2.
//
// Reading, not writing: a memset would leave L2 full of dirty lines, and the timed kernel would pay
// for writing them back to DRAM (seen on an H200: an RMSNorm's DRAM writes counted 2.6x what
// Nsight Compute, which cleans the cache, reported). Reading leaves clean lines that are evicted
// for free, and writes back whatever the previous launch left dirty before the timer starts.
//
// With plain loads: read with ld.global.nc.L1::no_allocate, the same buffer left part of the previous
// launch's data in L2. On an H100 the repacked Q4_0 GEMV (llama3-8b gate_up) then took 23.9 instead
// of 26.2 us, while a plain read of its weights was no faster after it (the GEMV also reads 7.3 MB of
// scales through L1; which lines survived was not measured). A stand-alone probe that flushed so had
// reported the faster time (kernels/gemv/mul_mat_vec_quant_repacked.cuh). Lines that a kernel loaded
// with an L2::evict_last hint, or inside a persisting access-policy window, survive plain reads too
// (H100, judged by the time a later read of the buffer saved: about 60 % of a 4 MB buffer, 40 % of a
// 16 MB one, 30 % of a 32 MB one, after one flush or two; none after the reset), so where the
// device has a persisting L2 (sm80+) each flush first resets them to normal
// (cudaCtxResetPersistingL2Cache, 2.7 us on the host; not stream-ordered, so the stream is waited
// for first, which the timed loops do after every launch anyway).
//
// Tried and not kept (H100): ending the flush with discard.global.L2 over the buffer, so that L2 is
// left empty rather than full of clean lines: DRAM writes of a 4096-token RMSNorm 15.20 against
// 15.29 MB; timings 0.2-1 % lower on 22-77 us kernels, 1-4 % on a 5 us one (two runs each way);
// the ncu cross-check no closer (docs/profiler-history.md).
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
  // From the device's properties: its L2 size, the most of it that may persist (0 before sm80,
  // where there is nothing to reset) and its SM count.
  L2Flusher(size_t l2_bytes, size_t persisting_l2_bytes, int sm_count);
  // The same, read from `prop` (cudaGetDeviceProperties).
  explicit L2Flusher(const cudaDeviceProp& prop)
      : L2Flusher(static_cast<size_t>(prop.l2CacheSize), static_cast<size_t>(prop.persistingL2CacheMaxSize),
                  prop.multiProcessorCount) {}
  // Where the device has a persisting L2 (sm80+): waits for `stream` (the reset is not stream-ordered,
  // so it must follow every earlier launch), then turns persisting lines back to normal, so that the
  // next flush() evicts them. No launch of ours, but the CUPTI range profiler counts the reset as a
  // range: the profiler calls it before a pass starts.
  void reset_persisting_lines(cudaStream_t stream);
  void flush(cudaStream_t stream);  // one kernel launch

 private:
  DeviceBuffer scratch_;
  DeviceBuffer sink_;
  int blocks_;
  bool has_persisting_l2_;  // persisting_l2_bytes > 0
};

// Keeps `stream` busy for about 50 us (one thread spinning on the GPU's nanosecond timer; no memory
// traffic, so warm L2 contents stay). Enqueued before the start event of a warm timed launch:
// otherwise the start event is recorded on an idle stream and the timed interval includes the host's
// launch latency (a few us, as much as a decode-size kernel takes).
void hold_stream(cudaStream_t stream);

// What goes before the start event of every timed launch: the reset and the flush when cold
// (`flusher` set), else hold_stream.
void before_timed_launch(L2Flusher* flusher, cudaStream_t stream);

}  // namespace llmkb
