#include "profiler/metric_set.h"

#include <algorithm>

#include "profiler/metric_catalog.h"

namespace llmkb {

const std::vector<std::string>& common_default_metrics() {
  static const std::vector<std::string> kMetrics = {
      metric::kDuration,
      "sm__cycles_active.avg.pct_of_peak_sustained_elapsed",               // SM efficiency
      "sm__throughput.avg.pct_of_peak_sustained_elapsed",                  // compute SOL
      "gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed",  // memory SOL
      "dram__bytes_read.sum",
      "dram__bytes_write.sum",
      "dram__bytes.sum.per_second",
      "dram__throughput.avg.pct_of_peak_sustained_elapsed",
      "lts__t_sector_hit_rate.pct",
      "l1tex__t_sector_hit_rate.pct",
      "sm__warps_active.avg.pct_of_peak_sustained_active",  // achieved occupancy
      metric::kFadd,
      metric::kFmul,
      metric::kFfma,
      metric::kHadd,
      metric::kHmul,
      metric::kHfma,
  };
  return kMetrics;
}

std::vector<std::string> tensor_metrics(const ChipCatalog& catalog) {
  const std::string prefix = "sm__ops_path_tensor_src_";
  std::vector<std::string> chosen;
  for (const std::string& base : catalog.base_metrics()) {
    if (base.rfind(prefix, 0) != 0 || base.find("sparsity") != std::string::npos) continue;
    const std::string sources = base.substr(prefix.size());
    if (sources.find("fp16") == std::string::npos && sources.find("bf16") == std::string::npos) continue;
    if (catalog.resolves(base + ".sum")) chosen.push_back(base + ".sum");
  }
  return chosen;
}

MetricSet default_metric_set(const ChipCatalog& catalog, const std::vector<std::string>& extra) {
  MetricSet set;
  set.metrics = common_default_metrics();
  set.tensor_metrics = tensor_metrics(catalog);
  auto add = [&](const std::string& m) {
    if (std::find(set.metrics.begin(), set.metrics.end(), m) == set.metrics.end()) set.metrics.push_back(m);
  };
  for (const std::string& m : set.tensor_metrics) add(m);
  for (const std::string& m : extra) add(m);
  return set;
}

}  // namespace llmkb
