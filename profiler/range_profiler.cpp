#include "profiler/range_profiler.h"

#include <cupti_profiler_host.h>
#include <cupti_range_profiler.h>

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

RangeResult RangeProfiler::profile(const std::function<void()>& restore, const std::function<void()>& launch,
                                   cudaStream_t stream) {
  EnabledRangeProfiler profiler(context_);
  std::vector<const char*> names;
  for (const std::string& m : metrics_) names.push_back(m.c_str());

  CUpti_RangeProfiler_GetCounterDataSize_Params size{CUpti_RangeProfiler_GetCounterDataSize_Params_STRUCT_SIZE};
  size.pRangeProfilerObject = profiler.get();
  size.pMetricNames = names.data();
  size.numMetrics = names.size();
  size.maxNumOfRanges = max_ranges_;
  size.maxNumRangeTreeNodes = static_cast<uint32_t>(max_ranges_);
  LLMKB_CUPTI_CHECK(cuptiRangeProfilerGetCounterDataSize(&size));
  std::vector<uint8_t> counter_data(size.counterDataSize);

  CUpti_RangeProfiler_CounterDataImage_Initialize_Params init{
      CUpti_RangeProfiler_CounterDataImage_Initialize_Params_STRUCT_SIZE};
  init.pRangeProfilerObject = profiler.get();
  init.counterDataSize = counter_data.size();
  init.pCounterData = counter_data.data();
  LLMKB_CUPTI_CHECK(cuptiRangeProfilerCounterDataImageInitialize(&init));

  CUpti_RangeProfiler_SetConfig_Params config{CUpti_RangeProfiler_SetConfig_Params_STRUCT_SIZE};
  config.pRangeProfilerObject = profiler.get();
  config.configSize = config_image_.size();
  config.pConfig = config_image_.data();
  config.counterDataImageSize = counter_data.size();
  config.pCounterDataImage = counter_data.data();
  config.range = CUPTI_AutoRange;
  // User replay: every pass is one launch of the case, preceded by `restore` (in-place inputs put
  // back, L2 flushed), as Nsight Compute does with --cache-control all. Kernel replay would restore
  // memory by writing it, leaving dirty L2 lines that the measured pass writes back (seen on an
  // H200: DRAM writes 2.7x Nsight Compute's). Kernel replay is the fallback.
  config.replayMode = CUPTI_UserReplay;
  config.maxRangesPerPass = max_ranges_;
  config.numNestingLevels = 1;
  config.minNestingLevel = 1;
  config.passIndex = 0;
  config.targetNestingLevel = 1;
  if (cuptiRangeProfilerSetConfig(&config) != CUPTI_SUCCESS) {
    config.replayMode = CUPTI_KernelReplay;
    LLMKB_CUPTI_CHECK(cuptiRangeProfilerSetConfig(&config));
  }
  last_replay_ = config.replayMode == CUPTI_UserReplay ? "user" : "kernel";

  // One Start/Stop round per pass (user replay) or for all passes (kernel replay); the case is
  // restored before every round after the first (the caller prepared the first).
  bool all_passes = false;
  for (size_t round = 0; round < kMaxRounds && !all_passes; ++round) {
    if (round > 0) restore();
    CUpti_RangeProfiler_Start_Params start{CUpti_RangeProfiler_Start_Params_STRUCT_SIZE};
    start.pRangeProfilerObject = profiler.get();
    LLMKB_CUPTI_CHECK(cuptiRangeProfilerStart(&start));
    launch();
    LLMKB_CUDA_CHECK(cudaStreamSynchronize(stream));
    CUpti_RangeProfiler_Stop_Params stop{CUpti_RangeProfiler_Stop_Params_STRUCT_SIZE};
    stop.pRangeProfilerObject = profiler.get();
    LLMKB_CUPTI_CHECK(cuptiRangeProfilerStop(&stop));
    all_passes = stop.isAllPassSubmitted != 0;
  }
  if (!all_passes)
    throw std::runtime_error("CUPTI did not submit every replay pass within " + std::to_string(kMaxRounds) +
                             " launches of the case");

  CUpti_RangeProfiler_DecodeData_Params decode{CUpti_RangeProfiler_DecodeData_Params_STRUCT_SIZE};
  decode.pRangeProfilerObject = profiler.get();
  LLMKB_CUPTI_CHECK(cuptiRangeProfilerDecodeData(&decode));

  RangeResult result;
  result.dropped_ranges = decode.numOfRangeDropped;
  CUpti_RangeProfiler_GetCounterDataInfo_Params info{CUpti_RangeProfiler_GetCounterDataInfo_Params_STRUCT_SIZE};
  info.pCounterDataImage = counter_data.data();
  info.counterDataImageSize = counter_data.size();
  LLMKB_CUPTI_CHECK(cuptiRangeProfilerGetCounterDataInfo(&info));

  std::vector<double> values(names.size());
  for (size_t range = 0; range < info.numTotalRanges; ++range) {
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
  return result;
}

}  // namespace llmkb
