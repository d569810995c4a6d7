// The regression gate: match the cases of two results files by name, and give each metric a
// verdict from both the size of the change (the threshold) and a two-sided Mann-Whitney U test over
// the repetitions (alpha). Host-only: reads results files, needs no GPU.
#pragma once
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "gate/mann_whitney.h"

namespace llmkb {

enum class Metric { time, gbps, tflops, pct_of_ceiling };

const char* to_string(Metric m);
const char* unit_of(Metric m);                            // "us", "GB/s", "TFLOP/s", "%"
bool lower_is_better(Metric m);                           // time: lower; the rates: higher
bool parse_metric(const std::string& text, Metric& out);  // "time", "gbps", "tflops", "pct_of_ceiling"

// A p-value as printed ("0.042", "3.1e-05"), with as many more digits as it takes to show on which
// side of alpha it lies (0.049883 at alpha 0.05 is "0.0499", not "0.050").
std::string p_value_text(double p, double alpha);

enum class Verdict {
  regression,        // worse by at least the threshold, and the U test says p < alpha
  improvement,       // better by at least the threshold, and p < alpha
  unchanged,         // the change is under the threshold
  inconclusive,      // a change of at least the threshold the test cannot confirm, or too few repetitions
  candidate_failed,  // the candidate's case failed its check or errored: fails the gate
  baseline_failed,   // the baseline's case failed or errored and the candidate's did not: not compared
};

const char* to_string(Verdict v);

struct CompareOptions {
  double threshold = 0.05;  // minimum relative change that counts (0.05 = 5 %)
  double alpha = 0.05;      // significance level of the two-sided U test
  std::vector<Metric> metrics = {Metric::time};
  bool strict = false;               // a case on one side only fails the gate
  bool allow_different_env = false;  // compare runs whose environments differ (listed, not refused)
};

// Bad input the gate refuses (exit code 2): no case in common, or different environments.
class CompareInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One side of one metric of one case.
struct SideSummary {
  std::vector<double> values;  // per repetition, in the metric's unit
  double median = 0;
};

// One row of the comparison: a case and a metric.
struct MetricComparison {
  std::string name;  // llmkb.cases[].name
  Metric metric = Metric::time;
  Verdict verdict = Verdict::inconclusive;
  std::string reason;  // why this verdict, in words, with the numbers that decided it
  SideSummary baseline, candidate;
  double change = 0;      // (candidate - baseline) / baseline median; 0 when not compared
  bool compared = false;  // both sides have values: medians, change and the test are set
  bool tested = false;    // the U test ran (enough repetitions)
  UTestResult test;
  int repetitions_needed = 0;  // set when there were too few repetitions to decide
};

// A case present in one run only.
struct OneSidedCase {
  std::string name;
  std::string note;  // e.g. why the other run skipped it ("needs sm_90")
};

// An environment field (device, driver, CUDA runtime, clocks, timing) that differs between the runs.
struct EnvironmentDifference {
  std::string field;  // e.g. "device.name"
  std::string baseline, candidate;
};

// A case in both runs measured differently: the conversion of its inputs before the timing
// (`prepared`), or what its output was checked against (`check.against`), differs. Its times are
// compared all the same; the renderers list it, as a change of method can account for a change of time.
struct MethodDifference {
  std::string name;                 // the case
  std::string field;                // "prepared" or "check.against"
  std::string baseline, candidate;  // the values; empty where the run has none
  std::string absent;               // what a case without the field was measured with ("inputs as stored")

  // What the renderers print for `baseline` or `candidate`: the value, or what its absence means.
  std::string text(const std::string& value) const { return value.empty() ? absent : value; }
};

// What the renderers show of each run.
struct RunSummary {
  std::string path;
  std::string created;
  nlohmann::json environment;
  nlohmann::json calibration;
  size_t cases = 0;
};

struct Comparison {
  CompareOptions options;
  RunSummary baseline, candidate;
  std::vector<EnvironmentDifference> environment_differences;  // non-empty only with allow_different_env
  std::vector<MetricComparison> rows;                          // baseline's case order, then options.metrics order
  std::vector<OneSidedCase> only_in_baseline, only_in_candidate;
  std::vector<MethodDifference> method_differences;  // cases in both runs, baseline's order

  size_t count(Verdict v) const;
  // 0: no regression; 1: a regression or a failed candidate case (or, with strict, a case on one
  // side only).
  int exit_code() const;
};

// The environment fields the gate requires to match, in report order.
std::vector<EnvironmentDifference> environment_differences(const nlohmann::json& baseline_environment,
                                                           const nlohmann::json& candidate_environment);

// Whether a metric means something for a case: gbps needs bytes, tflops FLOPs, pct_of_ceiling a
// calibrated ceiling (the file's llmkb.calibration) for the case's kind of work.
bool metric_applies(const nlohmann::json& results_case, const nlohmann::json& calibration, Metric m);

// The per-repetition values of one metric for a case of a results file (llmkb.cases[i]), using the
// file's calibration for pct_of_ceiling: the rate of each repetition's median time, as
// docs/results-schema.md derives the case's rates from its median. Empty when the case has no
// samples, a zero time, or the metric does not apply.
std::vector<double> metric_values(const nlohmann::json& results_case, const nlohmann::json& calibration, Metric m);

// Compares two validated results documents (load_results_file). Throws CompareInputError for
// differing environments (unless options.allow_different_env) and for no case in common.
Comparison compare_results(const nlohmann::json& baseline, const nlohmann::json& candidate,
                           const CompareOptions& options, const std::string& baseline_path = "baseline",
                           const std::string& candidate_path = "candidate");

// Loads both files (ResultsFileError for a missing, corrupt, truncated or wrong-version file) and
// compares them.
Comparison compare_files(const std::string& baseline_path, const std::string& candidate_path,
                         const CompareOptions& options);

}  // namespace llmkb
