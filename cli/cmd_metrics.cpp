// `llmkb metrics`: the counters `llmkb bench --profile` collects on a chip, with units, descriptions
// and replay passes. Host only: the CUPTI profiler host API needs the chip name, not a GPU.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <stdexcept>

#include "bench/bench_runner.h"
#include "cli/commands.h"
#include "profiler/cupti_status.h"
#include "profiler/metric_catalog.h"
#include "profiler/metric_set.h"
#include "profiler/name_suggest.h"

namespace llmkb {

namespace {
const char* kMetricsHelp = R"(usage: llmkb metrics --chip NAME [--metrics a,b,c] [--all]

  --chip NAME       the GPU chip: GH100 (H100/H200), TU102/TU104/TU106 (RTX 20xx, T4: TU104),
                    TU116/TU117, or any other chip the installed CUPTI supports (listed on error)
  --metrics a,b     extra Perfworks metrics, as for `llmkb bench --profile --metrics`
  --all             list every base metric of the chip instead (names only)

Prints the metric set `llmkb bench --profile` collects on that chip (the default set of docs/profiler.md,
"Metric set", with the chip's tensor-pipe counters, then --metrics): each metric's unit, type and description, and the number of
replay passes the set needs. No GPU is needed. Exit codes: 0 ok; 2 unknown chip, metric or option,
or an option without its value.
)";

std::string chip_list() {
  std::string out;
  for (const std::string& c : supported_chips()) out += (out.empty() ? "" : ", ") + c;
  return out;
}
}  // namespace

int cmd_metrics(const std::vector<std::string>& args) {
  std::string chip;
  std::vector<std::string> extra;
  bool all = false;
  // A missing value is bad input (exit 2), like an unknown option.
  try {
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a == "--help" || a == "-h") {
        std::cout << kMetricsHelp;
        return 0;
      } else if (a == "--chip") {
        chip = option_value(args, i);
      } else if (a == "--metrics") {
        extra = metric_names(option_value(args, i));
      } else if (a == "--all") {
        all = true;
      } else {
        std::cerr << "llmkb metrics: unknown option '" << a << "'\n\n" << kMetricsHelp;
        return kBenchBadInput;
      }
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "llmkb metrics: " << e.what() << "\n";
    return kBenchBadInput;
  }
  if (chip.empty()) {
    std::cerr << "llmkb metrics: --chip is required (supported: " << chip_list() << ")\n";
    return kBenchBadInput;
  }
  const std::vector<std::string> chips = supported_chips();
  if (std::find(chips.begin(), chips.end(), chip) == chips.end()) {
    std::string near;
    for (const std::string& c : closest_names(chip, chips)) near += (near.empty() ? "" : ", ") + c;
    std::cerr << "llmkb metrics: unknown chip '" << chip << "' (closest: " << near << "; supported: " << chip_list()
              << ")\n";
    return kBenchBadInput;
  }

  ChipCatalog catalog(chip);
  if (all) {
    for (const std::string& m : catalog.base_metrics()) std::cout << m << "\n";
    return 0;
  }
  const std::vector<std::string> unknown = unknown_metric_errors(catalog, extra);
  if (!unknown.empty()) {
    for (const std::string& line : unknown) std::cerr << "llmkb metrics: " << line << "\n";
    return kBenchBadInput;
  }
  const MetricSet set = default_metric_set(catalog, extra);
  size_t passes = 0;
  catalog.configure(set.metrics, passes);

  std::printf("Metrics collected by `llmkb bench --profile` on %s\n\n", chip.c_str());
  std::printf("%-66s %-12s %-10s %s\n", "metric", "unit", "type", "description");
  for (const std::string& m : set.metrics) {
    const MetricInfo info = catalog.describe(m);
    const bool is_extra = std::find(extra.begin(), extra.end(), m) != extra.end();
    std::printf("%-66s %-12s %-10s %s%s\n", m.c_str(), info.unit.c_str(), info.type.c_str(),
                is_extra ? "[--metrics] " : "", info.description.c_str());
  }
  std::printf("\ntensor-pipe metrics chosen for %s:%s\n", chip.c_str(),
              set.tensor_metrics.empty() ? " none (no fp16/bf16 tensor-pipe counter on this chip)" : "");
  for (const std::string& m : set.tensor_metrics) std::printf("  %s\n", m.c_str());
  std::printf("\n%zu metrics, %zu replay passes per kernel\n", set.metrics.size(), passes);
  return 0;
}

}  // namespace llmkb
