// The bottleneck rules (GUIDE section 6): each fires on a launch built to trip it and stays silent
// on the near miss.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "reports/bottleneck_rules.h"
#include "reports/compute_peaks.h"
#include "reports/report_document.h"
#include "reports/report_model.h"

namespace llmkb::report {
namespace {

// A streaming, memory-bound launch at a chosen fraction of a 3000 GB/s roof, with healthy counters
// (no rule fires on it unless a test changes something).
struct Launch {
  LaunchCounters counters;
  LaunchContext context;
};

Launch streaming_launch(double fraction_of_roof) {
  Launch l;
  const double bytes = 1e9;  // 1 GB moved, the op's minimum
  const double seconds = bytes / (fraction_of_roof * 3000e9);
  l.counters.duration_ns = seconds * 1e9;
  l.counters.dram_read_bytes = bytes / 2;
  l.counters.dram_write_bytes = bytes / 2;
  l.counters.flops_fp32 = bytes;  // 1 FLOP/byte: far below the fp32 ridge
  l.counters.sm_efficiency_pct = 95;
  l.counters.compute_sol_pct = 30;
  l.counters.memory_sol_pct = 100 * fraction_of_roof;
  l.counters.l2_hit_pct = 30;  // low, but a streaming kernel has nothing to reuse
  l.counters.l1_hit_pct = 0;
  l.counters.achieved_occupancy_pct = 90;
  l.counters.theoretical_occupancy_pct = 100;
  l.counters.waves_per_sm = 8;
  l.counters.registers = 32;
  l.context.bandwidth_ceiling_gbps = 3000;
  l.context.compute_peak_tflops = 60;
  l.context.min_bytes = bytes;
  return l;
}

// The committed example input (an H200 run with counters), analysed once.
const nlohmann::json& example_model() {
  static const nlohmann::json model = [] {
    std::ifstream in(std::string(LLMKB_TEST_DATA_DIR) + "/results_h200_profile.json");
    return analyse_results(nlohmann::json::parse(in));
  }();
  return model;
}

const Finding* find(const LaunchAnalysis& a, const std::string& kind) {
  for (const Finding& f : a.findings) {
    if (f.kind == kind) return &f;
  }
  return nullptr;
}

Severity worst(const LaunchAnalysis& a) {
  Severity s = Severity::low;
  for (const Finding& f : a.findings) s = std::max(s, f.severity);
  return s;
}

TEST(ReportRules, AHealthyStreamingKernelHasNoFindings) {
  const Launch l = streaming_launch(0.9);
  const LaunchAnalysis a = analyse_launch(l.counters, l.context);
  EXPECT_TRUE(a.findings.empty()) << a.findings.front().kind;
  EXPECT_EQ(a.bound, Bound::memory);
  EXPECT_NEAR(*a.pct_of_roof, 90.0, 1e-9);
  EXPECT_NEAR(*a.achieved_gbps, 2700.0, 1e-6);
  EXPECT_NEAR(*a.arithmetic_intensity, 1.0, 1e-12);
}

TEST(ReportRules, AtEightyFivePercentOfTheRoofNothingIsAboveLow) {
  Launch at = streaming_launch(0.86);
  at.counters.memory_sol_pct = 70;          // SOL alone would not call it high throughput
  at.counters.achieved_occupancy_pct = 40;  // a big occupancy gap...
  at.counters.sm_efficiency_pct = 30;       // ...and low SM efficiency: still low, it is at its roof
  const LaunchAnalysis a = analyse_launch(at.counters, at.context);
  EXPECT_TRUE(a.at_roof);
  EXPECT_EQ(find(a, "below_roof"), nullptr);
  ASSERT_NE(find(a, "occupancy_gap"), nullptr);
  EXPECT_EQ(worst(a), Severity::low);

  Launch below = at;
  below = streaming_launch(0.84);
  below.counters.memory_sol_pct = 70;
  const LaunchAnalysis b = analyse_launch(below.counters, below.context);
  EXPECT_FALSE(b.at_roof);
  ASSERT_NE(find(b, "below_roof"), nullptr);
  EXPECT_EQ(find(b, "below_roof")->severity, Severity::medium);
  EXPECT_NEAR(find(b, "below_roof")->value, 84.0, 1e-9);
  EXPECT_EQ(find(b, "below_roof")->threshold, 85.0);
}

TEST(ReportRules, SeverityFollowsTheSpeedupLeft) {
  Launch high = streaming_launch(0.49);  // 2.04x left
  high.counters.memory_sol_pct = 65;
  const LaunchAnalysis a = analyse_launch(high.counters, high.context);
  EXPECT_EQ(find(a, "below_roof")->severity, Severity::high);
  EXPECT_NEAR(a.speedup_left, 1 / 0.49, 1e-9);

  Launch medium = streaming_launch(0.51);  // 1.96x left
  medium.counters.memory_sol_pct = 65;
  EXPECT_EQ(find(analyse_launch(medium.counters, medium.context), "below_roof")->severity, Severity::medium);

  EXPECT_EQ(severity_for_speedup(2.0), Severity::high);
  EXPECT_EQ(severity_for_speedup(1.99), Severity::medium);
  EXPECT_EQ(severity_for_speedup(1.0 / 0.85), Severity::medium);
  EXPECT_EQ(severity_for_speedup(1.17), Severity::low);
}

TEST(ReportRules, ContributingFindingsRankOneLevelBelowThePrimary) {
  Launch l = streaming_launch(0.4);
  l.counters.memory_sol_pct = 65;
  l.counters.achieved_occupancy_pct = 50;  // 50 points under theoretical
  const LaunchAnalysis a = analyse_launch(l.counters, l.context);
  EXPECT_EQ(find(a, "below_roof")->severity, Severity::high);
  EXPECT_TRUE(find(a, "below_roof")->primary);
  EXPECT_EQ(find(a, "occupancy_gap")->severity, Severity::medium);
  EXPECT_FALSE(find(a, "occupancy_gap")->primary);
}

TEST(ReportRules, BothSolUnderSixtyIsLatencyAndASmallGridIsNamed) {
  Launch l = streaming_launch(0.1);
  l.counters.compute_sol_pct = 59;
  l.counters.memory_sol_pct = 59.9;
  l.counters.waves_per_sm = 0.05;
  const LaunchAnalysis a = analyse_launch(l.counters, l.context);
  EXPECT_EQ(a.bound, Bound::latency);
  const Finding* f = find(a, "latency_bound");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->detail, "small_grid");
  EXPECT_DOUBLE_EQ(f->detail_value, 0.05);
  EXPECT_EQ(find(a, "below_roof"), nullptr);  // the latency finding names the roof instead

  Launch big_grid = l;
  big_grid.counters.waves_per_sm = 1.0;
  EXPECT_EQ(find(analyse_launch(big_grid.counters, big_grid.context), "latency_bound")->detail, "");

  Launch near_miss = l;
  near_miss.counters.memory_sol_pct = 60;  // not both under 60: not latency
  const LaunchAnalysis b = analyse_launch(near_miss.counters, near_miss.context);
  EXPECT_EQ(find(b, "latency_bound"), nullptr);
  EXPECT_EQ(b.bound, Bound::memory);
}

TEST(ReportRules, TheLaunchFloorBoundsTheSpeedupLeft) {
  Launch l = streaming_launch(0.05);  // 20x from the roof...
  l.counters.compute_sol_pct = 5;
  l.counters.memory_sol_pct = 5;
  l.context.launch_floor_us = 2.4;
  l.context.case_median_us = 2.6;  // ...but within 1.08x of an empty kernel
  const LaunchAnalysis a = analyse_launch(l.counters, l.context);
  EXPECT_NEAR(a.speedup_left, 2.6 / 2.4, 1e-12);
  EXPECT_EQ(find(a, "latency_bound")->severity, Severity::low);

  l.context.case_median_us = 6.0;  // 2.5x above the floor: worth a high
  EXPECT_EQ(find(analyse_launch(l.counters, l.context), "latency_bound")->severity, Severity::high);
}

// In a case of several kernels the case median says nothing about one launch: each launch is bounded
// by its own duration (a 2.72 us reduce kernel after a GEMV, under the 3.10 us empty-kernel launch,
// has nothing to gain), whatever the case's median.
TEST(ReportRules, InACaseOfSeveralKernelsEachLaunchIsBoundedByItsOwnDuration) {
  Launch l = streaming_launch(0.5);
  l.counters.compute_sol_pct = 5;
  l.counters.memory_sol_pct = 1;
  l.counters.duration_ns = 2720;
  l.counters.dram_read_bytes = 8e3;  // 8 KB in 2.72 us: 3 GB/s, 1000x under the roof
  l.counters.dram_write_bytes = 0;
  l.counters.flops_fp32 = 8e3;
  l.context.min_bytes = 8e3;
  l.context.launch_floor_us = 3.10;
  l.context.case_median_us = 14.46;
  l.context.kernels_in_case = 2;
  const LaunchAnalysis a = analyse_launch(l.counters, l.context);
  EXPECT_DOUBLE_EQ(a.speedup_left, 1.0);
  EXPECT_EQ(find(a, "latency_bound")->severity, Severity::low);

  l.counters.duration_ns = 12400;  // a longer launch of the same case, 4x above the floor, still far below its roof
  EXPECT_NEAR(analyse_launch(l.counters, l.context).speedup_left, 4.0, 1e-9);

  l.context.kernels_in_case = 1;  // one kernel: the case median, timed like the floor, bounds it
  EXPECT_NEAR(analyse_launch(l.counters, l.context).speedup_left, 14.46 / 3.10, 1e-9);
}

// The example file: cuBLAS's split-K reduce and the split-KV merge kernel each run next to a larger
// kernel; none of them is ever bounded by more than its own duration over the launch floor, and every
// launch carries its case's median for the suggestion text.
TEST(ReportModel, TheExampleFilesLaunchesAreBoundedByTheLaunchFloor) {
  const nlohmann::json& model = example_model();
  const double floor_us = model["ceilings"]["launch_us"].get<double>();
  int seen = 0;
  for (const nlohmann::json& k : model["kernels"]) {
    for (const nlohmann::json& l : k["launch_details"]) {
      ASSERT_TRUE(l["case_median_us"].is_number()) << l["case"];
      if (l["kernels_in_case"].get<int>() == 1) continue;
      ++seen;
      const double duration = l["duration_us"].get<double>();
      EXPECT_LE(l["speedup_left"].get<double>(), std::max(1.0, duration / floor_us) + 1e-9)
          << k["short_name"] << " " << l["case"];
      if (duration < floor_us) {
        for (const nlohmann::json& f : l["findings"]) EXPECT_EQ(f["severity"], "low") << k["short_name"];
      }
    }
  }
  EXPECT_GT(seen, 0);
}

TEST(ReportRules, OneSolAtEightyIsHighThroughput) {
  Launch l = streaming_launch(0.6);
  l.counters.memory_sol_pct = 80;
  l.counters.dram_sol_pct = 78;  // DRAM is the busy memory unit (else see AMemorySolFromAUnitOtherThanDramIsNoRoof)
  l.counters.compute_sol_pct = 20;
  const LaunchAnalysis a = analyse_launch(l.counters, l.context);
  EXPECT_TRUE(a.at_roof);
  EXPECT_EQ(find(a, "sol_busier_unit"), nullptr);
  EXPECT_EQ(worst(a), Severity::low);

  Launch compute = l;  // the compute SOL at 80 % is against the SM's roof whatever DRAM does
  compute.counters.memory_sol_pct = 20;
  compute.counters.compute_sol_pct = 80;
  EXPECT_TRUE(analyse_launch(compute.counters, compute.context).at_roof);

  l.counters.memory_sol_pct = 79.9;
  const LaunchAnalysis b = analyse_launch(l.counters, l.context);
  EXPECT_FALSE(b.at_roof);
  ASSERT_NE(find(b, "sol_busier_unit"), nullptr);
  EXPECT_EQ(find(b, "sol_busier_unit")->detail, "memory");
}

// Memory SOL is the busiest of L1, L2 and DRAM. baseline_quant_kernel on the H200: memory SOL 91-95 %,
// L1 hit rate 98.7 %, DRAM at 2-5 % of its roof and 22-42x left (q4_0_mma runs the same case 10x
// faster): the L1/load-store path is saturated, not DRAM. That is no roof: severity follows the
// speedup left against the DRAM roof, and the finding names the saturated pipeline.
TEST(ReportRules, AMemorySolFromAUnitOtherThanDramIsNoRoof) {
  Launch l = streaming_launch(0.024);
  l.counters.memory_sol_pct = 93.4;
  l.counters.dram_sol_pct = 2.2;
  l.counters.compute_sol_pct = 40;
  l.counters.l1_hit_pct = 98.7;
  const LaunchAnalysis a = analyse_launch(l.counters, l.context);
  EXPECT_TRUE(a.memory_pipeline_saturated);
  EXPECT_FALSE(a.at_roof);
  EXPECT_EQ(a.bound, Bound::memory);
  EXPECT_NEAR(a.speedup_left, 1 / 0.024, 1e-9);
  const Finding* f = find(a, "memory_pipeline_saturated");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->primary);
  EXPECT_EQ(f->severity, Severity::high);
  EXPECT_DOUBLE_EQ(f->value, 93.4);
  EXPECT_NEAR(f->detail_value, 2.4, 1e-9);
  EXPECT_EQ(find(a, "below_roof"), nullptr);       // the saturated pipeline names the roof instead
  EXPECT_EQ(find(a, "sol_busier_unit"), nullptr);  // not "under 80 %"

  // DRAM is the busy unit (its SOL within 10 points of the memory SOL): against its roof, low.
  Launch dram = streaming_launch(0.83);
  dram.counters.memory_sol_pct = 88;
  dram.counters.dram_sol_pct = 85;
  const LaunchAnalysis b = analyse_launch(dram.counters, dram.context);
  EXPECT_FALSE(b.memory_pipeline_saturated);
  EXPECT_TRUE(b.at_roof);
  EXPECT_EQ(worst(b), Severity::low);

  // At 85 % of the DRAM roof the kernel is at its roof whatever saturates.
  Launch at_roof = l;
  at_roof = streaming_launch(0.86);
  at_roof.counters.memory_sol_pct = 93.4;
  at_roof.counters.dram_sol_pct = 2.2;
  EXPECT_FALSE(analyse_launch(at_roof.counters, at_roof.context).memory_pipeline_saturated);

  // Memory SOL under 80 %: the ordinary rules.
  Launch under = l;
  under.counters.memory_sol_pct = 79.9;
  EXPECT_FALSE(analyse_launch(under.counters, under.context).memory_pipeline_saturated);

  // Placed with owed bytes at 83 % of the roof, memory SOL 62 % as counted: that 83 % is DRAM's own.
  Launch owed = streaming_launch(0.83);
  owed.counters.dram_read_bytes = 0.45e9;
  owed.counters.dram_write_bytes = 0.45e9;  // 0.9x the minimum
  owed.counters.memory_sol_pct = 62;
  owed.counters.dram_sol_pct = 62;
  const LaunchAnalysis d = analyse_launch(owed.counters, owed.context);
  EXPECT_TRUE(d.placed_on_min_bytes);
  EXPECT_FALSE(d.memory_pipeline_saturated);
  EXPECT_EQ(find(d, "memory_pipeline_saturated"), nullptr);
}

// On the example file: baseline_quant_kernel's launches are high, with their own finding and a
// suggestion that names the saturated pipeline.
TEST(ReportModel, TheExampleFilesQuantBaselineIsNotAtARoof) {
  const nlohmann::json& model = example_model();
  int seen = 0;
  for (const nlohmann::json& k : model["kernels"]) {
    if (k["short_name"].get<std::string>().rfind("baseline_quant_kernel", 0) != 0) continue;
    ++seen;
    EXPECT_EQ(k["severity"], "high") << k["short_name"];
    for (const nlohmann::json& l : k["launch_details"]) {
      EXPECT_FALSE(l["at_roof"].get<bool>()) << l["case"];
      EXPECT_TRUE(l["memory_pipeline_saturated"].get<bool>()) << l["case"];
      EXPECT_GT(l["speedup_left"].get<double>(), 10) << l["case"];
    }
    bool suggested = false;
    for (const nlohmann::json& s : model["suggestions"]) {
      if (s["kernel"] != k["name"]) continue;
      suggested = true;
      EXPECT_EQ(s["finding"]["kind"], "memory_pipeline_saturated");
    }
    EXPECT_TRUE(suggested) << k["short_name"];
  }
  EXPECT_GE(seen, 2);
}

// flash_prefill used for decode (b8, kv4096) counts 6.87e10 tensor FLOPs against the op's 5.37e8:
// 128x, tiles padded from one query row to 128. Against the tensor roof it read 44.5 % of it, as if
// useful; its useful rate is 2.6 TFLOP/s. Placed with the op's FLOPs it is on the memory side.
TEST(ReportRules, PaddedFlopsAreSaidAndTheRooflineUsesTheUsefulOnes) {
  LaunchCounters c;
  c.duration_ns = 208e3;
  c.dram_read_bytes = 1.349e8;
  c.dram_write_bytes = 0;
  c.flops_tensor = 6.872e10;
  c.compute_sol_pct = 51.7;
  c.memory_sol_pct = 55.3;
  LaunchContext ctx;
  ctx.bandwidth_ceiling_gbps = 4487.7;
  ctx.compute_peak_tflops = 742.7;
  ctx.min_bytes = 1.349e8;
  ctx.op_flops = 5.37e8;
  ctx.case_counted_flops = 6.872e10;
  const LaunchAnalysis a = analyse_launch(c, ctx);
  ASSERT_TRUE(a.padded_flops_ratio.has_value());
  EXPECT_NEAR(*a.padded_flops_ratio, 6.872e10 / 5.37e8, 1e-9);
  EXPECT_NEAR(*a.counted_tflops, 6.872e10 / 208e-6 / 1e12, 1e-9);  // 330 TFLOP/s counted...
  EXPECT_NEAR(*a.achieved_tflops, 5.37e8 / 208e-6 / 1e12, 1e-9);   // ...2.58 useful
  EXPECT_EQ(a.roofline_side, Bound::memory);                       // 4 FLOP/byte: under the ridge
  EXPECT_NEAR(*a.pct_of_roof, 100.0 * 1.349e8 / 208e-6 / 1e9 / 4487.7, 1e-9);
  const Finding* f = find(a, "padded_compute");
  ASSERT_NE(f, nullptr);
  EXPECT_NEAR(f->value, 128.0, 1.0);
  EXPECT_EQ(f->detail, "tensor");
  EXPECT_NEAR(f->detail_value, 2.58, 0.01);

  // The case's other launch (a reduce next to it): no finding, placed as counted.
  LaunchContext other = ctx;
  other.counts_most_of_case_flops = false;
  const LaunchAnalysis b = analyse_launch(c, other);
  EXPECT_EQ(find(b, "padded_compute"), nullptr);
  EXPECT_NEAR(*b.achieved_tflops, 6.872e10 / 208e-6 / 1e12, 1e-9);

  // On the fp32 pipe the counters also count exp, rsqrt and conversions (act_and_mul: 5.5-6.6x the
  // op's textbook FLOPs): no finding, placed as counted.
  LaunchCounters fp32 = c;
  fp32.flops_tensor = 0;
  fp32.flops_fp32 = 6.872e10;
  const LaunchAnalysis e = analyse_launch(fp32, ctx);
  EXPECT_FALSE(e.padded_flops_ratio.has_value());
  EXPECT_EQ(find(e, "padded_compute"), nullptr);

  // 2x the op's FLOPs: no finding, the counted FLOPs place it.
  ctx.case_counted_flops = 2 * 5.37e8;
  c.flops_tensor = 2 * 5.37e8;
  const LaunchAnalysis d = analyse_launch(c, ctx);
  EXPECT_FALSE(d.padded_flops_ratio.has_value());
  EXPECT_EQ(find(d, "padded_compute"), nullptr);
}

// rope_baseline at 4096 tokens: under its bandwidth roof with compute SOL 68.3 % against memory 21.8 %.
// The suggestion follows the busier unit (instructions per byte), not "put more bytes in flight".
TEST(ReportRulesText, TheMemorySuggestionFollowsTheBusierSolUnit) {
  const nlohmann::json& model = example_model();
  bool seen = false;
  for (const nlohmann::json& s : model["suggestions"]) {
    const nlohmann::json& l = s["launch"];
    if (s["finding"]["kind"] != "below_roof" || l["roofline_side"] != "memory") continue;
    const double gap = l["compute_sol_pct"].get<double>() - l["memory_sol_pct"].get<double>();
    for (Lang lang : {Lang::en, Lang::zh}) {
      const std::string text = suggestion_text(s, model, lang);
      const std::string in_flight = lang == Lang::en ? "put more bytes in flight" : "增加在途字节数：";
      if (gap >= 10) {
        EXPECT_EQ(text.find(in_flight), std::string::npos) << text;
        EXPECT_NE(text.find(lang == Lang::en ? "the SM is the busier unit" : "SM 才是较忙的单元"), std::string::npos)
            << text;
      }
    }
    if (l["case"] == "rope/baseline/f16/llama3-8b/tokens:4096") seen = true;
  }
  EXPECT_TRUE(seen);
  // Memory the busier unit: the bytes-in-flight advice stays.
  nlohmann::json s = model["suggestions"][0];
  s["finding"] = {{"kind", "below_roof"}, {"severity", "high"}, {"primary", true},    {"value", 40.0},
                  {"threshold", 85.0},    {"unit", "%"},        {"detail", "memory"}, {"detail_value", 0.0}};
  s["launch"]["roofline_side"] = "memory";
  s["launch"]["dram_excess_ratio"] = 1.0;
  s["launch"]["compute_sol_pct"] = 30.0;
  s["launch"]["memory_sol_pct"] = 45.0;
  EXPECT_NE(suggestion_text(s, model, Lang::en).find("put more bytes in flight"), std::string::npos);
}

// On the example: padding is said only where the tensor pipe did the counting (the GEMVs' MMA at batch
// 1, prefill tiles on decode), never on the norms or activations, whose FP32 counts include exp/rsqrt.
TEST(ReportModel, TheExampleFilesPaddedComputeIsOnTensorLaunchesOnly) {
  int padded = 0;
  for (const nlohmann::json& k : example_model()["kernels"]) {
    for (const nlohmann::json& l : k["launch_details"]) {
      for (const nlohmann::json& f : l["findings"]) {
        if (f["kind"] != "padded_compute") continue;
        ++padded;
        EXPECT_EQ(f["detail"], "tensor") << l["case"];
      }
    }
  }
  EXPECT_GT(padded, 0);
}

// On the example: the flash_prefill decode launch is no longer presented at 44.5 % of the tensor roof.
TEST(ReportModel, TheExampleFilesPrefillKernelOnDecodeIsPlacedWithUsefulFlops) {
  bool seen = false;
  for (const nlohmann::json& k : example_model()["kernels"]) {
    for (const nlohmann::json& l : k["launch_details"]) {
      if (l["case"] != "attention/mma_sm80/bf16/llama3-8b/decode/b8/kv4096") continue;
      seen = true;
      EXPECT_NEAR(l["padded_flops_ratio"].get<double>(), 128.9, 0.1);
      EXPECT_NEAR(l["achieved_tflops"].get<double>(), 2.58, 0.01);
      EXPECT_NEAR(l["counted_tflops"].get<double>(), 330.4, 0.1);
      EXPECT_EQ(l["roofline_side"], "memory");
      EXPECT_LT(l["pct_of_roof"].get<double>(), 20);
      bool padded = false;
      for (const nlohmann::json& f : l["findings"]) padded = padded || f["kind"] == "padded_compute";
      EXPECT_TRUE(padded);
    }
  }
  EXPECT_TRUE(seen);
}

TEST(ReportRules, SolTenPointsApartNamesTheBusierUnit) {
  Launch l = streaming_launch(0.7);
  l.counters.compute_sol_pct = 75;
  l.counters.memory_sol_pct = 64;
  const Finding* f = find(analyse_launch(l.counters, l.context), "sol_busier_unit");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->detail, "compute");
  EXPECT_DOUBLE_EQ(f->value, 75);
  EXPECT_DOUBLE_EQ(f->detail_value, 64);

  l.counters.memory_sol_pct = 66;  // 9 points apart: no unit named
  EXPECT_EQ(find(analyse_launch(l.counters, l.context), "sol_busier_unit"), nullptr);
}

TEST(ReportRules, AchievedOccupancyMoreThanTenPointsUnderTheoretical) {
  Launch l = streaming_launch(0.7);
  l.counters.theoretical_occupancy_pct = 100;
  l.counters.achieved_occupancy_pct = 89;
  const Finding* f = find(analyse_launch(l.counters, l.context), "occupancy_gap");
  ASSERT_NE(f, nullptr);
  EXPECT_DOUBLE_EQ(f->value, 89);
  EXPECT_DOUBLE_EQ(f->detail_value, 100);

  l.counters.achieved_occupancy_pct = 90.5;
  EXPECT_EQ(find(analyse_launch(l.counters, l.context), "occupancy_gap"), nullptr);
}

TEST(ReportRules, TheoreticalOccupancyUnderEightyNamesItsLimiter) {
  Launch l = streaming_launch(0.7);
  l.counters.theoretical_occupancy_pct = 75;
  l.counters.achieved_occupancy_pct = 70;
  l.counters.occupancy_limiter = "registers";
  l.counters.registers = 96;
  const Finding* f = find(analyse_launch(l.counters, l.context), "occupancy_limited");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->detail, "registers");
  EXPECT_DOUBLE_EQ(f->detail_value, 96);

  l.counters.theoretical_occupancy_pct = 80;
  EXPECT_EQ(find(analyse_launch(l.counters, l.context), "occupancy_limited"), nullptr);
}

TEST(ReportRules, LowCacheHitIsAFindingOnlyWhereTheKernelReReadsData) {
  Launch rereads = streaming_launch(0.7);
  rereads.counters.dram_read_bytes = *rereads.counters.dram_read_bytes + 0.3e9;  // 1.3x the minimum
  rereads.counters.l2_hit_pct = 40;
  rereads.counters.l1_hit_pct = 10;
  const LaunchAnalysis a = analyse_launch(rereads.counters, rereads.context);
  EXPECT_TRUE(a.rereads_data);
  EXPECT_NEAR(*a.dram_excess_ratio, 1.3, 1e-12);
  ASSERT_NE(find(a, "excess_dram_traffic"), nullptr);
  ASSERT_NE(find(a, "low_l2_hit"), nullptr);
  EXPECT_DOUBLE_EQ(find(a, "low_l2_hit")->value, 40);
  ASSERT_NE(find(a, "low_l1_hit"), nullptr);

  Launch streaming = streaming_launch(0.7);
  streaming.counters.dram_read_bytes = *streaming.counters.dram_read_bytes + 0.2e9;  // 1.2x: streaming
  streaming.counters.l2_hit_pct = 40;
  streaming.counters.l1_hit_pct = 10;
  const LaunchAnalysis b = analyse_launch(streaming.counters, streaming.context);
  EXPECT_FALSE(b.rereads_data);
  EXPECT_EQ(find(b, "low_l2_hit"), nullptr);
  EXPECT_EQ(find(b, "low_l1_hit"), nullptr);
  EXPECT_EQ(find(b, "excess_dram_traffic"), nullptr);

  Launch good_hits = rereads;
  good_hits.counters.l2_hit_pct = 50;  // at the threshold: not low
  EXPECT_EQ(find(analyse_launch(good_hits.counters, good_hits.context), "low_l2_hit"), nullptr);
}

// A case of several kernels: how they share the op's minimum bytes is unknown, so no launch gets a
// ratio of its own (the old rule shared the minimum in proportion to traffic, which gave every kernel
// the case's ratio and told a tiny reduce kernel that it re-reads data). The case's ratio is said
// once, as the case's, on the launch that moved the most bytes.
TEST(ReportRules, ReReadsInACaseOfSeveralKernelsAreJudgedPerCase) {
  Launch big = streaming_launch(0.7);
  big.context.min_bytes.reset();
  big.context.kernels_in_case = 2;
  big.context.case_min_bytes = 1e9;
  big.context.case_dram_bytes = 1.5e9;  // 1.5x the case's minimum
  big.context.moves_most_of_case = true;
  big.counters.l2_hit_pct = 20;
  const LaunchAnalysis a = analyse_launch(big.counters, big.context);
  EXPECT_FALSE(a.dram_excess_ratio.has_value());
  EXPECT_FALSE(a.rereads_data);
  EXPECT_EQ(find(a, "excess_dram_traffic"), nullptr);
  EXPECT_EQ(find(a, "low_l2_hit"), nullptr);  // which kernel re-reads is not known
  ASSERT_TRUE(a.case_dram_excess_ratio.has_value());
  EXPECT_NEAR(*a.case_dram_excess_ratio, 1.5, 1e-12);
  const Finding* f = find(a, "case_excess_dram_traffic");
  ASSERT_NE(f, nullptr);
  EXPECT_NEAR(f->value, 1.5, 1e-12);
  EXPECT_DOUBLE_EQ(f->detail_value, 2);

  Launch reduce = big;  // the small kernel of the same case: no finding of its own
  reduce.context.moves_most_of_case = false;
  EXPECT_EQ(find(analyse_launch(reduce.counters, reduce.context), "case_excess_dram_traffic"), nullptr);

  big.context.case_dram_bytes = 1.2e9;  // 1.2x: streaming, no finding
  EXPECT_EQ(find(analyse_launch(big.counters, big.context), "case_excess_dram_traffic"), nullptr);
}

// On the example file no launch of a case of several kernels shows a DRAM / minimum ratio of its own.
TEST(ReportModel, TheExampleFilesMultiKernelLaunchesHaveNoRatioOfTheirOwn) {
  int seen = 0;
  for (const nlohmann::json& k : example_model()["kernels"]) {
    for (const nlohmann::json& l : k["launch_details"]) {
      if (l["kernels_in_case"].get<int>() == 1) continue;
      ++seen;
      EXPECT_TRUE(l["dram_excess_ratio"].is_null()) << k["short_name"] << " " << l["case"];
      EXPECT_TRUE(l["min_bytes"].is_null()) << k["short_name"];
      EXPECT_TRUE(l["case_dram_excess_ratio"].is_number()) << k["short_name"];
      for (const nlohmann::json& f : l["findings"]) EXPECT_NE(f["kind"], "excess_dram_traffic") << k["short_name"];
    }
  }
  EXPECT_GT(seen, 0);
}

// Output that fits in L2 is not written back during the kernel: the DRAM counters can show fewer bytes
// than the op's minimum (rmsnorm vec8 at 4096 tokens: 0.64x). The kernel owes the minimum; placed
// with the measured bytes it looked 36 % slower than it is and, its memory SOL understated too, was
// called latency bound while the variant table had it at 95-100 % of the ceiling.
TEST(ReportRules, DramBytesBelowTheMinimumArePlacedWithTheBytesTheKernelOwes) {
  Launch l = streaming_launch(0.95);  // the minimum bytes at 95 % of the roof...
  l.counters.dram_read_bytes = 0.5e9;
  l.counters.dram_write_bytes = 0.14e9;  // ...but the counters saw 0.64 of them
  l.counters.memory_sol_pct = 55;        // understated with them
  l.counters.compute_sol_pct = 30;
  const LaunchAnalysis a = analyse_launch(l.counters, l.context);
  EXPECT_TRUE(a.placed_on_min_bytes);
  EXPECT_NEAR(*a.dram_bytes, 0.64e9, 1);  // the measured bytes stay as measured...
  EXPECT_NEAR(*a.achieved_gbps, 0.64 * 0.95 * 3000, 1e-6);
  EXPECT_NEAR(*a.dram_excess_ratio, 0.64, 1e-12);
  EXPECT_NEAR(*a.roofline_bytes, 1e9, 1);  // ...the roofline uses what the kernel owes
  EXPECT_NEAR(*a.pct_of_roof, 95.0, 1e-9);
  EXPECT_NEAR(*a.arithmetic_intensity, 1.0, 1e-12);
  EXPECT_TRUE(a.at_roof);
  EXPECT_EQ(a.bound, Bound::memory);
  EXPECT_EQ(find(a, "latency_bound"), nullptr);
  const Finding* f = find(a, "dram_below_minimum");
  ASSERT_NE(f, nullptr);
  EXPECT_NEAR(f->value, 0.64, 1e-12);
  EXPECT_EQ(worst(a), Severity::low);

  // Owed bytes at 40 % of the roof: below it, still not latency bound by the understated SOL.
  Launch slow = l;
  slow.counters.duration_ns = *l.counters.duration_ns * 0.95 / 0.40;
  const LaunchAnalysis b = analyse_launch(slow.counters, slow.context);
  EXPECT_NEAR(*b.pct_of_roof, 40.0, 1e-9);
  EXPECT_EQ(b.bound, Bound::latency);  // both SOLs under 60 even with the owed bytes: latency it is
  ASSERT_NE(find(b, "dram_below_minimum"), nullptr);

  // Within 5 % of the minimum the measured bytes are used: nothing to say.
  Launch near = l;
  near.counters.dram_write_bytes = 0.46e9;  // 0.96x
  const LaunchAnalysis c = analyse_launch(near.counters, near.context);
  EXPECT_FALSE(c.placed_on_min_bytes);
  EXPECT_EQ(find(c, "dram_below_minimum"), nullptr);
  EXPECT_NEAR(*c.pct_of_roof, 0.96 * 95.0, 1e-9);
}

// On the example file: the one-kernel launches whose counters saw under 0.95x the op's minimum are
// placed with the minimum and said so; none is called latency bound while at 60 % of its roof or more.
// The four the review named are at their roof, as the variant table has them.
TEST(ReportModel, TheExampleFilesUnderstatedLaunchesArePlacedWithTheMinimum) {
  int seen = 0;
  for (const nlohmann::json& k : example_model()["kernels"]) {
    for (const nlohmann::json& l : k["launch_details"]) {
      if (!l["dram_excess_ratio"].is_number() || l["dram_excess_ratio"].get<double>() >= 0.95) continue;
      ++seen;
      const std::string where = k["short_name"].get<std::string>() + " " + l["case"].get<std::string>();
      EXPECT_TRUE(l["placed_on_min_bytes"].get<bool>()) << where;
      EXPECT_NEAR(l["roofline_bytes"].get<double>(), l["min_bytes"].get<double>(), 1e-6) << where;
      bool noted = false;
      for (const nlohmann::json& f : l["findings"]) {
        noted = noted || f["kind"] == "dram_below_minimum";
        if (l["pct_of_roof"].get<double>() >= 60) EXPECT_NE(f["kind"], "latency_bound") << where;
      }
      EXPECT_TRUE(noted) << where;
      const std::string c = l["case"];
      if (c == "rope/vec/f16/llama3-8b/tokens:4096" || c == "fused_add_rmsnorm/vec8/f16/llama3-8b/tokens:4096" ||
          c == "rmsnorm/vec8_deep/f32/llama3-8b/tokens:4096" || c == "rmsnorm/vec8/bf16/llama3-8b/tokens:4096") {
        EXPECT_TRUE(l["at_roof"].get<bool>()) << where << " " << l["pct_of_roof"];
        EXPECT_NE(l["bound"], "latency") << where;
      }
    }
  }
  EXPECT_GE(seen, 25);
}

TEST(ReportRules, HitRatesOverOneHundredAreNeverAFindingNorClamped) {
  Launch l = streaming_launch(0.7);
  l.counters.dram_read_bytes = *l.counters.dram_read_bytes + 0.5e9;
  l.counters.l2_hit_pct = 100.355;
  const LaunchAnalysis a = analyse_launch(l.counters, l.context);
  EXPECT_EQ(find(a, "low_l2_hit"), nullptr);
  EXPECT_DOUBLE_EQ(*l.counters.l2_hit_pct, 100.355);
}

TEST(ReportRules, WithoutCountersTheCasesPercentOfCeilingPlacesTheLaunch) {
  LaunchCounters none;
  LaunchContext ctx;
  ctx.case_pct_of_ceiling = 40;
  LaunchAnalysis a = analyse_launch(none, ctx);
  EXPECT_EQ(a.bound, Bound::memory);
  EXPECT_FALSE(a.pct_of_roof.has_value());  // the roofline needs counters
  ASSERT_NE(find(a, "below_roof"), nullptr);
  EXPECT_EQ(find(a, "below_roof")->severity, Severity::high);
  ctx.case_ceiling_is_compute = true;
  EXPECT_EQ(analyse_launch(none, ctx).bound, Bound::compute);
  EXPECT_TRUE(analyse_launch(none, LaunchContext{}).findings.empty());  // nothing known: nothing said
}

TEST(ReportRules, LowSmEfficiency) {
  Launch l = streaming_launch(0.7);
  l.counters.sm_efficiency_pct = 49;
  EXPECT_NE(find(analyse_launch(l.counters, l.context), "low_sm_efficiency"), nullptr);
  l.counters.sm_efficiency_pct = 50;
  EXPECT_EQ(find(analyse_launch(l.counters, l.context), "low_sm_efficiency"), nullptr);
}

TEST(ReportRules, AboveTheRidgeAKernelIsComputeBound) {
  LaunchCounters c;
  c.duration_ns = 1e6;      // 1 ms
  c.dram_read_bytes = 2e8;  // 0.2 GB
  c.dram_write_bytes = 0;
  c.flops_tensor = 4e11;  // 2000 FLOP/byte, 400 TFLOP/s
  c.compute_sol_pct = 70;
  c.memory_sol_pct = 40;
  LaunchContext ctx;
  ctx.bandwidth_ceiling_gbps = 3000;
  ctx.compute_peak_tflops = 600;  // ridge at 200 FLOP/byte
  const LaunchAnalysis a = analyse_launch(c, ctx);
  EXPECT_EQ(a.precision, Precision::tensor);
  EXPECT_EQ(a.bound, Bound::compute);
  EXPECT_NEAR(*a.arithmetic_intensity, 2000, 1e-9);
  EXPECT_NEAR(*a.achieved_tflops, 400, 1e-9);
  EXPECT_NEAR(*a.pct_of_roof, 100.0 * 400 / 600, 1e-9);
  EXPECT_NEAR(*a.achieved_gbps, 200, 1e-9);  // 0.2 GB over 1 ms, in GB/s
}

// The findings these rules added have text and a suggestion in both languages, every placeholder filled,
// quoting their figures.
TEST(ReportRulesText, TheNewFindingsHaveTextInBothLanguages) {
  const nlohmann::json& model = example_model();
  nlohmann::json launch = model["kernels"][0]["launch_details"][0];
  launch["case_dram_bytes"] = 3e6;
  launch["case_min_bytes"] = 2e6;
  launch["counted_tflops"] = 330.4;
  struct Kind {
    std::string kind, detail;
    double value, detail_value;
    std::string expect_finding, expect_suggestion;
  };
  const std::vector<Kind> kinds = {
      {"case_excess_dram_traffic", "", 1.5, 2, "1.50", "3.00 MB"},
      {"dram_below_minimum", "", 0.64, 0, "0.64", ""},
      {"memory_pipeline_saturated", "", 93.4, 2.4, "93.4", "2.4"},
      {"padded_compute", "tensor", 128.9, 2.58, "128.9", "128.9"},
  };
  for (Lang lang : {Lang::en, Lang::zh}) {
    for (const Kind& k : kinds) {
      const nlohmann::json finding = {
          {"kind", k.kind},    {"severity", "medium"}, {"primary", false},   {"value", k.value},
          {"threshold", 1.25}, {"unit", "x"},          {"detail", k.detail}, {"detail_value", k.detail_value}};
      const std::string text = finding_text(finding, launch, lang);
      EXPECT_NE(text.find(k.expect_finding), std::string::npos) << k.kind << ": " << text;
      EXPECT_EQ(text.find('{'), std::string::npos) << k.kind << ": " << text;
      const std::string suggestion = suggestion_text({{"finding", finding}, {"launch", launch}}, model, lang);
      EXPECT_NE(suggestion.find(k.expect_suggestion), std::string::npos) << k.kind << ": " << suggestion;
      EXPECT_NE(suggestion.find(launch["case"].get<std::string>()), std::string::npos) << k.kind;
      EXPECT_EQ(suggestion.find('{'), std::string::npos) << k.kind << ": " << suggestion;
    }
  }
}

TEST(ComputePeaks, TheoreticalPeaksComeFromTheDevice) {
  const nlohmann::json h100 = {{"compute_capability", "9.0"}, {"sm_count", 132}, {"sm_clock_mhz", 1980}};
  const nlohmann::json cal = {{"tensor_f16_tflops", 612.5}};
  EXPECT_NEAR(compute_peak(h100, cal, Precision::fp32).tflops, 132 * 1980e6 * 128 * 2 / 1e12, 1e-9);  // 66.9
  // fp16 in the counters' unit: 128 HFMA instructions per clock per SM (ncu on an H100:
  // sm__sass_thread_inst_executed_op_hfma_pred_on.sum.peak_sustained = 16896 = 132 x 128), each 2-wide.
  EXPECT_NEAR(compute_peak(h100, cal, Precision::fp16).tflops, 132 * 1980e6 * 128 * 2 / 1e12, 1e-9);
  EXPECT_TRUE(compute_peak(h100, cal, Precision::fp32).theoretical);
  EXPECT_DOUBLE_EQ(compute_peak(h100, cal, Precision::tensor).tflops, 612.5);
  EXPECT_FALSE(compute_peak(h100, cal, Precision::tensor).theoretical);
  const nlohmann::json unknown = {{"compute_capability", "99.0"}, {"sm_count", 1}, {"sm_clock_mhz", 1}};
  EXPECT_EQ(compute_peak(unknown, cal, Precision::fp32).tflops, 0.0);
}

// The fp16 FLOPs come from the SASS counters (hadd + hmul + 2 hfma), which count a packed HFMA2 once
// (ncu on an H100: 1000 __hfma2 per thread in one warp give hfma = 32000, the same as 1000 scalar
// __hfma). A launch issuing HFMA2 at the SM's full rate is at its roof, not at half of it.
TEST(ComputePeaks, AnFp16LaunchAtTheFullHfma2RateIsAtItsRoof) {
  const nlohmann::json h100 = {{"compute_capability", "9.0"}, {"sm_count", 132}, {"sm_clock_mhz", 1980}};
  const double seconds = 1e-3;
  const double hfma_instructions = 132 * 128 * 1980e6 * seconds;  // 128 HFMA2 per clock per SM
  LaunchCounters c;
  c.duration_ns = seconds * 1e9;
  c.dram_read_bytes = 1e6;                 // far above the ridge
  c.flops_fp16 = 2.0 * hfma_instructions;  // profiler/profile_json.cpp: 2 FLOP per counted hfma
  LaunchContext ctx;
  ctx.bandwidth_ceiling_gbps = 3000;
  ctx.compute_peak_tflops = compute_peak(h100, nlohmann::json::object(), Precision::fp16).tflops;
  const LaunchAnalysis a = analyse_launch(c, ctx);
  EXPECT_EQ(a.precision, Precision::fp16);
  EXPECT_EQ(a.roofline_side, Bound::compute);
  EXPECT_NEAR(*a.pct_of_roof, 100.0, 1e-9);
}

TEST(ComputePeaks, TheBandwidthCeilingThatApplies) {
  const nlohmann::json cal = {
      {"read_gbps", 3000.0}, {"write_gbps", 2900.0}, {"copy_gbps", 2800.0}, {"dram_peak_gbps", 3350.0}};
  EXPECT_EQ(bandwidth_ceiling_gbps(cal, "copy"), 2800.0);
  EXPECT_EQ(bandwidth_ceiling_gbps(cal, "write"), 2900.0);
  EXPECT_EQ(bandwidth_ceiling_gbps(cal, "read"), 3000.0);
  EXPECT_EQ(bandwidth_ceiling_gbps(cal, "tensor_f16"), 3000.0);  // a GEMM's memory side reads
  EXPECT_EQ(bandwidth_ceiling_gbps({{"dram_peak_gbps", 3350.0}}, "copy"), 3350.0);
}

}  // namespace
}  // namespace llmkb::report
