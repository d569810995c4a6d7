#include "reports/report_model.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "reports/bottleneck_rules.h"
#include "reports/compute_peaks.h"

namespace llmkb::report {

using nlohmann::json;

namespace {

std::optional<double> number_at(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// The trace's count of dropped records (0 where absent); any count, however large, stays non-zero.
uint64_t dropped_records_of(const json& trace) {
  const auto it = trace.find("dropped_records");
  if (it == trace.end() || !it->is_number()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer()) return std::max<int64_t>(it->get<int64_t>(), 0);
  const double count = it->get<double>();
  return count >= 1 ? static_cast<uint64_t>(std::min(count, 1.8e19)) : 0;
}

// Why the results file has no kernel trace to summarise, where it says: the trace's own error (its
// final flush failed) or the profiler's trace_error (the activity API could not be enabled).
std::optional<std::string> trace_error_of(const json& section) {
  for (const auto& [object, key] : {std::pair{"trace", "error"}, std::pair{"profiler", "trace_error"}}) {
    if (!section.contains(object) || !section[object].is_object()) continue;
    const auto it = section[object].find(key);
    if (it != section[object].end() && it->is_string()) return it->get<std::string>();
  }
  return std::nullopt;
}

// The trace's note that its count of dropped records may be short, where it has one.
std::optional<std::string> dropped_records_note_of(const json& trace) {
  const auto it = trace.find("dropped_records_note");
  if (it == trace.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

bool has_trace_kernels(const json& section) {
  return section.contains("trace") && section["trace"].is_object() && section["trace"].contains("kernels");
}

json optional_json(const std::optional<double>& value) {
  return value ? json(*value) : json(nullptr);
}

LaunchCounters counters_of(const json& kernel) {
  const json& m = kernel.value("metrics", json::object());
  const json& launch = kernel.value("launch", json::object());
  const json& flops = kernel.value("flops", json::object());
  LaunchCounters c;
  c.duration_ns = number_at(m, "gpu__time_duration.sum");
  c.sm_efficiency_pct = number_at(m, "sm__cycles_active.avg.pct_of_peak_sustained_elapsed");
  c.compute_sol_pct = number_at(m, "sm__throughput.avg.pct_of_peak_sustained_elapsed");
  c.memory_sol_pct = number_at(m, "gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed");
  c.dram_sol_pct = number_at(m, "dram__throughput.avg.pct_of_peak_sustained_elapsed");
  c.dram_read_bytes = number_at(m, "dram__bytes_read.sum");
  c.dram_write_bytes = number_at(m, "dram__bytes_write.sum");
  c.dram_bytes_per_second = number_at(m, "dram__bytes.sum.per_second");
  c.l2_hit_pct = number_at(m, "lts__t_sector_hit_rate.pct");
  c.l1_hit_pct = number_at(m, "l1tex__t_sector_hit_rate.pct");
  c.achieved_occupancy_pct = number_at(m, "sm__warps_active.avg.pct_of_peak_sustained_active");
  c.flops_fp32 = number_at(flops, "fp32").value_or(0);
  c.flops_fp16 = number_at(flops, "fp16").value_or(0);
  c.flops_tensor = number_at(flops, "tensor").value_or(0);
  c.theoretical_occupancy_pct = number_at(launch, "theoretical_occupancy_pct");
  c.occupancy_limiter = launch.value("occupancy_limiter", "");
  c.waves_per_sm = number_at(launch, "waves_per_sm");
  c.registers = number_at(launch, "registers");
  return c;
}

json finding_json(const Finding& f) {
  return {{"kind", f.kind},     {"severity", to_string(f.severity)}, {"primary", f.primary},
          {"value", f.value},   {"threshold", f.threshold},          {"unit", f.unit},
          {"detail", f.detail}, {"detail_value", f.detail_value}};
}

int severity_rank(const std::string& s) {
  return s == "high" ? 2 : s == "medium" ? 1 : s == "low" ? 0 : -1;
}

json environment_of(const json& section) {
  const json& env = section["environment"];
  json out = {{"device", env["device"]},
              {"driver_version", env["driver_version"]},
              {"runtime_version", env["runtime_version"]},
              {"timing", env["timing"]},
              {"repetitions", env["repetitions"]},
              {"created", section["created"]},
              {"generator", section["generator"]}};
  for (const char* key : {"host", "command", "seed"}) {
    if (env.contains(key)) out[key] = env[key];
  }
  return out;
}

json ceilings_of(const json& section) {
  const json& cal = section["calibration"];
  const json& device = section["environment"]["device"];
  json out = cal;
  for (Precision p : {Precision::fp32, Precision::fp16, Precision::tensor}) {
    const ComputePeak peak = compute_peak(device, cal, p);
    out["compute_peaks"][to_string(p)] = {{"tflops", peak.tflops},
                                          {"theoretical", peak.theoretical},
                                          {"basis", peak.basis},
                                          {"fma_lanes_per_sm", peak.fma_lanes_per_sm}};
  }
  return out;
}

json overview_of(const json& section) {
  json out;
  std::vector<json> kernels;
  if (has_trace_kernels(section)) {
    const json& trace = section["trace"];
    out["source"] = "trace";
    out["span_us"] = optional_json(number_at(trace, "span_us"));
    out["dropped_records"] = dropped_records_of(trace);
    if (const auto note = dropped_records_note_of(trace)) out["dropped_records_note"] = *note;
    if (const auto untimed = number_at(trace, "untimed_kernel_records"); untimed && *untimed > 0)
      out["untimed_kernel_records"] = *untimed;
    for (const json& k : trace["kernels"]) {
      json row = {{"name", k.value("name", "?")},
                  {"instances", k.value("instances", 0.0)},
                  {"total_us", k.value("total_us", 0.0)}};
      row["short_name"] = short_kernel_name(row["name"]);
      for (const char* key : {"avg_us", "median_us", "min_us", "max_us", "share_pct"}) {
        if (number_at(k, key)) row[key] = k[key];
      }
      kernels.push_back(row);
    }
  } else {
    // No kernel trace: per variant, the timed launches of the benchmark (iterations x mean per repetition).
    out["source"] = "samples";
    if (const auto error = trace_error_of(section)) out["trace_error"] = *error;
    std::map<std::string, json> by_variant;
    for (const json& c : section["cases"]) {
      json& row = by_variant[c["variant"].get<std::string>()];
      row["name"] = c["variant"];
      row["short_name"] = c["variant"];
      double instances = row.value("instances", 0.0), total = row.value("total_us", 0.0);
      for (const json& s : c["samples"]) {
        instances += s["iterations"].get<double>();
        total += s["iterations"].get<double>() * s["mean_us"].get<double>();
      }
      row["instances"] = instances;
      row["total_us"] = total;
    }
    for (auto& [name, row] : by_variant) {
      const double n = row["instances"].get<double>();
      row["avg_us"] = n > 0 ? row["total_us"].get<double>() / n : 0.0;
      kernels.push_back(row);
    }
  }
  double total_us = 0;
  for (const json& k : kernels) total_us += k.value("total_us", 0.0);
  for (json& k : kernels) {
    if (!k.contains("share_pct")) k["share_pct"] = total_us > 0 ? 100.0 * k.value("total_us", 0.0) / total_us : 0.0;
  }
  std::stable_sort(kernels.begin(), kernels.end(),
                   [](const json& a, const json& b) { return a.value("total_us", 0.0) > b.value("total_us", 0.0); });
  // With counters, the kernels each case launched are known: the others in the trace belong to the
  // harness (L2 flush, calibration) and are marked so, with the time of the benchmarked ones apart.
  // Only when every case has its kernels recorded: otherwise an unprofiled case's kernel would look
  // like the harness.
  std::set<std::string> case_kernels;
  bool every_case_profiled = !section["cases"].empty();
  for (const json& c : section["cases"]) {
    if (!c.contains("profile") || !c["profile"].is_object() || !c["profile"].contains("kernels") ||
        c["profile"]["kernels"].empty()) {
      every_case_profiled = false;
      continue;
    }
    for (const json& k : c["profile"]["kernels"]) {
      if (k.is_object()) case_kernels.insert(k.value("name", ""));
    }
  }
  if (out["source"] == "trace" && every_case_profiled) {
    double benchmarked_us = 0;
    for (json& k : kernels) {
      k["benchmarked"] = case_kernels.count(k["name"].get<std::string>()) > 0;
      if (k["benchmarked"].get<bool>()) benchmarked_us += k.value("total_us", 0.0);
    }
    out["benchmarked_us"] = benchmarked_us;
  }
  out["kernel_count"] = kernels.size();
  out["total_us"] = total_us;
  out["kernels"] = kernels;
  return out;
}

json variants_of(const json& section) {
  // op -> label -> rows, in run order.
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, std::vector<json>> groups;
  for (const json& c : section["cases"]) {
    const auto key = std::make_pair(c["op"].get<std::string>(), c["label"].get<std::string>());
    if (!groups.count(key)) order.push_back(key);
    const std::string ceiling = c["ceiling"];
    const bool tensor = ceiling == "tensor_f16";
    // A time that is not a positive number (a damaged file) is no measurement: the row reads as failed.
    const std::optional<double> median_us = number_at(c, "median_us");
    const bool ok = c["check"]["passed"].get<bool>() && !c.contains("error") && median_us && std::isfinite(*median_us) &&
                    *median_us > 0;
    json row = {{"case", c["name"]},
                {"variant", c["variant"]},
                {"baseline", c["baseline"]},
                {"ceiling", ceiling},
                {"ok", ok},
                {"rate_unit", tensor ? "TFLOP/s" : "GB/s"}};
    if (c.contains("error")) row["error"] = c["error"];
    if (c["check"].contains("against")) row["checked_against"] = c["check"]["against"];
    if (c.contains("prepared")) row["prepared"] = c["prepared"];
    if (!c["check"]["passed"].get<bool>()) row["check_message"] = c["check"].value("message", "check failed");
    if (c.contains("median_us")) {
      row["median_us"] = c["median_us"];
      // Missing figures stay null (shown as n/a), never 0.
      row["gbps"] = optional_json(number_at(c, "gbps"));
      row["tflops"] = optional_json(number_at(c, "tflops"));
      row["rate"] = tensor ? row["tflops"] : row["gbps"];
      row["pct_of_ceiling"] = optional_json(number_at(c, "pct_of_ceiling"));
      if (c.contains("pct_of_read_at_size")) row["pct_of_read_at_size"] = c["pct_of_read_at_size"];
    }
    groups[key].push_back(row);
  }
  json out = json::array();
  for (const auto& key : order) {
    std::vector<json>& rows = groups[key];
    std::optional<double> baseline_us;
    for (const json& r : rows) {
      if (r["baseline"].get<bool>() && r["ok"].get<bool>()) baseline_us = r["median_us"].get<double>();
    }
    int best = -1;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!rows[i]["ok"].get<bool>()) continue;
      if (best < 0 || rows[i]["median_us"].get<double>() < rows[best]["median_us"].get<double>()) best = int(i);
      rows[i]["speedup_vs_baseline"] = baseline_us && rows[i]["median_us"].get<double>() > 0
                                           ? json(*baseline_us / rows[i]["median_us"].get<double>())
                                           : json(nullptr);
    }
    for (size_t i = 0; i < rows.size(); ++i) rows[i]["best"] = int(i) == best;
    out.push_back(
        {{"op", key.first}, {"label", key.second}, {"has_baseline", baseline_us.has_value()}, {"rows", rows}});
  }
  return out;
}

struct Stat {
  double sum = 0, max = 0, min = 0;
  int count = 0, below = 0, over_100 = 0;
  void add(double v, double low_threshold) {
    if (count == 0 || v > max) max = v;
    if (count == 0 || v < min) min = v;
    sum += v;
    ++count;
    if (v < low_threshold) ++below;
    if (v > 100.0) ++over_100;
  }
  json to_json() const {
    if (count == 0) return nullptr;
    return {{"avg", sum / count},       {"max", max},          {"min", min}, {"count", count},
            {"below_threshold", below}, {"over_100", over_100}};
  }
};

// One profiled launch analysed, with the case it belongs to.
struct AnalysedLaunch {
  std::string kernel, case_name;
  LaunchCounters counters;
  LaunchAnalysis analysis;
  json launch;  // grid, block, registers... as recorded
};

json launch_json(const AnalysedLaunch& l, const LaunchContext& ctx) {
  const LaunchAnalysis& a = l.analysis;
  const LaunchCounters& c = l.counters;
  json findings = json::array();
  for (const Finding& f : a.findings) findings.push_back(finding_json(f));
  return {{"case", l.case_name},
          {"duration_us", c.duration_ns ? json(*c.duration_ns / 1e3) : json(nullptr)},
          {"dram_bytes", optional_json(a.dram_bytes)},
          {"min_bytes", optional_json(ctx.min_bytes)},
          {"dram_excess_ratio", optional_json(a.dram_excess_ratio)},
          {"case_min_bytes", optional_json(ctx.case_min_bytes)},
          {"case_dram_bytes", optional_json(ctx.case_dram_bytes)},
          {"case_dram_excess_ratio", optional_json(a.case_dram_excess_ratio)},
          {"achieved_gbps", optional_json(a.achieved_gbps)},
          {"roofline_bytes", optional_json(a.roofline_bytes)},
          {"roofline_gbps", optional_json(a.roofline_gbps)},
          {"placed_on_min_bytes", a.placed_on_min_bytes},
          {"achieved_tflops", optional_json(a.achieved_tflops)},
          {"counted_tflops", optional_json(a.counted_tflops)},
          {"padded_flops_ratio", optional_json(a.padded_flops_ratio)},
          {"arithmetic_intensity", optional_json(a.arithmetic_intensity)},
          {"precision", to_string(a.precision)},
          {"bandwidth_ceiling_gbps", ctx.bandwidth_ceiling_gbps},
          {"compute_peak_tflops", ctx.compute_peak_tflops},
          {"roof_tflops", optional_json(a.roof_tflops)},
          {"pct_of_roof", optional_json(a.pct_of_roof)},
          {"bound", to_string(a.bound)},
          {"roofline_side", to_string(a.roofline_side)},
          {"speedup_left", a.speedup_left},
          {"at_roof", a.at_roof},
          {"memory_pipeline_saturated", a.memory_pipeline_saturated},
          {"sm_efficiency_pct", optional_json(c.sm_efficiency_pct)},
          {"compute_sol_pct", optional_json(c.compute_sol_pct)},
          {"memory_sol_pct", optional_json(c.memory_sol_pct)},
          {"dram_sol_pct", optional_json(c.dram_sol_pct)},
          {"l2_hit_pct", optional_json(c.l2_hit_pct)},
          {"l1_hit_pct", optional_json(c.l1_hit_pct)},
          {"achieved_occupancy_pct", optional_json(c.achieved_occupancy_pct)},
          {"theoretical_occupancy_pct", optional_json(c.theoretical_occupancy_pct)},
          {"occupancy_limiter", c.occupancy_limiter},
          {"waves_per_sm", optional_json(c.waves_per_sm)},
          {"registers", optional_json(c.registers)},
          {"launch", l.launch},
          {"case_median_us", optional_json(ctx.case_median_us)},
          {"kernels_in_case", ctx.kernels_in_case},
          {"findings", findings}};
}

// Merges the launches' findings per kind: how many launches it fires on, and the value shown is
// the one of the launch where it is most severe (ties: most time left on the table).
json merge_findings(const json& launches) {
  std::map<std::string, json> merged;
  std::vector<std::string> order;
  for (size_t i = 0; i < launches.size(); ++i) {
    const json& l = launches[i];
    const double duration = l["duration_us"].is_number() ? l["duration_us"].get<double>() : 0.0;
    const double at_stake = duration * (1.0 - 1.0 / l["speedup_left"].get<double>());
    for (const json& f : l["findings"]) {
      const std::string kind = f["kind"];
      if (!merged.count(kind)) {
        order.push_back(kind);
        merged[kind] = f;
        merged[kind]["launches"] = 0;
        merged[kind]["launch_index"] = i;
        merged[kind]["case"] = l["case"];
        merged[kind]["at_stake_us"] = at_stake;
      }
      json& m = merged[kind];
      m["launches"] = m["launches"].get<int>() + 1;
      const int rank = severity_rank(f["severity"]), current = severity_rank(m["severity"]);
      if (rank > current || (rank == current && at_stake > m["at_stake_us"].get<double>())) {
        const int count = m["launches"];
        m = f;
        m["launches"] = count;
        m["launch_index"] = i;
        m["case"] = l["case"];
        m["at_stake_us"] = at_stake;
      }
    }
  }
  json out = json::array();
  for (const std::string& kind : order) out.push_back(merged[kind]);
  std::stable_sort(out.begin(), out.end(), [](const json& a, const json& b) {
    if (a["primary"] != b["primary"]) return a["primary"].get<bool>();
    return severity_rank(a["severity"]) > severity_rank(b["severity"]);
  });
  return out;
}

json kernels_of(const json& section, json& roofline_points, std::set<std::string>& no_flops) {
  const json& cal = section["calibration"];
  const json& device = section["environment"]["device"];
  std::vector<std::string> order;
  std::map<std::string, std::vector<json>> launches_by_kernel;
  for (const json& c : section["cases"]) {
    if (!c.contains("profile") || !c["profile"].contains("kernels")) continue;
    const json& kernels = c["profile"]["kernels"];
    std::vector<LaunchCounters> counted;
    for (const json& k : kernels) counted.push_back(counters_of(k));
    // The case's DRAM bytes (only when every launch has them) and the launch that moved the most; the
    // FLOPs every launch counted (all precisions) and the launch that counted the most.
    std::optional<double> case_dram = 0.0;
    size_t most_traffic = 0, most_flops_at = 0;
    double most_bytes = -1, case_flops = 0, most_flops = -1;
    for (size_t i = 0; i < counted.size(); ++i) {
      const auto dram = counted[i].dram_bytes();
      if (!dram) case_dram.reset();
      if (case_dram) *case_dram += *dram;
      if (dram && *dram > most_bytes) most_bytes = *dram, most_traffic = i;
      const double flops = counted[i].total_flops();
      case_flops += flops;
      if (flops > most_flops) most_flops = flops, most_flops_at = i;
    }
    for (size_t index = 0; index < kernels.size(); ++index) {
      const json& k = kernels[index];
      AnalysedLaunch l;
      l.kernel = k.value("name", "?");
      l.case_name = c["name"];
      l.counters = counted[index];
      l.launch = k.contains("launch") && k["launch"].is_object() ? k["launch"] : json::object();
      LaunchContext ctx;
      const std::string ceiling = c["ceiling"];
      ctx.bandwidth_ceiling_gbps = bandwidth_ceiling_gbps(cal, ceiling);
      ctx.compute_peak_tflops = compute_peak(device, cal, dominant_precision(l.counters)).tflops;
      const double min_bytes = c["bytes_moved"].get<double>();
      ctx.case_median_us = number_at(c, "median_us");
      ctx.kernels_in_case = int(kernels.size());
      if (kernels.size() == 1) {
        ctx.min_bytes = min_bytes;
      } else {
        ctx.case_min_bytes = min_bytes;
        ctx.case_dram_bytes = case_dram;
        ctx.moves_most_of_case = case_dram && index == most_traffic;
      }
      ctx.launch_floor_us = cal.value("launch_us", 0.0);
      ctx.case_pct_of_ceiling = number_at(c, "pct_of_ceiling");
      ctx.op_flops = number_at(c, "flops");
      ctx.case_counted_flops = case_flops;
      ctx.counts_most_of_case_flops = index == most_flops_at;
      ctx.case_ceiling_is_compute = ceiling == "tensor_f16";
      l.analysis = analyse_launch(l.counters, ctx);
      if (!launches_by_kernel.count(l.kernel)) order.push_back(l.kernel);
      json lj = launch_json(l, ctx);
      lj["op"] = c["op"];
      lj["variant"] = c["variant"];
      lj["ceiling"] = bandwidth_ceiling_name(ceiling);
      launches_by_kernel[l.kernel].push_back(lj);
    }
  }

  json out = json::array();
  for (const std::string& name : order) {
    const std::vector<json>& launches = launches_by_kernel[name];
    Stat sm, bw, l2, l1, achieved, theoretical, registers;
    double total_us = 0, ideal_us = 0, profiled_us = 0;
    std::optional<double> roof_min, roof_max;
    std::map<std::string, double> time_by_bound;
    std::map<std::string, int> launches_by_bound;
    for (const json& l : launches) {
      using T = RuleThresholds;
      if (l["sm_efficiency_pct"].is_number()) sm.add(l["sm_efficiency_pct"], T::kLowSmEfficiencyPct);
      if (l["achieved_gbps"].is_number()) bw.add(l["achieved_gbps"], -1);
      if (l["l2_hit_pct"].is_number()) l2.add(l["l2_hit_pct"], T::kLowCacheHitPct);
      if (l["l1_hit_pct"].is_number()) l1.add(l["l1_hit_pct"], T::kLowCacheHitPct);
      if (l["achieved_occupancy_pct"].is_number()) achieved.add(l["achieved_occupancy_pct"], -1);
      if (l["theoretical_occupancy_pct"].is_number()) theoretical.add(l["theoretical_occupancy_pct"], -1);
      if (l["registers"].is_number()) registers.add(l["registers"], -1);
      const double duration = l["duration_us"].is_number() ? l["duration_us"].get<double>() : 0.0;
      time_by_bound[l["bound"]] += duration;
      launches_by_bound[l["bound"]] += 1;
      profiled_us += duration;
      if (l["pct_of_roof"].is_number()) {
        const double pct = l["pct_of_roof"];
        total_us += duration;
        ideal_us += duration * pct / 100.0;
        roof_min = roof_min ? std::min(*roof_min, pct) : pct;
        roof_max = roof_max ? std::max(*roof_max, pct) : pct;
      }
    }
    std::string bound = "unknown";
    double bound_time = -1;
    for (const auto& [b, t] : time_by_bound) {
      if (t > bound_time) bound = b, bound_time = t;
    }
    json launches_json = launches;
    json findings = merge_findings(launches_json);
    std::string severity = "none";
    for (const json& f : findings) {
      if (severity == "none" || severity_rank(f["severity"]) > severity_rank(severity)) severity = f["severity"];
    }
    // Low cache hit counts as in the seed, but only launches that re-read data count as findings.
    json k = {{"name", name},
              {"short_name", short_kernel_name(name)},
              {"launches", launches.size()},
              {"profiled_us", profiled_us},
              {"sm_efficiency_pct", sm.to_json()},
              {"bandwidth_gbps", bw.to_json()},
              {"l2_hit_pct", l2.to_json()},
              {"l1_hit_pct", l1.to_json()},
              {"achieved_occupancy_pct", achieved.to_json()},
              {"theoretical_occupancy_pct", theoretical.to_json()},
              {"registers", registers.to_json()},
              {"bound", bound},
              {"launches_by_bound", launches_by_bound},
              {"pct_of_roof_time_weighted", total_us > 0 ? json(100.0 * ideal_us / total_us) : json(nullptr)},
              {"pct_of_roof_min", optional_json(roof_min)},
              {"pct_of_roof_max", optional_json(roof_max)},
              {"severity", severity},
              {"findings", findings},
              {"launch_details", launches_json}};
    for (const json& l : launches) {
      if (l["precision"] == "none" && l["pct_of_roof"].is_number()) no_flops.insert(k["short_name"].get<std::string>());
      if (!l["arithmetic_intensity"].is_number() || !l["achieved_tflops"].is_number()) continue;
      roofline_points.push_back({{"kernel", name},
                                 {"short_name", k["short_name"]},
                                 {"case", l["case"]},
                                 {"precision", l["precision"]},
                                 {"arithmetic_intensity", l["arithmetic_intensity"]},
                                 {"achieved_tflops", l["achieved_tflops"]},
                                 {"bound", l["bound"]},
                                 {"pct_of_roof", l["pct_of_roof"]}});
    }
    out.push_back(k);
  }
  // Most important first: by severity, then by profiled time.
  std::stable_sort(out.begin(), out.end(), [](const json& a, const json& b) {
    const int ra = severity_rank(a["severity"]), rb = severity_rank(b["severity"]);
    if (ra != rb) return ra > rb;
    return a["profiled_us"].get<double>() > b["profiled_us"].get<double>();
  });
  return out;
}

json roofline_of(const json& section, const json& points, const std::set<std::string>& no_flops) {
  const json& cal = section["calibration"];
  const json& device = section["environment"]["device"];
  json charts = json::array();
  for (Precision p : {Precision::tensor, Precision::fp16, Precision::fp32}) {
    json chart_points = json::array();
    for (const json& pt : points) {
      if (pt["precision"] == to_string(p)) chart_points.push_back(pt);
    }
    if (chart_points.empty()) continue;
    const ComputePeak peak = compute_peak(device, cal, p);
    json bandwidths = json::array();
    for (const char* name : {"read", "write", "copy"}) {
      const double gbps = cal.value(std::string(name) + "_gbps", 0.0);
      if (gbps > 0) bandwidths.push_back({{"name", name}, {"gbps", gbps}, {"theoretical", false}});
    }
    if (cal.value("dram_peak_gbps", 0.0) > 0) {
      bandwidths.push_back({{"name", "dram_peak"}, {"gbps", cal["dram_peak_gbps"]}, {"theoretical", true}});
    }
    charts.push_back({{"precision", to_string(p)},
                      {"compute_peak_tflops", peak.tflops},
                      {"compute_peak_theoretical", peak.theoretical},
                      {"compute_peak_basis", peak.basis},
                      {"bandwidths", bandwidths},
                      {"points", chart_points}});
  }
  return {{"charts", charts}, {"kernels_without_flops", no_flops}};
}

// For each kernel with a high or medium finding: its most severe finding (the primary one first)
// and the launch it was seen on, for one specific suggestion.
json suggestions_of(const json& kernels) {
  json out = json::array();
  for (const json& k : kernels) {
    if (k["findings"].empty()) continue;
    const json* chosen = nullptr;
    for (const json& f : k["findings"]) {
      if (!chosen || severity_rank(f["severity"]) > severity_rank((*chosen)["severity"])) chosen = &f;
    }
    if (severity_rank((*chosen)["severity"]) < 1) continue;
    const json& finding = *chosen;
    const json& launch = k["launch_details"][finding["launch_index"].get<size_t>()];
    out.push_back({{"kernel", k["name"]}, {"short_name", k["short_name"]}, {"finding", finding}, {"launch", launch}});
  }
  return out;
}

}  // namespace

std::string short_kernel_name(const std::string& demangled) {
  std::string name = demangled;
  if (name.rfind("void ", 0) == 0) name = name.substr(5);
  // Drop the parameter list: the last top-level '(' ... ')' at the end.
  if (!name.empty() && name.back() == ')') {
    int depth = 0;
    for (size_t i = name.size(); i-- > 0;) {
      if (name[i] == ')') ++depth;
      if (name[i] == '(' && --depth == 0) {
        if (i > 0) name = name.substr(0, i);
        break;
      }
    }
  }
  // Drop namespaces before the kernel's own name (outside template arguments).
  int angle = 0;
  size_t cut = 0;
  for (size_t i = 0; i + 1 < name.size(); ++i) {
    if (name[i] == '<') ++angle;
    if (name[i] == '>') --angle;
    if (angle == 0 && name[i] == ':' && name[i + 1] == ':') cut = i + 2;
  }
  return name.substr(cut);
}

json analyse_results(const json& results) {
  const json& section = results.at("llmkb");
  json model;
  model["model_version"] = kReportModelVersion;
  model["environment"] = environment_of(section);
  model["ceilings"] = ceilings_of(section);
  model["case_count"] = section["cases"].size();
  model["skipped_count"] = section["skipped"].size();
  int failed = 0;
  for (const json& c : section["cases"]) failed += (!c["check"]["passed"].get<bool>() || c.contains("error")) ? 1 : 0;
  model["failed_count"] = failed;

  json missing = json::array();
  const bool has_profiler = section.contains("profiler") && section["profiler"].is_object();
  if (has_profiler) {
    model["profiler"] = section["profiler"];
    const std::string status = section["profiler"].value("status", "ok");
    if (status != "ok") {
      missing.push_back(
          {{"what", "profiler_failed"}, {"status", status}, {"message", section["profiler"].value("message", "")}});
    }
  }
  int profiled = 0, profile_errors = 0;
  for (const json& c : section["cases"]) {
    if (!c.contains("profile")) continue;
    if (c["profile"].contains("kernels") && !c["profile"]["kernels"].empty()) ++profiled;
    if (c["profile"].contains("error")) ++profile_errors;
  }
  if (profiled == 0)
    missing.push_back({{"what", "no_counters"}});
  else if (profiled < int(section["cases"].size())) {
    missing.push_back({{"what", "some_counters"},
                       {"profiled", profiled},
                       {"cases", section["cases"].size()},
                       {"errors", profile_errors}});
  }
  // The trace's facts as the overview read them. A trace that holds only {"error": ...} is no trace
  // either: the overview falls back, and says why.
  model["overview"] = overview_of(section);
  const json& overview = model["overview"];
  if (overview["source"] != "trace") {
    json no_trace = {{"what", "no_trace"}};
    if (overview.contains("trace_error")) no_trace["error"] = overview["trace_error"];
    missing.push_back(no_trace);
  } else {
    if (overview["dropped_records"].get<uint64_t>() > 0)
      missing.push_back({{"what", "dropped_records"}, {"count", overview["dropped_records"]}});
    if (overview.contains("dropped_records_note"))
      missing.push_back({{"what", "dropped_records_note"}, {"note", overview["dropped_records_note"]}});
    if (overview.contains("untimed_kernel_records"))
      missing.push_back({{"what", "untimed_kernel_records"}, {"count", overview["untimed_kernel_records"]}});
  }
  if (section["cases"].empty()) missing.push_back({{"what", "no_cases"}});

  model["variants"] = variants_of(section);
  json points = json::array();
  std::set<std::string> no_flops;
  model["kernels"] = kernels_of(section, points, no_flops);
  model["roofline"] = roofline_of(section, points, no_flops);
  model["suggestions"] = suggestions_of(model["kernels"]);
  model["missing"] = missing;
  return model;
}

}  // namespace llmkb::report
