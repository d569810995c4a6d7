// What every attention kernel receives: pointers, sizes and the layout of one sequence, dense or
// varlen, resolved on the device by sequence_view(). Built on the host by make_attention_params().
#pragma once
#include <type_traits>
#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdint>

#include "kernels/attention/attention_op.h"

namespace llmkb {

struct AttentionParams {
  const void* q = nullptr;
  const void* k = nullptr;
  const void* v = nullptr;
  void* o = nullptr;
  float* lse = nullptr;                   // null: not requested
  const int32_t* cu_seqlens_q = nullptr;  // null: dense
  const int32_t* cu_seqlens_kv = nullptr;
  int batch = 1, q_heads = 1, kv_heads = 1, group = 1, head_dim = 128;
  int seqlen_q = 1, seqlen_kv = 1;  // dense lengths; varlen: the maximum over sequences
  int total_q = 0;                  // varlen: query rows of the whole batch (lse layout)
  bool causal = false;
  float scale_log2 = 0;  // softmax scale * log2(e): scores are exponentiated with exp2
};

// One sequence of one head pair: element offsets of row 0 and the stride between rows.
struct SequenceView {
  int64_t q_offset = 0;   // Q and O: element of (row 0, dim 0) of query head h
  int64_t kv_offset = 0;  // K and V: element of (key 0, dim 0) of the KV head
  int64_t q_row_stride = 0;
  int64_t kv_row_stride = 0;
  int64_t q_head_stride = 0;    // Q and O: elements from query head h to h + 1
  int64_t lse_offset = 0;       // element of row 0 in lse; rows are contiguous
  int64_t lse_head_stride = 0;  // lse: elements from query head h to h + 1
  int len_q = 0, len_kv = 0;
  // Causal: query i sees keys j < i + 1 + diagonal_offset; otherwise every key.
  int diagonal_offset = 0;
  __device__ __forceinline__ int visible_keys(int i, bool causal) const {
    return causal ? min(len_kv, max(0, i + 1 + diagonal_offset)) : len_kv;
  }
};

__device__ __forceinline__ SequenceView sequence_view(const AttentionParams& p, int b, int q_head, int kv_head) {
  SequenceView s;
  const int64_t d = p.head_dim;
  if (p.cu_seqlens_q) {
    const int q0 = p.cu_seqlens_q[b], kv0 = p.cu_seqlens_kv[b];
    s.len_q = p.cu_seqlens_q[b + 1] - q0;
    s.len_kv = p.cu_seqlens_kv[b + 1] - kv0;
    s.q_row_stride = static_cast<int64_t>(p.q_heads) * d;
    s.kv_row_stride = static_cast<int64_t>(p.kv_heads) * d;
    s.q_offset = static_cast<int64_t>(q0) * s.q_row_stride + q_head * d;
    s.kv_offset = static_cast<int64_t>(kv0) * s.kv_row_stride + kv_head * d;
    s.q_head_stride = d;
    s.lse_offset = static_cast<int64_t>(q_head) * p.total_q + q0;
    s.lse_head_stride = p.total_q;
  } else {
    s.len_q = p.seqlen_q;
    s.len_kv = p.seqlen_kv;
    s.q_row_stride = d;
    s.kv_row_stride = d;
    s.q_offset = (static_cast<int64_t>(b) * p.q_heads + q_head) * p.seqlen_q * d;
    s.kv_offset = (static_cast<int64_t>(b) * p.kv_heads + kv_head) * p.seqlen_kv * d;
    s.q_head_stride = static_cast<int64_t>(p.seqlen_q) * d;
    s.lse_offset = (static_cast<int64_t>(b) * p.q_heads + q_head) * p.seqlen_q;
    s.lse_head_stride = p.seqlen_q;
  }
  s.diagonal_offset = s.len_kv - s.len_q;
  return s;
}

// Calls f(std::integral_constant<int, D>{}) with D the compile-time head dim (64, 128, or 256 for
// anything else: supports() has already limited head_dim to these three).
template <class F>
void dispatch_head_dim(int64_t head_dim, F&& f) {
  switch (head_dim) {
    case 64: f(std::integral_constant<int, 64>{}); return;
    case 128: f(std::integral_constant<int, 128>{}); return;
    default: f(std::integral_constant<int, 256>{}); return;
  }
}

inline AttentionParams make_attention_params(const AttentionProblem& p, const AttentionArgs& a) {
  AttentionParams r;
  r.q = a.q;
  r.k = a.k;
  r.v = a.v;
  r.o = a.o;
  r.lse = p.return_lse ? a.lse : nullptr;
  r.cu_seqlens_q = p.varlen() ? a.cu_seqlens_q : nullptr;
  r.cu_seqlens_kv = p.varlen() ? a.cu_seqlens_kv : nullptr;
  r.batch = static_cast<int>(p.batch);
  r.q_heads = static_cast<int>(p.q_heads);
  r.kv_heads = static_cast<int>(p.kv_heads);
  r.group = static_cast<int>(p.group());
  r.head_dim = static_cast<int>(p.head_dim);
  r.seqlen_q = static_cast<int>(p.max_len_q());
  r.seqlen_kv = static_cast<int>(p.max_len_kv());
  r.total_q = static_cast<int>(p.total_q());
  r.causal = p.causal;
  r.scale_log2 = static_cast<float>(static_cast<double>(p.softmax_scale()) * 1.4426950408889634);
  return r;
}

// Sizes every kernel indexes with 32-bit row counts; "" when the problem fits.
inline std::string attention_size_limit(const AttentionProblem& p) {
  const std::string bad = AttentionOp::invalid_reason(p);
  if (!bad.empty()) return bad;
  if (p.max_len_q() > (1 << 30) || p.max_len_kv() > (1 << 30)) return "sequence longer than 2^30";
  if (p.batch > 65535 || p.q_heads > 65535) return "batch or heads over 65535 (grid limits)";
  return "";
}

}  // namespace llmkb
