#include "kernels/core/models.h"

namespace llmkb {

const std::vector<ModelPreset>& model_presets() {
  // Values from each model's config.json.
  static const std::vector<ModelPreset> presets = {
      {"llama3-8b", "meta-llama/Meta-Llama-3-8B", 4096, 14336, 32, 8, 128, 128256, false, Activation::silu, 1},
      {"llama3-70b", "meta-llama/Meta-Llama-3-70B", 8192, 28672, 64, 8, 128, 128256, false, Activation::silu, 1},
      {"qwen2.5-7b", "Qwen/Qwen2.5-7B", 3584, 18944, 28, 4, 128, 152064, false, Activation::silu, 1},
      {"gemma-3-4b", "google/gemma-3-4b-it", 2560, 10240, 8, 4, 256, 262208, true, Activation::gelu_tanh, 1},
  };
  return presets;
}

const std::vector<ModelPreset>& synthetic_presets() {
  static const std::vector<ModelPreset> presets = {
      // Not a model: the attention benchmark shape of the FlashAttention-2 paper (hidden 2048 as 16
      // heads of 128, no GQA), so attention results compare with published numbers.
      {"fa2-bench", "FlashAttention-2 paper benchmark (hidden 2048, 16 heads of 128)", 2048, 8192, 16, 16, 128, 32000,
       false, Activation::silu, 1},
  };
  return presets;
}

const ModelPreset* find_model(const std::string& name) {
  for (const auto* list : {&model_presets(), &synthetic_presets()}) {
    for (const ModelPreset& m : *list) {
      if (m.name == name) return &m;
    }
  }
  return nullptr;
}

std::string model_names() {
  std::string out;
  for (const auto* list : {&model_presets(), &synthetic_presets()}) {
    for (const ModelPreset& m : *list) out += (out.empty() ? "" : ", ") + m.name;
  }
  return out;
}

const std::vector<int64_t>& decode_tokens() {
  static const std::vector<int64_t> tokens = {1, 8, 32, 64};
  return tokens;
}

const std::vector<int64_t>& prefill_tokens() {
  static const std::vector<int64_t> tokens = {512, 4096, 16384};
  return tokens;
}

std::vector<int64_t> all_token_counts() {
  std::vector<int64_t> all = decode_tokens();
  all.insert(all.end(), prefill_tokens().begin(), prefill_tokens().end());
  return all;
}

}  // namespace llmkb
