// Rotary position embedding (RoPE), applied in place to the queries and keys of a batch of tokens.
//
//   for each token t, head h of Q [tokens, Hq, D] and K [tokens, Hkv, D], pair i < rotary_dim / 2:
//     (x1, x2) = the pair's two elements: NeoX (x[i], x[i + rotary_dim/2]), GPT-J (x[2i], x[2i + 1])
//     c = cos_sin[pos, i], s = cos_sin[pos, rotary_dim/2 + i], pos = positions[t]
//     x1' = x1 * c - x2 * s,  x2' = x2 * c + x1 * s
//   the dimensions rotary_dim..D are left as they are (byte-identical).
//
// cos_sin is one fp32 table [max_position, rotary_dim]: the first half of a row holds the cosines,
// the second half the sines (vLLM's and flashinfer's cos_sin_cache layout). With fused_qkv, Q and K
// are strided views into one [tokens, (Hq + 2 Hkv) D] buffer (Q, then K, then V per token) and V
// must stay untouched.
//
// Rounding convention (kernels and reference follow it): q and k are read from storage exactly,
// the rotation is fp32 arithmetic with the fp32 table values (fp64 in the reference), and each
// stored result is rounded once to the storage type, round-to-nearest-even.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kernels/core/dtype.h"
#include "kernels/core/op.h"
#include "kernels/core/rng.h"
#include "kernels/core/tensor.h"

namespace llmkb {

enum class RopeLayout { neox, gptj };
const char* to_string(RopeLayout layout);

struct RopeProblem {
  int64_t tokens = 1;
  int64_t q_heads = 32;
  int64_t kv_heads = 8;
  int64_t head_dim = 128;
  int64_t rotary_dim = 128;  // <= head_dim, even
  RopeLayout layout = RopeLayout::neox;
  DType dtype = DType::bf16;
  bool fused_qkv = true;
  int64_t max_position = 131072;  // rows of the cos/sin table; positions are in [0, max_position)

  int64_t rotated_heads() const { return q_heads + kv_heads; }
  // Elements between consecutive tokens of Q and of K.
  int64_t q_token_stride() const { return fused_qkv ? (q_heads + 2 * kv_heads) * head_dim : q_heads * head_dim; }
  int64_t k_token_stride() const { return fused_qkv ? (q_heads + 2 * kv_heads) * head_dim : kv_heads * head_dim; }
};

struct RopeArgs {
  const int64_t* positions = nullptr;  // [tokens]
  const float* cos_sin = nullptr;      // [max_position, rotary_dim]: cos then sin
  void* q = nullptr;                   // token t, head h at q + t * q_stride + h * head_dim
  void* k = nullptr;                   // token t, head h at k + t * k_stride + h * head_dim
  int64_t q_stride = 0;                // elements
  int64_t k_stride = 0;
};

struct RopeOp {
  using Problem = RopeProblem;
  using Args = RopeArgs;
  static constexpr const char* kName = "rope";

  static std::string describe(const Problem& p);
  static nlohmann::json to_json(const Problem& p);
  static DType dtype(const Problem& p) { return p.dtype; }
  static double bytes_moved(const Problem& p);
  static double flops(const Problem& p);
  static Ceiling ceiling(const Problem&) { return Ceiling::copy; }

  // positions, cos_sin, then qkv (fused) or q and k.
  static std::vector<TensorSpec> tensors(const Problem& p);
  static void fill_inputs(const Problem& p, std::vector<HostTensor>& tensors, Rng& rng);
  static std::vector<Expected> reference(const Problem& p, const std::vector<HostTensor>& tensors);
  static Tolerance tolerance(const Problem&, const TensorSpec& spec) { return default_tolerance(spec.dtype); }
  static Args bind(const Problem& p, const std::vector<void*>& pointers);

  static std::vector<Problem> test_problems();
  static std::vector<BenchProblem<Problem>> bench_problems();
};

// Whether a problem is well formed (both variants and the reference rely on it): sizes >= 1, an
// even rotary_dim <= head_dim.
Support check_rope_problem(const RopeProblem& p);

// The table every test and benchmark uses: cos/sin of pos * theta^(-2i / rotary_dim), theta 10000,
// written into `cos_sin` ([max_position, rotary_dim] fp32).
void fill_rope_cos_sin_table(int64_t max_position, int64_t rotary_dim, float* cos_sin);

}  // namespace llmkb
