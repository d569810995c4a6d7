#include "profiler/range_profiler.h"

#include <cupti_profiler_host.h>
#include <cupti_range_profiler.h>

#include <chrono>
#include <memory>

#include "kernels/common/cuda_check.h"
#include "profiler/cupti_status.h"
#include "profiler/metric_catalog.h"
#include "profiler/profile_json.h"

namespace llmkb {
namespace {

constexpr size_t kMaxRounds = 64;  // Start/Stop rounds per case before giving up

// cuptiRangeProfilerEnable / Disable as RAII, so an error mid-case leaves the profiler off.
class EnabledRangeProfiler {
 public:
  explicit EnabledRangeProfiler(CUcontext context) {
    CUpti_RangeProfiler_Enable_Params params{CUpti_RangeProfiler_Enable_Params_STRUCT_SIZE};
    params.ctx = context;
    LLMKB_CUPTI_CHECK(cuptiRangeProfilerEnable(&params));
    object_ = params.pRangeProfilerObject;
  }
  ~EnabledRangeProfiler() {
    CUpti_RangeProfiler_Disable_Params params{CUpti_RangeProfiler_Disable_Params_STRUCT_SIZE};
    params.pRangeProfilerObject = object_;
    (void)cuptiRangeProfilerDisable(&params);  // destructor: nothing to report to
  }
  EnabledRangeProfiler(const EnabledRangeProfiler&) = delete;
  EnabledRangeProfiler& operator=(const EnabledRangeProfiler&) = delete;
  CUpti_RangeProfiler_Object* get() const { return object_; }

 private:
  CUpti_RangeProfiler_Object* object_ = nullptr;
};

}  // namespace

RangeProfiler::RangeProfiler(CUcontext context, const ChipCatalog& catalog, std::vector<uint8_t> config_image,
                             std::vector<std::string> metrics, size_t max_ranges)
    : context_(context),
      catalog_(catalog),
      config_image_(std::move(config_image)),
      metrics_(std::move(metrics)),
      max_ranges_(max_ranges) {}

RangeResult RangeProfiler::profile(const Pass& pass, cudaStream_t stream) {
  const size_t flush_ranges = pass.flush ? pass.flush_kernels : 0;
  const size_t ranges_per_pass = max_ranges_ + flush_ranges;
  RangeResult result;
  auto step_start = std::chrono::steady_clock::now();
  const auto end_step = [&](const char* step) {
    const auto now = std::chrono::steady_clock::now();
    result.step_ms[step] += std::chrono::duration<double, std::milli>(now - step_start).count();
    step_start = now;
  };
  auto profiler = std::make_unique<EnabledRangeProfiler>(context_);
  end_step("enable");
  std::vector<const char*> names;
  for (const std::string& m : metrics_) names.push_back(m.c_str());

  CUpti_RangeProfiler_GetCounterDataSize_Params size{CUpti_RangeProfiler_GetCounterDataSize_Params_STRUCT_SIZE};
  size.pRangeProfilerObject = profiler->get();
  size.pMetricNames = names.data();
  size.numMetrics = names.size();
  size.maxNumOfRanges = ranges_per_pass;
  size.maxNumRangeTreeNodes = static_cast<uint32_t>(ranges_per_pass);
  LLMKB_CUPTI_CHECK(cuptiRangeProfilerGetCounterDataSize(&size));
  std::vector<uint8_t> counter_data(size.counterDataSize);

  CUpti_RangeProfiler_CounterDataImage_Initialize_Params init{
      CUpti_RangeProfiler_CounterDataImage_Initialize_Params_STRUCT_SIZE};
  init.pRangeProfilerObject = profiler->get();
  init.counterDataSize = counter_data.size();
  init.pCounterData = counter_data.data();
  LLMKB_CUPTI_CHECK(cuptiRangeProfilerCounterDataImageInitialize(&init));

  CUpti_RangeProfiler_SetConfig_Params config{CUpti_RangeProfiler_SetConfig_Params_STRUCT_SIZE};
  config.pRangeProfilerObject = profiler->get();
  config.configSize = config_image_.size();
  config.pConfig = config_image_.data();
  config.counterDataImageSize = counter_data.size();
  config.pCounterDataImage = counter_data.data();
  config.range = CUPTI_AutoRange;
  // User replay: every pass is one launch of the case, preceded by `restore` (in-place inputs put
  // back) and, inside the pass, by the cache flushes (L2, then instruction caches), as Nsight
  // Compute does with --cache-control all.
  // The flush has to be inside: starting a pass leaves L2 with tens of MB of dirty lines (on an
  // H200 the flush, run inside the pass after a case that wrote 4 MB, wrote back 28 MB), and a
  // flush before cuptiRangeProfilerStart leaves them for the profiled kernel to write back (RMSNorm
  // 4096x4096: DRAM writes 34.7 MB and 21.3 us against Nsight Compute's 12.4 MB and 18.0 us; with
  // the flush inside, 9.9 MB and 18.5 us). Kernel replay, the fallback, replays each kernel on its
  // own and restores memory by writing it, so the flush cannot help there (its range is dropped).
  config.replayMode = CUPTI_UserReplay;
  config.maxRangesPerPass = ranges_per_pass;
  config.numNestingLevels = 1;
  config.minNestingLevel = 1;
  config.passIndex = 0;
  config.targetNestingLevel = 1;
  if (cuptiRangeProfilerSetConfig(&config) != CUPTI_SUCCESS) {
    config.replayMode = CUPTI_KernelReplay;
    LLMKB_CUPTI_CHECK(cuptiRangeProfilerSetConfig(&config));
  }
  last_replay_ = config.replayMode == CUPTI_UserReplay ? "user" : "kernel";
  end_step("configure");

  // One Start/Stop round per pass (user replay) or for all passes (kernel replay), each on a
  // restored case.
  bool all_passes = false;
  // Each pass's time is split into its steps (summed over the passes) for the overhead figures.
  for (size_t round = 0; round < kMaxRounds && !all_passes; ++round) {
    if (pass.restore) pass.restore();
    LLMKB_CUDA_CHECK(cudaStreamSynchronize(stream));
    end_step("pass_restore");
    CUpti_RangeProfiler_Start_Params start{CUpti_RangeProfiler_Start_Params_STRUCT_SIZE};
    start.pRangeProfilerObject = profiler->get();
    LLMKB_CUPTI_CHECK(cuptiRangeProfilerStart(&start));
    end_step("pass_start");
    if (pass.flush) pass.flush();
    pass.launch();
    LLMKB_CUDA_CHECK(cudaStreamSynchronize(stream));
    end_step("pass_launch");
    CUpti_RangeProfiler_Stop_Params stop{CUpti_RangeProfiler_Stop_Params_STRUCT_SIZE};
    stop.pRangeProfilerObject = profiler->get();
    LLMKB_CUPTI_CHECK(cuptiRangeProfilerStop(&stop));
    end_step("pass_stop");
    all_passes = stop.isAllPassSubmitted != 0;
  }
  if (!all_passes)
    throw std::runtime_error("CUPTI did not submit every replay pass within " + std::to_string(kMaxRounds) +
                             " launches of the case");

  CUpti_RangeProfiler_DecodeData_Params decode{CUpti_RangeProfiler_DecodeData_Params_STRUCT_SIZE};
  decode.pRangeProfilerObject = profiler->get();
  LLMKB_CUPTI_CHECK(cuptiRangeProfilerDecodeData(&decode));

  result.dropped_ranges = decode.numOfRangeDropped;
  CUpti_RangeProfiler_GetCounterDataInfo_Params info{CUpti_RangeProfiler_GetCounterDataInfo_Params_STRUCT_SIZE};
  info.pCounterDataImage = counter_data.data();
  info.counterDataImageSize = counter_data.size();
  LLMKB_CUPTI_CHECK(cuptiRangeProfilerGetCounterDataInfo(&info));
  if (info.numTotalRanges < flush_ranges)
    throw std::runtime_error("CUPTI recorded fewer ranges than the cache flush kernels that start every pass");

  std::vector<double> values(names.size());
  for (size_t range = flush_ranges; range < info.numTotalRanges; ++range) {  // the flush kernels' ranges first
    CUpti_RangeProfiler_CounterData_GetRangeInfo_Params range_info{
        CUpti_RangeProfiler_CounterData_GetRangeInfo_Params_STRUCT_SIZE};
    range_info.pCounterDataImage = counter_data.data();
    range_info.counterDataImageSize = counter_data.size();
    range_info.rangeIndex = range;
    range_info.rangeDelimiter = "/";
    LLMKB_CUPTI_CHECK(cuptiRangeProfilerCounterDataGetRangeInfo(&range_info));

    CUpti_Profiler_Host_EvaluateToGpuValues_Params evaluate{CUpti_Profiler_Host_EvaluateToGpuValues_Params_STRUCT_SIZE};
    evaluate.pHostObject = catalog_.host_object();
    evaluate.pCounterDataImage = counter_data.data();
    evaluate.counterDataImageSize = counter_data.size();
    evaluate.rangeIndex = range;
    evaluate.ppMetricNames = names.data();
    evaluate.numMetrics = names.size();
    evaluate.pMetricValues = values.data();
    LLMKB_CUPTI_CHECK(cuptiProfilerHostEvaluateToGpuValues(&evaluate));

    RangeValues r;
    r.name = demangle(range_info.rangeName ? range_info.rangeName : "");
    for (size_t i = 0; i < names.size(); ++i) r.metrics[metrics_[i]] = values[i];
    result.ranges.push_back(std::move(r));
  }
  end_step("decode");
  profiler.reset();
  end_step("disable");
  return result;
}

}  // namespace llmkb
