// The CUPTI collector's host-only parts, without a GPU: the metric catalogue per chip (the CUPTI
// profiler host API works from a chip name), name suggestions, error messages, occupancy arithmetic
// and the JSON the results file gets.
#include <gtest/gtest.h>

#include <algorithm>

#include "bench/results_schema.h"
#include "bench/results_writer.h"
#include "profiler/cupti_status.h"
#include "profiler/metric_catalog.h"
#include "profiler/metric_set.h"
#include "profiler/name_suggest.h"
#include "profiler/occupancy.h"
#include "profiler/profile_json.h"

namespace llmkb {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---- name suggestions ----

TEST(NameSuggest, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("dram__bytes_read.sum", "dram__bytes_reed.sum"), 1u);
}

TEST(NameSuggest, ClosestFirstAndAtMostCount) {
  const std::vector<std::string> known = {"lts__t_sectors", "dram__bytes_read", "dram__bytes_write", "dram__bytes"};
  const auto near = closest_names("dram__byte_read", known, 2);
  ASSERT_EQ(near.size(), 2u);
  EXPECT_EQ(near[0], "dram__bytes_read");
  EXPECT_EQ(closest_names("x", {}, 3).size(), 0u);
}

// ---- CUPTI failures: status and the one line the user sees ----

TEST(CuptiStatus, EachFailureModeHasItsStatus) {
  EXPECT_EQ(classify(CUPTI_SUCCESS), ProfilerStatus::kOk);
  EXPECT_EQ(classify(CUPTI_ERROR_INSUFFICIENT_PRIVILEGES), ProfilerStatus::kInsufficientPrivileges);
  EXPECT_EQ(classify(CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED), ProfilerStatus::kProfilerBusy);
  EXPECT_EQ(classify(CUPTI_ERROR_HARDWARE_BUSY), ProfilerStatus::kProfilerBusy);
  EXPECT_EQ(classify(CUPTI_ERROR_NOT_SUPPORTED), ProfilerStatus::kUnsupportedDevice);
  EXPECT_EQ(classify(CUPTI_ERROR_MIG_DEVICE_NOT_SUPPORTED), ProfilerStatus::kUnsupportedDevice);
  EXPECT_EQ(classify(CUPTI_ERROR_INVALID_PARAMETER), ProfilerStatus::kError);
  EXPECT_STREQ(to_string(ProfilerStatus::kInsufficientPrivileges), "insufficient_privileges");
  EXPECT_STREQ(to_string(ProfilerStatus::kProfilerBusy), "profiler_busy");
  EXPECT_STREQ(to_string(ProfilerStatus::kUnsupportedDevice), "unsupported_device");
}

TEST(CuptiStatus, MessagesNameTheFix) {
  const std::string privileges = explain(CUPTI_ERROR_INSUFFICIENT_PRIVILEGES, "cuptiRangeProfilerEnable");
  EXPECT_TRUE(has(privileges, "NVreg_RestrictProfilingToAdminUsers=0")) << privileges;
  EXPECT_TRUE(has(privileges, "admin")) << privileges;
  EXPECT_TRUE(has(privileges, "cuptiRangeProfilerEnable")) << privileges;
  EXPECT_TRUE(has(privileges, "CUPTI_ERROR_INSUFFICIENT_PRIVILEGES")) << privileges;
  const std::string busy = explain(CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED, "cuptiSubscribe");
  EXPECT_TRUE(has(busy, "ncu") && has(busy, "nsys")) << busy;
  EXPECT_TRUE(has(explain(CUPTI_ERROR_NOT_SUPPORTED, "x"), "sm_75")) << explain(CUPTI_ERROR_NOT_SUPPORTED, "x");
  for (const std::string& line : {privileges, busy}) EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(CuptiStatus, ErrorCarriesTheCode) {
  try {
    LLMKB_CUPTI_CHECK(CUPTI_ERROR_INSUFFICIENT_PRIVILEGES);
    FAIL() << "LLMKB_CUPTI_CHECK did not throw";
  } catch (const CuptiError& e) {
    EXPECT_EQ(e.status(), ProfilerStatus::kInsufficientPrivileges);
    EXPECT_TRUE(has(e.what(), "NVreg_RestrictProfilingToAdminUsers=0"));
  }
  EXPECT_NO_THROW(LLMKB_CUPTI_CHECK(CUPTI_SUCCESS));
}

// ---- the metric catalogue per chip ----

TEST(MetricCatalog, SupportsHopperAndTuring) {
  const std::vector<std::string> chips = supported_chips();
  for (const char* chip : {"GH100", "TU102", "TU104", "TU106", "TU116", "TU117"})
    EXPECT_TRUE(contains(chips, chip)) << chip;
}

TEST(MetricCatalog, UnknownChipIsACuptiError) {
  try {
    ChipCatalog catalog("GH1000");
    FAIL() << "no error for an unknown chip";
  } catch (const CuptiError& e) {
    EXPECT_EQ(e.code(), CUPTI_ERROR_INVALID_CHIP_NAME);
  }
}

class DefaultSetOnChip : public ::testing::TestWithParam<const char*> {};

TEST(MetricCatalog, WhatResolvesCanBeConfigured) {
  // resolves() is the promise that --metrics names can be collected: check it against CUPTI's own
  // configuration step, for names that resolve and names that must not.
  for (const char* m : {"dram__bytes_read.sum", "dram__bytes_read.avg.pct_of_peak_sustained_elapsed",
                        "lts__t_sector_hit_rate.pct", "sm__throughput.avg.pct_of_peak_sustained_elapsed"}) {
    ChipCatalog catalog("GH100");
    EXPECT_TRUE(catalog.resolves(m)) << m;
    size_t passes = 0;
    EXPECT_NO_THROW(catalog.configure({m}, passes)) << m;
  }
  for (const char* m : {"dram__bytes_read", "lts__t_sector_hit_rate", "dram__bytes_read.bogus", ""}) {
    ChipCatalog catalog("GH100");
    EXPECT_FALSE(catalog.resolves(m)) << m;
    size_t passes = 0;
    EXPECT_THROW(catalog.configure({m}, passes), CuptiError) << m;
  }
}

TEST_P(DefaultSetOnChip, EveryMetricResolvesAndThePassCountIsTheConfigs) {
  ChipCatalog catalog(GetParam());
  const MetricSet set = default_metric_set(catalog);
  ASSERT_GE(set.metrics.size(), common_default_metrics().size());
  for (const std::string& m : set.metrics) {
    EXPECT_TRUE(catalog.resolves(m)) << m << " on " << GetParam();
    const MetricInfo info = catalog.describe(m);
    EXPECT_FALSE(info.unit.empty()) << m;
    EXPECT_FALSE(info.description.empty()) << m;
  }
  EXPECT_EQ(catalog.describe("gpu__time_duration.sum").unit, "nanosecond");
  EXPECT_EQ(catalog.describe("dram__bytes_read.sum").unit, "byte");
  EXPECT_EQ(catalog.describe("lts__t_sector_hit_rate.pct").unit, "percent");

  // The passes the collector records are the configuration image's: the same from an independent
  // host object, at least one, and at least as many as the hungriest single metric needs.
  size_t passes = 0;
  const std::vector<uint8_t> image = catalog.configure(set.metrics, passes);
  EXPECT_FALSE(image.empty());
  EXPECT_GE(passes, 1u);
  EXPECT_EQ(passes_for(GetParam(), set.metrics), passes);
  // Bounded by the single metrics: at least the hungriest one's passes, at most their sum.
  size_t most = 0, sum = 0;
  for (const std::string& m : set.metrics) {
    const size_t alone = passes_for(GetParam(), {m});
    most = std::max(most, alone);
    sum += alone;
  }
  EXPECT_GE(passes, most);
  EXPECT_LE(passes, sum);
  // More metrics never need fewer passes.
  std::vector<std::string> fewer(set.metrics.begin(), set.metrics.begin() + 4);
  EXPECT_LE(passes_for(GetParam(), fewer), passes);
  EXPECT_THROW(catalog.configure(set.metrics, passes), std::logic_error);  // one configuration per host object
}

INSTANTIATE_TEST_SUITE_P(Chips, DefaultSetOnChip, ::testing::Values("GH100", "TU102", "TU104", "TU117"));

TEST(MetricSet, TensorPipeMetricsArePerChip) {
  {
    ChipCatalog gh100("GH100");
    const auto chosen = tensor_metrics(gh100);
    EXPECT_TRUE(contains(chosen, "sm__ops_path_tensor_src_fp16.sum"));
    EXPECT_TRUE(contains(chosen, "sm__ops_path_tensor_src_bf16_dst_fp32.sum"));
    for (const std::string& m : chosen) EXPECT_FALSE(has(m, "sparsity")) << m;
  }
  {
    ChipCatalog tu102("TU102");
    const auto chosen = tensor_metrics(tu102);
    EXPECT_TRUE(contains(chosen, "sm__ops_path_tensor_src_fp16_dst_fp16.sum"));
    EXPECT_TRUE(contains(chosen, "sm__ops_path_tensor_src_fp16_bf16_tf32_dst_fp32.sum"));
    // The Hopper name does not exist on Turing: the catalogue says so.
    EXPECT_FALSE(tu102.resolves("sm__ops_path_tensor_src_fp16.sum"));
  }
  {
    ChipCatalog tu117("TU117");  // GTX 1650: no tensor cores
    EXPECT_TRUE(tensor_metrics(tu117).empty());
  }
}

TEST(MetricSet, ExtraMetricsAreAppendedOnce) {
  ChipCatalog catalog("GH100");
  const MetricSet set = default_metric_set(catalog, {"dram__bytes_read.sum", "lts__t_sectors.sum"});
  EXPECT_EQ(std::count(set.metrics.begin(), set.metrics.end(), "dram__bytes_read.sum"), 1);
  EXPECT_EQ(set.metrics.back(), "lts__t_sectors.sum");
}

TEST(MetricNames, UnknownNamesGetTheClosestKnownOnes) {
  ChipCatalog catalog("GH100");
  EXPECT_TRUE(unknown_metric_errors(catalog, {"dram__bytes_read.sum", "lts__t_sectors.sum"}).empty());

  auto errors = unknown_metric_errors(catalog, {"dram__bytes_reed.sum"});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(has(errors[0], "unknown metric 'dram__bytes_reed.sum' on GH100")) << errors[0];
  EXPECT_TRUE(has(errors[0], "dram__bytes_read.sum")) << errors[0];

  errors = unknown_metric_errors(catalog, {"dram__bytes_read.summ"});  // right base, wrong rollup
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(has(errors[0], "(closest: dram__bytes_read.sum")) << errors[0];

  errors = unknown_metric_errors(catalog, {"dram__bytes_read"});  // a bare base cannot be collected
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(has(errors[0], "is a base metric: name a rollup (closest: dram__bytes_read.sum")) << errors[0];
  EXPECT_THROW(catalog.describe("dram__bytes_read"), std::invalid_argument);

  ChipCatalog turing("TU102");  // a metric of another chip
  errors = unknown_metric_errors(turing, {"sm__ops_path_tensor_op_hgmma_src_fp16.sum"});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(has(errors[0], "on TU102 (closest: sm__ops_path_tensor")) << errors[0];
}

// ---- occupancy arithmetic (H100: 2048 threads, 32 blocks, 64K registers, 228 KiB shared per SM) ----

SmLimits hopper() {
  SmLimits sm;
  sm.max_threads_per_sm = 2048;
  sm.max_blocks_per_sm = 32;
  sm.registers_per_sm = 65536;
  sm.shared_memory_per_sm = 233472;
  sm.reserved_shared_per_block = 1024;
  return sm;
}

TEST(Occupancy, LimitersOfTheCalculator) {
  Occupancy o = theoretical_occupancy({256, 32, 0}, hopper());
  EXPECT_EQ(o.blocks_per_sm, 8);
  EXPECT_DOUBLE_EQ(o.theoretical_pct, 100.0);
  EXPECT_EQ(o.limiter, "none");

  o = theoretical_occupancy({256, 128, 0}, hopper());  // 128 regs x 32 = 4096 per warp: 16 warps
  EXPECT_EQ(o.blocks_per_sm, 2);
  EXPECT_DOUBLE_EQ(o.theoretical_pct, 25.0);
  EXPECT_EQ(o.limiter, "registers");

  o = theoretical_occupancy({256, 33, 0}, hopper());  // 33 regs round up to 40 per thread (1280 per warp)
  EXPECT_EQ(o.blocks_per_sm, 6);
  EXPECT_EQ(o.limiter, "registers");

  o = theoretical_occupancy({768, 16, 0}, hopper());  // 24 warps per block: two fit in 64
  EXPECT_EQ(o.blocks_per_sm, 2);
  EXPECT_DOUBLE_EQ(o.theoretical_pct, 75.0);
  EXPECT_EQ(o.limiter, "block_size");

  o = theoretical_occupancy({32, 16, 0}, hopper());  // 32 block slots of one warp
  EXPECT_EQ(o.blocks_per_sm, 32);
  EXPECT_DOUBLE_EQ(o.theoretical_pct, 50.0);
  EXPECT_EQ(o.limiter, "blocks_per_sm");

  o = theoretical_occupancy({256, 32, 100 * 1024}, hopper());  // 101 KiB per block with the reserve
  EXPECT_EQ(o.blocks_per_sm, 2);
  EXPECT_EQ(o.limiter, "shared_memory");
}

// Expected values worked by hand from cuda_occupancy.h's rules (cudaOccMaxBlocksPerSMRegsLimit,
// cudaOccMaxBlocksPerSMSmemLimit, cudaOccSMemAllocationGranularity), not from the code under test.
TEST(Occupancy, RegistersPerSubPartition) {
  // 48 regs x 32 = 1536 per warp (a multiple of 256). Each of the 4 sub-partitions has 16384
  // registers: floor(16384 / 1536) = 10 warps, 40 per SM; 6-warp blocks: floor(40 / 6) = 6 blocks,
  // 36 of 64 warps = 56.25 %. (65536 / 1536 = 42 warps over the whole SM would give 7.)
  Occupancy o = theoretical_occupancy({192, 48, 0}, hopper());
  EXPECT_EQ(o.blocks_per_sm, 6);
  EXPECT_DOUBLE_EQ(o.theoretical_pct, 56.25);
  EXPECT_EQ(o.limiter, "registers");

  // 40 regs x 32 = 1280 per warp: floor(16384 / 1280) = 12 warps per sub-partition, 48 per SM;
  // 3-warp blocks: 16 blocks (warps alone allow 21, slots 32), 48 of 64 warps = 75 %.
  // (65536 / 1280 = 51 warps would give 17 blocks, 79.7 %.)
  o = theoretical_occupancy({96, 40, 0}, hopper());
  EXPECT_EQ(o.blocks_per_sm, 16);
  EXPECT_DOUBLE_EQ(o.theoretical_pct, 75.0);
  EXPECT_EQ(o.limiter, "registers");
}

TEST(Occupancy, SharedAllocationUnitFollowsTheComputeCapability) {
  EXPECT_EQ(shared_alloc_unit_for(7), 256u);
  EXPECT_EQ(shared_alloc_unit_for(8), 128u);
  EXPECT_EQ(shared_alloc_unit_for(9), 128u);
  EXPECT_EQ(shared_alloc_unit_for(12), 128u);

  // Turing (sm_75): 1024 threads, 16 blocks, 64K registers, 64 KiB carveout, no per-block reserve.
  SmLimits turing;
  turing.max_threads_per_sm = 1024;
  turing.max_blocks_per_sm = 16;
  turing.registers_per_sm = 65536;
  turing.shared_memory_per_sm = 65536;
  turing.shared_alloc_unit = shared_alloc_unit_for(7);
  // 10800 bytes round up to 11008 in units of 256: floor(65536 / 11008) = 5 blocks of 4 warps,
  // 20 of 32 warps = 62.5 % (in units of 128, 10880 bytes would give 6 blocks, 75 %). Registers
  // (32 x 32 = 1024 per warp: 16 warps per sub-partition) allow 16 blocks, warps 8.
  Occupancy o = theoretical_occupancy({128, 32, 10800}, turing);
  EXPECT_EQ(o.blocks_per_sm, 5);
  EXPECT_DOUBLE_EQ(o.theoretical_pct, 62.5);
  EXPECT_EQ(o.limiter, "shared_memory");

  turing.shared_alloc_unit = shared_alloc_unit_for(8);  // what an sm_80+ device would allocate
  o = theoretical_occupancy({128, 32, 10800}, turing);
  EXPECT_EQ(o.blocks_per_sm, 6);
  EXPECT_DOUBLE_EQ(o.theoretical_pct, 75.0);
}

TEST(Occupancy, ReserveCountsWithoutSharedMemory) {
  // No shared memory of its own, 1-warp blocks, on an 8 KiB carveout: each block still takes the
  // 1 KiB reserve, so floor(8192 / 1024) = 8 blocks, 8 of 64 warps = 12.5 % (the 32 block slots
  // would give 50 %).
  SmLimits sm = hopper();
  sm.shared_memory_per_sm = 8192;
  Occupancy o = theoretical_occupancy({32, 16, 0}, sm);
  EXPECT_EQ(o.blocks_per_sm, 8);
  EXPECT_DOUBLE_EQ(o.theoretical_pct, 12.5);
  EXPECT_EQ(o.limiter, "shared_memory");

  // The same on the maximum carveout: floor(233472 / 1024) = 228 blocks, so the slots limit.
  o = theoretical_occupancy({32, 16, 0}, hopper());
  EXPECT_EQ(o.blocks_per_sm, 32);
  EXPECT_EQ(o.limiter, "blocks_per_sm");

  // The carveout the driver gives such a kernel (H100, ncu: 32 KiB) fits the 32 slots' reserves
  // exactly: floor(32768 / 1024) = 32 = the slots, and the slots are named, not shared memory.
  sm.shared_memory_per_sm = 32768;
  o = theoretical_occupancy({32, 16, 0}, sm);
  EXPECT_EQ(o.blocks_per_sm, 32);
  EXPECT_EQ(o.limiter, "blocks_per_sm");

  // sm_7.x reserves nothing: a block without shared memory is not limited by it.
  sm.reserved_shared_per_block = 0;
  o = theoretical_occupancy({32, 16, 0}, sm);
  EXPECT_EQ(o.blocks_per_sm, 32);
  EXPECT_EQ(o.limiter, "blocks_per_sm");

  // Through the launch record: the carveout the kernel ran with replaces the device's maximum.
  LaunchRecord launch;
  launch.grid[0] = 132 * 8;
  launch.block[0] = 32;
  launch.registers_per_thread = 16;
  launch.shared_config_bytes = 8192;
  const nlohmann::json l = launch_json(launch, hopper(), 132);
  EXPECT_DOUBLE_EQ(l["theoretical_occupancy_pct"].get<double>(), 12.5);
  EXPECT_EQ(l["occupancy_limiter"], "shared_memory");
  EXPECT_DOUBLE_EQ(l["waves_per_sm"].get<double>(), 1.0);
}

TEST(Occupancy, WavesPerSm) {
  EXPECT_DOUBLE_EQ(waves_per_sm(1056, 8, 132), 1.0);
  EXPECT_DOUBLE_EQ(waves_per_sm(528, 8, 132), 0.5);
  EXPECT_DOUBLE_EQ(waves_per_sm(100, 0, 132), 0.0);
}

// ---- the JSON of profile_format.md ----

TEST(ProfileJson, Demangles) {
  EXPECT_EQ(demangle("_Z3fooi"), "foo(int)");
  EXPECT_EQ(demangle("vectorAdd"), "vectorAdd");
}

TEST(ProfileJson, FlopsFromInstructionCounts) {
  const std::map<std::string, double> m = {
      {metric::kFadd, 10}, {metric::kFmul, 20}, {metric::kFfma, 30}, {"t.a", 5}, {"t.b", 7}};
  const nlohmann::json f = flops_json(m, {"t.a", "t.b"});
  EXPECT_DOUBLE_EQ(f["fp32"].get<double>(), 90.0);
  EXPECT_TRUE(f["fp16"].is_null());  // not collected: unknown, not zero
  EXPECT_DOUBLE_EQ(f["tensor"].get<double>(), 12.0);
  EXPECT_TRUE(flops_json(m, {})["tensor"].is_null());
}

TEST(ProfileJson, KernelRecordHasTheFormatsKeys) {
  LaunchRecord launch;
  launch.name = "k";
  launch.grid[0] = 1056;
  launch.block[0] = 256;
  launch.registers_per_thread = 32;
  launch.static_shared_bytes = 128;
  const nlohmann::json l = launch_json(launch, hopper(), 132);
  for (const char* key : {"grid", "block", "registers", "static_smem_bytes", "dynamic_smem_bytes",
                          "local_bytes_per_thread", "theoretical_occupancy_pct", "occupancy_limiter", "waves_per_sm"})
    EXPECT_TRUE(l.contains(key)) << key;
  EXPECT_EQ(l["grid"], nlohmann::json({1056, 1, 1}));
  EXPECT_EQ(l["occupancy_limiter"], "none");
  EXPECT_DOUBLE_EQ(l["waves_per_sm"].get<double>(), 1.0);

  const nlohmann::json k = kernel_profile_json("k", {{metric::kDuration, 1000.0}}, {}, l);
  EXPECT_EQ(k["name"], "k");
  EXPECT_DOUBLE_EQ(k["metrics"][metric::kDuration].get<double>(), 1000.0);
  EXPECT_TRUE(k.contains("flops") && k.contains("launch"));
}

TEST(ProfileJson, TraceSummaryLikeNsysKernSum) {
  const std::vector<KernelInterval> k = {{"a", 0, 1000},      {"a", 5000, 8000},   {"a", 10000, 12000},
                                         {"b", 20000, 30000}, {"c", 40000, 41000}, {"c", 50000, 52000}};
  TraceTotals totals;
  totals.span_us = 52.0;
  totals.records = 6;
  totals.dropped = 2;
  const nlohmann::json t = trace_summary_json(k, totals);
  EXPECT_EQ(t["records"], 6);
  EXPECT_EQ(t["dropped_records"], 2);
  ASSERT_EQ(t["kernels"].size(), 3u);
  const nlohmann::json& b = t["kernels"][0];  // sorted by total time
  EXPECT_EQ(b["name"], "b");
  EXPECT_DOUBLE_EQ(b["share_pct"].get<double>(), 100.0 * 10 / 19);
  const nlohmann::json& a = t["kernels"][1];
  EXPECT_EQ(a["instances"], 3);
  EXPECT_DOUBLE_EQ(a["total_us"].get<double>(), 6.0);
  EXPECT_DOUBLE_EQ(a["avg_us"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(a["median_us"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(a["min_us"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(a["max_us"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(t["kernels"][2]["median_us"].get<double>(), 1.5);  // even count: mean of the middle two
  EXPECT_FALSE(t.contains("untimed_kernel_records"));
}

// CUPTI gives a kernel record zero timestamps when it could not time it (no device memory): left out
// of the statistics and counted, not an instance of 0 us.
TEST(ProfileJson, TraceSummaryLeavesOutUntimedKernels) {
  const nlohmann::json t =
      trace_summary_json({{"a", 1000, 3000}, {"a", 0, 0}, {"a", 5000, 9000}}, TraceTotals{10.0, 3, 0});
  ASSERT_EQ(t["kernels"].size(), 1u);
  EXPECT_EQ(t["kernels"][0]["instances"], 2);
  EXPECT_DOUBLE_EQ(t["kernels"][0]["min_us"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(t["kernels"][0]["median_us"].get<double>(), 3.0);
  EXPECT_EQ(t["untimed_kernel_records"], 1);
}

TEST(ProfileJson, ResultsFileWithProfileStaysValid) {
  ResultsInput in;
  in.gbench = {{"context", {{"date", "2026-11-21"}}},
               {"benchmarks",
                {{{"name", "rmsnorm/vec8/bf16/m/tokens:1/iterations:10/manual_time"},
                  {"run_name", "rmsnorm/vec8/bf16/m/tokens:1/iterations:10/manual_time"},
                  {"run_type", "iteration"},
                  {"repetition_index", 0},
                  {"iterations", 10},
                  {"real_time", 5.0},
                  {"time_unit", "us"},
                  {"median_us", 5.0},
                  {"min_us", 4.0},
                  {"max_us", 6.0}}}}};
  in.environment = {{"device",
                     {{"name", "H100"},
                      {"compute_capability", "9.0"},
                      {"sm_count", 132},
                      {"l2_bytes", 52428800},
                      {"memory_bytes", 85000000000LL},
                      {"sm_clock_mhz", 1980},
                      {"memory_clock_mhz", 2619},
                      {"memory_bus_bits", 5120}}},
                    {"driver_version", "13.0"},
                    {"runtime_version", "13.0"},
                    {"timing", "cold"},
                    {"repetitions", 1}};
  in.calibration = {{"read_gbps", 3000.0}, {"write_gbps", 2900.0},     {"copy_gbps", 2800.0},
                    {"launch_us", 2.5},    {"dram_peak_gbps", 3352.0}, {"tensor_f16_tflops", 700.0}};
  CaseOutcome c;
  c.metadata = {{"name", "rmsnorm/vec8/bf16/m/tokens:1"},
                {"op", "rmsnorm"},
                {"variant", "rmsnorm/vec8"},
                {"baseline", false},
                {"dtype", "bf16"},
                {"model", "m"},
                {"label", "bf16/m/tokens:1"},
                {"problem", {{"tokens", 1}}},
                {"bytes_moved", 1000.0},
                {"flops", 100.0},
                {"ceiling", "copy"}};
  c.ran = c.checked = true;
  c.check.checked = 10;
  LaunchRecord launch;
  launch.name = "k";
  c.profile = {
      {"passes", 9},
      {"kernels", {kernel_profile_json("k", {{metric::kDuration, 1.0}}, {}, launch_json(launch, hopper(), 132))}}};
  in.cases = {c};
  in.profiler = {
      {"enabled", true}, {"status", "ok"}, {"message", ""}, {"chip", "GH100"}, {"metrics", common_default_metrics()},
      {"passes", 9}};
  in.trace = trace_summary_json({{"k", 0, 1000}}, TraceTotals{1.0, 1, 0});
  in.generator = "llmkb test";
  in.created = "2026-11-21T00:00:00Z";
  const nlohmann::json results = make_results(in);
  const auto errors = validate_results(results);
  for (const std::string& e : errors) ADD_FAILURE() << e;
  EXPECT_EQ(results["llmkb"]["profiler"]["chip"], "GH100");
  EXPECT_EQ(results["llmkb"]["trace"]["kernels"][0]["instances"], 1);
  EXPECT_EQ(results["llmkb"]["cases"][0]["profile"]["passes"], 9);
}

}  // namespace
}  // namespace llmkb
