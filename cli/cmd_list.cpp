#include <cstdio>
#include <iostream>
#include <stdexcept>

#include "cli/commands.h"
#include "kernels/core/models.h"
#include "kernels/harness/case.h"

namespace llmkb {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

std::vector<std::string> metric_names(const std::string& value) {
  std::vector<std::string> names = split_list(value);
  if (names.empty()) throw std::invalid_argument("--metrics needs at least one metric name");
  return names;
}

std::string option_value(const std::vector<std::string>& args, size_t& i) {
  if (i + 1 >= args.size() || args[i + 1].rfind("--", 0) == 0) {
    throw std::invalid_argument(args[i] + " needs a value");
  }
  return args[++i];
}

int cmd_list(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::cerr << "usage: llmkb list\n";
    return args[0] == "--help" ? 0 : 2;
  }
  std::cout << "Ops and variants (min SM: the lowest compute capability a variant runs on)\n";
  for (const auto& suite : op_suites()) {
    const size_t shapes = suite->bench_cases().size();
    std::cout << "\n" << suite->op() << "  (" << shapes << " benchmark shapes)\n";
    for (const VariantInfo& v : suite->variants()) {
      std::printf("  %-36s sm_%d+  %s%s\n", v.name.c_str(), v.min_sm, v.baseline ? "[baseline] " : "", v.idea.c_str());
    }
  }
  std::cout << "\nShape presets (--model)\n";
  std::printf("  %-12s %7s %12s %6s %6s %5s %7s\n", "model", "hidden", "intermediate", "heads", "kv", "hdim", "vocab");
  std::vector<ModelPreset> all = model_presets();
  all.insert(all.end(), synthetic_presets().begin(), synthetic_presets().end());
  for (const ModelPreset& m : all) {
    std::printf("  %-12s %7lld %12lld %6lld %6lld %5lld %7lld\n", m.name.c_str(), static_cast<long long>(m.hidden),
                static_cast<long long>(m.intermediate), static_cast<long long>(m.q_heads),
                static_cast<long long>(m.kv_heads), static_cast<long long>(m.head_dim), static_cast<long long>(m.vocab));
  }
  std::cout << "\nToken counts: decode";
  for (int64_t t : decode_tokens()) std::cout << " " << t;
  std::cout << "; prefill";
  for (int64_t t : prefill_tokens()) std::cout << " " << t;
  std::cout << "\n\nBenchmark names: <variant>/<dtype>/<model>/<shape>, e.g. rmsnorm/vec8/bf16/llama3-8b/tokens:4096\n";
  return 0;
}

}  // namespace llmkb
