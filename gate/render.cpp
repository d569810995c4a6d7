#include "gate/render.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <vector>

namespace llmkb {

bool parse_compare_format(const std::string& text, CompareFormat& out) {
  if (text == "text")
    out = CompareFormat::text;
  else if (text == "md")
    out = CompareFormat::md;
  else if (text == "json")
    out = CompareFormat::json;
  else
    return false;
  return true;
}

namespace {

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

std::string value_text(double v, Metric m) {
  switch (m) {
    case Metric::time:
      return format(v < 1000 ? "%.2f us" : "%.1f us", v);
    case Metric::gbps:
      return format(v < 100 ? "%.1f GB/s" : "%.0f GB/s", v);
    case Metric::tflops:
      return format(v < 100 ? "%.3f TFLOP/s" : "%.1f TFLOP/s", v);
    case Metric::pct_of_ceiling:
      return format("%.1f %%", v);
  }
  return "";
}

int order_of(Verdict v) {
  switch (v) {
    case Verdict::regression:
      return 0;
    case Verdict::candidate_failed:
      return 1;
    case Verdict::improvement:
      return 2;
    case Verdict::inconclusive:
      return 3;
    case Verdict::baseline_failed:
      return 4;
    case Verdict::unchanged:
      return 5;
  }
  return 6;
}

std::string label_of(Verdict v) {
  switch (v) {
    case Verdict::regression:
      return "REGRESSION";
    case Verdict::candidate_failed:
      return "FAILED";
    case Verdict::improvement:
      return "improvement";
    case Verdict::inconclusive:
      return "inconclusive";
    case Verdict::baseline_failed:
      return "not compared";
    case Verdict::unchanged:
      return "unchanged";
  }
  return "?";
}

std::vector<const MetricComparison*> sorted_rows(const Comparison& c) {
  std::vector<const MetricComparison*> rows;
  for (const auto& r : c.rows) rows.push_back(&r);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto* a, const auto* b) { return order_of(a->verdict) < order_of(b->verdict); });
  return rows;
}

std::string plural(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// "PASS: no regression" or "FAIL: 2 regressions, 1 failed case".
std::string gate_result(const Comparison& c) {
  std::vector<std::string> causes;
  if (size_t n = c.count(Verdict::regression)) causes.push_back(plural(n, "regression", "regressions"));
  if (size_t n = c.count(Verdict::candidate_failed)) causes.push_back(plural(n, "failed case", "failed cases"));
  const size_t one_sided = c.only_in_baseline.size() + c.only_in_candidate.size();
  if (c.options.strict && one_sided)
    causes.push_back(plural(one_sided, "benchmark", "benchmarks") + " on one side only (--strict)");
  if (causes.empty()) {
    const size_t better = c.count(Verdict::improvement);
    return "PASS: no regression" +
           (better ? " (" + plural(better, "improvement", "improvements") + ")" : std::string());
  }
  std::string text = "FAIL: ";
  for (size_t i = 0; i < causes.size(); ++i) text += (i ? ", " : "") + causes[i];
  return text;
}

std::string counts_line(const Comparison& c) {
  return plural(c.count(Verdict::regression), "regression", "regressions") + ", " +
         plural(c.count(Verdict::candidate_failed), "failed case", "failed cases") + ", " +
         plural(c.count(Verdict::improvement), "improvement", "improvements") + ", " +
         std::to_string(c.count(Verdict::inconclusive)) + " inconclusive, " +
         std::to_string(c.count(Verdict::unchanged)) + " unchanged, " +
         std::to_string(c.count(Verdict::baseline_failed)) + " not compared (failed in the baseline); " +
         std::to_string(c.only_in_baseline.size()) + " only in the baseline, " +
         std::to_string(c.only_in_candidate.size()) + " only in the candidate";
}

std::string env_text(const nlohmann::json& env, const char* key) {
  const nlohmann::json* at = &env;
  std::string path = key;
  size_t begin = 0;
  while (begin <= path.size()) {
    const size_t dot = std::min(path.find('.', begin), path.size());
    const std::string k = path.substr(begin, dot - begin);
    if (!at->is_object() || !at->contains(k)) return "-";
    at = &(*at)[k];
    begin = dot + 1;
  }
  return at->is_string() ? at->get<std::string>() : at->dump();
}

std::string run_line(const RunSummary& run) {
  const nlohmann::json& e = run.environment;
  return run.path + ": " + env_text(e, "device.name") + " (sm " + env_text(e, "device.compute_capability") + ", " +
         env_text(e, "device.sm_clock_mhz") + " MHz SM, " + env_text(e, "device.memory_clock_mhz") +
         " MHz memory), driver CUDA " + env_text(e, "driver_version") + ", runtime " + env_text(e, "runtime_version") +
         ", " + env_text(e, "timing") + " L2, " + env_text(e, "repetitions") + " repetitions, " + run.created;
}

std::string settings_line(const Comparison& c) {
  std::string metrics;
  for (Metric m : c.options.metrics) metrics += (metrics.empty() ? "" : ", ") + std::string(to_string(m));
  return "a change counts when it is at least " + format("%g %%", 100 * c.options.threshold) +
         " and the two-sided Mann-Whitney U test over the repetitions gives p < " + format("%g", c.options.alpha) +
         "; metrics: " + metrics;
}

struct Cells {
  std::string baseline = "-", candidate = "-", change = "-", p = "-", reps = "-";
};

Cells cells_of(const MetricComparison& r, double alpha) {
  Cells c;
  if (!r.baseline.values.empty()) c.baseline = value_text(r.baseline.median, r.metric);
  if (!r.candidate.values.empty()) c.candidate = value_text(r.candidate.median, r.metric);
  if (r.compared) c.change = format("%+.1f %%", 100 * r.change);
  if (r.tested) c.p = p_value_text(r.test.p_value, alpha);
  if (!r.baseline.values.empty() || !r.candidate.values.empty()) {
    c.reps = std::to_string(r.baseline.values.size()) + "/" + std::to_string(r.candidate.values.size());
  }
  return c;
}

void print_table(std::ostringstream& out, const std::vector<std::vector<std::string>>& table) {
  std::vector<size_t> width;
  for (const auto& row : table) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : table) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

std::string md_cell(std::string text) {
  std::string escaped;
  for (char ch : text) {
    if (ch == '|')
      escaped += "\\|";
    else if (ch == '\n')
      escaped += ' ';
    else
      escaped += ch;
  }
  return escaped;
}

// GitHub refuses comments over 65536 characters: every table stops adding rows here (the environment
// table and the counts line after them stay under the limit).
constexpr size_t kMarkdownBudget = 56000;

// Whether `out` has grown past `budget`: the next row is then left out, and counted in left_out.
bool past_budget(std::ostringstream& out, size_t budget, size_t& left_out) {
  if (static_cast<size_t>(out.tellp()) <= budget) return false;
  ++left_out;
  return true;
}

// After a table whose rows past the budget were left out: says how many.
void md_left_out(std::ostringstream& out, size_t left_out) {
  if (left_out) {
    out << "\n"
        << left_out << " more rows left out to keep this comment under GitHub's size limit: "
        << "`llmkb compare` without `--format md` lists them all.\n";
  }
}

// A table of rows; `why` is printed for rows whose verdict is not unchanged (the numbers say that).
// Rows past `budget` characters of `out` are left out and counted at the end.
void md_rows(std::ostringstream& out, const std::vector<const MetricComparison*>& rows, bool with_verdict, double alpha,
             size_t budget = kMarkdownBudget) {
  out << "| benchmark | metric |" << (with_verdict ? " verdict |" : "")
      << " baseline | candidate | change | p | reps | why |\n";
  out << "| --- | --- |" << (with_verdict ? " --- |" : "") << " ---: | ---: | ---: | ---: | ---: | --- |\n";
  size_t left_out = 0;
  for (const auto* r : rows) {
    if (past_budget(out, budget, left_out)) continue;
    const Cells c = cells_of(*r, alpha);
    out << "| `" << r->name << "` | " << to_string(r->metric) << " |"
        << (with_verdict ? " " + label_of(r->verdict) + " |" : "") << " " << c.baseline << " | " << c.candidate << " | "
        << c.change << " | " << c.p << " | " << c.reps << " | "
        << (r->verdict == Verdict::unchanged ? "" : md_cell(r->reason)) << " |\n";
  }
  md_left_out(out, left_out);
}

std::vector<const MetricComparison*> with_verdicts(const Comparison& c, std::initializer_list<Verdict> verdicts) {
  std::vector<const MetricComparison*> rows;
  for (const auto* r : sorted_rows(c)) {
    if (std::find(verdicts.begin(), verdicts.end(), r->verdict) != verdicts.end()) rows.push_back(r);
  }
  return rows;
}

}  // namespace

std::string render_text(const Comparison& c) {
  std::ostringstream out;
  out << "llmkb compare\n  baseline   " << run_line(c.baseline) << "\n  candidate  " << run_line(c.candidate) << "\n  "
      << settings_line(c) << "\n";
  if (!c.environment_differences.empty()) {
    out << "\nwarning: the environments differ (compared anyway: --allow-different-env)\n";
    for (const auto& d : c.environment_differences) {
      out << "  " << d.field << ": baseline '" << d.baseline << "', candidate '" << d.candidate << "'\n";
    }
  }
  out << "\n";
  std::vector<std::vector<std::string>> table = {
      {"verdict", "benchmark", "metric", "baseline", "candidate", "change", "p", "reps"}};
  std::vector<std::string> reasons;  // printed under the rows that need one
  for (const auto* r : sorted_rows(c)) {
    const Cells cells = cells_of(*r, c.options.alpha);
    table.push_back({label_of(r->verdict), r->name, to_string(r->metric), cells.baseline, cells.candidate, cells.change,
                     cells.p, cells.reps});
  }
  // Rows, each followed by its reason unless it is unchanged (the numbers say it all).
  std::ostringstream rows;
  print_table(rows, table);
  std::istringstream lines(rows.str());
  std::string line;
  std::getline(lines, line);
  out << line << "\n";
  for (const auto* r : sorted_rows(c)) {
    std::getline(lines, line);
    out << line << "\n";
    if (r->verdict != Verdict::unchanged) out << "    " << r->reason << "\n";
  }
  if (!c.only_in_baseline.empty()) {
    out << "\nonly in the baseline (" << c.only_in_baseline.size() << "):\n";
    for (const auto& o : c.only_in_baseline)
      out << "  " << o.name << (o.note.empty() ? "" : "  (" + o.note + ")") << "\n";
  }
  if (!c.only_in_candidate.empty()) {
    out << "\nonly in the candidate (" << c.only_in_candidate.size() << "):\n";
    for (const auto& o : c.only_in_candidate)
      out << "  " << o.name << (o.note.empty() ? "" : "  (" + o.note + ")") << "\n";
  }
  if (!c.method_differences.empty()) {
    out << "\nmeasured differently (" << c.method_differences.size()
        << "; compared all the same, and the change of method can account for a change of time):\n";
    for (const auto& d : c.method_differences) {
      out << "  " << d.name << ": " << d.field << ": baseline '" << d.text(d.baseline) << "', candidate '"
          << d.text(d.candidate) << "'\n";
    }
  }
  out << "\n" << counts_line(c) << "\n" << gate_result(c) << " (exit " << c.exit_code() << ")\n";
  return out.str();
}

std::string render_markdown(const Comparison& c) {
  std::ostringstream out;
  out << "### llmkb compare: " << gate_result(c) << "\n\n";
  out << "Baseline `" << c.baseline.path << "` vs candidate `" << c.candidate.path << "`: " << settings_line(c)
      << ".\n\n";
  if (!c.environment_differences.empty()) {
    out << "> **The environments differ** (compared anyway with `--allow-different-env`):";
    for (const auto& d : c.environment_differences) {
      out << " " << d.field << " `" << d.baseline << "` vs `" << d.candidate << "`;";
    }
    out << "\n\n";
  }
  const auto regressions = with_verdicts(c, {Verdict::regression});
  const auto failures = with_verdicts(c, {Verdict::candidate_failed});
  const auto improvements = with_verdicts(c, {Verdict::improvement});
  const auto rest = with_verdicts(c, {Verdict::inconclusive, Verdict::baseline_failed, Verdict::unchanged});
  if (!regressions.empty()) {
    out << "#### Regressions (" << regressions.size() << ")\n\n";
    md_rows(out, regressions, false, c.options.alpha);
    out << "\n";
  }
  if (!failures.empty()) {
    out << "#### Failed in the candidate (" << failures.size()
        << ")\n\n| benchmark | correctness check or error |\n| --- | --- |\n";
    size_t left_out = 0;
    for (const auto* r : failures) {
      if (!past_budget(out, kMarkdownBudget, left_out))
        out << "| `" << r->name << "` | " << md_cell(r->reason) << " |\n";
    }
    md_left_out(out, left_out);
    out << "\n";
  }
  if (!improvements.empty()) {
    out << "#### Improvements (" << improvements.size() << ")\n\n";
    md_rows(out, improvements, false, c.options.alpha);
    out << "\n";
  }
  const size_t one_sided = c.only_in_baseline.size() + c.only_in_candidate.size();
  if (one_sided) {
    out << "#### On one side only (" << one_sided << (c.options.strict ? ", fails with --strict" : ", listed only")
        << ")\n\n| benchmark | present in | note |\n| --- | --- | --- |\n";
    size_t left_out = 0;
    auto one_sided_row = [&](const OneSidedCase& o, const char* side) {
      if (!past_budget(out, kMarkdownBudget, left_out))
        out << "| `" << o.name << "` | " << side << " | " << md_cell(o.note) << " |\n";
    };
    for (const auto& o : c.only_in_baseline) one_sided_row(o, "baseline");
    for (const auto& o : c.only_in_candidate) one_sided_row(o, "candidate");
    md_left_out(out, left_out);
    out << "\n";
  }
  if (!c.method_differences.empty()) {
    out << "#### Measured differently (" << c.method_differences.size()
        << ", compared all the same)\n\n| benchmark | what | baseline | candidate |\n| --- | --- | --- | --- |\n";
    size_t left_out = 0;
    for (const auto& d : c.method_differences) {
      if (!past_budget(out, kMarkdownBudget, left_out))
        out << "| `" << d.name << "` | " << d.field << " | " << md_cell(d.text(d.baseline)) << " | "
            << md_cell(d.text(d.candidate)) << " |\n";
    }
    md_left_out(out, left_out);
    out << "\n";
  }
  if (!rest.empty()) {
    out << "<details><summary>" << c.count(Verdict::unchanged) << " unchanged, " << c.count(Verdict::inconclusive)
        << " inconclusive, " << c.count(Verdict::baseline_failed) << " not compared</summary>\n\n";
    md_rows(out, rest, true, c.options.alpha);
    out << "\n</details>\n\n";
  }
  out << "<details><summary>Environment of both runs</summary>\n\n| | baseline | candidate |\n| --- | --- | --- |\n";
  const std::pair<const char*, const char*> fields[] = {
      {"device", "device.name"},
      {"compute capability", "device.compute_capability"},
      {"SMs", "device.sm_count"},
      {"SM clock (MHz)", "device.sm_clock_mhz"},
      {"memory clock (MHz)", "device.memory_clock_mhz"},
      {"driver (CUDA version)", "driver_version"},
      {"driver release", "device.driver_release"},
      {"CUDA runtime", "runtime_version"},
      {"timing", "timing"},
      {"repetitions", "repetitions"},
      {"host", "host"},
      {"command", "command"},
  };
  for (const auto& [label, key] : fields) {
    out << "| " << label << " | " << md_cell(env_text(c.baseline.environment, key)) << " | "
        << md_cell(env_text(c.candidate.environment, key)) << " |\n";
  }
  out << "| created | " << c.baseline.created << " | " << c.candidate.created << " |\n";
  for (const char* key : {"copy_gbps", "read_gbps", "write_gbps", "launch_us", "tensor_f16_tflops"}) {
    out << "| calibrated " << key << " | " << env_text(c.baseline.calibration, key) << " | "
        << env_text(c.candidate.calibration, key) << " |\n";
  }
  out << "\n</details>\n\n" << counts_line(c) << ".\n";
  return out.str();
}

nlohmann::json render_json(const Comparison& c) {
  nlohmann::json metrics = nlohmann::json::array();
  for (Metric m : c.options.metrics) metrics.push_back(to_string(m));
  auto run = [](const RunSummary& r) {
    return nlohmann::json{{"path", r.path},
                          {"created", r.created},
                          {"cases", r.cases},
                          {"environment", r.environment},
                          {"calibration", r.calibration}};
  };
  auto side = [](const SideSummary& s) {
    nlohmann::json j = {{"repetitions", s.values.size()}, {"values", s.values}};
    if (!s.values.empty()) j["median"] = s.median;
    return j;
  };
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : c.rows) {
    nlohmann::json row = {{"name", r.name},
                          {"metric", to_string(r.metric)},
                          {"unit", unit_of(r.metric)},
                          {"lower_is_better", lower_is_better(r.metric)},
                          {"verdict", to_string(r.verdict)},
                          {"reason", r.reason},
                          {"baseline", side(r.baseline)},
                          {"candidate", side(r.candidate)}};
    if (r.compared) row["change"] = r.change;
    if (r.tested) {
      row["test"] = {{"method", r.test.method == UTestMethod::exact ? "exact" : "normal"},
                     {"u_baseline", r.test.u_first},
                     {"p_value", r.test.p_value},
                     {"ties", r.test.ties}};
    }
    if (r.repetitions_needed) row["repetitions_needed"] = r.repetitions_needed;
    rows.push_back(std::move(row));
  }
  auto one_sided = [](const std::vector<OneSidedCase>& cases) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& o : cases) list.push_back({{"name", o.name}, {"note", o.note}});
    return list;
  };
  nlohmann::json differences = nlohmann::json::array();
  for (const auto& d : c.environment_differences) {
    differences.push_back({{"field", d.field}, {"baseline", d.baseline}, {"candidate", d.candidate}});
  }
  nlohmann::json method_differences = nlohmann::json::array();
  for (const auto& d : c.method_differences) {
    method_differences.push_back(
        {{"name", d.name}, {"field", d.field}, {"baseline", d.text(d.baseline)}, {"candidate", d.text(d.candidate)}});
  }
  nlohmann::json counts = nlohmann::json::object();
  for (Verdict v : {Verdict::regression, Verdict::candidate_failed, Verdict::improvement, Verdict::inconclusive,
                    Verdict::unchanged, Verdict::baseline_failed}) {
    counts[to_string(v)] = c.count(v);
  }
  counts["only_in_baseline"] = c.only_in_baseline.size();
  counts["only_in_candidate"] = c.only_in_candidate.size();
  return {{"format", "llmkb-compare/1"},
          {"settings",
           {{"threshold", c.options.threshold},
            {"alpha", c.options.alpha},
            {"metrics", metrics},
            {"strict", c.options.strict},
            {"allow_different_env", c.options.allow_different_env},
            {"test", "two-sided Mann-Whitney U over the per-repetition values"}}},
          {"baseline", run(c.baseline)},
          {"candidate", run(c.candidate)},
          {"environment_differences", differences},
          {"rows", rows},
          {"only_in_baseline", one_sided(c.only_in_baseline)},
          {"only_in_candidate", one_sided(c.only_in_candidate)},
          {"method_differences", method_differences},
          {"counts", counts},
          {"result", gate_result(c)},
          {"exit_code", c.exit_code()}};
}

std::string render(const Comparison& comparison, CompareFormat format) {
  switch (format) {
    case CompareFormat::text:
      return render_text(comparison);
    case CompareFormat::md:
      return render_markdown(comparison);
    case CompareFormat::json:
      return render_json(comparison).dump(2) + "\n";
  }
  return "";
}

}  // namespace llmkb
