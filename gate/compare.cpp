#include "gate/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "bench/results_schema.h"
#include "bench/results_writer.h"
#include "kernels/core/statistics.h"

namespace llmkb {

const char* to_string(Metric m) {
  switch (m) {
    case Metric::time:
      return "time";
    case Metric::gbps:
      return "gbps";
    case Metric::tflops:
      return "tflops";
    case Metric::pct_of_ceiling:
      return "pct_of_ceiling";
  }
  return "?";
}

const char* unit_of(Metric m) {
  switch (m) {
    case Metric::time:
      return "us";
    case Metric::gbps:
      return "GB/s";
    case Metric::tflops:
      return "TFLOP/s";
    case Metric::pct_of_ceiling:
      return "%";
  }
  return "";
}

bool lower_is_better(Metric m) {
  return m == Metric::time;
}

bool parse_metric(const std::string& text, Metric& out) {
  for (Metric m : {Metric::time, Metric::gbps, Metric::tflops, Metric::pct_of_ceiling}) {
    if (text == to_string(m)) {
      out = m;
      return true;
    }
  }
  return false;
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::regression:
      return "regression";
    case Verdict::improvement:
      return "improvement";
    case Verdict::unchanged:
      return "unchanged";
    case Verdict::inconclusive:
      return "inconclusive";
    case Verdict::candidate_failed:
      return "candidate_failed";
    case Verdict::baseline_failed:
      return "baseline_failed";
  }
  return "?";
}

size_t Comparison::count(Verdict v) const {
  return static_cast<size_t>(std::count_if(rows.begin(), rows.end(), [v](const auto& r) { return r.verdict == v; }));
}

int Comparison::exit_code() const {
  if (count(Verdict::regression) > 0 || count(Verdict::candidate_failed) > 0) return 1;
  if (options.strict && (!only_in_baseline.empty() || !only_in_candidate.empty())) return 1;
  return 0;
}

std::string p_value_text(double p, double alpha) {
  // Fixed point from 0.001 up, scientific below; one more digit at a time while the printed value
  // lands on the other side of alpha than p itself.
  for (int digits = 3; digits < 17; ++digits) {
    char buffer[64];
    if (p >= 0.001)
      std::snprintf(buffer, sizeof buffer, "%.*f", digits, p);
    else
      std::snprintf(buffer, sizeof buffer, "%.*e", digits - 2, p);
    if ((std::strtod(buffer, nullptr) < alpha) == (p < alpha)) return buffer;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", p);
  return buffer;
}

namespace {

std::string text_of(const nlohmann::json& value) {
  if (value.is_null()) return "(absent)";
  return value.is_string() ? value.get<std::string>() : value.dump();
}

const nlohmann::json& field(const nlohmann::json& object, const std::string& path) {
  static const nlohmann::json absent;
  const nlohmann::json* at = &object;
  size_t begin = 0;
  while (begin <= path.size()) {
    const size_t dot = std::min(path.find('.', begin), path.size());
    const std::string key = path.substr(begin, dot - begin);
    if (!at->is_object() || !at->contains(key)) return absent;
    at = &(*at)[key];
    begin = dot + 1;
  }
  return *at;
}

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

std::string percent(double fraction) {
  return format("%+.1f %%", 100 * fraction);
}

bool case_failed(const nlohmann::json& c) {
  return !c["check"].value("passed", false) || c.contains("error");
}

// A case that passed its check must carry its measurements: at least one repetition, each with a
// positive, finite time. Anything else is a damaged file, not a result to gate on (an empty or zeroed
// candidate would otherwise read as inconclusive or as a 100 % improvement, and pass).
void check_measurements(const nlohmann::json& cases, const std::string& file) {
  const std::string path = file.empty() ? std::string("a results file") : file;
  for (const auto& c : cases) {
    if (case_failed(c)) continue;
    const std::string name = c["name"].get<std::string>();
    const auto samples = c.find("samples");
    if (samples == c.end() || !samples->is_array() || samples->empty()) {
      throw CompareInputError(path + ": case " + name +
                              " passed its check but records no repetitions (`samples`): a damaged results file?");
    }
    for (const auto& sample : *samples) {
      const auto us = sample.find("median_us");
      if (us == sample.end() || !us->is_number() || !std::isfinite(us->get<double>()) || !(us->get<double>() > 0)) {
        throw CompareInputError(path + ": case " + name + ": a repetition's median_us is " +
                                (us == sample.end() ? std::string("missing") : us->dump()) +
                                ", not a positive time: a damaged results file?");
      }
    }
  }
}

std::string failure_of(const nlohmann::json& c) {
  std::string message = c.value("error", c["check"].value("message", std::string("the output check failed")));
  const size_t newline = message.find('\n');
  return newline == std::string::npos ? message : message.substr(0, newline);
}

// name -> reason, from a run's llmkb.skipped.
std::map<std::string, std::string> skip_reasons(const nlohmann::json& section) {
  std::map<std::string, std::string> reasons;
  for (const auto& s : section["skipped"])
    reasons.emplace(s["name"].get<std::string>(), s["reason"].get<std::string>());
  return reasons;
}

RunSummary summarize(const nlohmann::json& document, const std::string& path) {
  const nlohmann::json& section = document["llmkb"];
  RunSummary s;
  s.path = path;
  s.created = section.value("created", "");
  s.environment = section["environment"];
  s.calibration = section["calibration"];
  s.cases = section["cases"].size();
  return s;
}

// A metric's value for one time (us), as the results file derives the case's figures.
double metric_of_time(const nlohmann::json& results_case, const nlohmann::json& calibration, Metric m, double us) {
  switch (m) {
    case Metric::time:
      return us;
    case Metric::gbps:
      return rates_at(results_case, calibration, us).gbps;
    case Metric::tflops:
      return rates_at(results_case, calibration, us).tflops;
    case Metric::pct_of_ceiling:
      return rates_at(results_case, calibration, us).pct_of_ceiling;
  }
  return us;
}

// The verdict of one metric of a case that ran on both sides.
MetricComparison compare_metric(const std::string& name, Metric metric, const nlohmann::json& baseline_case,
                                const nlohmann::json& baseline_calibration, const nlohmann::json& candidate_case,
                                const nlohmann::json& candidate_calibration, const CompareOptions& options) {
  MetricComparison row;
  row.name = name;
  row.metric = metric;
  row.baseline.values = metric_values(baseline_case, baseline_calibration, metric);
  row.candidate.values = metric_values(candidate_case, candidate_calibration, metric);
  if (row.baseline.values.empty() || row.candidate.values.empty()) {
    row.verdict = Verdict::inconclusive;
    row.reason =
        std::string("no repetitions recorded in the ") + (row.baseline.values.empty() ? "baseline" : "candidate");
    return row;
  }
  // A rate's median is the rate at the median time, as the results file gives it (with an even number
  // of repetitions the median of the rates is not: 10 and 12 us of 1 MB are 91.7 GB/s, not 90.9).
  auto median_time = [&](const nlohmann::json& c, const nlohmann::json& calibration, const SideSummary& side) {
    return median_of(metric == Metric::time ? side.values : metric_values(c, calibration, Metric::time));
  };
  row.baseline.median = metric_of_time(baseline_case, baseline_calibration, metric,
                                       median_time(baseline_case, baseline_calibration, row.baseline));
  row.candidate.median = metric_of_time(candidate_case, candidate_calibration, metric,
                                        median_time(candidate_case, candidate_calibration, row.candidate));
  if (!(row.baseline.median > 0) || !std::isfinite(row.candidate.median)) {
    row.verdict = Verdict::inconclusive;
    row.reason = "the baseline median is not a positive number: no relative change";
    return row;
  }
  row.compared = true;
  row.change = (row.candidate.median - row.baseline.median) / row.baseline.median;

  const bool large = row.change != 0 && std::fabs(row.change) >= options.threshold;  // threshold 0: any change
  const std::string change = percent(row.change);
  const std::string threshold = format("%g %%", 100 * options.threshold);
  const std::string under_threshold = "the change " + change + " is under the " + threshold + " threshold";
  const int n_baseline = static_cast<int>(row.baseline.values.size());
  const int n_candidate = static_cast<int>(row.candidate.values.size());
  if (!can_reach_significance(n_baseline, n_candidate, options.alpha)) {
    if (!large) {
      row.verdict = Verdict::unchanged;  // under the threshold: no test needed (nor possible)
      row.reason = under_threshold;
      return row;
    }
    const double floor_p = smallest_two_sided_p(n_baseline, n_candidate);
    row.verdict = Verdict::inconclusive;
    row.repetitions_needed = repetitions_needed(n_baseline, n_candidate, options.alpha);
    row.reason = "too few repetitions: " + std::to_string(n_baseline) + " vs " + std::to_string(n_candidate) +
                 " can never give p < " + format("%g", options.alpha) + " (the smallest possible p is " +
                 p_value_text(floor_p, options.alpha) + "); needs at least " + std::to_string(row.repetitions_needed) +
                 " repetitions in each run (--benchmark_repetitions=" + std::to_string(row.repetitions_needed) + ")";
    return row;
  }
  row.test = mann_whitney_u(row.baseline.values, row.candidate.values);
  row.tested = true;

  const bool significant = row.test.p_value < options.alpha;
  const bool worse = lower_is_better(metric) ? row.change > 0 : row.change < 0;
  const std::string p = "p = " + p_value_text(row.test.p_value, options.alpha);
  // The test is two-sided: it says the samples differ, and U says which tends to be larger. Where that
  // is not the side the medians moved to (bimodal timings can do it), neither direction is shown.
  const double n1n2 = static_cast<double>(n_baseline) * n_candidate;
  const bool candidate_tends_larger = row.test.u_first < n1n2 / 2;  // U of the baseline: pairs it wins
  const bool ranks_agree = row.test.u_first != n1n2 / 2 && candidate_tends_larger == (row.change > 0);
  if (large && significant && !ranks_agree) {
    row.verdict = Verdict::inconclusive;
    row.reason = "the medians differ by " + change + " but the ranks point the other way (" +
                 format("%.2f", row.test.u_first / n1n2) + " of baseline-candidate pairs have the baseline larger; " +
                 p + "): the two runs' distributions differ in shape; look at their repetitions";
  } else if (large && significant) {
    row.verdict = worse ? Verdict::regression : Verdict::improvement;
    row.reason = std::string(worse ? "worse: " : "better: ") + change + " (the threshold is " + threshold + "), " + p +
                 " < " + format("%g", options.alpha);
  } else if (!large) {
    row.verdict = Verdict::unchanged;
    row.reason = under_threshold + (significant ? " (" + p + ": a real but small difference)" : "");
  } else {
    row.verdict = Verdict::inconclusive;
    row.reason = "the medians differ by " + change + " but the repetitions overlap: " + p +
                 " >= " + format("%g", options.alpha) + "; more repetitions or a quieter machine would decide";
  }
  return row;
}

void check_options(const CompareOptions& options) {
  if (!(options.threshold >= 0) || !std::isfinite(options.threshold)) {
    throw CompareInputError("the threshold must be a non-negative percentage");
  }
  if (!(options.alpha > 0 && options.alpha < 1)) throw CompareInputError("alpha must be between 0 and 1");
  if (options.metrics.empty()) throw CompareInputError("no metric to compare");
}

// The method fields of a case (docs/results-schema.md): where each is, and what its absence means.
struct MethodField {
  const char* name;     // as MethodDifference::field names it
  const char* pointer;  // its JSON pointer in the case
  const char* absent;   // what a case without it was measured with
};
constexpr MethodField kMethodFields[] = {
    {"prepared", "/prepared", "inputs as stored"},
    {"check.against", "/check/against", "the op's fp64 reference"},
};

// The field's value in the case, or "" where the case has none (nor the object that would hold it).
std::string method_value(const nlohmann::json& results_case, const MethodField& field, const std::string& case_name) {
  const nlohmann::json::json_pointer pointer(field.pointer);
  if (!results_case.contains(pointer)) return "";
  const nlohmann::json& value = results_case.at(pointer);
  if (!value.is_string()) throw CompareInputError("case " + case_name + ": " + field.name + " is not a string");
  return value.get<std::string>();
}

}  // namespace

std::vector<EnvironmentDifference> environment_differences(const nlohmann::json& baseline_environment,
                                                           const nlohmann::json& candidate_environment) {
  static const char* const kFields[] = {"device.name",
                                        "device.compute_capability",
                                        "device.sm_count",
                                        "device.sm_clock_mhz",
                                        "device.memory_clock_mhz",
                                        "driver_version",
                                        "runtime_version",
                                        "timing",
                                        "kernel_trace"};
  std::vector<EnvironmentDifference> differences;
  for (const char* name : kFields) {
    const nlohmann::json& b = field(baseline_environment, name);
    const nlohmann::json& c = field(candidate_environment, name);
    if (b != c) differences.push_back({name, text_of(b), text_of(c)});
  }
  // The driver's release (580.65 against 580.159, both "CUDA 13.0"): recorded since 2026-11-22, so only
  // compared where both files have it.
  const nlohmann::json& b = field(baseline_environment, "device.driver_release");
  const nlohmann::json& c = field(candidate_environment, "device.driver_release");
  if (!b.is_null() && !c.is_null() && b != c) differences.push_back({"device.driver_release", text_of(b), text_of(c)});
  return differences;
}

bool metric_applies(const nlohmann::json& results_case, const nlohmann::json& calibration, Metric m) {
  const double bytes = results_case.value("bytes_moved", 0.0);
  const double flops = results_case.value("flops", 0.0);
  const std::string ceiling = results_case.value("ceiling", "copy");
  switch (m) {
    case Metric::time:
      return true;
    case Metric::gbps:
      return bytes > 0;
    case Metric::tflops:
      return flops > 0;
    case Metric::pct_of_ceiling:
      return ceiling_value(calibration, ceiling) > 0 && (ceiling == "tensor_f16" ? flops : bytes) > 0;
  }
  return false;
}

std::vector<double> metric_values(const nlohmann::json& results_case, const nlohmann::json& calibration, Metric m) {
  std::vector<double> values;
  if (!metric_applies(results_case, calibration, m)) return values;
  for (const auto& sample : results_case.value("samples", nlohmann::json::array())) {
    const double us = sample["median_us"].get<double>();
    if (m != Metric::time && !(us > 0)) return {};  // a zero time has no rate: not available for this case
    values.push_back(metric_of_time(results_case, calibration, m, us));
  }
  return values;
}

Comparison compare_results(const nlohmann::json& baseline, const nlohmann::json& candidate,
                           const CompareOptions& options, const std::string& baseline_path,
                           const std::string& candidate_path) {
  check_options(options);
  Comparison result;
  result.options = options;
  result.baseline = summarize(baseline, baseline_path);
  result.candidate = summarize(candidate, candidate_path);
  result.environment_differences = environment_differences(result.baseline.environment, result.candidate.environment);
  if (!result.environment_differences.empty() && !options.allow_different_env) {
    std::string message = "the runs are not comparable: their environments differ";
    for (const auto& d : result.environment_differences) {
      message += "\n  " + d.field + ": baseline '" + d.baseline + "', candidate '" + d.candidate + "'";
    }
    message += "\n(--allow-different-env compares them anyway)";
    throw CompareInputError(message);
  }

  const nlohmann::json& baseline_cases = baseline["llmkb"]["cases"];
  const nlohmann::json& candidate_cases = candidate["llmkb"]["cases"];
  check_measurements(baseline_cases, baseline_path);
  check_measurements(candidate_cases, candidate_path);
  const nlohmann::json& baseline_calibration = baseline["llmkb"]["calibration"];
  const nlohmann::json& candidate_calibration = candidate["llmkb"]["calibration"];
  std::map<std::string, const nlohmann::json*> baseline_by_name, candidate_by_name;
  for (const auto& c : baseline_cases) baseline_by_name.emplace(c["name"].get<std::string>(), &c);
  for (const auto& c : candidate_cases) candidate_by_name.emplace(c["name"].get<std::string>(), &c);
  const auto baseline_skips = skip_reasons(baseline["llmkb"]);
  const auto candidate_skips = skip_reasons(candidate["llmkb"]);

  size_t in_common = 0;
  for (const auto& b : baseline_cases) {
    const std::string name = b["name"].get<std::string>();
    if (baseline_by_name.at(name) != &b) continue;  // a repeated name: the first one counts
    const auto found = candidate_by_name.find(name);
    if (found == candidate_by_name.end()) {
      const auto skip = candidate_skips.find(name);
      result.only_in_baseline.push_back(
          {name, skip == candidate_skips.end() ? "" : "the candidate skipped it: " + skip->second});
      continue;
    }
    ++in_common;
    const nlohmann::json& c = *found->second;
    for (const MethodField& field : kMethodFields) {
      const std::string before = method_value(b, field, name), after = method_value(c, field, name);
      if (before != after) result.method_differences.push_back({name, field.name, before, after, field.absent});
    }
    if (case_failed(c) || case_failed(b)) {
      MetricComparison row;
      row.name = name;
      row.metric = options.metrics.front();
      if (case_failed(c)) {
        row.verdict = Verdict::candidate_failed;
        row.reason = "the candidate's case failed: " + failure_of(c) +
                     (case_failed(b) ? " (it failed in the baseline too)" : "");
      } else {
        row.verdict = Verdict::baseline_failed;
        row.reason = "not compared: the baseline's case failed (" + failure_of(b) + "); the candidate's passed";
      }
      result.rows.push_back(std::move(row));
      continue;
    }
    for (Metric m : options.metrics) {
      // e.g. tflops for a case that does no FLOPs: no row
      if (!metric_applies(b, baseline_calibration, m) || !metric_applies(c, candidate_calibration, m)) continue;
      result.rows.push_back(compare_metric(name, m, b, baseline_calibration, c, candidate_calibration, options));
    }
  }
  for (const auto& c : candidate_cases) {
    const std::string name = c["name"].get<std::string>();
    if (candidate_by_name.at(name) != &c || baseline_by_name.count(name)) continue;
    if (case_failed(c)) {  // new or not in the baseline, it still fails the gate
      MetricComparison row;
      row.name = name;
      row.metric = options.metrics.front();
      row.verdict = Verdict::candidate_failed;
      row.reason = "the candidate's case failed: " + failure_of(c) + " (the case is not in the baseline)";
      result.rows.push_back(std::move(row));
      continue;
    }
    const auto skip = baseline_skips.find(name);
    result.only_in_candidate.push_back(
        {name, skip == baseline_skips.end() ? "" : "the baseline skipped it: " + skip->second});
  }
  if (in_common == 0) {
    throw CompareInputError("no benchmark in common: the baseline has " + std::to_string(baseline_cases.size()) +
                            " cases, the candidate " + std::to_string(candidate_cases.size()) +
                            ", and no name matches (names are <variant>/<dtype>/<model>/<shape>)");
  }
  return result;
}

Comparison compare_files(const std::string& baseline_path, const std::string& candidate_path,
                         const CompareOptions& options) {
  const nlohmann::json baseline = load_results_file(baseline_path);
  const nlohmann::json candidate = load_results_file(candidate_path);
  return compare_results(baseline, candidate, options, baseline_path, candidate_path);
}

}  // namespace llmkb
