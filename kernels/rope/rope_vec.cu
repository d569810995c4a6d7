// rope/vec: 16-byte accesses (a thread rotates kWidth pairs of a head from two vectors); each
// block reads its token's cos/sin row from global memory once into shared memory, and every head of
// Q and K in the block rotates with it. Prefill: one block per token with every head, two heads per
// thread. Decode (few tokens): a head-parallel grid, (token, group of heads) per block, one head per
// thread. Shapes with rotary_dim not a multiple of twice the vector width use 1-element accesses.
#include <algorithm>

#include "kernels/common/cuda_check.h"
#include "kernels/common/device_math.cuh"
#include "kernels/common/variant.h"
#include "kernels/rope/rope_op.h"

namespace llmkb {
namespace {

constexpr int kMaxThreadsPerBlock = 256;
constexpr int kDecodeThreadsPerBlock = 64;
constexpr int kPrefillHeadsPerThread = 2;
constexpr int64_t kHeadParallelBelowTokens = 128;

struct RopeVecParams {
  const int64_t* positions;
  const float* cos_sin;
  int64_t q_stride, k_stride;
  int q_heads, heads, head_dim, rotary_dim;
  int heads_per_block;  // blockDim.y * heads per thread
};

// Copies the cos/sin row of `token` ([rotary_dim] floats) into shared memory, every thread of the
// block taking part; 16-byte accesses when kVectorized (rotary_dim a multiple of 8, row 16-byte aligned).
template <bool kVectorized>
__device__ __forceinline__ void load_table_row(const RopeVecParams& p, int64_t token, float* row_out) {
  const int thread = threadIdx.y * blockDim.x + threadIdx.x;
  const int threads = blockDim.x * blockDim.y;
  const float* row = p.cos_sin + p.positions[token] * p.rotary_dim;
  if constexpr (kVectorized) {
    for (int i = thread; i < p.rotary_dim / 4; i += threads) {
      reinterpret_cast<float4*>(row_out)[i] = reinterpret_cast<const float4*>(row)[i];
    }
  } else {
    for (int i = thread; i < p.rotary_dim; i += threads) row_out[i] = row[i];
  }
}

// blockDim.x = rotary_dim / (2 kWidth) chunks of a head; thread x rotates pairs x*kWidth .. +kWidth.
// NeoX: the pairs' first elements are one vector in the first half, the second elements one vector
// in the second half. GPT-J: the pairs are 2 kWidth consecutive elements, two adjacent vectors.
// Dynamic shared memory: rotary_dim floats.
template <class T, int kWidth, RopeLayout kLayout, int kHeadsPerThread>
__global__ void __launch_bounds__(kMaxThreadsPerBlock)
    rope_vec_kernel(RopeVecParams p, T* __restrict__ q, T* __restrict__ k) {
  using V = Vec<T, kWidth>;
  const int64_t token = blockIdx.x;
  const int chunk = threadIdx.x;
  const int half = p.rotary_dim / 2;
  const int first = kLayout == RopeLayout::neox ? chunk * kWidth : chunk * 2 * kWidth;
  const int second = kLayout == RopeLayout::neox ? half + chunk * kWidth : chunk * 2 * kWidth + kWidth;

  // Issue the head loads first: they do not depend on the position.
  V a[kHeadsPerThread], b[kHeadsPerThread];
  T* heads[kHeadsPerThread];
#pragma unroll
  for (int j = 0; j < kHeadsPerThread; ++j) {
    const int h = blockIdx.y * p.heads_per_block + threadIdx.y + j * blockDim.y;
    heads[j] = nullptr;
    if (h < p.heads) {
      heads[j] = h < p.q_heads ? q + token * p.q_stride + static_cast<int64_t>(h) * p.head_dim
                               : k + token * p.k_stride + static_cast<int64_t>(h - p.q_heads) * p.head_dim;
      a[j] = *reinterpret_cast<const V*>(heads[j] + first);
      b[j] = *reinterpret_cast<const V*>(heads[j] + second);
    }
  }

  extern __shared__ float4 shared_table_row[];  // cos, then sin
  float* table_row = reinterpret_cast<float*>(shared_table_row);
  load_table_row<(kWidth > 1)>(p, token, table_row);
  __syncthreads();
  float c[kWidth], s[kWidth];
  if constexpr (kWidth % 4 == 0) {  // 16-byte shared loads (half is a multiple of 4 here)
#pragma unroll
    for (int m = 0; m < kWidth; m += 4) {
      const float4 cos4 = shared_table_row[(chunk * kWidth + m) / 4];
      const float4 sin4 = shared_table_row[(half + chunk * kWidth + m) / 4];
      c[m] = cos4.x;
      c[m + 1] = cos4.y;
      c[m + 2] = cos4.z;
      c[m + 3] = cos4.w;
      s[m] = sin4.x;
      s[m + 1] = sin4.y;
      s[m + 2] = sin4.z;
      s[m + 3] = sin4.w;
    }
  } else {
#pragma unroll
    for (int m = 0; m < kWidth; ++m) {
      c[m] = table_row[chunk * kWidth + m];
      s[m] = table_row[half + chunk * kWidth + m];
    }
  }

#pragma unroll
  for (int j = 0; j < kHeadsPerThread; ++j) {
    if (heads[j] == nullptr) continue;
    // e[0 .. 2 kWidth): a then b. Pair m is (e[m], e[kWidth + m]) for NeoX, (e[2m], e[2m + 1])
    // for GPT-J; with kWidth == 1 both are (a, b).
    float e[2 * kWidth];
#pragma unroll
    for (int m = 0; m < kWidth; ++m) {
      e[m] = to_float(a[j].v[m]);
      e[kWidth + m] = to_float(b[j].v[m]);
    }
    float r[2 * kWidth];
#pragma unroll
    for (int m = 0; m < kWidth; ++m) {
      const int i1 = (kLayout == RopeLayout::neox || kWidth == 1) ? m : 2 * m;
      const int i2 = (kLayout == RopeLayout::neox || kWidth == 1) ? kWidth + m : 2 * m + 1;
      r[i1] = e[i1] * c[m] - e[i2] * s[m];
      r[i2] = e[i2] * c[m] + e[i1] * s[m];
    }
    V out_a, out_b;
#pragma unroll
    for (int m = 0; m < kWidth; ++m) {
      out_a.v[m] = from_float<T>(r[m]);
      out_b.v[m] = from_float<T>(r[kWidth + m]);
    }
    *reinterpret_cast<V*>(heads[j] + first) = out_a;
    *reinterpret_cast<V*>(heads[j] + second) = out_b;
  }
}

struct LaunchShape {
  dim3 grid, block;
  int heads_per_block;
  int heads_per_thread;
};

LaunchShape launch_shape(const RopeProblem& p, int width) {
  const int chunks = static_cast<int>(p.rotary_dim / (2 * width));
  const int heads = static_cast<int>(p.rotated_heads());
  LaunchShape shape;
  int rows;
  if (p.tokens < kHeadParallelBelowTokens) {
    shape.heads_per_thread = 1;
    rows = std::max(1, std::min(heads, kDecodeThreadsPerBlock / chunks));
  } else {
    shape.heads_per_thread = kPrefillHeadsPerThread;
    const int rows_for_all_heads = (heads + kPrefillHeadsPerThread - 1) / kPrefillHeadsPerThread;
    rows = std::max(1, std::min(rows_for_all_heads, kMaxThreadsPerBlock / chunks));
  }
  shape.heads_per_block = rows * shape.heads_per_thread;
  shape.block = dim3(static_cast<unsigned>(chunks), static_cast<unsigned>(rows));
  shape.grid = dim3(static_cast<unsigned>(p.tokens),
                    static_cast<unsigned>((heads + shape.heads_per_block - 1) / shape.heads_per_block));
  return shape;
}

template <class T>
int vector_width(const RopeProblem& p) {
  const int width = kVec16<T>;
  return (p.rotary_dim % (2 * width) == 0 && p.head_dim % width == 0) ? width : 1;
}

int vector_width(const RopeProblem& p) {
  int width = 1;
  dispatch_float_dtype(p.dtype, [&](auto tag) { width = vector_width<decltype(tag)>(p); });
  return width;
}

Support supports(const RopeProblem& p) {
  const Support valid = check_rope_problem(p);
  if (!valid.ok) return valid;
  const int64_t chunks = p.rotary_dim / (2 * vector_width(p));
  if (chunks > kMaxThreadsPerBlock) {
    return Support::no("rotary_dim " + std::to_string(p.rotary_dim) + " needs more than " +
                       std::to_string(kMaxThreadsPerBlock) + " threads per head");
  }
  if (p.tokens > 2147483647) return Support::no("more than 2^31-1 tokens");
  if (p.rotated_heads() > 65535) return Support::no("more than 65535 heads");
  if (p.rotated_heads() > 2147483647 / p.head_dim) return Support::no("heads * head_dim exceeds 2^31-1");
  return Support::yes();
}

template <class T, int kWidth, RopeLayout kLayout>
void launch_with(const RopeProblem& p, const RopeArgs& a, cudaStream_t stream) {
  const LaunchShape shape = launch_shape(p, kWidth);
  const RopeVecParams params{a.positions,
                             a.cos_sin,
                             a.q_stride,
                             a.k_stride,
                             static_cast<int>(p.q_heads),
                             static_cast<int>(p.rotated_heads()),
                             static_cast<int>(p.head_dim),
                             static_cast<int>(p.rotary_dim),
                             shape.heads_per_block};
  auto kernel = shape.heads_per_thread == 1 ? rope_vec_kernel<T, kWidth, kLayout, 1>
                                            : rope_vec_kernel<T, kWidth, kLayout, kPrefillHeadsPerThread>;
  const size_t shared_bytes = static_cast<size_t>(p.rotary_dim) * sizeof(float);
  kernel<<<shape.grid, shape.block, shared_bytes, stream>>>(params, static_cast<T*>(a.q), static_cast<T*>(a.k));
  LLMKB_CHECK_LAUNCH();
}

void launch(const RopeProblem& p, const RopeArgs& a, cudaStream_t stream) {
  const Support s = supports(p);
  if (!s.ok) throw std::invalid_argument("rope/vec: " + s.reason);
  dispatch_float_dtype(p.dtype, [&](auto tag) {
    using T = decltype(tag);
    constexpr int kWide = kVec16<T>;
    const bool aligned = aligned16(a.q) && aligned16(a.k) && aligned16(a.cos_sin);
    const bool wide = vector_width<T>(p) == kWide && aligned;
    if (p.layout == RopeLayout::neox) {
      if (wide) {
        launch_with<T, kWide, RopeLayout::neox>(p, a, stream);
      } else {
        launch_with<T, 1, RopeLayout::neox>(p, a, stream);
      }
    } else {
      if (wide) {
        launch_with<T, kWide, RopeLayout::gptj>(p, a, stream);
      } else {
        launch_with<T, 1, RopeLayout::gptj>(p, a, stream);
      }
    }
  });
}

}  // namespace

Variant<RopeOp> rope_vec() {
  return {"rope/vec",
          "16-byte accesses, cos/sin loaded once per token and reused across heads, head-parallel grid for decode",
          75,
          false,
          supports,
          launch};
}

}  // namespace llmkb
