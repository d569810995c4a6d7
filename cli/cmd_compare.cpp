// `llmkb compare`: the regression gate between two results files.
#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "bench/results_schema.h"
#include "cli/commands.h"
#include "gate/compare.h"
#include "gate/render.h"

namespace llmkb {

namespace {
const char* kCompareHelp = R"(usage: llmkb compare BASELINE.json CANDIDATE.json [options]

Matches the benchmarks of two results files by name and gives each a verdict: regression,
improvement, unchanged or inconclusive. A change counts when the medians differ by at least the
threshold AND a two-sided Mann-Whitney U test over the repetitions gives p < alpha, its ranks on the
medians' side (else inconclusive). Time: lower is better; gbps, tflops, pct_of_ceiling: higher is better. A candidate case that failed its check or
errored fails the gate.

  --threshold P         smallest relative change that counts, in percent (default 5%; "5" = "5%")
  --alpha A             significance level of the U test (default 0.05)
  --metric M[,M...]     time (default), gbps, tflops, pct_of_ceiling; repeatable
  --format F            text (default), md (a pull-request comment), json
  --strict              a benchmark present in one file only fails the gate
  --allow-different-env compare runs whose device, driver (release, where both runs recorded it, and
                        CUDA version), CUDA runtime, clocks, cold/warm timing or kernel trace differ
                        (the differences are listed)

Exit codes: 0 no regression; 1 at least one regression or failed candidate case (or, with
--strict, a benchmark on one side only); 2 bad input (missing or corrupt file, wrong schema
version, different environments, no benchmark in common, unknown option).
)";

int bad_input(const std::string& message) {
  std::cerr << "llmkb compare: " << message << "\n";
  return 2;
}

// "5%", "5" or "0.5%": a percentage, as a fraction.
bool parse_percent(std::string text, double& fraction) {
  if (!text.empty() && text.back() == '%') text.pop_back();
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(value >= 0) || value > 1e6) return false;
  fraction = value / 100;
  return true;
}

bool parse_alpha(const std::string& text, double& alpha) {
  char* end = nullptr;
  alpha = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() && alpha > 0 && alpha < 1;
}
}  // namespace

int cmd_compare(const std::vector<std::string>& args) {
  CompareOptions options;
  CompareFormat format = CompareFormat::text;
  std::vector<std::string> files;
  bool metrics_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::string inline_value;
    bool has_inline = false;
    if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {  // --flag=value
      inline_value = a.substr(a.find('=') + 1);
      a = a.substr(0, a.find('='));
      has_inline = true;
    }
    auto value = [&]() -> std::string {
      if (has_inline) return inline_value;
      if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
      return args[++i];
    };
    try {
      if (a == "--help" || a == "-h") {
        std::cout << kCompareHelp;
        return 0;
      } else if (a == "--threshold") {
        const std::string v = value();
        if (!parse_percent(v, options.threshold))
          return bad_input("--threshold '" + v + "': expected a percentage like 5%");
      } else if (a == "--alpha") {
        const std::string v = value();
        if (!parse_alpha(v, options.alpha)) return bad_input("--alpha '" + v + "': expected a number between 0 and 1");
      } else if (a == "--metric") {
        if (!metrics_given) options.metrics.clear();
        metrics_given = true;
        for (const std::string& name : split_list(value())) {
          Metric m;
          if (!parse_metric(name, m)) {
            return bad_input("unknown metric '" + name + "' (time, gbps, tflops, pct_of_ceiling)");
          }
          if (std::find(options.metrics.begin(), options.metrics.end(), m) == options.metrics.end()) {
            options.metrics.push_back(m);
          }
        }
      } else if (a == "--format") {
        const std::string v = value();
        if (!parse_compare_format(v, format)) return bad_input("unknown format '" + v + "' (text, md, json)");
      } else if (a == "--strict" && !has_inline) {
        options.strict = true;
      } else if (a == "--allow-different-env" && !has_inline) {
        options.allow_different_env = true;
      } else if (a.rfind("-", 0) == 0 && a.size() > 1) {
        std::cerr << "llmkb compare: unknown option '" << args[i] << "'\n\n" << kCompareHelp;
        return 2;
      } else {
        files.push_back(a);
      }
    } catch (const std::invalid_argument& e) {
      return bad_input(e.what());
    }
  }
  if (files.size() != 2) {
    std::cerr << "llmkb compare: expected two results files (BASELINE.json CANDIDATE.json), got " << files.size()
              << "\n\n"
              << kCompareHelp;
    return 2;
  }
  if (options.metrics.empty()) return bad_input("--metric needs at least one metric");
  try {
    const Comparison comparison = compare_files(files[0], files[1], options);
    std::cout << render(comparison, format);
    return comparison.exit_code();
  } catch (const ResultsFileError& e) {
    return bad_input(e.what());
  } catch (const CompareInputError& e) {
    return bad_input(e.what());
  } catch (const std::exception& e) {  // never exit 1 (a regression) for a file we could not read
    return bad_input(std::string("could not compare the files: ") + e.what());
  }
}

}  // namespace llmkb
