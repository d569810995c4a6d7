// The vectorised RMSNorm kernel shared by rmsnorm/vec8 and rmsnorm/vec8_deep (and their fused
// forms): 16-byte loads (8 x 16-bit or 4 x fp32), the row held in registers so x is read from DRAM
// once, every load issued before the reduction, warp-shuffle reduction; rows of at most 256
// vectors take one warp each (four rows per block, no block barrier), longer rows one block each.
// Rows whose length or stride is not a multiple of the vector width use 1-element accesses.
// The variants differ only in LaunchShape: how many threads share a long row.
#pragma once
#include <algorithm>
#include <stdexcept>
#include <string>

#include "kernels/common/cuda_check.h"
#include "kernels/common/device_math.cuh"
#include "kernels/rmsnorm/rmsnorm_op.h"

namespace llmkb {
namespace rmsnorm_vec {

// How many threads share one long row: fewer threads means more 16-byte loads in flight per thread.
struct LaunchShape {
  int streaming_threads_per_row;  // grids of many rows (weight read after the reduction)
  int latency_threads_per_row;    // grids of at most kLatencyBoundRows rows (weight prefetched)
};

constexpr int kMaxVectorsPerThread = 8;
constexpr int kMaxThreadsPerRow = 512;  // with __launch_bounds__(512): up to 128 registers, no spills
constexpr int kWarpRowsPerBlock = 4;
// Grids of at most this many rows are latency-bound (decode): the weight is prefetched with the row.
constexpr int64_t kLatencyBoundRows = 64;
constexpr int kMaxPrefetchVectorsPerThread = 4;  // x, weight (and residual) in registers without spills

// kPrefetchWeight: load the weight with the row (one DRAM round trip; for small, latency-bound grids)
// instead of after the reduction (fewer registers, more warps; for streaming many rows).
template <class T, int kVecWidth, int kVectorsPerThread, bool kFusedAdd, bool kPrefetchWeight>
__global__ void __launch_bounds__(512)
    rmsnorm_vec_kernel(const T* __restrict__ x, T* __restrict__ residual, const T* __restrict__ weight,
                       T* __restrict__ y, int hidden, int64_t stride, int64_t tokens, int threads_per_row,
                       float eps, float weight_offset) {
  using V = Vec<T, kVecWidth>;
  const int lane = threadIdx.x % threads_per_row;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * (blockDim.x / threads_per_row) + threadIdx.x / threads_per_row;
  if (row >= tokens) return;  // only in one-warp-per-row mode, which has no block barrier
  const int vectors = hidden / kVecWidth;
  const int64_t row_start = row * stride;

  // Issue every load of the row (and, when prefetching, of the weight) before using any of them.
  V values[kVectorsPerThread];
  V weights[kPrefetchWeight ? kVectorsPerThread : 1];
  V residuals[kFusedAdd ? kVectorsPerThread : 1];
#pragma unroll
  for (int j = 0; j < kVectorsPerThread; ++j) {
    const int v = j * threads_per_row + lane;
    if (v < vectors) {
      values[j] = *reinterpret_cast<const V*>(x + row_start + static_cast<int64_t>(v) * kVecWidth);
      if constexpr (kFusedAdd) residuals[j] = *reinterpret_cast<const V*>(residual + row_start + static_cast<int64_t>(v) * kVecWidth);
      if constexpr (kPrefetchWeight) weights[j] = *reinterpret_cast<const V*>(weight + static_cast<int64_t>(v) * kVecWidth);
    }
  }

  float sum_squares = 0.f;
#pragma unroll
  for (int j = 0; j < kVectorsPerThread; ++j) {
    const int v = j * threads_per_row + lane;
    if (v < vectors) {
      if constexpr (kFusedAdd) {
#pragma unroll
        for (int k = 0; k < kVecWidth; ++k) values[j].v[k] = from_float<T>(to_float(values[j].v[k]) + to_float(residuals[j].v[k]));
        *reinterpret_cast<V*>(residual + row_start + static_cast<int64_t>(v) * kVecWidth) = values[j];
      }
#pragma unroll
      for (int k = 0; k < kVecWidth; ++k) {
        const float f = to_float(values[j].v[k]);
        sum_squares += f * f;
      }
    }
  }

  sum_squares = warp_sum(sum_squares);
  if (threads_per_row > 32) {  // one row per block: combine the warps' sums
    __shared__ float warp_sums[32];
    if (threadIdx.x % 32 == 0) warp_sums[threadIdx.x / 32] = sum_squares;
    __syncthreads();
    sum_squares = 0.f;
    for (int w = 0; w < static_cast<int>(blockDim.x / 32); ++w) sum_squares += warp_sums[w];
  }
  const float inv_rms = rsqrtf(sum_squares / static_cast<float>(hidden) + eps);

#pragma unroll
  for (int j = 0; j < kVectorsPerThread; ++j) {
    const int v = j * threads_per_row + lane;
    if (v < vectors) {
      const V w = kPrefetchWeight ? weights[kPrefetchWeight ? j : 0]
                                  : *reinterpret_cast<const V*>(weight + static_cast<int64_t>(v) * kVecWidth);
      V out;
#pragma unroll
      for (int k = 0; k < kVecWidth; ++k) {
        out.v[k] = from_float<T>(to_float(values[j].v[k]) * inv_rms * (to_float(w.v[k]) + weight_offset));
      }
      *reinterpret_cast<V*>(y + row_start + static_cast<int64_t>(v) * kVecWidth) = out;
    }
  }
}

inline int next_pow2(int v) {
  int p = 1;
  while (p < v) p <<= 1;
  return p;
}

inline int vector_width(const RmsNormProblem& p) {
  const int width = 16 / static_cast<int>(dtype_size(p.dtype));
  return (p.hidden % width == 0 && p.stride() % width == 0) ? width : 1;
}

inline Support supports(const RmsNormProblem& p) {
  if (!is_float(p.dtype)) return Support::no(std::string("dtype ") + to_string(p.dtype));
  if (p.hidden < 1 || p.tokens < 1) return Support::no("empty problem");
  if (p.stride() < p.hidden) return Support::no("row stride smaller than hidden");
  const int64_t capacity = static_cast<int64_t>(vector_width(p)) * kMaxVectorsPerThread * kMaxThreadsPerRow;
  if (p.hidden > capacity) {
    return Support::no("hidden " + std::to_string(p.hidden) + " exceeds the " + std::to_string(capacity) +
                       " elements a block holds in registers");
  }
  return Support::yes();
}

template <class T, int kVecWidth, bool kFusedAdd, bool kPrefetchWeight>
void launch_with_width(const RmsNormProblem& p, const RmsNormArgs& a, const LaunchShape& shape, cudaStream_t stream) {
  const int vectors = static_cast<int>(p.hidden / kVecWidth);
  const int target_threads_per_row = kPrefetchWeight ? shape.latency_threads_per_row : shape.streaming_threads_per_row;
  const int max_vectors_per_thread = kPrefetchWeight ? kMaxPrefetchVectorsPerThread : kMaxVectorsPerThread;
  int threads_per_row, vectors_per_thread, rows_per_block;
  if (vectors <= 32 * kMaxVectorsPerThread) {
    threads_per_row = 32;
    vectors_per_thread = next_pow2((vectors + 31) / 32);
    rows_per_block = kWarpRowsPerBlock;
  } else {
    vectors_per_thread =
        std::min(max_vectors_per_thread, next_pow2((vectors + target_threads_per_row - 1) / target_threads_per_row));
    threads_per_row = ((vectors + vectors_per_thread - 1) / vectors_per_thread + 31) / 32 * 32;
    rows_per_block = 1;
  }
  if (threads_per_row > kMaxThreadsPerRow) throw std::invalid_argument("rmsnorm/vec8: row too long for registers");
  const int threads = threads_per_row * rows_per_block;
  const unsigned blocks = static_cast<unsigned>((p.tokens + rows_per_block - 1) / rows_per_block);
  auto kernel = rmsnorm_vec_kernel<T, kVecWidth, 1, kFusedAdd, kPrefetchWeight>;
  switch (vectors_per_thread) {
    case 1: break;
    case 2: kernel = rmsnorm_vec_kernel<T, kVecWidth, 2, kFusedAdd, kPrefetchWeight>; break;
    case 4: kernel = rmsnorm_vec_kernel<T, kVecWidth, 4, kFusedAdd, kPrefetchWeight>; break;
    default: kernel = rmsnorm_vec_kernel<T, kVecWidth, kPrefetchWeight ? 4 : 8, kFusedAdd, kPrefetchWeight>; break;
  }
  kernel<<<blocks, threads, 0, stream>>>(static_cast<const T*>(a.x), static_cast<T*>(a.residual),
                                         static_cast<const T*>(a.weight), static_cast<T*>(a.y),
                                         static_cast<int>(p.hidden), p.stride(), p.tokens, threads_per_row, p.eps,
                                         p.gemma_weight ? 1.f : 0.f);
  LLMKB_CHECK_LAUNCH();
}

template <class T, int kVecWidth, bool kFusedAdd>
void launch_with_width(const RmsNormProblem& p, const RmsNormArgs& a, const LaunchShape& shape, cudaStream_t stream) {
  const int64_t vectors = p.hidden / kVecWidth;
  if (p.tokens <= kLatencyBoundRows && vectors <= int64_t{kMaxPrefetchVectorsPerThread} * kMaxThreadsPerRow) {
    launch_with_width<T, kVecWidth, kFusedAdd, true>(p, a, shape, stream);
  } else {
    launch_with_width<T, kVecWidth, kFusedAdd, false>(p, a, shape, stream);
  }
}

template <bool kFusedAdd>
void launch(const RmsNormProblem& p, const RmsNormArgs& a, const LaunchShape& shape, cudaStream_t stream) {
  const Support s = supports(p);
  if (!s.ok) throw std::invalid_argument("rmsnorm vector kernel: " + s.reason);
  dispatch_float_dtype(p.dtype, [&](auto tag) {
    using T = decltype(tag);
    const bool aligned = aligned16(a.x) && aligned16(a.weight) && aligned16(a.y) && (!kFusedAdd || aligned16(a.residual));
    if (vector_width(p) > 1 && aligned) {
      launch_with_width<T, kVec16<T>, kFusedAdd>(p, a, shape, stream);
    } else {
      launch_with_width<T, 1, kFusedAdd>(p, a, shape, stream);
    }
  });
}
}  // namespace rmsnorm_vec
}  // namespace llmkb
