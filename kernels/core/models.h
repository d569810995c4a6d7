// Model presets: the real shapes every op benchmarks, declared once.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace llmkb {

enum class Activation { silu, gelu, gelu_tanh };

struct ModelPreset {
  std::string name;        // "llama3-8b"
  std::string hf_name;     // "meta-llama/Meta-Llama-3-8B"
  int64_t hidden = 0;
  int64_t intermediate = 0;
  int64_t q_heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
  int64_t vocab = 0;
  bool gemma_norm = false;  // RMSNorm multiplies by (1 + w)
  Activation activation = Activation::silu;
  int tensor_parallel = 1;  // shapes are per GPU when > 1
};

// Real models: every op benchmarks each of them.
const std::vector<ModelPreset>& model_presets();
// Benchmark shapes that are not models (e.g. the FlashAttention-2 paper's B4/H16), used by name only.
const std::vector<ModelPreset>& synthetic_presets();
const ModelPreset* find_model(const std::string& name);
std::string model_names();  // "llama3-8b, llama3-70b, ..."

// Token counts of the decode and prefill shapes.
const std::vector<int64_t>& decode_tokens();   // 1, 8, 32, 64
const std::vector<int64_t>& prefill_tokens();  // 512, 4096, 16384
std::vector<int64_t> all_token_counts();

}  // namespace llmkb
