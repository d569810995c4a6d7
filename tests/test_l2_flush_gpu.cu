// The L2 flush against lines a kernel pinned with an L2::evict_last policy, seen through the profiler's
// L2 hit rate (no timing): such lines survive a plain read of twice the size of L2 (bench/l2_flush.h),
// so the flush resets persisting lines first. Runs are profiled as `llmkb bench --profile` profiles a
// case (restore step, reset, flush, launch), each launch ending with a read of an 8 MB buffer:
// - cold: the restore step reads the buffer normally; the read's hit rate is what a flushed L2 gives;
// - pinned: the restore step reads it with evict_last; the read must find no more in L2 than cold;
// - unreset: the launch itself pins the buffer and flushes without the reset before the read, which
//   must find a good part of it in L2 (else this GPU keeps no pinned lines and the test skips).
// H100: cold and pinned 10.0 %, unreset 69.8 %; pinned 39.9 % with the reset left out of the flush.
// H200: 4.9, 5.1 and 68.3 %; pinned 36.6 % without the reset.
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "bench/l2_flush.h"
#include "kernels/common/cuda_check.h"
#include "kernels/common/device_buffer.h"
#include "kernels/harness/case.h"
#include "profiler/cupti_case_profiler.h"
#include "tests/gpu_test_env.h"

namespace llmkb {
namespace {

constexpr size_t kPinnedBytes = size_t{8} << 20;  // within the H100's default persisting limit (9.4 MiB)
const char* const kHitRate = "lts__t_sector_hit_rate.pct";

// Reads every 16-byte word of `data`, with an L2::evict_last policy when kPin (sm80+).
template <bool kPin>
__global__ void read_words(const uint4* __restrict__ data, size_t words, unsigned* __restrict__ sink) {
  unsigned acc = 0;
  const size_t step = static_cast<size_t>(gridDim.x) * blockDim.x;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  uint64_t policy = 0;
  if (kPin) asm volatile("createpolicy.fractional.L2::evict_last.b64 %0, 1.0;" : "=l"(policy));
#endif
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < words; i += step) {
    uint4 v;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    if (kPin) {
      asm volatile("ld.global.L2::cache_hint.v4.u32 {%0, %1, %2, %3}, [%4], %5;"
                   : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                   : "l"(data + i), "l"(policy));
    } else {
      v = data[i];
    }
#else
    v = data[i];
#endif
    acc ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (acc == 0x5bd1e995u) *sink = acc;
}

// restore_inplace_inputs (which the profiler calls before every pass) reads the buffer, pinning it
// when `pin`; launch reads it, after pinning it and flushing without the reset when `flush_in_launch`.
class PinnedBufferRun : public DeviceRun {
 public:
  PinnedBufferRun(bool pin, bool flush_in_launch, L2Flusher* flusher)
      : buffer_(kPinnedBytes),
        sink_(sizeof(unsigned)),
        blocks_(2 * testing_env::device_properties().multiProcessorCount),
        pin_(pin),
        flush_in_launch_(flush_in_launch),
        flusher_(flusher) {
    LLMKB_CUDA_CHECK(cudaMemset(buffer_.get(), 1, buffer_.size()));
    LLMKB_CUDA_CHECK(cudaDeviceSynchronize());
  }
  void reset(cudaStream_t) override {}
  void restore_inplace_inputs(cudaStream_t stream) override {
    if (pin_) {
      read<true>(stream);
    } else {
      read<false>(stream);
    }
  }
  bool has_inplace_inputs() const override { return true; }
  void launch(cudaStream_t stream) override {
    if (flush_in_launch_) {
      read<true>(stream);
      flusher_->flush(stream);
    }
    read<false>(stream);
  }
  CheckReport check(cudaStream_t) override { return CheckReport{}; }

 private:
  template <bool kPin>
  void read(cudaStream_t stream) {
    read_words<kPin><<<blocks_, 256, 0, stream>>>(buffer_.as<uint4>(), buffer_.size() / 16, sink_.as<unsigned>());
    LLMKB_CHECK_LAUNCH();
  }
  DeviceBuffer buffer_, sink_;
  int blocks_;
  bool pin_, flush_in_launch_;
  L2Flusher* flusher_;
};

// The L2 hit rate of the last kernel of `run`'s launch; `skip` set where counters cannot be read.
double last_kernel_hit_rate(CaseProfiler& profiler, DeviceRun& run, std::string& skip) {
  const nlohmann::json summary = profiler.summary();
  const std::string status = summary["status"];
  if (status == "insufficient_privileges" || status == "profiler_busy") {
    skip = summary["message"];
    return 0;
  }
  EXPECT_EQ(status, "ok") << summary["message"].get<std::string>();
  const nlohmann::json profile = profiler.profile(run, testing_env::stream(), "pinned buffer");
  EXPECT_FALSE(profile.contains("error")) << profile.value("error", std::string());
  return profile["kernels"].back()["metrics"].at(kHitRate).get<double>();
}

TEST(CuptiProfiler, TheFlushEvictsLinesPinnedWithEvictLast) {
  LLMKB_REQUIRE_GPU();
  if (testing_env::device_sm() < 80) GTEST_SKIP() << "no L2 eviction policies before sm_80";
  std::unique_ptr<CaseProfiler> profiler = make_cupti_profiler(ProfilerOptions{});
  const cudaDeviceProp prop = testing_env::device_properties();
  L2Flusher flusher(prop);
  std::string skip;
  PinnedBufferRun cold_run(false, false, &flusher), pinned_run(true, false, &flusher),
      unreset_run(true, true, &flusher);
  const double cold = last_kernel_hit_rate(*profiler, cold_run, skip);
  if (!skip.empty()) GTEST_SKIP() << "counters not readable here: " << skip;
  const double unreset = last_kernel_hit_rate(*profiler, unreset_run, skip);
  if (unreset < cold + 20)
    GTEST_SKIP() << "this GPU kept no pinned lines through a flush (L2 hit rate " << unreset << " % after one, " << cold
                 << " % cold): nothing for the reset to do";
  const double pinned = last_kernel_hit_rate(*profiler, pinned_run, skip);
  std::cout << "L2 hit rate of the read: cold " << cold << " %, pinned " << pinned << " %, pinned and flushed without "
            << "the reset " << unreset << " %\n";
  EXPECT_LT(pinned, cold + 5) << "L2 hit rate of a read of the pinned buffer after the profiler's reset and flush, "
                              << "against " << cold << " % for the buffer read normally and " << unreset
                              << " % after a flush without the reset";
}

}  // namespace
}  // namespace llmkb
