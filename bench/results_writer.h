// Assembles the results file from Google Benchmark's JSON and what llmkb recorded per case.
// Host-only, so the CPU tests check it against the schema.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/read_curve.h"
#include "kernels/core/tensor.h"

namespace llmkb {

struct CaseOutcome {
  nlohmann::json metadata;  // name, op, variant, baseline, dtype, model, label, problem, bytes_moved, flops, ceiling
  bool ran = false;         // false: filtered out, left out of the file
  bool checked = false;
  CheckReport check;
  std::string error;
  nlohmann::json profile;   // null when not profiled
  std::string checked_against;  // the variant's own reference (VariantInfo); empty: the op's
  std::string prepared;         // the variant's untimed input conversion (VariantInfo); empty: inputs read as stored
};

struct ResultsInput {
  nlohmann::json gbench;       // Google Benchmark's JSON output (context, benchmarks)
  nlohmann::json environment;  // llmkb.environment
  nlohmann::json calibration;  // llmkb.calibration (read_gbps, write_gbps, copy_gbps, tensor_f16_tflops, read_curve...)
  std::vector<CaseOutcome> cases;  // registration order
  nlohmann::json skipped = nlohmann::json::array();
  nlohmann::json profiler;     // null unless --profile
  nlohmann::json trace;        // null unless traced
  std::string generator;
  std::string created;
};

// Google Benchmark appends "/iterations:N" and "/manual_time" to registered names; this strips them.
std::string registered_benchmark_name(const std::string& run_name);

// The achievable rate of a ceiling ("copy", "read", "write": GB/s; "tensor_f16": TFLOP/s).
double ceiling_value(const nlohmann::json& calibration, const std::string& ceiling);

// Rates at `us` microseconds: bytes and FLOPs over that time, and the achieved rate of the ceiling
// (TFLOP/s where it is a FLOP ceiling, GB/s otherwise) as a percentage of its calibrated value `roof`
// (0 where that ceiling was not calibrated, roof <= 0).
struct CaseRates {
  double gbps = 0;
  double tflops = 0;
  double pct_of_ceiling = 0;
};
CaseRates rates_at(double bytes, double flops, bool flop_ceiling, double roof, double us);
// The same for a results-file case (bytes_moved, flops, ceiling) and the file's calibration.
CaseRates rates_at(const nlohmann::json& results_case, const nlohmann::json& calibration, double us);

// Sets a case's median_us (over its repetitions' medians), gbps, tflops and pct_of_ceiling from its
// samples, bytes_moved, flops and ceiling, and for a read-bound case with a calibrated read curve
// pct_of_read_at_size (against the read rate at bytes_moved); leaves a case without samples unchanged.
void summarise_case_timings(nlohmann::json& c, const nlohmann::json& calibration);
// The same with the calibration's read curve already parsed (make_results parses it once for all cases).
void summarise_case_timings(nlohmann::json& c, const nlohmann::json& calibration, const ReadCurve& read_curve);

nlohmann::json make_results(const ResultsInput& input);

}  // namespace llmkb
