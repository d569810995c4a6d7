// The regression gate: the U test against reference values, and the verdicts on scenarios built
// from the committed baseline by scaling its samples (tests/gate_scenarios.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>

#include "bench/results_schema.h"
#include "gate/compare.h"
#include "gate/mann_whitney.h"
#include "gate/render.h"
#include "tests/gate_scenarios.h"

namespace llmkb {
namespace {

// ---- The U test ---------------------------------------------------------------------------------
// Expected values from scipy 1.17.1, scipy.stats.mannwhitneyu(x, y, alternative="two-sided",
// method=...), printed with 17 significant digits (tests/data/gate/mann_whitney_reference.py).

struct Reference {
  const char* name;
  std::vector<double> x, y;
  UTestMethod method;
  double u_first, p_value;
};

const std::vector<double> kLargeA = {
    100.004, 100.896, 99.178,  97.328,  98.636,  97.025,  100.18, 104.021, 98.523,  98.139,  101.47,  101.071,
    100.316, 97.209,  99.912,  102.086, 95.967,  98.627,  94.296, 96.131,  94.475,  99.295,  96.198,  100.814,
    100.47,  99.439,  92.45,   98.384,  99.854,  100.34,  95.41,  98.567,  97.064,  97.573,  103.183, 97.577,
    99.902,  102.653, 98.249,  99.665,  100.331, 100.191, 96.325, 100.228, 104.076, 95.359,  102.578, 100.358,
    98.076,  106.001, 102.287, 96.402,  100.224, 101.73,  99.434, 102.049, 99.8,    102.002, 104.316, 97.973};
const std::vector<double> kLargeB = {
    102.109, 100.11,  101.882, 97.938,  99.762,  100.911, 104.196, 104.936, 97.529,  99.116,  103.441,
    95.523,  100.11,  101.208, 105.271, 103.568, 100.518, 100.394, 100.749, 106.071, 100.216, 100.589,
    102.558, 101.138, 100.908, 98.158,  101.465, 100.169, 104.998, 103.459, 101.428, 103.505, 100.48,
    104.656, 101.484, 103.25,  97.627,  102.54,  96.435,  95.394,  100.587, 98.8,    101.992, 108.234,
    99.005,  99.628,  102.116, 102.979, 100.971, 100.882, 103.607, 103.06,  98.399,  101.262, 101.606};

const std::vector<Reference>& references() {
  static const std::vector<Reference> refs = {
      {"disjoint_4v4", {1, 2, 3, 4}, {5, 6, 7, 8}, UTestMethod::exact, 0.0, 0.028571428571428571},
      {"small_5v6",
       {19.1, 20.3, 18.7, 21.0, 19.9},
       {20.8, 22.1, 21.5, 19.5, 23.0, 22.4},
       UTestMethod::exact,
       4.0,
       0.051948051948051951},
      {"interleaved_10v10",
       {24.1, 24.6, 23.9, 25.2, 24.4, 24.0, 24.8, 25.5, 23.7, 24.3},
       {24.2, 24.9, 25.0, 24.5, 25.8, 24.7, 26.1, 25.3, 24.45, 25.1},
       UTestMethod::exact,
       24.0,
       0.052425902271103497},
      {"one_each", {3.0}, {4.0}, UTestMethod::exact, 0.0, 1.0},
      {"ties_10v10",
       {3.2, 3.2, 3.3, 3.4, 3.2, 3.5, 3.3, 3.6, 3.2, 3.4},
       {3.3, 3.5, 3.5, 3.6, 3.7, 3.5, 3.8, 3.6, 3.5, 3.9},
       UTestMethod::normal,
       12.0,
       0.0040118001039429448},
      {"ties_3v4", {2.0, 2.0, 3.0}, {3.0, 4.0, 4.0, 5.0}, UTestMethod::normal, 0.5, 0.069200354419848301},
      {"large_60v55", kLargeA, kLargeB, UTestMethod::normal, 974.0, 0.00015552250182822869},
  };
  return refs;
}

TEST(MannWhitney, MatchesScipy) {
  for (const Reference& ref : references()) {
    SCOPED_TRACE(ref.name);
    // The tied references are scipy's normal approximation, which the gate now uses only above
    // kExactTiedUTestMaxSize values per sample: asked for by name here.
    const UTestResult r = mann_whitney_u(ref.x, ref.y, ref.method);
    EXPECT_EQ(r.method, ref.method);
    EXPECT_DOUBLE_EQ(r.u_first, ref.u_first);
    EXPECT_NEAR(r.p_value, ref.p_value, 1e-12 + 1e-9 * ref.p_value);
    // Two-sided: swapping the samples swaps the U statistics and keeps p.
    const UTestResult swapped = mann_whitney_u(ref.y, ref.x, ref.method);
    EXPECT_DOUBLE_EQ(swapped.u_first, r.u_second);
    EXPECT_NEAR(swapped.p_value, r.p_value, 1e-12);
  }
}

// U of sample a against b: pairs (p, q) with p > q, ties counting one half.
double u_of(const std::vector<double>& a, const std::vector<double>& b) {
  double u = 0;
  for (double p : a) {
    for (double q : b) u += p > q ? 1 : p == q ? 0.5 : 0;
  }
  return u;
}

// U of the first part for every split of x and y pooled into parts of their sizes (brute force).
std::vector<double> u_of_every_split(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> pooled = x;
  pooled.insert(pooled.end(), y.begin(), y.end());
  std::vector<int> pick(pooled.size(), 0);
  std::fill(pick.end() - static_cast<long>(x.size()), pick.end(), 1);
  std::vector<double> us;
  do {
    std::vector<double> a, b;
    for (size_t i = 0; i < pooled.size(); ++i) (pick[i] ? a : b).push_back(pooled[i]);
    us.push_back(u_of(a, b));
  } while (std::next_permutation(pick.begin(), pick.end()));
  return us;
}

// The exact distribution against brute force: every way of splitting the pooled ranks.
TEST(MannWhitney, ExactPValueEqualsFullEnumeration) {
  const std::vector<double> x = {1.5, 4.25, 2.0, 9.5, 7.0};
  const std::vector<double> y = {3.0, 8.0, 6.5, 10.0, 11.5, 5.0};
  const double observed = u_of(x, y);
  const double n1n2 = static_cast<double>(x.size() * y.size());
  const double extreme = std::max(observed, n1n2 - observed);
  const std::vector<double> us = u_of_every_split(x, y);
  ASSERT_EQ(us.size(), 462u);  // C(11, 5)
  const double as_extreme = static_cast<double>(
      std::count_if(us.begin(), us.end(), [&](double u) { return std::max(u, n1n2 - u) >= extreme; }));
  const UTestResult r = mann_whitney_u(x, y);
  EXPECT_EQ(r.method, UTestMethod::exact);
  EXPECT_NEAR(r.p_value, as_extreme / static_cast<double>(us.size()), 1e-12);
}

// With ties, small samples get the exact p of the observed mid-rank sum over every split of the
// pooled values (brute force below, and by hand: 1, 1, 1 against 2, 2, 2 is the most extreme of the
// C(6, 3) = 20 splits on each side, p = 2 / 20, where the normal approximation gives 0.047).
TEST(MannWhitney, TiedSmallSamplesGetTheExactPOverEverySplit) {
  auto brute_force = [](const std::vector<double>& x, const std::vector<double>& y) {
    const double observed = u_of(x, y);
    double at_or_below = 0, at_or_above = 0;
    const std::vector<double> us = u_of_every_split(x, y);
    for (double u : us) {
      at_or_below += u <= observed + 1e-9;
      at_or_above += u >= observed - 1e-9;
    }
    return std::min(1.0, 2 * std::min(at_or_below, at_or_above) / static_cast<double>(us.size()));
  };
  const std::vector<std::pair<std::vector<double>, std::vector<double>>> cases = {
      {{1, 1, 1}, {2, 2, 2}},
      {{1, 2, 3, 4}, {4, 5, 6, 7}},
      {{1, 1, 2, 2}, {3, 3, 4, 4}},
      {{3, 1, 2, 2, 5}, {2, 4, 4, 6, 6, 7}},
      {{10, 10, 11}, {10, 12, 12, 13}},
      {{3.2, 3.2, 3.3, 3.4, 3.2, 3.5, 3.3, 3.6, 3.2, 3.4}, {3.3, 3.5, 3.5, 3.6, 3.7, 3.5, 3.8, 3.6, 3.5, 3.9}},
  };
  for (const auto& [x, y] : cases) {
    const UTestResult r = mann_whitney_u(x, y);
    EXPECT_TRUE(r.ties);
    EXPECT_EQ(r.method, UTestMethod::exact);
    EXPECT_NEAR(r.p_value, brute_force(x, y), 1e-12) << x.size() << " vs " << y.size();
    EXPECT_NEAR(mann_whitney_u(y, x).p_value, r.p_value, 1e-12);
    // Never below the floor the gate's "too few repetitions" rule relies on.
    EXPECT_GE(r.p_value, smallest_two_sided_p(static_cast<int>(x.size()), static_cast<int>(y.size())) - 1e-15);
  }
  EXPECT_NEAR(mann_whitney_u({1, 1, 1}, {2, 2, 2}).p_value, 0.1, 1e-15);
  EXPECT_NEAR(mann_whitney_u({1, 2, 3, 4}, {4, 5, 6, 7}).p_value, 4.0 / 70, 1e-15);  // normal: 0.042
  // Above kExactTiedUTestMaxSize per sample, ties go to the normal approximation.
  std::vector<double> many_x(kExactTiedUTestMaxSize + 1, 1.0), many_y(kExactTiedUTestMaxSize + 1, 2.0);
  many_x[0] = 2.0;
  EXPECT_EQ(mann_whitney_u(many_x, many_y).method, UTestMethod::normal);
}

TEST(MannWhitney, AllValuesEqualGivesPOne) {
  const UTestResult r = mann_whitney_u({2.5, 2.5, 2.5}, {2.5, 2.5});
  EXPECT_TRUE(r.ties);
  EXPECT_DOUBLE_EQ(r.p_value, 1.0);
}

TEST(MannWhitney, EmptySampleIsRejected) {
  EXPECT_THROW(mann_whitney_u({}, {1.0}), std::invalid_argument);
}

// A p printed next to alpha must show on which side it lies.
TEST(MannWhitney, PValueTextShowsTheSideOfAlpha) {
  EXPECT_EQ(p_value_text(0.049883, 0.05), "0.0499");  // 8 vs 8, U = 51: "0.050 < 0.05" before
  EXPECT_EQ(p_value_text(0.0500, 0.05), "0.050");
  EXPECT_EQ(p_value_text(0.05004, 0.05), "0.050");
  EXPECT_EQ(p_value_text(0.0499996, 0.05), "0.0499996");
  EXPECT_EQ(p_value_text(0.0123, 0.05), "0.012");
  EXPECT_EQ(p_value_text(1.0, 0.05), "1.000");
  EXPECT_EQ(p_value_text(3.14e-5, 0.05), "3.1e-05");
  EXPECT_EQ(p_value_text(9.96e-4, 0.001), "9.96e-04");
}

TEST(MannWhitney, SmallestPossiblePAndRepetitionsNeeded) {
  EXPECT_DOUBLE_EQ(smallest_two_sided_p(1, 1), 1.0);
  EXPECT_NEAR(smallest_two_sided_p(3, 3), 2.0 / 20, 1e-15);
  EXPECT_NEAR(smallest_two_sided_p(4, 4), 2.0 / 70, 1e-15);
  EXPECT_NEAR(smallest_two_sided_p(10, 10), 2.0 / 184756, 1e-18);
  EXPECT_NEAR(smallest_two_sided_p(10, 1), 2.0 / 11, 1e-15);
  // The disjoint exact case reaches it.
  EXPECT_NEAR(mann_whitney_u({1, 2, 3, 4}, {5, 6, 7, 8}).p_value, smallest_two_sided_p(4, 4), 1e-15);
  EXPECT_EQ(repetitions_needed(1, 1, 0.05), 4);
  EXPECT_EQ(repetitions_needed(3, 3, 0.05), 4);
  EXPECT_EQ(repetitions_needed(10, 1, 0.05), 2);   // 2 / C(12, 2) = 0.030
  EXPECT_EQ(repetitions_needed(1, 1, 0.01), 5);    // 2 / C(10, 5) = 0.0079; 2 / C(8, 4) = 0.029
  EXPECT_EQ(repetitions_needed(10, 10, 0.05), 1);  // already enough
  // p must fall below alpha: 3 vs 3 reaches exactly 0.1 at best, not below it.
  EXPECT_FALSE(can_reach_significance(3, 3, 0.1));
  EXPECT_TRUE(can_reach_significance(4, 4, 0.1));
  EXPECT_EQ(repetitions_needed(1, 1, 0.1), 4);
}

// ---- Verdicts on scenarios from the baseline ----------------------------------------------------

class Gate : public ::testing::Test {
 protected:
  // Loaded and derived once: a real baseline of the full suite is a few megabytes.
  static void SetUpTestSuite() {
    baseline_ = gate_baseline();
    changed_ = scenario_case(baseline_);
    for (auto& f : gate_fixtures(baseline_, changed_)) fixtures_[f.file] = f;
  }
  const nlohmann::json& fixture(const std::string& file) { return fixtures_.at(file).document; }
  Comparison compare(const nlohmann::json& b, const nlohmann::json& c, CompareOptions options = {}) {
    return compare_results(b, c, options, "baseline.json", "candidate.json");
  }
  static const MetricComparison& row(const Comparison& c, const std::string& name, Metric m = Metric::time) {
    for (const auto& r : c.rows) {
      if (r.name == name && r.metric == m) return r;
    }
    throw std::runtime_error("no row for " + name);
  }
  static std::vector<std::string> names_with(const Comparison& c, Verdict v) {
    std::vector<std::string> names;
    for (const auto& r : c.rows) {
      if (r.verdict == v) names.push_back(r.name);
    }
    return names;
  }

  static nlohmann::json baseline_;
  static std::string changed_;
  static std::map<std::string, GateFixture> fixtures_;
};

nlohmann::json Gate::baseline_;
std::string Gate::changed_;
std::map<std::string, GateFixture> Gate::fixtures_;

TEST_F(Gate, UsesTheBaselineWithTenRepetitions) {
  std::cout << "baseline: " << gate_baseline_path() << "; changed case: " << changed_ << "\n";
  EXPECT_GE(find_case(baseline_, changed_)["samples"].size(), 10u);
}

TEST_F(Gate, IdenticalFilesPass) {
  const Comparison c = compare(baseline_, fixture("identical.json"));
  EXPECT_EQ(c.exit_code(), 0);
  EXPECT_EQ(c.rows.size(), baseline_["llmkb"]["cases"].size());
  for (const auto& r : c.rows) {
    if (r.baseline.values.size() >= 4) EXPECT_EQ(r.verdict, Verdict::unchanged) << r.name << ": " << r.reason;
    EXPECT_EQ(r.change, 0.0);
  }
  EXPECT_TRUE(c.only_in_baseline.empty());
  EXPECT_TRUE(c.only_in_candidate.empty());
}

TEST_F(Gate, TwentyPercentSlowerIsARegression) {
  const Comparison c = compare(baseline_, fixture("slower20.json"));
  EXPECT_EQ(c.exit_code(), 1);
  EXPECT_EQ(names_with(c, Verdict::regression), std::vector<std::string>{changed_});
  const MetricComparison& r = row(c, changed_);
  EXPECT_NEAR(r.change, 0.2, 1e-9);
  EXPECT_TRUE(r.tested);
  EXPECT_LT(r.test.p_value, 0.05);
  EXPECT_EQ(c.count(Verdict::unchanged), c.rows.size() - 1);
}

TEST_F(Gate, TwentyPercentFasterIsAnImprovementAndPasses) {
  const Comparison c = compare(baseline_, fixture("faster20.json"));
  EXPECT_EQ(c.exit_code(), 0);
  EXPECT_EQ(names_with(c, Verdict::improvement), std::vector<std::string>{changed_});
  EXPECT_NEAR(row(c, changed_).change, -0.2, 1e-9);
  EXPECT_EQ(c.count(Verdict::regression), 0u);
}

TEST_F(Gate, RatesAreRegressionsWhenLower) {
  CompareOptions options;
  options.metrics = {Metric::time, Metric::gbps, Metric::tflops, Metric::pct_of_ceiling};
  const Comparison c = compare(baseline_, fixture("slower20.json"), options);
  EXPECT_EQ(c.exit_code(), 1);
  EXPECT_EQ(row(c, changed_, Metric::time).verdict, Verdict::regression);
  for (Metric m : {Metric::gbps, Metric::pct_of_ceiling}) {
    const MetricComparison& r = row(c, changed_, m);
    EXPECT_EQ(r.verdict, Verdict::regression) << to_string(m);
    EXPECT_NEAR(r.change, 1 / 1.2 - 1, 0.01) << to_string(m);  // a rate falls by 1 - 1/1.2 = 16.7 %
  }
  const Comparison better = compare(baseline_, fixture("faster20.json"), options);
  EXPECT_EQ(row(better, changed_, Metric::gbps).verdict, Verdict::improvement);
  EXPECT_GT(row(better, changed_, Metric::gbps).change, 0.2);
}

TEST_F(Gate, PercentOfCeilingUsesEachRunsCalibration) {
  // Same times, but the candidate's machine calibrated 25 % faster ceilings: the kernels reach a
  // smaller share of what that machine can do.
  nlohmann::json candidate = baseline_;
  for (const char* key : {"read_gbps", "write_gbps", "copy_gbps", "tensor_f16_tflops"}) {
    candidate["llmkb"]["calibration"][key] = candidate["llmkb"]["calibration"][key].get<double>() * 1.25;
  }
  CompareOptions options;
  options.metrics = {Metric::time, Metric::pct_of_ceiling};
  const Comparison c = compare(baseline_, candidate, options);
  EXPECT_EQ(row(c, changed_, Metric::time).verdict, Verdict::unchanged);
  const MetricComparison& pct = row(c, changed_, Metric::pct_of_ceiling);
  EXPECT_NEAR(pct.change, 1 / 1.25 - 1, 1e-9);
  EXPECT_EQ(pct.verdict, Verdict::regression);
}

TEST_F(Gate, DerivedRatesComeFromEachRepetition) {
  const nlohmann::json& c = find_case(baseline_, changed_);
  const auto& calibration = baseline_["llmkb"]["calibration"];
  const auto gbps = metric_values(c, calibration, Metric::gbps);
  const auto pct = metric_values(c, calibration, Metric::pct_of_ceiling);
  ASSERT_EQ(gbps.size(), c["samples"].size());
  const double us = c["samples"][0]["median_us"].get<double>();
  EXPECT_DOUBLE_EQ(gbps[0], c["bytes_moved"].get<double>() / (us * 1e-6) / 1e9);
  const std::string ceiling = c["ceiling"].get<std::string>();
  if (ceiling != "tensor_f16") EXPECT_DOUBLE_EQ(pct[0], 100 * gbps[0] / calibration[ceiling + "_gbps"].get<double>());
  nlohmann::json no_flops = c;
  no_flops["flops"] = 0.0;
  EXPECT_FALSE(metric_applies(no_flops, calibration, Metric::tflops));
  EXPECT_TRUE(metric_values(no_flops, calibration, Metric::tflops).empty());
}

// Sets a case's per-repetition times (as many repetitions as values).
void set_times(nlohmann::json& results, const std::string& name, const std::vector<double>& us) {
  nlohmann::json& c = find_case(results, name);
  const nlohmann::json first = c["samples"][0];
  c["samples"] = nlohmann::json::array();
  for (size_t i = 0; i < us.size(); ++i) {
    nlohmann::json s = first;
    s["repetition"] = i;
    s["median_us"] = us[i];
    c["samples"].push_back(s);
  }
}

// The gate's median of a rate is the rate at the median time, the figure the results file gives.
TEST_F(Gate, ARatesMedianIsTheRateAtTheMedianTime) {
  nlohmann::json baseline = baseline_, candidate = baseline_;
  set_times(baseline, changed_, {10, 12});
  set_times(candidate, changed_, {10, 14});
  CompareOptions options;
  options.metrics = {Metric::gbps};
  const Comparison c = compare(baseline, candidate, options);  // the row refers into it
  const MetricComparison& r = row(c, changed_, Metric::gbps);
  const double bytes = find_case(baseline, changed_)["bytes_moved"].get<double>();
  EXPECT_DOUBLE_EQ(r.baseline.median, bytes / 11e-6 / 1e9);  // not the mean of bytes / 10 us and / 12 us
  EXPECT_DOUBLE_EQ(r.candidate.median, bytes / 12e-6 / 1e9);
  EXPECT_NEAR(r.change, 11.0 / 12 - 1, 1e-12);
}

// Two-sided: a significant p with ranks pointing against the medians is not a direction. Bimodal
// timings, 50 repetitions each: the candidate's median is 24 % lower, but 73 % of the pairs have it
// slower (P(baseline > candidate) = 0.27, p = 5e-5).
TEST_F(Gate, RanksAgainstTheMediansAreInconclusive) {
  std::vector<double> b, c;
  for (int i = 0; i < 24; ++i) b.push_back(10.00 + 0.01 * i);
  for (int i = 0; i < 26; ++i) b.push_back(20.00 + 0.01 * i);
  for (int i = 0; i < 26; ++i) c.push_back(15.00 + 0.01 * i);
  for (int i = 0; i < 24; ++i) c.push_back(30.00 + 0.01 * i);
  nlohmann::json baseline = baseline_, candidate = baseline_;
  set_times(baseline, changed_, b);
  set_times(candidate, changed_, c);
  const Comparison comparison = compare(baseline, candidate);  // the row refers into it
  const MetricComparison& r = row(comparison, changed_);
  ASSERT_LT(r.change, -0.05);
  ASSERT_LT(r.test.p_value, 0.05);
  EXPECT_NEAR(r.test.u_first / (50.0 * 50.0), 0.27, 0.005);
  EXPECT_EQ(r.verdict, Verdict::inconclusive) << r.reason;
  EXPECT_NE(r.reason.find("ranks point the other way"), std::string::npos) << r.reason;
  // The same samples the other way round: the medians say slower, the ranks faster.
  EXPECT_EQ(row(compare(candidate, baseline), changed_).verdict, Verdict::inconclusive);
}

// A change under the threshold is unchanged whatever the repetitions, too few for the test included.
TEST_F(Gate, ASmallChangeWithTooFewRepetitionsIsUnchanged) {
  nlohmann::json baseline = baseline_, candidate = baseline_;
  set_times(baseline, changed_, {10.0});
  set_times(candidate, changed_, {10.01});
  const Comparison c = compare(baseline, candidate);  // the row refers into it
  const MetricComparison& r = row(c, changed_);
  EXPECT_EQ(r.verdict, Verdict::unchanged) << r.reason;
  EXPECT_FALSE(r.tested);
  set_times(candidate, changed_, {12.0});
  EXPECT_EQ(row(compare(baseline, candidate), changed_).verdict, Verdict::inconclusive);
}

TEST_F(Gate, OverlappingNoisySamplesAreInconclusive) {
  const Comparison c = compare(baseline_, fixture("noisy.json"));
  const MetricComparison& r = row(c, changed_);
  ASSERT_GE(std::fabs(r.change), 0.05) << "the scenario must move the median by at least the threshold";
  EXPECT_GE(r.test.p_value, 0.05);
  EXPECT_EQ(r.verdict, Verdict::inconclusive) << r.reason;
  EXPECT_NE(r.reason.find("overlap"), std::string::npos) << r.reason;
  EXPECT_EQ(c.exit_code(), 0);
}

TEST_F(Gate, SmallChangesAreUnchangedEvenWhenSignificant) {
  nlohmann::json candidate = baseline_;
  scale_samples(candidate, changed_, {1.03});
  const Comparison c = compare(baseline_, candidate);
  ASSERT_LT(row(c, changed_).test.p_value, 0.05) << "the scenario must be significant";
  EXPECT_EQ(row(c, changed_).verdict, Verdict::unchanged);
  EXPECT_EQ(c.exit_code(), 0);
  CompareOptions tight;
  tight.threshold = 0.02;  // 3 % now counts
  // The row refers into the comparison, which must outlive it.
  const Comparison tightened = compare(baseline_, candidate, tight);
  const MetricComparison& r = row(tightened, changed_);
  EXPECT_EQ(r.verdict, Verdict::regression) << r.reason;
}

// A passed case without its measurements is a damaged file: before this check, an emptied candidate
// read as inconclusive everywhere and a zeroed one as 100 % faster, and both passed.
TEST_F(Gate, APassedCaseWithoutPositiveTimesIsBadInput) {
  auto expect_bad_input = [&](const nlohmann::json& b, const nlohmann::json& c, const std::string& file) {
    try {
      compare(b, c);
      ADD_FAILURE() << "no CompareInputError";
    } catch (const CompareInputError& e) {
      EXPECT_NE(std::string(e.what()).find(file + ": case " + changed_), std::string::npos) << e.what();
    }
  };
  auto find_case = [&](nlohmann::json& results) -> nlohmann::json& {
    for (auto& c : results["llmkb"]["cases"]) {
      if (c["name"] == changed_) return c;
    }
    throw std::runtime_error("no case " + changed_);
  };
  nlohmann::json empty = baseline_;
  find_case(empty)["samples"] = nlohmann::json::array();
  expect_bad_input(baseline_, empty, "candidate.json");
  nlohmann::json zero = baseline_;
  for (auto& s : find_case(zero)["samples"]) s["median_us"] = 0.0;
  expect_bad_input(baseline_, zero, "candidate.json");
  expect_bad_input(zero, baseline_, "baseline.json");
  // A case that failed its check carries no times to gate on: that stays a verdict, not bad input.
  nlohmann::json failed = empty;
  find_case(failed)["check"]["passed"] = false;
  EXPECT_EQ(compare(baseline_, failed).exit_code(), 1);
}

TEST_F(Gate, ASingleRepetitionIsInconclusiveAndSaysHowManyAreNeeded) {
  const Comparison c = compare(fixture("single_rep_baseline.json"), fixture("single_rep_candidate.json"));
  const MetricComparison& r = row(c, changed_);
  EXPECT_NEAR(r.change, 0.2, 1e-9);
  EXPECT_EQ(r.verdict, Verdict::inconclusive);
  EXPECT_FALSE(r.tested);
  EXPECT_EQ(r.repetitions_needed, 4);
  EXPECT_NE(r.reason.find("too few repetitions"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("at least 4"), std::string::npos) << r.reason;
  EXPECT_EQ(c.exit_code(), 0);
}

TEST_F(Gate, AFailedCheckInTheCandidateFailsTheGate) {
  const Comparison c = compare(baseline_, fixture("check_failed.json"));
  EXPECT_EQ(c.exit_code(), 1);
  EXPECT_EQ(names_with(c, Verdict::candidate_failed), std::vector<std::string>{changed_});
  EXPECT_NE(row(c, changed_).reason.find("output check failed"), std::string::npos);
  // A case that failed in the baseline and passes now is not compared, and does not fail the gate.
  const Comparison fixed = compare(fixture("check_failed.json"), baseline_);
  EXPECT_EQ(fixed.exit_code(), 0);
  EXPECT_EQ(names_with(fixed, Verdict::baseline_failed), std::vector<std::string>{changed_});
}

TEST_F(Gate, AFailedCheckInACaseOnlyInTheCandidateFailsTheGate) {
  // The baseline lacks the case (a new variant, or a baseline of a subset of the suite).
  const Comparison c = compare(fixture("dropped_case.json"), fixture("check_failed.json"));
  EXPECT_EQ(c.exit_code(), 1);
  EXPECT_EQ(names_with(c, Verdict::candidate_failed), std::vector<std::string>{changed_});
  EXPECT_NE(row(c, changed_).reason.find("not in the baseline"), std::string::npos) << row(c, changed_).reason;
  EXPECT_TRUE(c.only_in_candidate.empty());
}

TEST_F(Gate, OneSidedCasesAreListedAndFailOnlyWhenStrict) {
  const Comparison dropped = compare(baseline_, fixture("dropped_case.json"));
  ASSERT_EQ(dropped.only_in_baseline.size(), 1u);
  EXPECT_EQ(dropped.only_in_baseline[0].name, changed_);
  EXPECT_EQ(dropped.exit_code(), 0);
  const Comparison added = compare(fixture("dropped_case.json"), baseline_);
  ASSERT_EQ(added.only_in_candidate.size(), 1u);
  EXPECT_EQ(added.exit_code(), 0);
  CompareOptions strict;
  strict.strict = true;
  EXPECT_EQ(compare(baseline_, fixture("dropped_case.json"), strict).exit_code(), 1);
  EXPECT_EQ(compare(fixture("dropped_case.json"), baseline_, strict).exit_code(), 1);
  EXPECT_EQ(compare(baseline_, fixture("identical.json"), strict).exit_code(), 0);
}

TEST_F(Gate, OneSidedCaseShowsWhyTheOtherRunSkippedIt) {
  nlohmann::json candidate = fixture("dropped_case.json");
  candidate["llmkb"]["skipped"].push_back({{"name", changed_}, {"reason", "needs sm_90"}});
  const Comparison c = compare(baseline_, candidate);
  ASSERT_EQ(c.only_in_baseline.size(), 1u);
  EXPECT_EQ(c.only_in_baseline[0].note, "the candidate skipped it: needs sm_90");
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

TEST_F(Gate, NoBenchmarkInCommonIsRefused) {
  const std::string message = error_of([&] { compare(baseline_, fixture("no_common.json")); });
  EXPECT_NE(message.find("no benchmark in common"), std::string::npos) << message;
}

TEST_F(Gate, DifferentEnvironmentsAreRefusedNamingTheField) {
  std::string message = error_of([&] { compare(baseline_, fixture("other_device.json")); });
  EXPECT_NE(message.find("device.name: baseline '"), std::string::npos) << message;
  EXPECT_NE(message.find("NVIDIA Some Other GPU"), std::string::npos) << message;
  EXPECT_NE(message.find("--allow-different-env"), std::string::npos) << message;
  message = error_of([&] { compare(baseline_, fixture("warm_other_runtime.json")); });
  EXPECT_NE(message.find("timing: baseline 'cold', candidate 'warm'"), std::string::npos) << message;
  EXPECT_NE(message.find("runtime_version"), std::string::npos) << message;
  EXPECT_EQ(message.find("device.name"), std::string::npos) << message;

  nlohmann::json clocks = baseline_;
  clocks["llmkb"]["environment"]["device"]["sm_clock_mhz"] = 1410;
  clocks["llmkb"]["environment"]["driver_version"] = "12.2";
  const auto differences = environment_differences(baseline_["llmkb"]["environment"], clocks["llmkb"]["environment"]);
  ASSERT_EQ(differences.size(), 2u);
  EXPECT_EQ(differences[0].field, "device.sm_clock_mhz");
  EXPECT_EQ(differences[0].candidate, "1410");
  EXPECT_EQ(differences[1].field, "driver_version");

  // A run made with --profile timed its loops under the kernel trace: not comparable with one without.
  nlohmann::json traced = baseline_;
  traced["llmkb"]["environment"]["kernel_trace"] = true;
  message = error_of([&] { compare(baseline_, traced); });
  EXPECT_NE(message.find("kernel_trace: baseline '(absent)', candidate 'true'"), std::string::npos) << message;
  EXPECT_TRUE(environment_differences(traced["llmkb"]["environment"], traced["llmkb"]["environment"]).empty());

  // The driver's release: compared where both runs recorded it (runs before it was recorded have not).
  nlohmann::json old_driver = baseline_, new_driver = baseline_;
  old_driver["llmkb"]["environment"]["device"]["driver_release"] = "580.65.06";
  new_driver["llmkb"]["environment"]["device"]["driver_release"] = "580.159.04";
  const auto drivers = environment_differences(old_driver["llmkb"]["environment"], new_driver["llmkb"]["environment"]);
  ASSERT_EQ(drivers.size(), 1u);
  EXPECT_EQ(drivers[0].field, "device.driver_release");
  EXPECT_EQ(drivers[0].candidate, "580.159.04");
  nlohmann::json unrecorded = baseline_;
  unrecorded["llmkb"]["environment"]["device"].erase("driver_release");
  EXPECT_TRUE(environment_differences(unrecorded["llmkb"]["environment"], new_driver["llmkb"]["environment"]).empty());

  CompareOptions allow;
  allow.allow_different_env = true;
  const Comparison c = compare(baseline_, fixture("other_device.json"), allow);
  ASSERT_EQ(c.environment_differences.size(), 1u);
  EXPECT_EQ(c.exit_code(), 0);
  EXPECT_NE(render_text(c).find("the environments differ"), std::string::npos);
  EXPECT_NE(render_markdown(c).find("The environments differ"), std::string::npos);
}

TEST_F(Gate, CasesMeasuredDifferentlyAreListedAndStillCompared) {
  // The changed case now repacks its weights before timing and is 20 % faster; another case is now
  // checked against a coarser reference; a third lost its conversion.
  nlohmann::json candidate = fixture("faster20.json");
  nlohmann::json baseline = baseline_;
  const auto& cases = baseline_["llmkb"]["cases"];
  ASSERT_GE(cases.size(), 3u);
  std::vector<std::string> others;
  for (const auto& c : cases) {
    if (c["name"] != changed_ && c.contains("check")) others.push_back(c["name"].get<std::string>());
  }
  ASSERT_GE(others.size(), 2u);
  const std::string repacked = "W repacked into a plane of 16-byte quant blocks and a plane of fp16 scales";
  find_case(baseline, changed_).erase("prepared");
  find_case(candidate, changed_)["prepared"] = repacked;
  find_case(baseline, others[0])["check"].erase("against");
  find_case(candidate, others[0])["check"]["against"] = "W times x rounded to 8 bits per block of 32";
  find_case(baseline, others[1])["prepared"] = repacked;
  find_case(candidate, others[1]).erase("prepared");

  const Comparison c = compare(baseline, candidate);
  EXPECT_EQ(c.exit_code(), 0);
  EXPECT_EQ(row(c, changed_).verdict, Verdict::improvement);  // compared all the same
  ASSERT_EQ(c.method_differences.size(), 3u);
  std::map<std::string, MethodDifference> by_name;
  for (const auto& d : c.method_differences) by_name[d.name] = d;
  EXPECT_EQ(by_name[changed_].field, "prepared");
  EXPECT_EQ(by_name[changed_].baseline, "");
  EXPECT_EQ(by_name[changed_].candidate, repacked);
  EXPECT_EQ(by_name[others[0]].field, "check.against");
  EXPECT_EQ(by_name[others[0]].candidate, "W times x rounded to 8 bits per block of 32");
  EXPECT_EQ(by_name[others[1]].baseline, repacked);
  EXPECT_EQ(by_name[others[1]].candidate, "");

  const std::string text = render_text(c);
  EXPECT_NE(text.find("measured differently"), std::string::npos) << text;
  EXPECT_NE(text.find(changed_ + ": prepared: baseline 'inputs as stored', candidate '" + repacked + "'"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("baseline 'the op's fp64 reference'"), std::string::npos) << text;
  const std::string md = render_markdown(c);
  EXPECT_NE(md.find("#### Measured differently (3"), std::string::npos) << md;
  const nlohmann::json json = render_json(c);
  ASSERT_EQ(json["method_differences"].size(), 3u);
  EXPECT_EQ(json["method_differences"][0]["baseline"].get<std::string>().empty(), false);

  // The same method on both sides: nothing listed.
  EXPECT_TRUE(compare(baseline_, fixture("faster20.json")).method_differences.empty());
  EXPECT_EQ(render_text(compare(baseline_, fixture("faster20.json"))).find("measured differently"), std::string::npos);
}

// A method field of the wrong type is bad input naming the case and the field.
TEST_F(Gate, MethodFieldsOfTheWrongTypeAreBadInput) {
  nlohmann::json candidate = baseline_;
  find_case(candidate, changed_)["prepared"] = 5;
  try {
    compare(baseline_, candidate);
    FAIL() << "a numeric 'prepared' was accepted";
  } catch (const CompareInputError& e) {
    EXPECT_NE(std::string(e.what()).find("case " + changed_ + ": prepared is not a string"), std::string::npos)
        << e.what();
  }
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST_F(Gate, BadFilesAreRefusedWithTheReason) {
  const std::string good = write_temp("gate_good.json", baseline_.dump());
  auto message_for = [&](const std::string& file) {
    const GateFixture& f = fixtures_.at(file);
    const std::string path = write_temp("gate_" + file, f.document.is_null() ? f.text : f.document.dump());
    return error_of([&] { compare_files(good, path, {}); });
  };
  EXPECT_NE(message_for("corrupt.json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(message_for("truncated.json").find("truncated"), std::string::npos);
  EXPECT_NE(message_for("wrong_version.json").find("schema_version 2 is not supported"), std::string::npos);
  const std::string missing = error_of([&] { compare_files(good, ::testing::TempDir() + "no_such.json", {}); });
  EXPECT_NE(missing.find("cannot open"), std::string::npos) << missing;
  EXPECT_EQ(compare_files(good, good, {}).exit_code(), 0);
}

TEST_F(Gate, RejectsBadOptions) {
  CompareOptions options;
  options.alpha = 1.5;
  EXPECT_NE(error_of([&] { compare(baseline_, baseline_, options); }).find("alpha"), std::string::npos);
  options = {};
  options.metrics.clear();
  EXPECT_NE(error_of([&] { compare(baseline_, baseline_, options); }).find("no metric"), std::string::npos);
}

// ---- Output -------------------------------------------------------------------------------------

TEST_F(Gate, MarkdownPutsRegressionsFirstAndCollapsesTheRest) {
  // One case slower, another faster.
  nlohmann::json candidate = fixture("slower20.json");
  std::string other;
  for (const auto& c : baseline_["llmkb"]["cases"]) {
    if (c["name"] != changed_ && c["samples"].size() >= 10) {
      other = c["name"].get<std::string>();
      break;
    }
  }
  ASSERT_FALSE(other.empty());
  scale_samples(candidate, other, {0.8});
  const Comparison c = compare(baseline_, candidate);
  const std::string md = render_markdown(c);
  const size_t title = md.find("### llmkb compare: FAIL: 1 regression");
  const size_t regressions = md.find("#### Regressions (1)");
  const size_t regressed = md.find("`" + changed_ + "`");
  const size_t improvements = md.find("#### Improvements (1)");
  const size_t improved = md.find("`" + other + "`");
  const size_t rest = md.find("<details><summary>" + std::to_string(c.count(Verdict::unchanged)) + " unchanged");
  const size_t environment = md.find("<details><summary>Environment of both runs</summary>");
  ASSERT_NE(title, std::string::npos) << md.substr(0, 400);
  ASSERT_NE(rest, std::string::npos);
  ASSERT_NE(environment, std::string::npos);
  EXPECT_LT(title, regressions);
  EXPECT_LT(regressions, regressed);
  EXPECT_LT(regressed, improvements);
  EXPECT_LT(improvements, improved);
  EXPECT_LT(improved, rest);
  EXPECT_LT(rest, environment);
  const std::string device = baseline_["llmkb"]["environment"]["device"]["name"].get<std::string>();
  EXPECT_NE(md.find("| device | " + device + " | " + device + " |"), std::string::npos);
  EXPECT_NE(md.find("+20.0 %"), std::string::npos);
  EXPECT_NE(md.find("-20.0 %"), std::string::npos);
}

TEST_F(Gate, MarkdownStaysUnderGitHubsCommentLimit) {
  // Every metric of every case: the collapsed table is cut before GitHub's 65536 characters, the
  // regression is still shown, and the cut is said.
  CompareOptions options;
  options.metrics = {Metric::time, Metric::gbps, Metric::tflops, Metric::pct_of_ceiling};
  nlohmann::json big_baseline = baseline_, big_candidate = fixture("slower20.json");
  for (auto* doc : {&big_baseline, &big_candidate}) {  // at least 1200 rows, whatever the baseline's size
    nlohmann::json copies = nlohmann::json::array();
    for (int copy = 0; copy < 4; ++copy) {
      for (auto c : (*doc)["llmkb"]["cases"]) {
        if (copy) c["name"] = c["name"].get<std::string>() + "/copy:" + std::to_string(copy);
        copies.push_back(c);
      }
    }
    (*doc)["llmkb"]["cases"] = copies;
  }
  const Comparison c = compare(big_baseline, big_candidate, options);
  ASSERT_GE(c.rows.size(), 1200u);
  const std::string md = render_markdown(c);
  EXPECT_LT(md.size(), 65536u);
  EXPECT_NE(md.find("#### Regressions (16)"), std::string::npos);  // 4 metrics x 4 copies of the slower case
  EXPECT_NE(md.find("more rows left out to keep this comment under GitHub's size limit"), std::string::npos);
  EXPECT_NE(md.find("Environment of both runs"), std::string::npos);
}

TEST_F(Gate, MarkdownStaysUnderTheLimitWithManyOneSidedCases) {
  // A baseline of a subset of the suite against a run of all of it: thousands of cases on one side.
  nlohmann::json candidate = fixture("slower20.json");
  nlohmann::json added = nlohmann::json::array();
  for (int copy = 1; copy <= 12; ++copy) {
    for (auto c : candidate["llmkb"]["cases"]) {
      c["name"] = c["name"].get<std::string>() + "/new:" + std::to_string(copy);
      added.push_back(c);
    }
  }
  for (const auto& c : added) candidate["llmkb"]["cases"].push_back(c);
  while (candidate["llmkb"]["cases"].size() < 3000) {
    candidate["llmkb"]["cases"].push_back(added.back());
    auto& last = candidate["llmkb"]["cases"].back();
    last["name"] = "extra/" + std::to_string(candidate["llmkb"]["cases"].size());
  }
  const Comparison c = compare(baseline_, candidate);
  ASSERT_GE(c.only_in_candidate.size(), 2000u);
  const std::string md = render_markdown(c);
  EXPECT_LT(md.size(), 65536u);
  EXPECT_NE(md.find("#### Regressions (1)"), std::string::npos);
  EXPECT_NE(md.find("more rows left out to keep this comment under GitHub's size limit"), std::string::npos);
  EXPECT_NE(md.find("Environment of both runs"), std::string::npos);
}

TEST_F(Gate, TextAndJsonCarryTheVerdicts) {
  const Comparison c = compare(baseline_, fixture("slower20.json"));
  const std::string text = render_text(c);
  EXPECT_NE(text.find("REGRESSION  " + changed_), std::string::npos) << text.substr(0, 1200);
  EXPECT_NE(text.find("FAIL: 1 regression (exit 1)"), std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(render(c, CompareFormat::json));
  EXPECT_EQ(j["exit_code"], 1);
  EXPECT_EQ(j["counts"]["regression"], 1);
  bool found = false;
  for (const auto& r : j["rows"]) {
    if (r["name"] == changed_) {
      found = true;
      EXPECT_EQ(r["verdict"], "regression");
      EXPECT_NEAR(r["change"].get<double>(), 0.2, 1e-9);
      EXPECT_EQ(r["baseline"]["repetitions"], 10);
      EXPECT_LT(r["test"]["p_value"].get<double>(), 0.05);
    }
  }
  EXPECT_TRUE(found);
  const std::string pass = render_text(compare(baseline_, fixture("faster20.json")));
  EXPECT_NE(pass.find("PASS: no regression (1 improvement) (exit 0)"), std::string::npos);
}

}  // namespace
}  // namespace llmkb
