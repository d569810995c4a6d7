// Attention forward: O = softmax(Q K^T * scale + mask) V, for prefill and decode.
//
// Layouts (elements of the storage dtype, row-major, head_dim contiguous):
//   dense:  Q and O [batch, q_heads, seqlen_q, head_dim]; K and V [batch, kv_heads, seqlen_kv, head_dim];
//           lse (fp32, optional) [batch, q_heads, seqlen_q]
//   varlen: sequences of different lengths packed token-major, as FlashAttention's varlen API:
//           Q and O [total_q, q_heads, head_dim]; K and V [total_kv, kv_heads, head_dim];
//           cu_seqlens_q [batch + 1] and cu_seqlens_kv [batch + 1] (i32, cumulative offsets, first 0);
//           lse [q_heads, total_q]
// GQA: query head h reads KV head h / (q_heads / kv_heads).
// Causal mask, bottom-right aligned (FlashAttention >= 2.1): query i of a sequence with Lq queries
// and Lkv keys attends keys j <= i + Lkv - Lq. A query that sees no key (i < Lq - Lkv) outputs 0
// and lse = -inf.
// lse is the natural log-sum-exp of the scaled, masked scores of a query row.
// Rounding: inputs are read exactly; scores, softmax and accumulation are at least fp32 (fp64 in
// the reference); tensor-core variants round the probabilities P to the storage type before P V
// (FlashAttention does the same) and the output once at the end.
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

struct AttentionProblem {
  int64_t batch = 1;
  int64_t q_heads = 1;
  int64_t kv_heads = 1;
  int64_t seqlen_q = 1;   // dense: every sequence; varlen: ignored (see seq_lens_q)
  int64_t seqlen_kv = 1;  // dense: every sequence; varlen: ignored (see seq_lens_kv)
  int64_t head_dim = 128;
  bool causal = false;
  DType dtype = DType::f16;
  float scale = 0.f;        // 0: 1 / sqrt(head_dim)
  bool return_lse = false;  // also write the fp32 log-sum-exp of each query row
  int num_splits = 0;       // split-KV variants: 0 chooses from SM count and KV length; others ignore it
  // Varlen: one length per sequence (batch entries each); empty for dense problems.
  std::vector<int64_t> seq_lens_q;
  std::vector<int64_t> seq_lens_kv;

  bool varlen() const { return !seq_lens_q.empty(); }
  float softmax_scale() const;
  int64_t len_q(int64_t b) const { return varlen() ? seq_lens_q[static_cast<size_t>(b)] : seqlen_q; }
  int64_t len_kv(int64_t b) const { return varlen() ? seq_lens_kv[static_cast<size_t>(b)] : seqlen_kv; }
  int64_t max_len_q() const;
  int64_t max_len_kv() const;
  int64_t total_q() const;                              // query rows over all sequences
  int64_t total_kv() const;                             // keys over all sequences
  int64_t group() const { return q_heads / kv_heads; }  // query heads per KV head
};

struct AttentionArgs {
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  const int32_t* cu_seqlens_q = nullptr;   // varlen only
  const int32_t* cu_seqlens_kv = nullptr;  // varlen only
  void* o = nullptr;
  float* lse = nullptr;  // only with return_lse
};

struct AttentionOp {
  using Problem = AttentionProblem;
  using Args = AttentionArgs;
  static constexpr const char* kName = "attention";
  // The largest split count a split-KV variant accepts (tests force every count 1..kMaxSplits).
  static constexpr int kMaxSplits = 64;
  // Problems with at most this many query rows per sequence are decode-like: bandwidth bound.
  static constexpr int64_t kDecodeMaxQueries = 16;

  static std::string describe(const Problem& p);
  static nlohmann::json to_json(const Problem& p);
  static DType dtype(const Problem& p) { return p.dtype; }
  static double bytes_moved(const Problem& p);
  static double flops(const Problem& p);
  static Ceiling ceiling(const Problem& p);

  static std::vector<TensorSpec> tensors(const Problem& p);
  static void fill_inputs(const Problem& p, std::vector<HostTensor>& tensors, Rng& rng);
  static std::vector<Expected> reference(const Problem& p, const std::vector<HostTensor>& tensors);
  static Tolerance tolerance(const Problem& p, const TensorSpec& spec);
  static Args bind(const Problem& p, const std::vector<void*>& pointers);

  static std::vector<Problem> test_problems();
  static std::vector<BenchProblem<Problem>> bench_problems();

  // Whether a problem is well formed (heads divide, lengths match batch...); "" when it is.
  static std::string invalid_reason(const Problem& p);
};

}  // namespace llmkb
