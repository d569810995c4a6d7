#include "profiler/metric_catalog.h"

#include <cupti_profiler_host.h>

#include <algorithm>
#include <stdexcept>

#include "profiler/cupti_status.h"
#include "profiler/name_suggest.h"

namespace llmkb {
namespace {

const char* type_name(CUpti_MetricType type) {
  switch (type) {
    case CUPTI_METRIC_TYPE_COUNTER:
      return "counter";
    case CUPTI_METRIC_TYPE_RATIO:
      return "ratio";
    case CUPTI_METRIC_TYPE_THROUGHPUT:
      return "throughput";
    default:
      return "unknown";
  }
}

std::string base_of(const std::string& metric) {
  return metric.substr(0, metric.find('.'));
}

std::string suffix_of(const std::string& metric) {
  const size_t dot = metric.find('.');
  return dot == std::string::npos ? std::string() : metric.substr(dot);
}

bool properties(CUpti_Profiler_Host_Object* host, const std::string& metric,
                CUpti_Profiler_Host_GetMetricProperties_Params& params) {
  params = {CUpti_Profiler_Host_GetMetricProperties_Params_STRUCT_SIZE};
  params.pHostObject = host;
  params.pMetricName = metric.c_str();
  return cuptiProfilerHostGetMetricProperties(&params) == CUPTI_SUCCESS;
}

}  // namespace

ChipCatalog::ChipCatalog(const std::string& chip, std::vector<uint8_t> counter_availability)
    : chip_(chip), counter_availability_(std::move(counter_availability)) {
  CUpti_Profiler_Host_Initialize_Params params{CUpti_Profiler_Host_Initialize_Params_STRUCT_SIZE};
  params.profilerType = CUPTI_PROFILER_TYPE_RANGE_PROFILER;
  params.pChipName = chip_.c_str();
  params.pCounterAvailabilityImage = counter_availability_.empty() ? nullptr : counter_availability_.data();
  LLMKB_CUPTI_CHECK(cuptiProfilerHostInitialize(&params));
  host_ = params.pHostObject;
}

ChipCatalog::~ChipCatalog() {
  if (!host_) return;
  CUpti_Profiler_Host_Deinitialize_Params params{CUpti_Profiler_Host_Deinitialize_Params_STRUCT_SIZE};
  params.pHostObject = host_;
  (void)cuptiProfilerHostDeinitialize(&params);  // destructor: nothing to report to
}

bool ChipCatalog::resolves(const std::string& metric) const {
  // A bare base metric has properties but cannot be collected: a rollup or submetric is required.
  CUpti_Profiler_Host_GetMetricProperties_Params params;
  return metric.find('.') != std::string::npos && properties(host_, metric, params);
}

bool ChipCatalog::is_base_metric(const std::string& metric) const {
  CUpti_Profiler_Host_GetMetricProperties_Params params;
  return !metric.empty() && metric.find('.') == std::string::npos && properties(host_, metric, params);
}

MetricInfo ChipCatalog::describe(const std::string& metric) const {
  CUpti_Profiler_Host_GetMetricProperties_Params params;
  if (!resolves(metric) || !properties(host_, metric, params))
    throw std::invalid_argument("unknown metric '" + metric + "' on " + chip_);
  MetricInfo info;
  info.name = metric;
  info.unit = params.pDimUnit ? params.pDimUnit : "";
  info.hw_unit = params.pHwUnit ? params.pHwUnit : "";
  info.description = params.pDescription ? params.pDescription : "";
  info.type = type_name(params.metricType);
  return info;
}

const std::vector<std::string>& ChipCatalog::base_metrics() const {
  if (!base_metrics_.empty()) return base_metrics_;
  for (int type = 0; type < CUPTI_METRIC_TYPE__COUNT; ++type) {
    CUpti_Profiler_Host_GetBaseMetrics_Params params{CUpti_Profiler_Host_GetBaseMetrics_Params_STRUCT_SIZE};
    params.pHostObject = host_;
    params.metricType = static_cast<CUpti_MetricType>(type);
    LLMKB_CUPTI_CHECK(cuptiProfilerHostGetBaseMetrics(&params));
    for (size_t i = 0; i < params.numMetrics; ++i) base_metrics_.emplace_back(params.ppMetricNames[i]);
  }
  std::sort(base_metrics_.begin(), base_metrics_.end());
  base_metrics_.erase(std::unique(base_metrics_.begin(), base_metrics_.end()), base_metrics_.end());
  return base_metrics_;
}

std::vector<std::string> ChipCatalog::suggest(const std::string& metric, size_t count) const {
  const std::string base = base_of(metric);
  const std::string suffix = suffix_of(metric);
  CUpti_Profiler_Host_GetMetricProperties_Params base_properties;
  if (!base.empty() && properties(host_, base, base_properties)) {
    // The base is right: the suffix is wrong. Offer the base's own submetrics.
    CUpti_Profiler_Host_GetSubMetrics_Params params{CUpti_Profiler_Host_GetSubMetrics_Params_STRUCT_SIZE};
    params.pHostObject = host_;
    params.metricType = base_properties.metricType;
    params.pMetricName = base.c_str();
    std::vector<std::string> full;
    if (cuptiProfilerHostGetSubMetrics(&params) == CUPTI_SUCCESS) {
      for (size_t i = 0; i < params.numOfSubmetrics; ++i) full.push_back(base + params.ppSubMetrics[i]);
    }
    if (suffix.empty()) {  // a bare base: offer the usual rollups first
      std::vector<std::string> usual;
      for (const char* rollup : {".sum", ".avg.pct_of_peak_sustained_elapsed", ".pct", ".ratio", ".avg", ".max"}) {
        if (usual.size() < count && std::find(full.begin(), full.end(), base + rollup) != full.end())
          usual.push_back(base + rollup);
      }
      if (!usual.empty()) return usual;
    }
    return closest_names(metric, full, count);
  }
  std::vector<std::string> out;
  for (const std::string& near : closest_names(base, base_metrics(), count)) {
    out.push_back(!suffix.empty() && resolves(near + suffix) ? near + suffix : near);
  }
  return out;
}

std::vector<uint8_t> ChipCatalog::configure(const std::vector<std::string>& metrics, size_t& passes) {
  if (configured_) throw std::logic_error("ChipCatalog::configure: this host object already has a configuration");
  configured_ = true;
  std::vector<const char*> names;
  for (const std::string& m : metrics) names.push_back(m.c_str());
  CUpti_Profiler_Host_ConfigAddMetrics_Params add{CUpti_Profiler_Host_ConfigAddMetrics_Params_STRUCT_SIZE};
  add.pHostObject = host_;
  add.ppMetricNames = names.data();
  add.numMetrics = names.size();
  LLMKB_CUPTI_CHECK(cuptiProfilerHostConfigAddMetrics(&add));

  CUpti_Profiler_Host_GetConfigImageSize_Params size{CUpti_Profiler_Host_GetConfigImageSize_Params_STRUCT_SIZE};
  size.pHostObject = host_;
  LLMKB_CUPTI_CHECK(cuptiProfilerHostGetConfigImageSize(&size));
  std::vector<uint8_t> image(size.configImageSize);
  CUpti_Profiler_Host_GetConfigImage_Params get{CUpti_Profiler_Host_GetConfigImage_Params_STRUCT_SIZE};
  get.pHostObject = host_;
  get.configImageSize = image.size();
  get.pConfigImage = image.data();
  LLMKB_CUPTI_CHECK(cuptiProfilerHostGetConfigImage(&get));

  CUpti_Profiler_Host_GetNumOfPasses_Params count{CUpti_Profiler_Host_GetNumOfPasses_Params_STRUCT_SIZE};
  count.configImageSize = image.size();
  count.pConfigImage = image.data();
  LLMKB_CUPTI_CHECK(cuptiProfilerHostGetNumOfPasses(&count));
  passes = count.numOfPasses;
  return image;
}

std::vector<std::string> supported_chips() {
  CUpti_Profiler_Host_GetSupportedChips_Params params{CUpti_Profiler_Host_GetSupportedChips_Params_STRUCT_SIZE};
  LLMKB_CUPTI_CHECK(cuptiProfilerHostGetSupportedChips(&params));
  std::vector<std::string> chips;
  for (size_t i = 0; i < params.numChips; ++i) chips.emplace_back(params.ppChipNames[i]);
  return chips;
}

size_t passes_for(const std::string& chip, const std::vector<std::string>& metrics) {
  ChipCatalog catalog(chip);
  size_t passes = 0;
  catalog.configure(metrics, passes);
  return passes;
}

std::vector<std::string> unknown_metric_errors(const ChipCatalog& catalog, const std::vector<std::string>& metrics) {
  std::vector<std::string> errors;
  for (const std::string& m : metrics) {
    if (catalog.resolves(m)) continue;
    std::string line = catalog.is_base_metric(m)
                           ? "metric '" + m + "' on " + catalog.chip() + " is a base metric: name a rollup"
                           : "unknown metric '" + m + "' on " + catalog.chip();
    const std::vector<std::string> near = catalog.suggest(m);
    if (!near.empty()) {
      line += " (closest: ";
      for (size_t i = 0; i < near.size(); ++i) line += (i ? ", " : "") + near[i];
      line += ")";
    }
    errors.push_back(line);
  }
  return errors;
}

}  // namespace llmkb
