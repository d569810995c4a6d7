#include "tests/gate_scenarios.h"

#include <algorithm>
#include <stdexcept>

#include "bench/results_schema.h"
#include "bench/results_writer.h"

namespace llmkb {

std::string gate_baseline_path() {
  return LLMKB_BASELINE_FILE;
}

nlohmann::json gate_baseline(size_t repetitions) {
  nlohmann::json results = load_results_file(gate_baseline_path());
  for (auto& c : results["llmkb"]["cases"]) {
    if (!c["check"].value("passed", false) || c.contains("error")) {
      throw std::runtime_error(gate_baseline_path() + ": case " + c["name"].get<std::string>() +
                               " failed in the baseline; a baseline must pass every check");
    }
    if (c["samples"].size() > repetitions) c["samples"].erase(c["samples"].begin() + repetitions, c["samples"].end());
  }
  scenario_case(results, repetitions);  // throws if no case has enough repetitions
  return results;
}

std::string scenario_case(const nlohmann::json& results, size_t repetitions) {
  for (const auto& c : results["llmkb"]["cases"]) {
    if (c["samples"].size() >= repetitions) return c["name"].get<std::string>();
  }
  throw std::runtime_error(
      gate_baseline_path() + ": no case has " + std::to_string(repetitions) +
      " repetitions; make the baseline with --benchmark_repetitions=" + std::to_string(repetitions));
}

nlohmann::json& find_case(nlohmann::json& results, const std::string& name) {
  for (auto& c : results["llmkb"]["cases"]) {
    if (c["name"] == name) return c;
  }
  throw std::runtime_error("no case " + name);
}


void scale_samples(nlohmann::json& results, const std::string& name, const std::vector<double>& factors) {
  nlohmann::json& c = find_case(results, name);
  for (size_t i = 0; i < c["samples"].size(); ++i) {
    const double f = factors[i % factors.size()];
    for (const char* key : {"median_us", "mean_us", "min_us", "max_us"}) {
      c["samples"][i][key] = c["samples"][i][key].get<double>() * f;
    }
  }
  summarise_case_timings(c, results["llmkb"]["calibration"]);
}

void keep_repetitions(nlohmann::json& results, const std::string& name, size_t n) {
  nlohmann::json& c = find_case(results, name);
  if (c["samples"].size() > n) c["samples"].erase(c["samples"].begin() + n, c["samples"].end());
  summarise_case_timings(c, results["llmkb"]["calibration"]);
}

std::vector<GateFixture> gate_fixtures(const nlohmann::json& baseline, const std::string& changed_case) {
  std::vector<GateFixture> out;
  auto add = [&](const std::string& file, const nlohmann::json& document) { out.push_back({file, document, ""}); };
  add("baseline.json", baseline);
  add("identical.json", baseline);

  nlohmann::json slower = baseline;
  scale_samples(slower, changed_case, {1.2});
  add("slower20.json", slower);

  nlohmann::json faster = baseline;
  scale_samples(faster, changed_case, {0.8});
  add("faster20.json", faster);

  // Half the repetitions 15 % faster, half 35 % slower: the median moves about +10 % but the
  // samples straddle the baseline's, so the test cannot call it.
  nlohmann::json noisy = baseline;
  scale_samples(noisy, changed_case, {0.85, 1.35});
  add("noisy.json", noisy);

  nlohmann::json single_baseline = baseline;
  keep_repetitions(single_baseline, changed_case, 1);
  add("single_rep_baseline.json", single_baseline);
  nlohmann::json single_candidate = single_baseline;
  scale_samples(single_candidate, changed_case, {1.2});
  add("single_rep_candidate.json", single_candidate);

  nlohmann::json failed = baseline;
  nlohmann::json& failed_case = find_case(failed, changed_case);
  failed_case["check"]["passed"] = false;
  failed_case["check"]["mismatches"] = 3;
  failed_case["check"]["message"] = "3 mismatches; first at y[17]: got 0.5, want 0.25";
  failed_case["error"] = "output check failed: 3 mismatches";
  failed_case["samples"] = nlohmann::json::array();
  for (const char* key : {"median_us", "gbps", "tflops", "pct_of_ceiling"}) failed_case.erase(key);
  add("check_failed.json", failed);

  nlohmann::json dropped = baseline;
  auto& cases = dropped["llmkb"]["cases"];
  cases.erase(std::find_if(cases.begin(), cases.end(), [&](const auto& c) { return c["name"] == changed_case; }));
  add("dropped_case.json", dropped);

  nlohmann::json renamed = baseline;
  for (auto& c : renamed["llmkb"]["cases"]) c["name"] = "renamed/" + c["name"].get<std::string>();
  add("no_common.json", renamed);

  nlohmann::json other_device = baseline;
  other_device["llmkb"]["environment"]["device"]["name"] = "NVIDIA Some Other GPU";
  add("other_device.json", other_device);

  nlohmann::json warm = baseline;
  warm["llmkb"]["environment"]["timing"] = "warm";
  warm["llmkb"]["environment"]["runtime_version"] = "12.8";
  add("warm_other_runtime.json", warm);

  nlohmann::json wrong_version = baseline;
  wrong_version["llmkb"]["schema_version"] = 2;
  add("wrong_version.json", wrong_version);

  const std::string text = baseline.dump();
  out.push_back({"truncated.json", nullptr, text.substr(0, text.size() / 2)});
  out.push_back({"corrupt.json", nullptr, "{\"context\": {}, \"benchmarks\": [], \"llmkb\": {oops}}"});
  return out;
}

}  // namespace llmkb
