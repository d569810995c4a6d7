// The results writer against the schema (docs/results.schema.json), and the loader's errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "bench/read_curve.h"
#include "bench/results_schema.h"
#include "bench/results_writer.h"

namespace llmkb {
namespace {

ResultsInput sample_input() {
  ResultsInput in;
  in.gbench = {{"context", {{"date", "2026-11-21"}}},
               {"benchmarks",
                {{{"name", "rmsnorm/vec8/bf16/llama3-8b/tokens:4096/iterations:100/manual_time"},
                  {"run_name", "rmsnorm/vec8/bf16/llama3-8b/tokens:4096/iterations:100/manual_time"},
                  {"run_type", "iteration"}, {"repetition_index", 0}, {"iterations", 100}, {"real_time", 25.0},
                  {"time_unit", "us"}, {"median_us", 24.0}, {"min_us", 23.0}, {"max_us", 30.0}},
                 {{"name", "rmsnorm/vec8/bf16/llama3-8b/tokens:4096/iterations:100/manual_time"},
                  {"run_name", "rmsnorm/vec8/bf16/llama3-8b/tokens:4096/iterations:100/manual_time"},
                  {"run_type", "iteration"}, {"repetition_index", 1}, {"iterations", 100}, {"real_time", 27.0},
                  {"time_unit", "us"}, {"median_us", 26.0}, {"min_us", 25.0}, {"max_us", 31.0}},
                 {{"name", "rmsnorm/vec8/bf16/llama3-8b/tokens:4096/iterations:100/manual_time_median"},
                  {"run_name", "rmsnorm/vec8/bf16/llama3-8b/tokens:4096/iterations:100/manual_time"},
                  {"run_type", "aggregate"}, {"real_time", 26.0}, {"time_unit", "us"}}}}};
  in.environment = {{"device",
                     {{"name", "NVIDIA H100 80GB HBM3"}, {"compute_capability", "9.0"}, {"sm_count", 132},
                      {"l2_bytes", 52428800}, {"memory_bytes", 85000000000LL}, {"sm_clock_mhz", 1980},
                      {"memory_clock_mhz", 2619}, {"memory_bus_bits", 5120}}},
                    {"driver_version", "13.0"}, {"runtime_version", "13.0"}, {"timing", "cold"}, {"repetitions", 2}};
  in.calibration = {{"read_gbps", 3000.0}, {"write_gbps", 2900.0}, {"copy_gbps", 2800.0}, {"launch_us", 2.5},
                    {"dram_peak_gbps", 3352.0}, {"tensor_f16_tflops", 700.0}};
  CaseOutcome ran;
  ran.metadata = {{"name", "rmsnorm/vec8/bf16/llama3-8b/tokens:4096"}, {"op", "rmsnorm"}, {"variant", "rmsnorm/vec8"},
                  {"baseline", false}, {"dtype", "bf16"}, {"model", "llama3-8b"}, {"label", "bf16/llama3-8b/tokens:4096"},
                  {"problem", {{"tokens", 4096}, {"hidden", 4096}}}, {"bytes_moved", 67117056.0},
                  {"flops", 67108864.0}, {"ceiling", "copy"}};
  ran.ran = true;
  ran.checked = true;
  ran.check.checked = 16777216;
  CaseOutcome filtered = ran;
  filtered.metadata["name"] = "rmsnorm/baseline/bf16/llama3-8b/tokens:4096";
  filtered.ran = false;
  in.cases = {ran, filtered};
  in.skipped = {{{"name", "x/y"}, {"reason", "needs sm_90"}}};
  in.generator = "llmkb test";
  in.created = "2026-11-21T00:00:00Z";
  return in;
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST(ResultsWriter, OutputMatchesTheSchema) {
  const nlohmann::json results = make_results(sample_input());
  const auto errors = validate_results(results);
  EXPECT_TRUE(errors.empty()) << errors.front();
}

// A variant checked against its own reference says so in its check; the others carry no `against`.
TEST(ResultsWriter, AVariantsOwnReferenceIsNamedInItsCheck) {
  ResultsInput in = sample_input();
  EXPECT_FALSE(make_results(in)["llmkb"]["cases"][0]["check"].contains("against"));
  in.cases[0].checked_against = "W times x rounded to 8 bits per block of 32";
  const nlohmann::json results = make_results(in);
  EXPECT_EQ(results["llmkb"]["cases"][0]["check"]["against"], "W times x rounded to 8 bits per block of 32");
  const auto errors = validate_results(results);
  EXPECT_TRUE(errors.empty()) << errors.front();
}

// A variant that reads an input converted once before timing says how in the case's `prepared`
// (about what was timed, so beside the check, not in it); the others carry no such field.
TEST(ResultsWriter, AVariantsUntimedInputConversionIsNamedInItsCase) {
  ResultsInput in = sample_input();
  EXPECT_FALSE(make_results(in)["llmkb"]["cases"][0].contains("prepared"));
  in.cases[0].prepared = "W repacked into a plane of 16-byte quant blocks and a plane of fp16 scales";
  nlohmann::json results = make_results(in);
  const nlohmann::json& c = results["llmkb"]["cases"][0];
  EXPECT_EQ(c["prepared"], "W repacked into a plane of 16-byte quant blocks and a plane of fp16 scales");
  EXPECT_FALSE(c["check"].contains("prepared"));
  const auto errors = validate_results(results);
  EXPECT_TRUE(errors.empty()) << errors.front();
  // The schema types it: anything but a string is refused.
  results["llmkb"]["cases"][0]["prepared"] = true;
  const auto wrong = validate_results(results);
  ASSERT_EQ(wrong.size(), 1u);
  EXPECT_NE(wrong.front().find("/cases/0/prepared"), std::string::npos) << wrong.front();
}

TEST(ResultsWriter, MediansAndRatesComeFromTheRepetitions) {
  const nlohmann::json results = make_results(sample_input());
  const auto& cases = results["llmkb"]["cases"];
  ASSERT_EQ(cases.size(), 1u);  // the filtered-out case is left out
  const auto& c = cases[0];
  ASSERT_EQ(c["samples"].size(), 2u);
  EXPECT_DOUBLE_EQ(c["median_us"].get<double>(), 25.0);  // median of 24 and 26
  EXPECT_DOUBLE_EQ(c["gbps"].get<double>(), 67117056.0 / 25e-6 / 1e9);
  EXPECT_DOUBLE_EQ(c["pct_of_ceiling"].get<double>(), 100.0 * (67117056.0 / 25e-6 / 1e9) / 2800.0);
  EXPECT_TRUE(c["check"]["passed"].get<bool>());
  EXPECT_EQ(results["benchmarks"].size(), 3u);  // Google Benchmark's entries are kept unchanged
}

constexpr double kMiB = 1 << 20;

// An H200-like curve: the rate of a streaming read grows with its size.
ReadCurve h200_like_curve() {
  return {{4 * kMiB, 1000.0}, {16 * kMiB, 2200.0}, {64 * kMiB, 3800.0}, {1024 * kMiB, 4700.0}};
}

TEST(ReadCurve, ExactAtItsPointsLinearInLog2BetweenAndClampedOutside) {
  const ReadCurve curve = h200_like_curve();
  for (const ReadRate& r : curve) EXPECT_DOUBLE_EQ(read_gbps_at(curve, r.bytes), r.gbps) << r.bytes;
  // 8 MiB is halfway from 4 to 16 MiB in log2(bytes), 256 MiB halfway from 64 MiB to 1 GiB.
  EXPECT_DOUBLE_EQ(read_gbps_at(curve, 8 * kMiB), 1600.0);
  EXPECT_DOUBLE_EQ(read_gbps_at(curve, 256 * kMiB), 4250.0);
  EXPECT_NEAR(read_gbps_at(curve, 32 * kMiB), 2200.0 + (3800.0 - 2200.0) / 2, 1e-9);
  // Rising between the points, never past its neighbours.
  double last = 0;
  for (double bytes = 4 * kMiB; bytes <= 1024 * kMiB; bytes *= 1.07) {
    const double gbps = read_gbps_at(curve, bytes);
    EXPECT_GE(gbps, last) << bytes;
    EXPECT_GE(gbps, 1000.0);
    EXPECT_LE(gbps, 4700.0);
    last = gbps;
  }
  // Outside the ladder: the end points' rates.
  EXPECT_DOUBLE_EQ(read_gbps_at(curve, 1 * kMiB), 1000.0);
  EXPECT_DOUBLE_EQ(read_gbps_at(curve, 0), 1000.0);
  EXPECT_DOUBLE_EQ(read_gbps_at(curve, 8192 * kMiB), 4700.0);
  EXPECT_DOUBLE_EQ(read_gbps_at({}, 64 * kMiB), 0.0);
  EXPECT_DOUBLE_EQ(read_gbps_at({{64 * kMiB, 3000.0}}, 8 * kMiB), 3000.0);
}

TEST(ReadCurve, RoundTripsThroughTheCalibrationJson) {
  const ReadCurve curve = h200_like_curve();
  const nlohmann::json calibration = {{"read_gbps", 4700.0}, {"read_curve", read_curve_json(curve)}};
  EXPECT_EQ(calibration["read_curve"][1], nlohmann::json::array({16 * kMiB, 2200.0}));
  const ReadCurve back = read_curve_of(calibration);
  ASSERT_EQ(back.size(), curve.size());
  for (size_t i = 0; i < curve.size(); ++i) {
    EXPECT_EQ(back[i].bytes, curve[i].bytes);
    EXPECT_EQ(back[i].gbps, curve[i].gbps);
  }
  EXPECT_TRUE(read_curve_of({{"read_gbps", 4700.0}}).empty());  // a file from before the curve
}

TEST(ResultsWriter, AReadBoundCaseIsAlsoReportedAgainstTheReadRateAtItsSize) {
  ResultsInput in = sample_input();
  in.calibration["read_curve"] = read_curve_json(h200_like_curve());
  CaseOutcome gemv = in.cases[0];
  gemv.metadata["ceiling"] = "read";
  gemv.metadata["bytes_moved"] = 8 * kMiB;
  in.cases.push_back(gemv);  // the same name, so the same samples: a median of 25 us
  const nlohmann::json results = make_results(in);
  EXPECT_TRUE(validate_results(results).empty()) << validate_results(results).front();
  EXPECT_EQ(results["llmkb"]["calibration"]["read_curve"].size(), 4u);
  const auto& cases = results["llmkb"]["cases"];
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_FALSE(cases[0].contains("pct_of_read_at_size"));  // a copy-bound case
  const double gbps = 8 * kMiB / 25e-6 / 1e9;
  EXPECT_DOUBLE_EQ(cases[1]["pct_of_ceiling"].get<double>(), 100.0 * gbps / 3000.0);  // still against read_gbps
  EXPECT_DOUBLE_EQ(cases[1]["pct_of_read_at_size"].get<double>(), 100.0 * gbps / 1600.0);  // the rate at 8 MiB

  // Without a curve (files from before it), no field; with a mistyped one, the schema says so.
  in.calibration.erase("read_curve");
  const nlohmann::json old = make_results(in);
  EXPECT_FALSE(old["llmkb"]["cases"][1].contains("pct_of_read_at_size"));
  EXPECT_TRUE(validate_results(old).empty());
  nlohmann::json wrong = results;
  wrong["llmkb"]["calibration"]["read_curve"][0][1] = "fast";
  wrong["llmkb"]["cases"][1]["pct_of_read_at_size"] = -1.0;
  EXPECT_EQ(validate_results(wrong).size(), 2u);
}

TEST(ResultsWriter, StripsGoogleBenchmarkSuffixes) {
  EXPECT_EQ(registered_benchmark_name("a/b/tokens:1/iterations:40/manual_time"), "a/b/tokens:1");
  EXPECT_EQ(registered_benchmark_name("a/b/tokens:1/manual_time"), "a/b/tokens:1");
  EXPECT_EQ(registered_benchmark_name("a/b/tokens:1"), "a/b/tokens:1");
}

TEST(ResultsSchema, RejectsMissingAndMistypedFields) {
  nlohmann::json results = make_results(sample_input());
  results["llmkb"]["calibration"].erase("copy_gbps");
  results["llmkb"]["cases"][0]["ceiling"] = "bogus";
  results["llmkb"]["environment"]["device"]["sm_count"] = "many";
  const auto errors = validate_results(results);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_NE(errors[0].find("copy_gbps"), std::string::npos);
}

TEST(ResultsLoader, ClearErrorsForBadFiles) {
  const std::string good = make_results(sample_input()).dump();
  EXPECT_NO_THROW(load_results_file(write_temp("good.json", good)));
  auto message = [](const std::string& path) {
    try {
      load_results_file(path);
    } catch (const ResultsFileError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(::testing::TempDir() + "missing.json").find("cannot open"), std::string::npos);
  EXPECT_NE(message(write_temp("empty.json", "")).find("empty"), std::string::npos);
  EXPECT_NE(message(write_temp("truncated.json", good.substr(0, good.size() / 2))).find("truncated"), std::string::npos);
  EXPECT_NE(message(write_temp("plain.json", R"({"context":{},"benchmarks":[]})")).find("no \"llmkb\""), std::string::npos);
  for (const char* section : {"null", "[]", "\"text\""}) {  // an llmkb section that is not an object
    const std::string text = std::string(R"({"context":{},"benchmarks":[],"llmkb":)") + section + "}";
    EXPECT_NE(message(write_temp("not_object.json", text)).find("not an object"), std::string::npos) << section;
  }
  nlohmann::json wrong = nlohmann::json::parse(good);
  wrong["llmkb"]["schema_version"] = 99;
  EXPECT_NE(message(write_temp("v99.json", wrong.dump())).find("schema_version 99"), std::string::npos);
  // Valid JSON that is no usable results file: a number past a double, nesting deep enough to overflow
  // the stack of a recursive copy. Each is a ResultsFileError naming the file (bad input), not a crash.
  std::string overflow = good;
  overflow.insert(overflow.rfind('}'), ",\"launch_us_extra\": 1e400");
  EXPECT_NE(message(write_temp("overflow.json", overflow)).find("overflow.json: not a usable results file"),
            std::string::npos);
  std::string deep = good;
  deep.insert(deep.rfind('}'), ",\"deep\": " + std::string(100000, '[') + std::string(100000, ']'));
  EXPECT_NE(message(write_temp("deep.json", deep)).find("deep.json: values nested more than"), std::string::npos);
}

}  // namespace llmkb
