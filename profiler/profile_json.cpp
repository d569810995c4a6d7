#include "profiler/profile_json.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace llmkb {

std::string demangle(const std::string& symbol) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status), std::free);
  return status == 0 && out ? std::string(out.get()) : symbol;
}

nlohmann::json launch_json(const LaunchRecord& launch, SmLimits sm, int sm_count) {
  if (launch.shared_config_bytes > 0) sm.shared_memory_per_sm = launch.shared_config_bytes;
  LaunchResources resources;
  resources.threads_per_block = launch.block[0] * launch.block[1] * launch.block[2];
  resources.registers_per_thread = launch.registers_per_thread;
  resources.shared_bytes_per_block =
      static_cast<size_t>(launch.static_shared_bytes) + static_cast<size_t>(launch.dynamic_shared_bytes);
  const Occupancy occupancy = theoretical_occupancy(resources, sm);
  const long long blocks = static_cast<long long>(launch.grid[0]) * launch.grid[1] * launch.grid[2];
  return {{"grid", {launch.grid[0], launch.grid[1], launch.grid[2]}},
          {"block", {launch.block[0], launch.block[1], launch.block[2]}},
          {"registers", launch.registers_per_thread},
          {"static_smem_bytes", launch.static_shared_bytes},
          {"dynamic_smem_bytes", launch.dynamic_shared_bytes},
          {"local_bytes_per_thread", launch.local_bytes_per_thread},
          {"theoretical_occupancy_pct", occupancy.theoretical_pct},
          {"occupancy_limiter", occupancy.limiter},
          {"waves_per_sm", waves_per_sm(blocks, occupancy.blocks_per_sm, sm_count)}};
}

nlohmann::json flops_json(const std::map<std::string, double>& metrics,
                          const std::vector<std::string>& tensor_metrics) {
  auto pipe = [&](const char* add, const char* mul, const char* fma) -> nlohmann::json {
    const auto a = metrics.find(add), m = metrics.find(mul), f = metrics.find(fma);
    if (a == metrics.end() || m == metrics.end() || f == metrics.end()) return nullptr;
    return a->second + m->second + 2.0 * f->second;
  };
  nlohmann::json tensor = nullptr;
  if (!tensor_metrics.empty()) {
    double sum = 0;
    bool all = true;
    for (const std::string& name : tensor_metrics) {
      const auto it = metrics.find(name);
      if (it == metrics.end()) {
        all = false;
        break;
      }
      sum += it->second;
    }
    if (all) tensor = sum;
  }
  return {{"fp32", pipe("sm__sass_thread_inst_executed_op_fadd_pred_on.sum",
                        "sm__sass_thread_inst_executed_op_fmul_pred_on.sum",
                        "sm__sass_thread_inst_executed_op_ffma_pred_on.sum")},
          {"fp16", pipe("sm__sass_thread_inst_executed_op_hadd_pred_on.sum",
                        "sm__sass_thread_inst_executed_op_hmul_pred_on.sum",
                        "sm__sass_thread_inst_executed_op_hfma_pred_on.sum")},
          {"tensor", tensor}};
}

nlohmann::json kernel_profile_json(const std::string& name, const std::map<std::string, double>& metrics,
                                   const std::vector<std::string>& tensor_metrics, const nlohmann::json& launch) {
  nlohmann::json values = nlohmann::json::object();
  for (const auto& [metric, value] : metrics) values[metric] = value;
  nlohmann::json kernel = {{"name", name}, {"metrics", values}, {"flops", flops_json(metrics, tensor_metrics)}};
  kernel["launch"] = launch;
  return kernel;
}

nlohmann::json trace_summary_json(const std::vector<KernelInterval>& kernels, const TraceTotals& totals) {
  std::map<std::string, std::vector<double>> durations_us;
  double all_us = 0;
  uint64_t untimed = 0;
  for (const KernelInterval& k : kernels) {
    // CUPTI gives a kernel record zero timestamps when it had no device memory to time it: such a
    // record is counted apart, not as an instance of zero time (which would pull the median down).
    if (k.end_ns <= k.start_ns) {
      ++untimed;
      continue;
    }
    const double us = (k.end_ns - k.start_ns) * 1e-3;
    durations_us[k.name].push_back(us);
    all_us += us;
  }
  struct Row {
    std::string name;
    std::vector<double> us;
    double total = 0;
  };
  std::vector<Row> rows;
  for (auto& [name, us] : durations_us) {
    Row row{name, std::move(us), 0};
    for (double d : row.us) row.total += d;
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.total != b.total ? a.total > b.total : a.name < b.name; });
  nlohmann::json list = nlohmann::json::array();
  for (Row& row : rows) {
    std::sort(row.us.begin(), row.us.end());
    const size_t n = row.us.size();
    const double median = n % 2 ? row.us[n / 2] : 0.5 * (row.us[n / 2 - 1] + row.us[n / 2]);
    list.push_back({{"name", row.name},
                    {"instances", n},
                    {"total_us", row.total},
                    {"avg_us", row.total / n},
                    {"median_us", median},
                    {"min_us", row.us.front()},
                    {"max_us", row.us.back()},
                    {"share_pct", all_us > 0 ? 100.0 * row.total / all_us : 0.0}});
  }
  nlohmann::json out = {
      {"span_us", totals.span_us}, {"records", totals.records}, {"dropped_records", totals.dropped}, {"kernels", list}};
  if (untimed > 0) out["untimed_kernel_records"] = untimed;
  return out;
}

}  // namespace llmkb
