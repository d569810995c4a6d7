#include "bench/bench_runner.h"

#include <benchmark/benchmark.h>
#include <nvtx3/nvToolsExt.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

#include "bench/calibration.h"
#include "bench/device_context.h"
#include "bench/l2_flush.h"
#include "bench/results_schema.h"
#include "bench/results_writer.h"
#include "kernels/common/cuda_check.h"
#include "kernels/common/device_buffer.h"
#include "kernels/core/models.h"
#include "kernels/core/rng.h"
#include "kernels/core/statistics.h"

namespace llmkb {
namespace {

bool is_sticky(cudaError_t code) {
  return code == cudaErrorIllegalAddress || code == cudaErrorLaunchFailure || code == cudaErrorMisalignedAddress ||
         code == cudaErrorIllegalInstruction || code == cudaErrorHardwareStackError || code == cudaErrorAssert ||
         code == cudaErrorInvalidPc || code == cudaErrorLaunchTimeout;
}

// What the benchmark lambdas record about a case besides Google Benchmark's own timings.
struct CaseRecord {
  bool checked = false;
  CheckReport check;
  std::string error;
  nlohmann::json profile;
};

// State shared by every benchmark of one `llmkb bench` run.
struct BenchSession {
  BenchOptions options;
  DeviceContext device;
  Calibration calibration;
  std::unique_ptr<CudaStream> stream;  // created once a device is known to exist
  std::unique_ptr<L2Flusher> flusher;
  std::unique_ptr<CaseProfiler> profiler;
  uint64_t seed = process_seed();
  std::map<std::string, nlohmann::json> metadata;  // per registered case: op, variant, problem, bytes...
  std::map<std::string, VariantInfo> variant_of;   // per registered case
  std::map<std::string, CaseRecord> records;       // per case that ran
  ProblemCase* case_with_host_data = nullptr;
  std::unique_ptr<DeviceRun> run;  // the device buffers of the last (case, variant), kept across repetitions
  const ProblemCase* run_case = nullptr;
  size_t run_variant = 0;
  std::string fatal;  // set once the CUDA context is lost: later cases are not run

  // The device run of (c, variant): reused across repetitions. Only one case keeps host inputs and
  // reference, and only one run keeps device memory, at a time.
  DeviceRun& prepare(ProblemCase& c, size_t variant) {
    if (run && run_case == &c && run_variant == variant) return *run;
    run.reset();  // free the previous buffers before allocating new ones
    if (case_with_host_data && case_with_host_data != &c) case_with_host_data->release_host_data();
    case_with_host_data = &c;
    run = c.prepare(variant, seed);
    run_case = &c;
    run_variant = variant;
    return *run;
  }
};

// What timing needs before the first case: the collector (when --profile asked for one; it starts
// before calibration so that its kernel trace covers it), the ceilings, the L2 flusher. Throws
// CudaError.
void prepare_measurements(BenchSession& session) {
  const BenchOptions& options = session.options;
  if (options.make_profiler) session.profiler = options.make_profiler();
  std::cerr << "llmkb: " << session.device.name << " (sm_" << session.device.sm() << ", " << session.device.sm_count
            << " SMs), " << (options.cold ? "cold" : "warm") << " L2, seed " << session.seed
            << "\nllmkb: calibrating ceilings...\n";
  CalibrationOptions cal_options;
  cal_options.cold = options.cold;
  session.calibration = calibrate(session.device, cal_options, session.stream->get());
  const Calibration& c = session.calibration;
  std::cerr << "llmkb: read " << c.read_gbps << " GB/s, write " << c.write_gbps << " GB/s, copy " << c.copy_gbps
            << " GB/s (theoretical DRAM peak " << c.dram_peak_gbps << " GB/s), launch " << c.launch_us
            << " us, fp16 tensor " << c.tensor_f16_tflops << " TFLOP/s\nllmkb: read rate by size (GB/s):";
  for (const ReadRate& r : c.read_curve) std::cerr << " " << r.bytes / (1 << 20) << " MiB: " << r.gbps;
  std::cerr << "\n";
  if (options.cold)
    session.flusher = std::make_unique<L2Flusher>(session.device.l2_bytes, session.device.persisting_l2_bytes,
                                                  session.device.sm_count);
}

void run_case(BenchSession& session, ProblemCase& problem, size_t variant, const std::string& name,
              benchmark::State& state) {
  CaseRecord& record = session.records[name];
  if (!session.fatal.empty()) {
    record.error = "not run: " + session.fatal;
    state.SkipWithError(record.error.c_str());
    return;
  }
  const cudaStream_t stream = session.stream->get();
  nvtxRangePushA(name.c_str());
  try {
    DeviceRun* run = &session.prepare(problem, variant);
    if (!record.checked) {
      run->reset(stream);
      run->launch(stream);
      record.check = run->check(stream);
      record.checked = true;
    }
    if (!record.check.passed) {
      record.error = "output check failed: " + record.check.summary();
      state.SkipWithError(record.error.c_str());
      nvtxRangePop();
      return;
    }
    for (int i = 0; i < 3; ++i) {  // warm-up
      run->restore_inplace_inputs(stream);
      run->launch(stream);
    }
    LLMKB_CUDA_CHECK(cudaStreamSynchronize(stream));

    const bool restore = run->has_inplace_inputs();
    CudaEvent start, stop;
    std::vector<double> times_us;
    for (auto _ : state) {
      if (restore) run->restore_inplace_inputs(stream);
      before_timed_launch(session.flusher.get(), stream);
      LLMKB_CUDA_CHECK(cudaEventRecord(start.get(), stream));
      run->launch(stream);
      LLMKB_CUDA_CHECK(cudaEventRecord(stop.get(), stream));
      const double ms = elapsed_ms(start, stop);
      state.SetIterationTime(ms * 1e-3);
      times_us.push_back(ms * 1e3);
    }
    const double median_us = median_of(times_us);
    const CaseRates rates = rates_at(problem.bytes_moved(), problem.flops(), !is_bandwidth_ceiling(problem.ceiling()),
                                     session.calibration.ceiling_value(problem.ceiling()), median_us);
    state.counters["median_us"] = median_us;
    state.counters["min_us"] = *std::min_element(times_us.begin(), times_us.end());
    state.counters["max_us"] = *std::max_element(times_us.begin(), times_us.end());
    state.counters["bytes"] = problem.bytes_moved();
    state.counters["GBps"] = rates.gbps;
    state.counters["TFLOPs"] = rates.tflops;
    state.counters["pct_of_ceiling"] = rates.pct_of_ceiling;
    if (problem.ceiling() == Ceiling::read) {
      if (const auto pct = pct_of_read_at(session.calibration.read_curve, problem.bytes_moved(), rates.gbps))
        state.counters["pct_of_read_at_size"] = *pct;
    }

    if (session.profiler && record.profile.is_null()) {
      record.profile = session.profiler->profile(*run, stream, name);
      // The profiled launches changed in-place tensors: prove the output is still right.
      run->reset(stream);
      run->launch(stream);
      const CheckReport after = run->check(stream);
      if (!after.passed) record.error = "output wrong after profiling: " + after.summary();
    }
  } catch (const CudaError& e) {
    session.run.reset();
    session.run_case = nullptr;
    record.error = e.what();
    if (is_sticky(e.code())) session.fatal = std::string("the CUDA context was lost in ") + name + ": " + e.what();
    state.SkipWithError(record.error.c_str());
  } catch (const std::exception& e) {
    session.run.reset();
    session.run_case = nullptr;
    record.error = e.what();
    state.SkipWithError(record.error.c_str());
  }
  nvtxRangePop();
}

// Per-case iteration count: about 5 ms of kernel time per repetition, at least 10 and at most 200
// launches (the median of >= 10 single-launch times; the suite with 10 repetitions stays minutes).
int64_t iterations_for(const ProblemCase& c, const Calibration& cal) {
  double seconds = cal.launch_us * 1e-6;
  if (cal.copy_gbps > 0) seconds = std::max(seconds, c.bytes_moved() / (cal.copy_gbps * 1e9));
  if (cal.tensor_f16_tflops > 0) seconds = std::max(seconds, c.flops() / (cal.tensor_f16_tflops * 1e12));
  seconds = std::max(seconds, 2e-6);
  return std::clamp<int64_t>(static_cast<int64_t>(0.005 / seconds), 10, 200);
}

class TeeReporter : public benchmark::BenchmarkReporter {
 public:
  TeeReporter(benchmark::BenchmarkReporter& display, benchmark::BenchmarkReporter& capture)
      : display_(display), capture_(capture) {}
  bool ReportContext(const Context& context) override {
    capture_.ReportContext(context);
    return display_.ReportContext(context);
  }
  void ReportRuns(const std::vector<Run>& runs) override {
    display_.ReportRuns(runs);
    capture_.ReportRuns(runs);
  }
  void Finalize() override {
    display_.Finalize();
    capture_.Finalize();
  }

 private:
  benchmark::BenchmarkReporter& display_;
  benchmark::BenchmarkReporter& capture_;
};

// The value of the last --flag=VALUE in argv; none when the flag is absent (or given bare).
std::optional<std::string> flag_value(int argc, char** argv, const std::string& flag) {
  const std::string prefix = "--" + flag + "=";
  std::optional<std::string> value;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) value = argv[i] + prefix.size();
  }
  return value;
}

std::string lower_case(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Google Benchmark's reading of a boolean flag's value (IsTruthyFlagValue, the same in 1.7 and 1.8+):
// empty is true; one character is true unless it is 0, f, F, n, N or not alphanumeric; a longer value
// is true unless it is false, no or off, in any case. So =TRUE is true, and so is =nope.
bool truthy(const std::string& value) {
  if (value.empty()) return true;
  if (value.size() == 1) {
    const char c = value[0];
    return std::isalnum(static_cast<unsigned char>(c)) && !std::strchr("0fFnN", c);
  }
  const std::string lower = lower_case(value);
  return lower != "false" && lower != "no" && lower != "off";
}

// A boolean Google Benchmark flag as it reads it: the last --flag (true) or --flag=VALUE; false when absent.
bool bool_flag(int argc, char** argv, const std::string& flag) {
  const std::string bare = "--" + flag;
  const std::string prefix = bare + "=";
  bool value = false;
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == bare) value = true;
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) value = truthy(argv[i] + prefix.size());
  }
  return value;
}

// What llmkb takes from Google Benchmark's flags: read before Initialize, which removes them from argv.
struct GbenchFlags {
  bool list_only = false;        // --benchmark_list_tests: print the names, run nothing
  bool fixed_iterations = true;  // no --benchmark_min_time: llmkb plans each case's iterations
  int repetitions = 1;
  std::string format = "console";
  std::string filter;
  std::string out;  // --benchmark_out, empty when none
};

// Reads the flags llmkb needs and refuses those it cannot work with. Google Benchmark itself would
// exit(0), running nothing, on a bad --benchmark_format, --benchmark_out_format or an empty
// --benchmark_color. Returns the error line, or "" when the flags are fine.
std::string read_gbench_flags(int argc, char** argv, GbenchFlags& flags) {
  flags.list_only = bool_flag(argc, argv, "benchmark_list_tests");
  flags.fixed_iterations = flag_value(argc, argv, "benchmark_min_time").value_or("").empty();
  if (const auto reps = flag_value(argc, argv, "benchmark_repetitions")) {
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(reps->c_str(), &end, 10);
    if (reps->empty() || *end != '\0' || errno == ERANGE || n < 1 || n > std::numeric_limits<int32_t>::max()) {
      return "--benchmark_repetitions='" + *reps + "': expected a whole number, 1 or more";
    }
    flags.repetitions = static_cast<int>(n);
  }
  for (const char* flag : {"benchmark_report_aggregates_only", "benchmark_display_aggregates_only"}) {
    if (bool_flag(argc, argv, flag)) {
      return std::string("--") + flag +
             " drops the per-repetition rows the results file is made from (each case's samples and "
             "median): leave it out";
    }
  }
  for (const char* flag : {"benchmark_format", "benchmark_out_format"}) {
    const std::string value = flag_value(argc, argv, flag).value_or("console");
    if (value != "console" && value != "json" && value != "csv") {
      return std::string("--") + flag + "='" + value + "': use console, json or csv";
    }
  }
  flags.format = flag_value(argc, argv, "benchmark_format").value_or("console");
  // Google Benchmark takes any other value as true: a typo would turn colour on.
  if (const auto color = flag_value(argc, argv, "benchmark_color")) {
    const std::vector<std::string> known = {"auto", "true", "false", "yes", "no", "on", "off", "1", "0"};
    if (std::find(known.begin(), known.end(), lower_case(*color)) == known.end()) {
      return "--benchmark_color='" + *color + "': use auto, true or false (or yes/no, on/off, 1/0)";
    }
  }
  flags.filter = flag_value(argc, argv, "benchmark_filter").value_or("");
  flags.out = flag_value(argc, argv, "benchmark_out").value_or("");
  return "";
}

// Makes the directory of `path` and checks that the file can be written, so that a bad path fails
// now and not after the whole run. An existing file is left as it is; a new one is removed again.
// Returns the error line, or "" when it can be written.
std::string check_writable(const std::string& path, const std::string& flag) {
  namespace fs = std::filesystem;
  const fs::path file(path);
  std::error_code ec;
  if (file.has_parent_path()) {
    fs::create_directories(file.parent_path(), ec);
    if (ec) return flag + " " + path + ": cannot create directory " + file.parent_path().string() + ": " + ec.message();
  }
  if (fs::is_directory(file, ec)) return flag + " " + path + ": is a directory; give a file name";
  const bool existed = fs::exists(file, ec);
  {
    std::ofstream probe(file, std::ios::app);  // append: an existing file keeps its contents
    if (!probe) return flag + " " + path + ": cannot open for writing: " + std::strerror(errno);
  }
  if (!existed) fs::remove(file, ec);
  return "";
}

// The CUDA errors that mean this process has no GPU it can use (none, no or wrong driver, all busy),
// as opposed to a failure on a GPU that is there.
bool no_usable_device(cudaError_t code) {
  return code == cudaErrorNoDevice || code == cudaErrorInsufficientDriver || code == cudaErrorStubLibrary ||
         code == cudaErrorSystemDriverMismatch || code == cudaErrorCompatNotSupportedOnDevice ||
         code == cudaErrorDevicesUnavailable;
}

std::string iso_time_now() {
  const std::time_t now = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buffer;
}

std::string host_name() {
  char buffer[256] = {};
  return gethostname(buffer, sizeof buffer - 1) == 0 ? buffer : "unknown";
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Everything that can be checked before the GPU is touched; fills `flags`. Returns a BenchExit.
int check_input(const BenchOptions& options, int argc, char** argv, GbenchFlags& flags) {
  for (const std::string& model : options.models) {
    if (!find_model(model)) {
      std::cerr << "llmkb bench: unknown model preset '" << model << "' (known: " << model_names() << ")\n";
      return kBenchBadInput;
    }
  }
  std::string known_ops;
  for (const auto& suite : op_suites()) known_ops += (known_ops.empty() ? "" : ", ") + suite->op();
  for (const std::string& op : options.ops) {
    bool found = false;
    for (const auto& suite : op_suites()) found = found || suite->op() == op;
    if (!found) {
      std::cerr << "llmkb bench: unknown op '" << op << "' (known: " << known_ops << ")\n";
      return kBenchBadInput;
    }
  }
  std::string error = read_gbench_flags(argc, argv, flags);
  // Listing writes no results file (but Google Benchmark opens --benchmark_out even then).
  if (error.empty() && !flags.list_only) error = check_writable(options.out_path, "--out");
  if (error.empty() && !flags.out.empty()) error = check_writable(flags.out, "--benchmark_out");
  if (!error.empty()) {
    std::cerr << "llmkb bench: " << error << "\n";
    return kBenchBadInput;
  }
  return kBenchOk;
}

}  // namespace

int run_bench(const BenchOptions& options, int argc, char** argv) {
  // Read and check before Initialize, which removes the flags it knows from argv, and before the
  // GPU is touched.
  GbenchFlags flags;
  if (const int code = check_input(options, argc, argv, flags); code != kBenchOk) return code;
  if (options.check_profiler) {
    if (const int code = options.check_profiler(); code != kBenchOk) return code;
  }
  const bool list_only = flags.list_only;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return kBenchBadInput;

  auto session = std::make_unique<BenchSession>();
  session->options = options;
  try {
    session->device = query_device(0);
    LLMKB_CUDA_CHECK(cudaSetDevice(0));
    session->stream = std::make_unique<CudaStream>();
    // Listing the cases needs the device (which variants it can run) but neither the collector nor
    // the ceilings.
    if (!list_only) prepare_measurements(*session);
  } catch (const CudaError& e) {
    // Exit 3 only where there is no GPU to use; a failure on one is a failed run, with its error.
    if (no_usable_device(e.code())) {
      std::cerr << "llmkb bench: " << e.what() << "\n";
      return kBenchNoDevice;
    }
    std::cerr << "llmkb bench: device setup failed: " << e.what() << "\n";
    return kBenchCaseFailed;
  } catch (const std::exception& e) {
    std::cerr << "llmkb bench: device setup failed: " << e.what() << "\n";
    return kBenchCaseFailed;
  }

  // Register: op -> shape -> variant, so each case's host data is made once for all its variants.
  std::vector<std::shared_ptr<ProblemCase>> cases;
  std::vector<std::string> order;
  nlohmann::json skipped = nlohmann::json::array();
  BenchSession* s = session.get();
  for (const auto& suite : op_suites()) {
    if (!options.ops.empty() && !contains(options.ops, suite->op())) continue;
    for (auto& owned : suite->bench_cases()) {
      if (!options.models.empty() && !contains(options.models, owned->model())) continue;
      std::shared_ptr<ProblemCase> problem(std::move(owned));
      cases.push_back(problem);
      for (size_t v = 0; v < problem->variants().size(); ++v) {
        const VariantInfo& info = problem->variants()[v];
        const std::string name = info.name + "/" + problem->label();
        if (info.min_sm > s->device.runnable_sm()) {
          std::string reason = "needs sm_" + std::to_string(info.min_sm);
          if (info.min_sm <= s->device.sm()) {
            reason += ", and this build has only sm_" + std::to_string(s->device.code_sm) +
                      " code for this GPU (add its architecture to CMAKE_CUDA_ARCHITECTURES)";
          }
          skipped.push_back({{"name", name}, {"reason", reason}});
          continue;
        }
        const Support support = problem->supports(v);
        if (!support.ok) {
          skipped.push_back({{"name", name}, {"reason", support.reason}});
          continue;
        }
        order.push_back(name);
        s->metadata[name] = {{"name", name},
                                 {"op", problem->op()},
                                 {"variant", info.name},
                                 {"baseline", info.baseline},
                                 {"dtype", problem->dtype()},
                                 {"model", problem->model()},
                                 {"label", problem->label()},
                                 {"problem", problem->problem_json()},
                                 {"bytes_moved", problem->bytes_moved()},
                                 {"flops", problem->flops()},
                                 {"ceiling", to_string(problem->ceiling())}};
        s->variant_of[name] = info;
        auto* bench = benchmark::RegisterBenchmark(name.c_str(), [s, problem, v, name](benchmark::State& state) {
          run_case(*s, *problem, v, name, state);
        });
        bench->UseManualTime()->Unit(benchmark::kMicrosecond);
        if (flags.fixed_iterations) bench->Iterations(iterations_for(*problem, s->calibration));
      }
    }
  }
  const std::string& format = flags.format;
  std::unique_ptr<benchmark::BenchmarkReporter> display;
  if (format == "json") {
    display = std::make_unique<benchmark::JSONReporter>();
  } else if (format == "csv") {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    display = std::make_unique<benchmark::CSVReporter>();
#pragma GCC diagnostic pop
  } else {
    display = std::make_unique<benchmark::ConsoleReporter>();
  }
  std::ostringstream captured, captured_errors;
  benchmark::JSONReporter capture;
  capture.SetOutputStream(&captured);
  capture.SetErrorStream(&captured_errors);
  TeeReporter tee(*display, capture);
  const size_t ran = benchmark::RunSpecifiedBenchmarks(&tee);
  if (ran == 0) {
    if (flags.filter.empty()) {
      std::cerr << "llmkb bench: no case to run: every selected case was skipped (" << skipped.size()
                << " for an unsupported shape or architecture)\n";
    } else {
      std::cerr << "llmkb bench: no benchmark matches --benchmark_filter='" << flags.filter
                << "' (see `llmkb list` for the names)\n";
    }
    return kBenchBadInput;
  }
  if (list_only) return kBenchOk;  // the names are printed; nothing ran

  nlohmann::json results;
  try {
    results = nlohmann::json::parse(captured.str());
  } catch (const std::exception& e) {
    std::cerr << "llmkb bench: could not read Google Benchmark's JSON output: " << e.what() << "\n";
    return kBenchCaseFailed;
  }
  ResultsInput input;
  input.gbench = std::move(results);
  input.environment = {{"device", s->device.to_json()},
                       {"driver_version", s->device.driver_version},
                       {"runtime_version", s->device.runtime_version},
                       {"timing", options.cold ? "cold" : "warm"},
                       {"repetitions", flags.repetitions},
                       {"seed", std::to_string(s->seed)},
                       {"host", host_name()},
                       {"command", options.command_line}};
  input.calibration = s->calibration.to_json();
  input.skipped = skipped;
  input.generator = "llmkb " LLMKB_VERSION;
  input.created = iso_time_now();
  if (s->profiler) {
    input.profiler = s->profiler->summary();
    input.trace = s->profiler->trace_summary();
    // The timed loops ran under the CUPTI kernel trace, which moves some timings (docs/profiler.md):
    // the regression gate compares such a run only with another one.
    if (!input.trace.is_null()) input.environment["kernel_trace"] = true;
  }
  for (const std::string& name : order) {
    CaseOutcome outcome;
    outcome.metadata = s->metadata.at(name);
    outcome.checked_against = s->variant_of.at(name).checked_against;
    outcome.prepared = s->variant_of.at(name).prepared;
    const auto it = s->records.find(name);
    outcome.ran = it != s->records.end();
    if (outcome.ran) {
      outcome.checked = it->second.checked;
      outcome.check = it->second.check;
      outcome.error = it->second.error;
      outcome.profile = it->second.profile;
    }
    input.cases.push_back(std::move(outcome));
  }
  results = make_results(input);

  for (const std::string& error : validate_results(results)) std::cerr << "llmkb bench: schema: " << error << "\n";
  const std::filesystem::path out(options.out_path);
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  std::ofstream file(out);
  file << results.dump(2) << "\n";
  if (!file) {
    std::cerr << "llmkb bench: could not write " << options.out_path << "\n";
    return kBenchCaseFailed;
  }

  int failed = 0;
  for (const auto& c : results["llmkb"]["cases"]) {
    if (!c["check"]["passed"].get<bool>() || c.contains("error")) {
      ++failed;
      std::cerr << "llmkb bench: FAILED " << c["name"].get<std::string>() << ": "
                << c.value("error", c["check"].value("message", std::string("check failed"))) << "\n";
    }
  }
  std::cerr << "llmkb: " << results["llmkb"]["cases"].size() << " cases, " << failed << " failed, " << skipped.size()
            << " skipped (unsupported shape or architecture); results in " << options.out_path << "\n";
  return failed ? kBenchCaseFailed : kBenchOk;
}

}  // namespace llmkb
