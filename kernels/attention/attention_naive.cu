// attention/naive: one query row per warp, no tensor cores; keys one at a time, each dot product a
// warp-shuffle sum, online softmax in fp32 registers. The correctness and speed baseline.
#include <limits>

#include "kernels/attention/attention_params.cuh"
#include "kernels/common/cuda_check.h"
#include "kernels/common/device_math.cuh"
#include "kernels/common/variant.h"

namespace llmkb {
namespace {

constexpr int kRowsPerBlock = 4;    // one warp per query row
constexpr int kMaxDimsPerLane = 8;  // head_dim <= 256

template <class T>
__global__ void __launch_bounds__(kRowsPerBlock * 32) attention_naive_kernel(AttentionParams p) {
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int i = blockIdx.x * kRowsPerBlock + warp;
  const int h = blockIdx.y, b = blockIdx.z;
  const SequenceView s = sequence_view(p, b, h, h / p.group);
  if (i >= s.len_q) return;  // no block barrier below
  const int dims_per_lane = p.head_dim / 32;
  const T* q = static_cast<const T*>(p.q) + s.q_offset + i * s.q_row_stride;
  const T* k = static_cast<const T*>(p.k) + s.kv_offset;
  const T* v = static_cast<const T*>(p.v) + s.kv_offset;

  float qv[kMaxDimsPerLane], acc[kMaxDimsPerLane];
#pragma unroll
  for (int t = 0; t < kMaxDimsPerLane; ++t) {
    qv[t] = t < dims_per_lane ? to_float(q[lane + 32 * t]) * p.scale_log2 : 0.f;
    acc[t] = 0.f;
  }
  float row_max = -INFINITY, row_sum = 0.f;  // scores in the log2 domain
  const int visible = s.visible_keys(i, p.causal);
  for (int j = 0; j < visible; ++j) {
    const T* kj = k + j * s.kv_row_stride;
    float dot = 0.f;
#pragma unroll
    for (int t = 0; t < kMaxDimsPerLane; ++t) {
      if (t < dims_per_lane) dot += qv[t] * to_float(kj[lane + 32 * t]);
    }
    const float score = warp_sum(dot);
    const float new_max = fmaxf(row_max, score);
    const float correction = exp2f(row_max - new_max);  // 0 on the first key (row_max = -inf)
    const float weight = exp2f(score - new_max);
    row_sum = row_sum * correction + weight;
    const T* vj = v + j * s.kv_row_stride;
#pragma unroll
    for (int t = 0; t < kMaxDimsPerLane; ++t) {
      if (t < dims_per_lane) acc[t] = acc[t] * correction + weight * to_float(vj[lane + 32 * t]);
    }
    row_max = new_max;
  }

  T* o = static_cast<T*>(p.o) + s.q_offset + i * s.q_row_stride;
  const float inv_sum = visible > 0 ? 1.f / row_sum : 0.f;  // no visible key: output 0
#pragma unroll
  for (int t = 0; t < kMaxDimsPerLane; ++t) {
    if (t < dims_per_lane) o[lane + 32 * t] = from_float<T>(acc[t] * inv_sum);
  }
  if (p.lse && lane == 0) {
    p.lse[s.lse_offset + i] = visible > 0 ? (row_max + log2f(row_sum)) * 0.69314718055994531f : -INFINITY;
  }
}

Support supports(const AttentionProblem& p) {
  const std::string bad = attention_size_limit(p);
  if (!bad.empty()) return Support::no(bad);
  if (p.head_dim % 32 != 0 || p.head_dim > 32 * kMaxDimsPerLane) {
    return Support::no("head_dim must be a multiple of 32, at most 256");
  }
  // Without tensor cores this runs at ~3 TFLOP/s: the largest prefill shapes would take seconds per
  // launch. Those are compared between the tensor-core variants instead.
  constexpr double kMaxMultiplyAdds = 17179869184.0;  // 2^34
  const double multiply_adds = static_cast<double>(p.total_q()) * p.max_len_kv() * p.head_dim * p.q_heads;
  if (multiply_adds > kMaxMultiplyAdds) {
    return Support::no("the naive baseline is limited to 2^34 multiply-adds per launch (seconds per launch beyond)");
  }
  return Support::yes();
}

void launch(const AttentionProblem& problem, const AttentionArgs& args, cudaStream_t stream) {
  const Support s = supports(problem);
  if (!s.ok) throw std::invalid_argument("attention/naive: " + s.reason);
  const AttentionParams p = make_attention_params(problem, args);
  if (p.seqlen_q == 0) return;  // varlen batch of empty sequences: nothing to write
  const dim3 grid((p.seqlen_q + kRowsPerBlock - 1) / kRowsPerBlock, p.q_heads, p.batch);
  dispatch_float_dtype(problem.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (sizeof(T) == 2) {
      attention_naive_kernel<T><<<grid, kRowsPerBlock * 32, 0, stream>>>(p);
    } else {
      throw std::invalid_argument("attention/naive: fp16 and bf16 only");
    }
  });
  LLMKB_CHECK_LAUNCH();
}

}  // namespace

Variant<AttentionOp> attention_naive() {
  return {"attention/naive",
          "one query row per warp, warp-shuffle dot products, fp32 online softmax, no tensor cores",
          75,
          true,
          supports,
          launch};
}

}  // namespace llmkb
