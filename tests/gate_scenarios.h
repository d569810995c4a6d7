// Results files for the gate's tests, derived from the committed baseline by scaling its samples:
// the same scenarios drive the library tests (test_gate.cpp) and, written to disk by
// write_gate_fixtures, the exit-code tests of `llmkb compare` (gate_cli_test.sh).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace llmkb {

// The baseline the tests start from: baselines/*.json when one is committed, else the synthetic
// stand-in tests/data/gate/standin_baseline.json (LLMKB_BASELINE_FILE, chosen at configure time).
std::string gate_baseline_path();

// The baseline with every case cut to its first `repetitions` samples; throws std::runtime_error if
// a case failed or if no case has that many.
nlohmann::json gate_baseline(size_t repetitions = 10);

// The case the scenarios change: the first case with `repetitions` samples.
std::string scenario_case(const nlohmann::json& results, size_t repetitions = 10);

nlohmann::json& find_case(nlohmann::json& results, const std::string& name);

// Multiplies the times of each repetition of a case by factors[i % factors.size()] and recomputes
// the case's median, rates and % of ceiling as `llmkb bench` does.
void scale_samples(nlohmann::json& results, const std::string& name, const std::vector<double>& factors);

// Keeps the first n repetitions of a case.
void keep_repetitions(nlohmann::json& results, const std::string& name, size_t n);

// A named file for the command-line test: a document, or raw text for corrupt files.
struct GateFixture {
  std::string file;
  nlohmann::json document;  // null when text is used
  std::string text;
};

// baseline.json and the candidates (see write_gate_fixtures.cpp for each one's expected verdict).
std::vector<GateFixture> gate_fixtures(const nlohmann::json& baseline, const std::string& changed_case);

}  // namespace llmkb
