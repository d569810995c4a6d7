#include "reports/report_document.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "reports/bottleneck_rules.h"
#include "reports/svg_charts.h"

namespace llmkb::report {

using nlohmann::json;

namespace {

std::string str(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

double num(const json& value, double otherwise = 0) {
  return value.is_number() ? value.get<double>() : otherwise;
}

// A figure of the model that was measured: a finite number (a missing one is null; a damaged file's
// may be infinite).
bool measured(const json& value) {
  return value.is_number() && std::isfinite(value.get<double>());
}

// The figure formatted, or the language's n/a, with no unit, where it is missing.
std::string or_na(const json& value, Lang lang, const std::function<std::string(double)>& format) {
  return measured(value) ? format(value.get<double>()) : tr(lang, "na");
}

std::string pct_or_na(const json& value, Lang lang) {
  return or_na(value, lang, format_pct);
}

// A measured percentage of a ceiling or roof, marked ‡ where it is over 100 %: shown as measured, never
// clamped; the note "note_over_100" says how a case gets there.
std::string pct_of_limit(double pct) {
  return format_pct(pct) + (pct > 100 ? " ‡" : "");
}

std::string pct_of_limit_or_na(const json& value, Lang lang) {
  return or_na(value, lang, pct_of_limit);
}

// "avg (min – max)" of a kernel's % of roof, each marked where over 100 %.
std::string roof_range(const json& k, Lang lang) {
  if (!k["pct_of_roof_time_weighted"].is_number()) return tr(lang, "na");
  return pct_of_limit(num(k["pct_of_roof_time_weighted"])) + " (" + pct_of_limit_or_na(k["pct_of_roof_min"], lang) +
         " – " + pct_of_limit_or_na(k["pct_of_roof_max"], lang) + ")";
}

// Whether a kernel has a launch over 100 % of its roof.
bool over_roof(const json& k) {
  return k["pct_of_roof_max"].is_number() && k["pct_of_roof_max"].get<double>() > 100;
}

std::string code(const std::string& text) {
  return "`" + text + "`";
}

Block heading(const std::string& text, int level, const std::string& id = "") {
  Block b;
  b.kind = Block::Kind::heading;
  b.text = text;
  b.level = level;
  b.id = id;
  return b;
}

Block paragraph(const std::string& text) {
  Block b;
  b.kind = Block::Kind::paragraph;
  b.text = text;
  return b;
}

Block chart(const std::string& svg) {
  Block b;
  b.kind = Block::Kind::chart;
  b.svg = svg;
  return b;
}

std::string bound_name(const std::string& bound, Lang lang) {
  return tr(lang, "bound_" + bound);
}

// A kernel's measured percentage, with a note when it is over 100 % (an artefact, not clamped).
std::string hit_rate_text(const json& stat, Lang lang) {
  if (!stat.is_object()) return tr(lang, "na");
  std::string text = format_pct(num(stat["avg"]));
  if (stat["over_100"].get<int>() > 0)
    text += " (" + trf(lang, "deep_artefact", {std::to_string(stat["over_100"].get<int>())}) + ")";
  return text;
}

// How a compute peak was obtained, in the language: measured (tensor) or SMs x clock x FMA instructions x 2.
std::string peak_basis(const json& model, const std::string& precision, Lang lang) {
  const json& peak = model["ceilings"]["compute_peaks"][precision];
  if (!peak["theoretical"].get<bool>()) return tr(lang, "basis_measured_tensor");
  const int lanes = peak["fma_lanes_per_sm"];
  if (lanes <= 0) return trf(lang, "basis_unknown", {str(model["environment"]["device"]["compute_capability"])});
  const json& device = model["environment"]["device"];
  return trf(lang, precision == "fp16" ? "basis_theoretical_fp16" : "basis_theoretical",
             {format_count(num(device["sm_count"])), format_count(num(device["sm_clock_mhz"])), std::to_string(lanes),
              precision});
}

void environment_section(const json& model, Lang lang, Document& doc) {
  const json& env = model["environment"];
  const json& device = env["device"];
  const json& cal = model["ceilings"];
  doc.blocks.push_back(heading(tr(lang, "sec_env"), 2, "environment"));
  Block f;
  f.kind = Block::Kind::fields;
  f.fields = {
      {tr(lang, "env_device"), str(device["name"])},
      {tr(lang, "env_cc"), str(device["compute_capability"])},
      {tr(lang, "env_sms"), format_count(num(device["sm_count"]))},
      {tr(lang, "env_sm_clock"), format_count(num(device["sm_clock_mhz"])) + " MHz"},
      {tr(lang, "env_mem_clock"), format_count(num(device["memory_clock_mhz"])) + " MHz"},
      {tr(lang, "env_bus"), format_count(num(device["memory_bus_bits"])) + " bit"},
      {tr(lang, "env_l2"), format_bytes(num(device["l2_bytes"]))},
      {tr(lang, "env_memory"), format_bytes(num(device["memory_bytes"]))},
      {tr(lang, "env_driver"), str(env["driver_version"])},
      {tr(lang, "env_runtime"), str(env["runtime_version"])},
      {tr(lang, "env_timing"), tr(lang, str(env["timing"]) == "warm" ? "env_timing_warm" : "env_timing_cold")},
      {tr(lang, "env_repetitions"), format_count(num(env["repetitions"]))},
      {tr(lang, "env_date"), str(env["created"])},
      {tr(lang, "env_generator"), str(env["generator"])},
  };
  if (env.contains("host")) f.fields.push_back({tr(lang, "env_host"), str(env["host"])});
  if (env.contains("command")) f.fields.push_back({tr(lang, "env_command"), code(str(env["command"]))});
  f.fields.push_back({tr(lang, "env_cases"), trf(lang, "env_cases_value",
                                                 {std::to_string(model["case_count"].get<int>()),
                                                  std::to_string(model["failed_count"].get<int>()),
                                                  std::to_string(model["skipped_count"].get<int>())})});
  if (model.contains("profiler")) {
    const json& p = model["profiler"];
    f.fields.push_back({tr(lang, "env_profiler"), trf(lang, "env_profiler_value",
                                                      {str(p.value("status", json("?"))),
                                                       p.contains("passes") ? str(p["passes"]) : tr(lang, "na")})});
  }
  doc.blocks.push_back(f);

  doc.blocks.push_back(heading(tr(lang, "ceilings_heading"), 3));
  doc.blocks.push_back(paragraph(tr(lang, "ceilings_intro")));
  Block c;
  c.kind = Block::Kind::fields;
  c.fields = {
      {tr(lang, "ceil_read"), format_gbps(num(cal["read_gbps"]))},
      {tr(lang, "ceil_write"), format_gbps(num(cal["write_gbps"]))},
      {tr(lang, "ceil_copy"), format_gbps(num(cal["copy_gbps"]))},
      {tr(lang, "ceil_dram_peak"), format_gbps(num(cal["dram_peak_gbps"]))},
      {tr(lang, "ceil_launch"), format_us(num(cal["launch_us"]))},
      {tr(lang, "ceil_tensor"), format_tflops(num(cal["tensor_f16_tflops"]))},
  };
  if (cal.contains("read_curve") && !cal["read_curve"].empty()) {
    std::string curve;
    for (const json& point : cal["read_curve"]) {
      if (!point.is_array() || point.size() != 2 || !point[0].is_number() || !point[1].is_number()) continue;  // damaged
      curve += (curve.empty() ? "" : ", ") + fixed(num(point[0]) / (1 << 20), 0) + " MiB " + format_gbps(num(point[1]));
    }
    c.fields.push_back({tr(lang, "ceil_read_curve"), curve});
  }
  for (const char* p : {"fp32", "fp16"}) {
    const json& peak = cal["compute_peaks"][p];
    c.fields.push_back({tr(lang, std::string("ceil_") + p),
                        format_tflops(num(peak["tflops"])) + " (" + peak_basis(model, p, lang) + ")"});
  }
  doc.blocks.push_back(c);
}

void missing_section(const json& model, Lang lang, Document& doc) {
  if (model["missing"].empty()) return;
  doc.blocks.push_back(heading(tr(lang, "missing_heading"), 3, "missing"));
  Block list;
  list.kind = Block::Kind::list;
  for (const json& m : model["missing"]) {
    const std::string what = m["what"];
    if (what == "no_counters") list.items.push_back(tr(lang, "missing_no_counters"));
    if (what == "no_trace") {
      list.items.push_back(tr(lang, "missing_no_trace") +
                           (m.contains("error") ? " " + trf(lang, "missing_trace_error", {str(m["error"])}) : ""));
    }
    if (what == "no_cases") list.items.push_back(tr(lang, "missing_no_cases"));
    if (what == "some_counters") {
      list.items.push_back(trf(lang, "missing_some_counters", {str(m["profiled"]), str(m["cases"]), str(m["errors"])}));
    }
    if (what == "profiler_failed")
      list.items.push_back(trf(lang, "missing_profiler_failed", {str(m["status"]), str(m["message"])}));
    if (what == "dropped_records") list.items.push_back(trf(lang, "missing_dropped", {str(m["count"])}));
    if (what == "dropped_records_note") list.items.push_back(trf(lang, "ov_dropped_note", {str(m["note"])}));
    if (what == "untimed_kernel_records")
      list.items.push_back(trf(lang, "ov_untimed", {format_count(num(m["count"]))}));
  }
  doc.blocks.push_back(list);
}

void overview_section(const json& model, Lang lang, Document& doc) {
  const json& ov = model["overview"];
  doc.blocks.push_back(heading(tr(lang, "sec_overview"), 2, "overview"));
  doc.blocks.push_back(paragraph(tr(lang, ov["source"] == "trace" ? "ov_source_trace" : "ov_source_samples")));
  // What the trace lacks, here as well as at the top: why there is none, and records it dropped.
  if (ov.contains("trace_error"))
    doc.blocks.push_back(paragraph(trf(lang, "ov_trace_error", {str(ov["trace_error"])})));
  if (ov.contains("dropped_records") && num(ov["dropped_records"]) > 0)
    doc.blocks.push_back(paragraph(trf(lang, "ov_dropped", {str(ov["dropped_records"])})));
  if (ov.contains("dropped_records_note"))
    doc.blocks.push_back(paragraph(trf(lang, "ov_dropped_note", {str(ov["dropped_records_note"])})));
  if (ov.contains("untimed_kernel_records"))
    doc.blocks.push_back(paragraph(trf(lang, "ov_untimed", {format_count(num(ov["untimed_kernel_records"]))})));
  Block f;
  f.kind = Block::Kind::fields;
  f.fields = {{tr(lang, "ov_kernel_count"), std::to_string(ov["kernel_count"].get<int>())},
              {tr(lang, "ov_total_time"), format_us(num(ov["total_us"]))}};
  if (ov.contains("span_us") && ov["span_us"].is_number())
    f.fields.push_back({tr(lang, "ov_span"), format_us(num(ov["span_us"]))});
  if (ov.contains("benchmarked_us")) {  // its share is of the total kernel time, not of the trace span
    const double total = num(ov["total_us"]), benchmarked = num(ov["benchmarked_us"]);
    f.fields.push_back(
        {tr(lang, "ov_benchmarked_time"),
         format_us(benchmarked) + " (" + format_pct(total > 0 ? 100.0 * benchmarked / total : 0.0) + ")"});
  }
  doc.blocks.push_back(f);
  Block t;
  t.kind = Block::Kind::table;
  t.header = {tr(lang, "col_rank"), tr(lang, "col_kernel"), tr(lang, "col_instances"), tr(lang, "col_time"),
              tr(lang, "col_avg")};
  // Median, min and max per kernel, as nsys stats cuda_gpu_kern_sum gives them: where the trace has them.
  const bool spread =
      std::any_of(ov["kernels"].begin(), ov["kernels"].end(), [](const json& k) { return k.contains("median_us"); });
  if (spread) t.header.insert(t.header.end(), {tr(lang, "col_median"), tr(lang, "col_min"), tr(lang, "col_max")});
  t.header.push_back(tr(lang, "col_share"));
  BarChart bars;
  bars.title = tr(lang, "chart_overview");
  int rank = 0;
  for (const json& k : ov["kernels"]) {
    ++rank;
    const double instances = num(k["instances"]);
    const double avg = k.contains("avg_us") ? num(k["avg_us"]) : (instances > 0 ? num(k["total_us"]) / instances : 0);
    const bool harness = k.contains("benchmarked") && !k["benchmarked"].get<bool>();
    std::vector<std::string> row = {std::to_string(rank), code(str(k["name"])) + (harness ? " †" : ""),
                                    format_count(instances), format_us(num(k["total_us"])), format_us(avg)};
    if (spread) {
      for (const char* key : {"median_us", "min_us", "max_us"})
        row.push_back(or_na(k.value(key, json()), lang, format_us));
    }
    row.push_back(format_pct(num(k["share_pct"])));
    t.rows.push_back(row);
    bars.bars.push_back({str(k["short_name"]), num(k["share_pct"]), format_pct(num(k["share_pct"])), 0,
                         str(k["name"]) + ": " + format_us(num(k["total_us"])), std::to_string(rank)});
  }
  doc.blocks.push_back(t);
  if (ov.contains("benchmarked_us")) doc.blocks.push_back(paragraph(tr(lang, "ov_harness_note")));
  if (!bars.bars.empty()) doc.blocks.push_back(chart(svg_bar_chart(bars)));
}

void variants_section(const json& model, Lang lang, Document& doc) {
  doc.blocks.push_back(heading(tr(lang, "sec_variants"), 2, "variants"));
  doc.blocks.push_back(paragraph(tr(lang, "var_intro")));
  // "% of read at this size" is shown for ops with a case that has it (results files from before it have none).
  std::vector<std::string> ops;
  std::set<std::string> ops_read_at_size;
  for (const json& g : model["variants"]) {
    if (std::find(ops.begin(), ops.end(), g["op"].get<std::string>()) == ops.end()) ops.push_back(g["op"]);
    for (const json& r : g["rows"]) {
      if (r.contains("pct_of_read_at_size")) ops_read_at_size.insert(g["op"].get<std::string>());
    }
  }
  if (!ops_read_at_size.empty()) doc.blocks.push_back(paragraph(tr(lang, "var_read_at_size_note")));
  bool over_100 = false;
  for (const json& g : model["variants"]) {
    for (const json& r : g["rows"]) over_100 = over_100 || (r["ok"].get<bool>() && num(r["pct_of_ceiling"]) > 100);
  }
  if (over_100) doc.blocks.push_back(paragraph(tr(lang, "note_over_100")));
  for (const std::string& op : ops) {
    doc.blocks.push_back(heading(trf(lang, "var_op", {op}), 3));
    const bool read_at_size = ops_read_at_size.count(op) > 0;
    Block t;
    t.kind = Block::Kind::table;
    t.header = {tr(lang, "col_shape"), tr(lang, "col_variant"),     tr(lang, "col_median"),
                tr(lang, "col_rate"),  tr(lang, "col_pct_ceiling"), tr(lang, "col_speedup")};
    if (read_at_size) t.header.insert(t.header.begin() + 5, tr(lang, "col_pct_read_at_size"));
    t.header.insert(t.header.begin(), tr(lang, "col_rank"));  // rows numbered as the chart's bars
    int row_number = 0;
    BarChart bars;
    bars.title = trf(lang, "chart_variants", {op});
    bars.reference_value = 100;
    bars.reference_label = "100 %";
    std::vector<std::string> variants;
    for (const json& g : model["variants"]) {
      if (g["op"] != op) continue;
      for (const json& r : g["rows"]) {
        const std::string variant = r["variant"];
        auto it = std::find(variants.begin(), variants.end(), variant);
        const int series = int(it - variants.begin());
        if (it == variants.end()) variants.push_back(variant);
        const std::string number = std::to_string(++row_number);
        std::vector<std::string> row = {number, str(g["label"]),
                                        code(variant) + (r.contains("checked_against") ? " †" : "") +
                                            (r.contains("prepared") ? " §" : "") + (r["best"].get<bool>() ? " ★" : "")};
        if (r.contains("median_us") && r["ok"].get<bool>()) {
          const bool tensor = r["rate_unit"] == "TFLOP/s";
          // A missing figure reads as the language's n/a, with no unit and no ceiling after it.
          row.push_back(or_na(r["median_us"], lang, format_us));
          row.push_back(or_na(r["rate"], lang, tensor ? format_tflops : format_gbps));
          row.push_back(measured(r["pct_of_ceiling"]) ? pct_of_limit(num(r["pct_of_ceiling"])) + " (" +
                                                            tr(lang, "ceiling_" + str(r["ceiling"])) + ")"
                                                      : tr(lang, "na"));
          if (read_at_size)
            row.push_back(r.contains("pct_of_read_at_size") ? format_pct(num(r["pct_of_read_at_size"])) : "");
          row.push_back(r["speedup_vs_baseline"].is_number() ? fixed(num(r["speedup_vs_baseline"]), 2) + "x"
                                                             : tr(lang, "na"));
          if (measured(r["pct_of_ceiling"])) {  // no bar for a missing figure
            bars.bars.push_back({str(g["label"]) + " · " + variant, num(r["pct_of_ceiling"]),
                                 pct_of_limit(num(r["pct_of_ceiling"])), series, "", number});
          }
        } else {
          const std::string why = r.contains("error")           ? tr(lang, "var_error") + ": " + str(r["error"])
                                  : r.contains("check_message") ? tr(lang, "var_failed")
                                                                : tr(lang, "var_no_time");
          row.insert(row.end(), {why, "", "", ""});
          if (read_at_size) row.push_back("");
        }
        t.rows.push_back(row);
      }
    }
    bars.series_names = variants;
    doc.blocks.push_back(t);
    if (!bars.bars.empty()) doc.blocks.push_back(chart(svg_bar_chart(bars)));
  }
}

std::string stat_range(const json& stat, const std::function<std::string(double)>& format, Lang lang,
                       const char* which) {
  return stat.is_object() ? format(num(stat[which])) : tr(lang, "na");
}

void deep_section(const json& model, Lang lang, Document& doc) {
  doc.blocks.push_back(heading(tr(lang, "sec_deep"), 2, "deep"));
  if (model["kernels"].empty()) {
    doc.blocks.push_back(paragraph(tr(lang, "missing_no_counters")));
    return;
  }
  doc.blocks.push_back(paragraph(tr(lang, "deep_intro")));
  if (std::any_of(model["kernels"].begin(), model["kernels"].end(), over_roof))
    doc.blocks.push_back(paragraph(tr(lang, "note_over_100")));
  int index = 0;
  for (const json& k : model["kernels"]) {
    ++index;
    doc.blocks.push_back(heading(std::to_string(index) + ". " + code(str(k["short_name"])), 3));
    if (k["short_name"] != k["name"]) doc.blocks.push_back(paragraph(code(str(k["name"]))));
    const json& sm = k["sm_efficiency_pct"];
    const json& bw = k["bandwidth_gbps"];
    auto pct = [](double v) { return format_pct(v); };
    auto gbps = [](double v) { return format_gbps(v); };
    Block f;
    f.kind = Block::Kind::fields;
    f.fields = {
        {tr(lang, "deep_launches"), std::to_string(k["launches"].get<int>())},
        {tr(lang, "deep_bottleneck_count"), std::to_string(k["findings"].size())},
        {tr(lang, "deep_avg_sm"), stat_range(sm, pct, lang, "avg")},
        {tr(lang, "deep_max_sm"), stat_range(sm, pct, lang, "max")},
        {tr(lang, "deep_min_sm"), stat_range(sm, pct, lang, "min")},
        {tr(lang, "deep_below50"),
         sm.is_object() ? str(sm["below_threshold"]) + " / " + str(sm["count"]) : tr(lang, "na")},
        {tr(lang, "deep_avg_bw"), stat_range(bw, gbps, lang, "avg")},
        {tr(lang, "deep_max_bw"), stat_range(bw, gbps, lang, "max")},
        {tr(lang, "deep_min_bw"), stat_range(bw, gbps, lang, "min")},
        {tr(lang, "deep_avg_l2"), hit_rate_text(k["l2_hit_pct"], lang)},
        {tr(lang, "deep_low_l2"),
         k["l2_hit_pct"].is_object() ? str(k["l2_hit_pct"]["below_threshold"]) : tr(lang, "na")},
        {tr(lang, "deep_avg_l1"), hit_rate_text(k["l1_hit_pct"], lang)},
        {tr(lang, "deep_low_l1"),
         k["l1_hit_pct"].is_object() ? str(k["l1_hit_pct"]["below_threshold"]) : tr(lang, "na")},
        {tr(lang, "deep_occupancy"), stat_range(k["achieved_occupancy_pct"], pct, lang, "avg") + " / " +
                                         stat_range(k["theoretical_occupancy_pct"], pct, lang, "avg")},
        {tr(lang, "deep_registers"),
         k["registers"].is_object()
             ? (num(k["registers"]["min"]) == num(k["registers"]["max"])
                    ? format_count(num(k["registers"]["min"]))
                    : format_count(num(k["registers"]["min"])) + "–" + format_count(num(k["registers"]["max"])))
             : tr(lang, "na")},
        {tr(lang, "deep_bound"), bound_name(k["bound"], lang)},
        {tr(lang, "deep_pct_roof"), roof_range(k, lang)},
    };
    doc.blocks.push_back(f);
    Block list;
    list.kind = Block::Kind::list;
    for (const json& finding : k["findings"]) {
      const json& launch = k["launch_details"][finding["launch_index"].get<size_t>()];
      list.items.push_back(
          finding_text(finding, launch, lang) + " (" + tr(lang, "sev_" + str(finding["severity"])) + ") — " +
          trf(lang, "find_where", {str(finding["launches"]), str(k["launches"]), code(str(finding["case"]))}));
    }
    if (list.items.empty()) list.items.push_back(tr(lang, "deep_none"));
    doc.blocks.push_back(paragraph(tr(lang, "deep_main") + ":"));
    doc.blocks.push_back(list);

    Block t;
    t.kind = Block::Kind::table;
    t.header = {tr(lang, "col_case"),  tr(lang, "col_duration"), tr(lang, "col_dram"), tr(lang, "col_excess"),
                tr(lang, "col_bw"),    tr(lang, "col_l2"),       tr(lang, "col_sol"),  tr(lang, "col_waves"),
                tr(lang, "col_bound"), tr(lang, "col_pct_roof")};
    for (const json& l : k["launch_details"]) {
      t.rows.push_back({code(str(l["case"])), or_na(l["duration_us"], lang, format_us),
                        or_na(l["dram_bytes"], lang, format_bytes),
                        or_na(l["dram_excess_ratio"], lang, [](double v) { return format_number(v, 2) + "x"; }),
                        or_na(l["achieved_gbps"], lang, format_gbps), pct_or_na(l["l2_hit_pct"], lang),
                        pct_or_na(l["compute_sol_pct"], lang) + " / " + pct_or_na(l["memory_sol_pct"], lang),
                        or_na(l["waves_per_sm"], lang, [](double v) { return format_number(v, 2); }),
                        bound_name(l["bound"], lang), pct_of_limit_or_na(l["pct_of_roof"], lang)});
    }
    doc.blocks.push_back(paragraph(tr(lang, "deep_launch_table") + ":"));
    doc.blocks.push_back(t);
  }
}

// A kernel's number in the deep analysis (its heading) and the roofline table: its place in model.kernels.
std::string kernel_number(const json& model, const std::string& name) {
  for (size_t i = 0; i < model["kernels"].size(); ++i) {
    if (model["kernels"][i]["name"] == name) return std::to_string(i + 1);
  }
  return "?";
}

void roofline_section(const json& model, Lang lang, Document& doc) {
  doc.blocks.push_back(heading(tr(lang, "sec_roofline"), 2, "roofline"));
  const json& charts = model["roofline"]["charts"];
  if (model["kernels"].empty()) {
    doc.blocks.push_back(paragraph(tr(lang, "missing_no_counters")));
    return;
  }
  doc.blocks.push_back(paragraph(tr(lang, charts.empty() ? "roof_none" : "roof_intro")));
  for (const json& c : charts) {
    const std::string precision = c["precision"];
    const bool theoretical = c["compute_peak_theoretical"];
    RooflineChart r;
    r.id = "roofline-" + precision;
    r.title = trf(lang, "roof_chart",
                  {tr(lang, "prec_" + precision), format_tflops(num(c["compute_peak_tflops"])),
                   tr(lang, theoretical ? "roof_theoretical" : "roof_measured")});
    r.axis_x = tr(lang, "roof_axis_x");
    r.axis_y = tr(lang, "roof_axis_y");
    r.compute_peak_tflops = num(c["compute_peak_tflops"]);
    r.compute_peak_dashed = theoretical;
    r.compute_peak_label = format_tflops(r.compute_peak_tflops) + " (" +
                           tr(lang, theoretical ? "roof_theoretical" : "roof_measured") + ")";
    for (const json& b : c["bandwidths"]) {
      const std::string name = b["name"];
      r.bandwidths.push_back({tr(lang, "ceiling_" + name) + " " + format_gbps(num(b["gbps"])) +
                                  (b["theoretical"].get<bool>() ? " (" + tr(lang, "roof_theoretical") + ")" : ""),
                              num(b["gbps"]), b["theoretical"].get<bool>()});
    }
    // Each kernel is one series, named and labelled with its number in the deep analysis and the table below:
    // with many kernels, colours and markers repeat, numbers do not.
    std::vector<std::string> kernels, numbers;  // per series: the kernel and its number
    for (const json& p : c["points"]) {
      const std::string name = p["short_name"];
      auto it = std::find(kernels.begin(), kernels.end(), str(p["kernel"]));
      const int series = int(it - kernels.begin());
      if (it == kernels.end()) {
        kernels.push_back(str(p["kernel"]));
        numbers.push_back(kernel_number(model, kernels.back()));
        r.series_names.push_back(numbers.back() + ". " + name);
      }
      const std::string& number = numbers[series];
      r.points.push_back({num(p["arithmetic_intensity"]), num(p["achieved_tflops"]), series,
                          name + " · " + str(p["case"]) + ": " + format_number(num(p["arithmetic_intensity"]), 2) +
                              " FLOP/B, " + format_tflops(num(p["achieved_tflops"])) + ", " +
                              bound_name(p["bound"], lang) + ", " + pct_of_limit_or_na(p["pct_of_roof"], lang),
                          number});
    }
    doc.blocks.push_back(heading(r.title, 3));
    doc.blocks.push_back(paragraph(trf(lang, "roof_basis", {peak_basis(model, precision, lang)})));
    doc.blocks.push_back(chart(svg_roofline(r)));
  }
  std::string no_flops;
  for (const json& name : model["roofline"]["kernels_without_flops"])
    no_flops += (no_flops.empty() ? "" : ", ") + code(str(name));
  if (!no_flops.empty()) doc.blocks.push_back(paragraph(trf(lang, "roof_no_flops", {no_flops})));
  Block t;
  t.kind = Block::Kind::table;
  t.header = {tr(lang, "col_rank"),  tr(lang, "col_kernel"),    tr(lang, "col_launches"),
              tr(lang, "col_bound"), tr(lang, "deep_pct_roof"), tr(lang, "col_severity")};
  int number = 0;
  for (const json& k : model["kernels"]) {
    std::string bounds;
    for (const auto& [bound, count] : k["launches_by_bound"].items()) {
      bounds += (bounds.empty() ? "" : ", ") + bound_name(bound, lang) + " x" + str(count);
    }
    t.rows.push_back({std::to_string(++number), code(str(k["short_name"])), str(k["launches"]), bounds,
                      roof_range(k, lang), tr(lang, "sev_" + str(k["severity"]))});
  }
  doc.blocks.push_back(t);
  if (std::any_of(model["kernels"].begin(), model["kernels"].end(), over_roof))
    doc.blocks.push_back(paragraph(tr(lang, "note_over_100")));
}

void next_section(const json& model, Lang lang, Document& doc) {
  doc.blocks.push_back(heading(tr(lang, "sec_next"), 2, "next"));
  if (model["kernels"].empty()) {
    doc.blocks.push_back(paragraph(tr(lang, "missing_no_counters")));
    return;
  }
  doc.blocks.push_back(paragraph(tr(lang, "next_intro")));
  Block list;
  list.kind = Block::Kind::list;
  for (const json& s : model["suggestions"]) {
    list.items.push_back(code(str(s["short_name"])) + " (" + tr(lang, "sev_" + str(s["finding"]["severity"])) +
                         "): " + suggestion_text(s, model, lang));
  }
  if (list.items.empty()) list.items.push_back(tr(lang, "next_none"));
  doc.blocks.push_back(list);
}

}  // namespace

const std::vector<std::string>& section_ids() {
  static const std::vector<std::string> ids = {"environment", "overview", "variants", "deep", "roofline", "next"};
  return ids;
}

// The occupancy limiter in words. A name this llmkb does not know (the profile section of the results
// file is open) reads as an unrecorded limiter rather than failing the report.
std::string limiter_text(Lang lang, const std::string& limiter) {
  static const std::set<std::string> known = {"registers", "shared_memory", "block_size", "blocks_per_sm", "none"};
  return tr(lang, "limiter_" + (known.count(limiter) ? limiter : std::string("unknown")));
}

std::string finding_text(const json& f, const json& launch, Lang lang) {
  const std::string kind = f["kind"];
  const std::string value =
      fixed(num(f["value"]), kind == "excess_dram_traffic" || kind == "case_excess_dram_traffic" ? 2 : 1);
  if (kind == "latency_bound") {
    std::string text =
        trf(lang, "find_latency_bound",
            {format_number(num(launch["compute_sol_pct"]), 1), format_number(num(launch["memory_sol_pct"]), 1)});
    if (f["detail"] == "small_grid") text += trf(lang, "find_small_grid", {format_number(num(f["detail_value"]), 2)});
    return text;
  }
  if (kind == "below_roof") return trf(lang, "find_below_roof_" + str(f["detail"]), {value});
  if (kind == "sol_busier_unit") {
    return trf(lang, "find_sol_busier_unit",
               {tr(lang, "unit_" + str(f["detail"])), value, fixed(num(f["detail_value"]), 1)});
  }
  if (kind == "occupancy_gap") return trf(lang, "find_occupancy_gap", {value, fixed(num(f["detail_value"]), 1)});
  if (kind == "case_excess_dram_traffic")
    return trf(lang, "find_case_excess_dram_traffic", {value, format_count(num(f["detail_value"]))});
  if (kind == "padded_compute") {
    return trf(lang, "find_padded_compute",
               {value, tr(lang, "prec_" + str(f["detail"])), format_tflops(num(f["detail_value"])),
                format_tflops(num(launch["counted_tflops"]))});
  }
  if (kind == "memory_pipeline_saturated") {
    return trf(lang, "find_memory_pipeline_saturated",
               {value, fixed(num(f["detail_value"]), 1), pct_or_na(launch["dram_sol_pct"], lang),
                pct_or_na(launch["l1_hit_pct"], lang)});
  }
  if (kind == "dram_below_minimum") {
    return trf(lang, "find_dram_below_minimum",
               {fixed(num(f["value"]), 2), format_bytes(num(launch["dram_bytes"])),
                format_bytes(num(launch["min_bytes"])), format_gbps(num(launch["roofline_gbps"]))});
  }
  if (kind == "occupancy_limited")
    return trf(lang, "find_occupancy_limited", {value, limiter_text(lang, str(f["detail"]))});
  return trf(lang, "find_" + kind, {value});
}

namespace {
std::string suggestion_body(const json& s, const json& model, Lang lang) {
  const json& f = s["finding"];
  const json& l = s["launch"];
  const std::string kind = f["kind"];
  const std::string where = code(str(l["case"]));
  const json& grid = l["launch"].value("grid", json::array());
  const json& block = l["launch"].value("block", json::array());
  double blocks = 1, threads = 1;
  for (const json& g : grid) blocks *= num(g, 1);
  for (const json& b : block) threads *= num(b, 1);
  const std::string sms = format_count(num(model["environment"]["device"]["sm_count"]));
  const std::string waves = or_na(l["waves_per_sm"], lang, [](double v) { return format_number(v, 2); });
  const std::string compute_sol = format_number(num(l["compute_sol_pct"]), 1),
                    memory_sol = format_number(num(l["memory_sol_pct"]), 1);
  const std::string bound = kind == "sol_busier_unit" ? str(f["detail"]) : str(l["roofline_side"]);

  if (kind == "latency_bound") {
    if (f["detail"] == "small_grid") {
      return trf(lang, "sugg_latency_small_grid",
                 {where, waves, sms, format_count(blocks), format_count(threads), compute_sol, memory_sol,
                  l["case_median_us"].is_number() ? format_us(num(l["case_median_us"])) : tr(lang, "na"),
                  format_us(num(model["ceilings"]["launch_us"]))});
    }
    return trf(lang, "sugg_latency", {where, compute_sol, memory_sol, waves});
  }
  if (kind == "occupancy_limited") {
    const std::string limiter = f["detail"];
    const std::string key =
        limiter == "registers" || limiter == "shared_memory" ? "sugg_occupancy_" + limiter : "sugg_occupancy_other";
    return trf(lang, key,
               {where, format_count(num(l["registers"])), fixed(num(f["value"]), 1), limiter_text(lang, limiter)});
  }
  if (kind == "occupancy_gap") {
    return trf(lang, "sugg_occupancy_gap", {where, fixed(num(f["value"]), 1), fixed(num(f["detail_value"]), 1), waves});
  }
  if (kind == "low_sm_efficiency") {
    return trf(lang, "sugg_low_sm_efficiency", {where, fixed(num(f["value"]), 1), format_count(blocks), sms});
  }
  if (kind == "padded_compute") {
    return trf(lang, "sugg_padded_compute",
               {where, fixed(num(f["value"]), 1), format_tflops(num(f["detail_value"])),
                format_tflops(num(l["counted_tflops"]))});
  }
  if (kind == "memory_pipeline_saturated") {
    return trf(lang, "sugg_memory_pipeline",
               {where, fixed(num(f["value"]), 1), fixed(num(f["detail_value"]), 1), pct_or_na(l["l1_hit_pct"], lang)});
  }
  if (kind == "case_excess_dram_traffic") {
    return trf(lang, "sugg_case_rereads",
               {where, format_count(num(f["detail_value"])), fixed(num(f["value"]), 2),
                format_bytes(num(l["case_dram_bytes"])), format_bytes(num(l["case_min_bytes"]))});
  }
  const bool rereads =
      l["dram_excess_ratio"].is_number() && num(l["dram_excess_ratio"]) >= RuleThresholds::kReuseExcessRatio;
  if (kind == "excess_dram_traffic" || kind == "low_l2_hit" || kind == "low_l1_hit" || (bound == "memory" && rereads)) {
    return trf(lang, "sugg_memory_rereads",
               {where, fixed(num(l["dram_excess_ratio"]), 2), format_bytes(num(l["dram_bytes"])),
                format_bytes(num(l["min_bytes"]))});
  }
  if (bound == "compute") {
    const std::string precision = l["precision"];
    const double peak = num(l["compute_peak_tflops"]);
    const std::string pct = peak > 0 ? fixed(100.0 * num(l["achieved_tflops"]) / peak, 1) : tr(lang, "na");
    if (precision == "tensor")
      return trf(lang, "sugg_compute_tensor", {where, format_tflops(num(l["achieved_tflops"])), pct});
    return trf(lang, "sugg_compute", {where, format_tflops(num(l["achieved_tflops"])), pct, precision});
  }
  const double ceiling = num(l["bandwidth_ceiling_gbps"]);
  // The rate the roofline placed the launch at: the owed bytes' where the measured ones fell short.
  const double gbps = num(l["roofline_gbps"], num(l["achieved_gbps"]));
  // Under the bandwidth roof with the SM the busier unit (compute SOL 10 points or more over memory):
  // more bytes in flight would not help; the instructions issued per byte are the limit.
  if (l["compute_sol_pct"].is_number() && l["memory_sol_pct"].is_number() &&
      num(l["compute_sol_pct"]) - num(l["memory_sol_pct"]) >= RuleThresholds::kBusierUnitGapPts) {
    return trf(lang, "sugg_memory_issue_bound",
               {where, format_gbps(gbps), ceiling > 0 ? fixed(100.0 * gbps / ceiling, 1) : tr(lang, "na"),
                tr(lang, "ceiling_" + str(l["ceiling"])), format_gbps(ceiling), compute_sol, memory_sol});
  }
  return trf(
      lang, "sugg_memory",
      {where, format_gbps(gbps), ceiling > 0 ? fixed(100.0 * gbps / ceiling, 1) : tr(lang, "na"),
       tr(lang, "ceiling_" + str(l["ceiling"])), format_gbps(ceiling), pct_or_na(l["achieved_occupancy_pct"], lang)});
}
}  // namespace

// The suggestion for a kernel's worst finding, with a note where its launch counted padded FLOPs.
std::string suggestion_text(const json& s, const json& model, Lang lang) {
  std::string text = suggestion_body(s, model, lang);
  const json& l = s["launch"];
  if (s["finding"]["kind"] != "padded_compute" && l.contains("padded_flops_ratio") &&
      l["padded_flops_ratio"].is_number() && l.contains("counted_tflops") && l["counted_tflops"].is_number()) {
    text += trf(lang, "sugg_padded_note",
                {fixed(num(l["padded_flops_ratio"]), 1), format_tflops(num(l["achieved_tflops"]))});
  }
  return text;
}

Document build_document(const json& model, Lang lang) {
  Document doc;
  doc.lang = lang;
  doc.title = tr(lang, "title") + " — " + str(model["environment"]["device"]["name"]);
  doc.blocks.push_back(paragraph(tr(lang, "results_created") + ": " + str(model["environment"]["created"])));
  missing_section(model, lang, doc);
  environment_section(model, lang, doc);
  overview_section(model, lang, doc);
  variants_section(model, lang, doc);
  deep_section(model, lang, doc);
  roofline_section(model, lang, doc);
  next_section(model, lang, doc);
  return doc;
}

}  // namespace llmkb::report
