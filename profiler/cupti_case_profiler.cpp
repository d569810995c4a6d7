#include "profiler/cupti_case_profiler.h"

#include <cuda.h>
#include <cupti.h>
#include <cupti_profiler_target.h>
#include <cupti_target.h>

#include <chrono>
#include <iostream>

#include "bench/l2_flush.h"
#include "kernels/common/cuda_check.h"
#include "profiler/cupti_status.h"
#include "profiler/instruction_cache_flush.h"
#include "profiler/kernel_trace.h"
#include "profiler/metric_catalog.h"
#include "profiler/metric_set.h"
#include "profiler/occupancy.h"
#include "profiler/probe_kernel.h"
#include "profiler/range_profiler.h"

namespace llmkb {
namespace {

// A failure that ends counter collection for the run, with the status it reports.
struct CollectorFailure : std::runtime_error {
  CollectorFailure(ProfilerStatus s, const std::string& message) : std::runtime_error(message), status(s) {}
  ProfilerStatus status;
};

void CUPTIAPI ignore_callback(void*, CUpti_CallbackDomain, CUpti_CallbackId, const void*) {}

// Holding CUPTI's single callback subscription is how another attached tool (ncu, nsys, cuda-gdb)
// shows itself: CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED.
class Subscription {
 public:
  Subscription() { LLMKB_CUPTI_CHECK(cuptiSubscribe(&subscriber_, ignore_callback, nullptr)); }
  ~Subscription() { cuptiUnsubscribe(subscriber_); }
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

 private:
  CUpti_SubscriberHandle subscriber_ = nullptr;
};

// cuptiProfilerInitialize / DeInitialize as RAII.
class ProfilerInitialization {
 public:
  ProfilerInitialization() {
    CUpti_Profiler_Initialize_Params params{CUpti_Profiler_Initialize_Params_STRUCT_SIZE};
    LLMKB_CUPTI_CHECK(cuptiProfilerInitialize(&params));
  }
  ~ProfilerInitialization() {
    CUpti_Profiler_DeInitialize_Params params{CUpti_Profiler_DeInitialize_Params_STRUCT_SIZE};
    (void)cuptiProfilerDeInitialize(&params);  // destructor: nothing to report to
  }
  ProfilerInitialization(const ProfilerInitialization&) = delete;
  ProfilerInitialization& operator=(const ProfilerInitialization&) = delete;
};

std::string chip_of_device(int device) {
  CUpti_Device_GetChipName_Params params{CUpti_Device_GetChipName_Params_STRUCT_SIZE};
  params.deviceIndex = static_cast<size_t>(device);
  LLMKB_CUPTI_CHECK(cuptiDeviceGetChipName(&params));
  return params.pChipName ? params.pChipName : "";
}

std::vector<uint8_t> counter_availability(CUcontext context) {
  CUpti_Profiler_GetCounterAvailability_Params params{CUpti_Profiler_GetCounterAvailability_Params_STRUCT_SIZE};
  params.ctx = context;
  LLMKB_CUPTI_CHECK(cuptiProfilerGetCounterAvailability(&params));
  std::vector<uint8_t> image(params.counterAvailabilityImageSize);
  params.pCounterAvailabilityImage = image.data();
  LLMKB_CUPTI_CHECK(cuptiProfilerGetCounterAvailability(&params));
  return image;
}

// The runtime's primary context, through the driver entry point the runtime hands out (linking
// libcuda directly would stop `llmkb list` and `llmkb metrics` from starting on machines without a driver).
CUcontext current_context() {
  using GetCurrent = CUresult (*)(CUcontext*);
  void* entry = nullptr;
  cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
  LLMKB_CUDA_CHECK(cudaGetDriverEntryPointByVersion("cuCtxGetCurrent", &entry, 12000, cudaEnableDefault, &found));
  CUcontext context = nullptr;
  if (found != cudaDriverEntryPointSuccess || !entry || reinterpret_cast<GetCurrent>(entry)(&context) != CUDA_SUCCESS ||
      !context)
    throw CollectorFailure(ProfilerStatus::kError, "no current CUDA context to profile");
  return context;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : separator) + s;
  return out;
}

class CuptiCaseProfiler : public CaseProfiler {
 public:
  explicit CuptiCaseProfiler(const ProfilerOptions& options) : options_(options) {
    try {
      subscription_ = std::make_unique<Subscription>();
    } catch (const CuptiError& e) {
      fail(e.status(), std::string("profiling disabled: ") + e.what());
      return;
    }
    try {
      trace_ = std::make_unique<KernelTrace>();
    } catch (const std::exception& e) {
      trace_error_ = std::string("kernel trace disabled: ") + e.what();
      std::cerr << "llmkb bench: profiler: " << trace_error_ << "\n";
    }
    try {
      set_up_counters();
      message_ = "collecting " + std::to_string(metric_set_.metrics.size()) + " metrics on " + chip_ + " in " +
                 std::to_string(passes_) + " replay passes per kernel (user replay: inputs restored before each pass, L2 and instruction caches flushed inside it; one range per kernel)";
      std::cerr << "llmkb: profiler: " << message_ << "\n";
    } catch (const CollectorFailure& e) {
      fail(e.status, e.what());
    } catch (const CuptiError& e) {
      fail(e.status(), e.what());
    } catch (const CudaError&) {
      throw;
    } catch (const std::exception& e) {
      fail(ProfilerStatus::kError, e.what());
    }
  }

  nlohmann::json profile(DeviceRun& run, cudaStream_t stream, const std::string& case_name) override {
    if (status_ != ProfilerStatus::kOk)
      return {{"passes", 0}, {"kernels", nlohmann::json::array()}, {"error", "not profiled: " + message_}};
    nlohmann::json out = {{"passes", passes_}, {"kernels", nlohmann::json::array()}};
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::string> errors;
    try {
      // Inside the try: a trace that cannot be paused costs this case its counters, not its timings.
      PausedTrace paused(trace_.get());
      std::vector<LaunchRecord> launches;
      if (trace_) {  // one plain launch, for the launch records
        run.restore_inplace_inputs(stream);
        LLMKB_CUDA_CHECK(cudaStreamSynchronize(stream));
        trace_->begin_capture();
        run.launch(stream);
        LLMKB_CUDA_CHECK(cudaStreamSynchronize(stream));
        launches = trace_->end_capture();
      }
      // Inputs restored and persisting L2 lines reset before every replay pass and (as for bench's cold timing) L2
      // flushed inside it, right before the case's kernels, then (as Nsight Compute's --cache-control all) the
      // instruction caches.
      RangeProfiler::Pass pass;
      pass.restore = [&] {
        run.restore_inplace_inputs(stream);
        if (flusher_) flusher_->reset_persisting_lines(stream);  // outside the pass: CUPTI counts it as a range
      };
      if (flusher_ || icache_flusher_) {
        pass.flush = [&] {
          if (flusher_) flusher_->flush(stream);
          if (icache_flusher_) icache_flusher_->flush(stream);
        };
        pass.flush_kernels = (flusher_ ? 1 : 0) + (icache_flusher_ ? 1 : 0);
      }
      pass.launch = [&] { run.launch(stream); };
      const RangeResult result = range_->profile(pass, stream);
      out["step_ms"] = result.step_ms;

      // CUPTI names auto ranges by launch index ("0", "1", ...), and the launch records of the
      // captured run are in launch order too: range i is launch i. (A name match is tried first in
      // case a CUPTI version names ranges by kernel.) The kernel's name is the launch record's.
      std::vector<bool> used(launches.size(), false);
      for (const RangeValues& range : result.ranges) {
        size_t match = launches.size();
        for (size_t i = 0; i < launches.size() && match == launches.size(); ++i)
          if (!used[i] && launches[i].name == range.name) match = i;
        for (size_t i = 0; i < launches.size() && match == launches.size(); ++i)
          if (!used[i]) match = i;
        nlohmann::json launch = nullptr;
        std::string name = range.name;
        if (match < launches.size()) {
          used[match] = true;
          launch = launch_json(launches[match], sm_limits_, sm_count_);
          name = launches[match].name;
        }
        out["kernels"].push_back(kernel_profile_json(name, range.metrics, metric_set_.tensor_metrics, launch));
      }
      if (trace_ && launches.size() != result.ranges.size())
        errors.push_back(std::to_string(launches.size()) + " launch records for " +
                         std::to_string(result.ranges.size()) +
                         " profiled kernels: launch data and names may be mismatched");
      if (result.ranges.empty()) errors.push_back("no kernel launch was profiled for " + case_name);
      if (result.dropped_ranges)
        errors.push_back(std::to_string(result.dropped_ranges) + " kernel launches beyond the first " +
                         std::to_string(options_.max_kernels_per_case) + " were not profiled");
    } catch (const CuptiError& e) {
      errors.push_back(e.what());
      if (e.status() != ProfilerStatus::kError)
        fail(e.status(), e.what());  // ends collection for the run, and says so on stderr
      else
        report_case_failure(case_name, e.what());
    } catch (const CudaError&) {
      throw;
    } catch (const std::exception& e) {
      errors.push_back(e.what());
      report_case_failure(case_name, e.what());
    }
    if (!errors.empty()) out["error"] = join(errors, "; ");
    const double wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    out["wall_ms"] = wall_ms;  // launch capture + replay passes + decoding, for the overhead figures
    // (step_ms: the range profiler's share, step by step)
    profiling_wall_s_ += wall_ms * 1e-3;
    ++profiled_cases_;
    return out;
  }

  nlohmann::json summary() const override {
    nlohmann::json out = {
        {"enabled", true},
        {"status", to_string(status_)},
        {"message", message_},
        {"chip", chip_},
        {"metrics", metric_set_.metrics},
        {"tensor_metrics", metric_set_.tensor_metrics},
        {"passes", passes_},
        {"profiled_cases", profiled_cases_},
        {"profiling_wall_s", profiling_wall_s_},
        {"replay", range_ ? range_->last_replay() : "user"},
        {"l2", options_.flush_l2 ? "flushed (read of 2x L2) inside every replay pass, before the case's kernels; "
                                   "persisting lines (sm80+) reset to normal before the pass"
                                 : "not flushed (--warm)"},
        {"instruction_caches", options_.flush_instruction_caches
                                   ? "flushed (256 KB of code run in every SM partition) inside every "
                                     "replay pass, after the L2 flush, before the case's kernels"
                                   : "not flushed (--warm)"},
        {"range", "auto (one range per kernel launch)"},
        {"launch_data",
         "CUPTI activity record of one plain launch per case; theoretical "
         "occupancy by the occupancy calculator's arithmetic"}};
    if (!trace_error_.empty()) out["trace_error"] = trace_error_;
    return out;
  }

  nlohmann::json trace_summary() override {
    if (trace_) return trace_->summary();
    return nullptr;
  }

 private:
  // Leaves the profiling work of a case out of the trace, whatever way the case ends.
  class PausedTrace {
   public:
    explicit PausedTrace(KernelTrace* trace) : trace_(trace) {
      if (trace_) trace_->pause();
    }
    ~PausedTrace() {
      if (!trace_) return;
      try {
        trace_->resume();
      } catch (const std::exception& e) {
        std::cerr << "llmkb bench: profiler: could not resume the kernel trace: " << e.what() << "\n";
      }
    }
    PausedTrace(const PausedTrace&) = delete;
    PausedTrace& operator=(const PausedTrace&) = delete;

   private:
    KernelTrace* trace_;
  };

  void set_up_counters() {
    int device = 0;
    LLMKB_CUDA_CHECK(cudaGetDevice(&device));
    cudaDeviceProp prop{};
    LLMKB_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    if (prop.major * 10 + prop.minor < 75)
      throw CollectorFailure(ProfilerStatus::kUnsupportedDevice,
                             std::string("the CUPTI range profiler needs sm_75 or newer; ") + prop.name + " is sm_" +
                                 std::to_string(prop.major * 10 + prop.minor));
    LLMKB_CUDA_CHECK(cudaFree(nullptr));  // make the primary context current
    const CUcontext context = current_context();

    cupti_profiler_ = std::make_unique<ProfilerInitialization>();
    chip_ = chip_of_device(device);
    catalog_ = std::make_unique<ChipCatalog>(chip_, counter_availability(context));
    const std::vector<std::string> unknown = unknown_metric_errors(*catalog_, options_.extra_metrics);
    if (!unknown.empty()) throw CollectorFailure(ProfilerStatus::kError, join(unknown, "; "));
    metric_set_ = default_metric_set(*catalog_, options_.extra_metrics);
    std::vector<uint8_t> image;
    try {
      image = catalog_->configure(metric_set_.metrics, passes_);
    } catch (const CuptiError& e) {
      throw CollectorFailure(ProfilerStatus::kError,
                             "the metric set cannot be collected on this " + chip_ + " device (" + e.what() +
                                 "); not collectable here: " + join(uncollectable(context), ", "));
    }

    if (options_.flush_l2) flusher_ = std::make_unique<L2Flusher>(prop);
    if (options_.flush_instruction_caches) icache_flusher_ = std::make_unique<InstructionCacheFlusher>(prop.multiProcessorCount);
    sm_count_ = prop.multiProcessorCount;
    sm_limits_ = sm_limits_of(prop);

    range_ = std::make_unique<RangeProfiler>(context, *catalog_, std::move(image), metric_set_.metrics,
                                             options_.max_kernels_per_case);
    // Profile a trivial kernel once: no permission to read counters shows up here, before the suite.
    PausedTrace paused(trace_.get());
    RangeProfiler::Pass probe_pass;
    probe_pass.launch = [] { LLMKB_CUDA_CHECK(launch_probe_kernel(nullptr)); };
    const RangeResult probe = range_->profile(probe_pass, nullptr);
    if (probe.ranges.size() != 1)
      throw CollectorFailure(ProfilerStatus::kError, "the start-up probe kernel gave " +
                                                         std::to_string(probe.ranges.size()) + " ranges, expected 1");
  }

  // The metrics of the set that the device cannot collect, each tried alone.
  std::vector<std::string> uncollectable(CUcontext context) const {
    std::vector<std::string> out;
    const std::vector<uint8_t> availability = counter_availability(context);
    for (const std::string& m : metric_set_.metrics) {
      try {
        ChipCatalog single(chip_, availability);
        size_t passes = 0;
        single.configure({m}, passes);
      } catch (const std::exception&) {
        out.push_back(m);
      }
    }
    return out;
  }

  // The case's counters are lost; the run goes on with the next case.
  static void report_case_failure(const std::string& case_name, const std::string& message) {
    std::cerr << "llmkb bench: profiler: " << case_name << ": not profiled: " << message << "\n";
  }

  void fail(ProfilerStatus status, const std::string& message) {
    if (status_ != ProfilerStatus::kOk) return;  // the first failure is the one to report
    status_ = status == ProfilerStatus::kOk ? ProfilerStatus::kError : status;
    message_ = message;
    // Under ncu every launch is intercepted, and the CUDA-event times include it (H100: a 4.6 us
    // rmsnorm case timed at 32.7 us under `ncu -c 1`).
    std::cerr << "llmkb bench: profiler: " << message_
              << (status_ == ProfilerStatus::kProfilerBusy
                      ? " (timings are still measured, but the other profiler's interception of each launch slows "
                        "them: time llmkb outside it)\n"
                      : " (timings are still measured)\n");
  }

  ProfilerOptions options_;
  std::unique_ptr<Subscription> subscription_;
  std::unique_ptr<KernelTrace> trace_;
  std::string trace_error_;
  std::unique_ptr<ProfilerInitialization> cupti_profiler_;  // outlives the range profiler below
  std::unique_ptr<ChipCatalog> catalog_;
  std::unique_ptr<RangeProfiler> range_;
  std::unique_ptr<L2Flusher> flusher_;
  std::unique_ptr<InstructionCacheFlusher> icache_flusher_;
  MetricSet metric_set_;
  std::string chip_;
  size_t passes_ = 0;
  SmLimits sm_limits_;
  int sm_count_ = 0;
  size_t profiled_cases_ = 0;
  double profiling_wall_s_ = 0;  // time spent in profile(), outside the timed loops
  ProfilerStatus status_ = ProfilerStatus::kOk;
  std::string message_;
};

}  // namespace

std::vector<std::string> check_metrics_on_device(const std::vector<std::string>& metrics, std::string& chip) {
  if (metrics.empty()) return {};
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    (void)cudaGetLastError();  // clear the error: no device means nothing to check against
    return {};
  }
  try {
    const ProfilerInitialization initialized;
    chip = chip_of_device(0);
    const ChipCatalog catalog(chip);
    return unknown_metric_errors(catalog, metrics);
  } catch (const CuptiError&) {
    return {};  // the collector reports why (permissions, another profiler, unsupported device)
  }
}

std::unique_ptr<CaseProfiler> make_cupti_profiler(const ProfilerOptions& options) {
  return std::make_unique<CuptiCaseProfiler>(options);
}

}  // namespace llmkb
