#include "bench/results_writer.h"

#include <algorithm>
#include <map>
#include <regex>

#include "bench/read_curve.h"
#include "bench/results_schema.h"
#include "kernels/core/statistics.h"

namespace llmkb {

std::string registered_benchmark_name(const std::string& run_name) {
  static const std::regex suffix("(/iterations:[0-9]+)?(/manual_time)?$");
  return std::regex_replace(run_name, suffix, "");
}

double ceiling_value(const nlohmann::json& calibration, const std::string& ceiling) {
  const std::string key = ceiling == "tensor_f16" ? "tensor_f16_tflops" : ceiling + "_gbps";
  return calibration.value(key, 0.0);
}

CaseRates rates_at(double bytes, double flops, bool flop_ceiling, double roof, double us) {
  const double seconds = us * 1e-6;
  CaseRates rates;
  rates.gbps = bytes / seconds / 1e9;
  rates.tflops = flops / seconds / 1e12;
  rates.pct_of_ceiling = roof > 0 ? 100.0 * (flop_ceiling ? rates.tflops : rates.gbps) / roof : 0.0;
  return rates;
}

CaseRates rates_at(const nlohmann::json& results_case, const nlohmann::json& calibration, double us) {
  const std::string ceiling = results_case.value("ceiling", "copy");
  return rates_at(results_case.value("bytes_moved", 0.0), results_case.value("flops", 0.0), ceiling == "tensor_f16",
                  ceiling_value(calibration, ceiling), us);
}

void summarise_case_timings(nlohmann::json& c, const nlohmann::json& calibration) {
  summarise_case_timings(c, calibration, read_curve_of(calibration));
}

void summarise_case_timings(nlohmann::json& c, const nlohmann::json& calibration, const ReadCurve& read_curve) {
  std::vector<double> medians;
  for (const auto& s : c.value("samples", nlohmann::json::array())) medians.push_back(s["median_us"].get<double>());
  if (medians.empty()) return;
  const double median_us = median_of(medians);
  const CaseRates rates = rates_at(c, calibration, median_us);
  c["median_us"] = median_us;
  c["gbps"] = rates.gbps;
  c["tflops"] = rates.tflops;
  c["pct_of_ceiling"] = rates.pct_of_ceiling;
  if (c.value("ceiling", "copy") == "read") {
    if (const auto pct = pct_of_read_at(read_curve, c.value("bytes_moved", 0.0), rates.gbps))
      c["pct_of_read_at_size"] = *pct;
  }
}

nlohmann::json make_results(const ResultsInput& input) {
  // Per-repetition samples, from the runs Google Benchmark reported (not its aggregates).
  std::map<std::string, nlohmann::json> samples;
  for (const auto& entry : input.gbench.value("benchmarks", nlohmann::json::array())) {
    if (entry.value("run_type", "") != "iteration" || !entry.contains("median_us")) continue;
    const std::string name = registered_benchmark_name(entry.value("run_name", entry.value("name", "")));
    samples[name].push_back({{"repetition", entry.value("repetition_index", 0)},
                             {"iterations", entry.value("iterations", 1)},
                             {"median_us", entry["median_us"]},
                             {"mean_us", entry.value("real_time", 0.0)},
                             {"min_us", entry.value("min_us", 0.0)},
                             {"max_us", entry.value("max_us", 0.0)}});
  }

  const ReadCurve read_curve = read_curve_of(input.calibration);
  nlohmann::json cases = nlohmann::json::array();
  for (const CaseOutcome& outcome : input.cases) {
    if (!outcome.ran) continue;
    nlohmann::json c = outcome.metadata;
    const std::string name = c.value("name", "");
    c["check"] = {{"passed", outcome.checked && outcome.check.passed},
                  {"checked", outcome.check.checked},
                  {"mismatches", outcome.check.mismatches},
                  {"max_abs_error", outcome.check.max_abs_error},
                  {"max_rel_error", outcome.check.max_rel_error}};
    if (!outcome.checked_against.empty()) c["check"]["against"] = outcome.checked_against;
    if (!outcome.checked) c["check"]["message"] = "not checked: " + (outcome.error.empty() ? "the case did not run" : outcome.error);
    else if (!outcome.check.passed) c["check"]["message"] = outcome.check.summary();
    if (!outcome.prepared.empty()) c["prepared"] = outcome.prepared;
    c["samples"] = samples.count(name) ? samples[name] : nlohmann::json::array();
    if (!outcome.error.empty()) c["error"] = outcome.error;
    if (!outcome.profile.is_null()) c["profile"] = outcome.profile;

    summarise_case_timings(c, input.calibration, read_curve);
    cases.push_back(std::move(c));
  }

  nlohmann::json results = input.gbench.is_object() ? input.gbench : nlohmann::json::object();
  if (!results.contains("context")) results["context"] = nlohmann::json::object();
  if (!results.contains("benchmarks")) results["benchmarks"] = nlohmann::json::array();
  nlohmann::json section = {{"schema_version", kResultsSchemaVersion},
                            {"generator", input.generator},
                            {"created", input.created},
                            {"environment", input.environment},
                            {"calibration", input.calibration},
                            {"cases", cases},
                            {"skipped", input.skipped}};
  if (!input.profiler.is_null()) section["profiler"] = input.profiler;
  if (!input.trace.is_null()) section["trace"] = input.trace;
  results["llmkb"] = std::move(section);
  return results;
}

}  // namespace llmkb
