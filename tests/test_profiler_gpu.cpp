// `llmkb bench --profile`'s collector on the GPU: every registered variant on its first supported
// test problem is profiled, then its output is checked WITHOUT launching again: the replay passes
// must leave in-place tensors as one launch would (llmkb restores them before every pass).
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/core/rng.h"
#include "kernels/harness/case.h"
#include "profiler/cupti_case_profiler.h"
#include "tests/gpu_test_env.h"

namespace llmkb {
namespace {

// No permission to read counters, or another profiler attached: the tests skip.
bool counters_unreadable(const nlohmann::json& summary) {
  const std::string status = summary["status"];
  return status == "insufficient_privileges" || status == "profiler_busy";
}

TEST(CuptiProfiler, EveryVariantProfilesAndStaysCorrect) {
  LLMKB_REQUIRE_GPU();
  const cudaStream_t stream = testing_env::stream();
  std::unique_ptr<CaseProfiler> profiler = make_cupti_profiler(ProfilerOptions{});
  const nlohmann::json summary = profiler->summary();
  if (counters_unreadable(summary))
    GTEST_SKIP() << "counters not readable here: " << summary["message"].get<std::string>();
  ASSERT_EQ(summary["status"], "ok") << summary["message"].get<std::string>();
  const size_t passes = summary["passes"];
  ASSERT_GE(passes, 1u);

  int profiled = 0;
  for (const auto& suite : op_suites()) {
    for (size_t v = 0; v < suite->variants().size(); ++v) {
      const VariantInfo& info = suite->variants()[v];
      if (info.min_sm > testing_env::device_sm()) continue;
      for (auto& problem : suite->test_cases()) {
        if (!problem->supports(v).ok) continue;
        SCOPED_TRACE(info.name + " on " + problem->label());
        std::unique_ptr<DeviceRun> run = problem->prepare(v, process_seed());
        run->reset(stream);
        const nlohmann::json profile = profiler->profile(*run, stream, info.name + "/" + problem->label());
        EXPECT_FALSE(profile.contains("error")) << profile.value("error", std::string());
        EXPECT_EQ(profile["passes"].get<size_t>(), passes);
        ASSERT_GE(profile["kernels"].size(), 1u);
        for (const auto& kernel : profile["kernels"]) {
          EXPECT_FALSE(kernel["name"].get<std::string>().empty());
          EXPECT_GT(kernel["metrics"]["gpu__time_duration.sum"].get<double>(), 0.0);
          EXPECT_GT(kernel["metrics"]["sm__cycles_active.avg.pct_of_peak_sustained_elapsed"].get<double>(), 0.0);
          ASSERT_TRUE(kernel["launch"].is_object()) << kernel["name"];
          EXPECT_GT(kernel["launch"]["registers"].get<int>(), 0);
          EXPECT_GT(kernel["launch"]["theoretical_occupancy_pct"].get<double>(), 0.0);
          EXPECT_TRUE(kernel["flops"]["fp32"].is_number());
        }
        const CheckReport after = run->check(stream);  // no launch since the profiled one
        EXPECT_TRUE(after.passed) << after.summary();
        ++profiled;
        break;  // the first supported test problem of each variant
      }
    }
  }
  EXPECT_GT(profiled, 0);
  const nlohmann::json trace = profiler->trace_summary();
  ASSERT_TRUE(trace.is_object());
  EXPECT_EQ(trace["dropped_records"].get<uint64_t>(), 0u);
}

// The sectors that the GPCs' instruction and constant caches read from L2 while the first variant of
// the first op runs on its first test problem, profiled with or without the instruction-cache flush.
// `skip` says why counters cannot be read here (no permission, another profiler attached).
const char* const kInstructionFetchMetric = "lts__t_sectors_srcunit_gcc_op_read.sum";
double instruction_fetch_sectors(bool flush_instruction_caches, std::string& skip) {
  ProfilerOptions options;
  options.extra_metrics = {kInstructionFetchMetric};
  options.flush_instruction_caches = flush_instruction_caches;
  std::unique_ptr<CaseProfiler> profiler = make_cupti_profiler(options);
  const nlohmann::json summary = profiler->summary();
  if (counters_unreadable(summary)) {
    skip = summary["message"];
    return 0;
  }
  if (summary["status"] != "ok") throw std::runtime_error(summary["message"].get<std::string>());
  const cudaStream_t stream = testing_env::stream();
  OpSuite& suite = *op_suites().front();
  for (auto& problem : suite.test_cases()) {
    if (!problem->supports(0).ok) continue;
    std::unique_ptr<DeviceRun> run = problem->prepare(0, process_seed());
    run->reset(stream);
    const nlohmann::json profile = profiler->profile(*run, stream, "instruction caches");
    if (profile.contains("error")) throw std::runtime_error(profile["error"].get<std::string>());
    return profile["kernels"].at(0)["metrics"].at(kInstructionFetchMetric).get<double>();
  }
  throw std::runtime_error("no test problem for " + suite.variants().front().name);
}

// Without the flush, the profiled kernel's code stays in the SMs' caches from the pass before and
// hardly any instruction fetch reaches L2 (H100, RMSNorm: 192 sectors, constant-bank fetches; with
// the flush 1,664, the figure Nsight Compute counts with --cache-control all).
TEST(CuptiProfiler, InstructionCachesAreColdInEveryPass) {
  LLMKB_REQUIRE_GPU();
  std::string chip;
  const std::vector<std::string> unknown = check_metrics_on_device({kInstructionFetchMetric}, chip);
  if (!unknown.empty()) GTEST_SKIP() << chip << " has no per-unit L2 sector counters: " << unknown.front();
  std::string skip;
  const double cold = instruction_fetch_sectors(true, skip);
  if (!skip.empty()) GTEST_SKIP() << "counters not readable here: " << skip;
  const double warm = instruction_fetch_sectors(false, skip);
  EXPECT_GT(cold, 2 * warm) << "instruction fetch sectors with the flush " << cold << ", without " << warm;
}

}  // namespace
}  // namespace llmkb
