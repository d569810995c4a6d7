// rope/vec: 16-byte accesses (a thread rotates kWidth pairs of a head from two vectors), each
// thread's cos/sin loaded straight into registers once per token and reused for every head it
// rotates. Prefill: a block holds every head of a token (2 heads per thread) and walks a few
// consecutive tokens, loading the next token's position while it rotates this one, so the
// position -> table row dependency costs one extra DRAM round trip per block, not per token.
// Decode (few tokens): a head-parallel grid, (token, group of heads) per block, one head per
// thread. Shapes with rotary_dim not a multiple of twice the vector width use 1-element accesses.
#include <algorithm>
#include <stdexcept>

#include "kernels/common/cuda_check.h"
#include "kernels/common/device_math.cuh"
#include "kernels/common/variant.h"
#include "kernels/rope/rope_op.h"

namespace llmkb {
namespace {

constexpr int kMaxThreadsPerBlock = 512;
constexpr int kDecodeThreadsPerBlock = 64;
// 2 heads a thread: under the 64-register cap below ptxas still issues every load of an iteration
// before the first rotation; with 3 (80 registers) it delays the later heads' loads until the
// first head is rotated, which serialises the DRAM round trips.
constexpr int kPrefillHeadsPerThread = 2;
constexpr int64_t kHeadParallelBelowTokens = 128;
// 65536 / (512 * 2) = 64 registers a thread, no spills (ptxas -v, sm_90a); a 288-thread block
// (72 heads) keeps 3 blocks resident per SM, a 160-thread one (40 heads) 6.
constexpr int kMinBlocksPerSm = 2;
// Prefill blocks walk up to this many consecutive tokens; fewer while that would leave fewer than
// kMinPrefillBlocks blocks (a few waves on a large GPU).
constexpr int64_t kMaxTokensPerBlock = 4;
constexpr int64_t kMinPrefillBlocks = 2048;

struct RopeVecParams {
  const int64_t* positions;
  const float* cos_sin;
  int64_t q_stride, k_stride;
  int64_t tokens;
  int q_heads, heads, head_dim, rotary_dim;
  int heads_per_block;   // blockDim.y * heads per thread
  int tokens_per_block;  // consecutive tokens of blockIdx.x
};

// cos[m], sin[m] of pairs first_pair .. first_pair + kWidth of the table row at `pos`; 16-byte
// loads when kWidth is a multiple of 4 (rotary_dim then a multiple of 8, the row 16-byte aligned).
template <int kWidth>
__device__ __forceinline__ void load_cos_sin(const RopeVecParams& p, int64_t pos, int first_pair, float (&c)[kWidth],
                                             float (&s)[kWidth]) {
  const float* row = p.cos_sin + pos * p.rotary_dim;
  const int half = p.rotary_dim / 2;
  if constexpr (kWidth % 4 == 0) {
#pragma unroll
    for (int m = 0; m < kWidth; m += 4) {
      const float4 cos4 = __ldg(reinterpret_cast<const float4*>(row + first_pair + m));
      const float4 sin4 = __ldg(reinterpret_cast<const float4*>(row + half + first_pair + m));
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
      c[m] = __ldg(row + first_pair + m);
      s[m] = __ldg(row + half + first_pair + m);
    }
  }
}

// blockDim.x = rotary_dim / (2 kWidth) chunks of a head; thread x rotates pairs x*kWidth .. +kWidth.
// NeoX: the pairs' first elements are one vector in the first half, the second elements one vector
// in the second half. GPT-J: the pairs are 2 kWidth consecutive elements, two adjacent vectors.
// Thread row y of block (bx, by) rotates heads by * heads_per_block + y + j * blockDim.y, j <
// kHeadsPerThread, of tokens bx * tokens_per_block .. + tokens_per_block.
template <class T, int kWidth, RopeLayout kLayout, int kHeadsPerThread>
__global__ void __launch_bounds__(kMaxThreadsPerBlock, kMinBlocksPerSm)
    rope_vec_kernel(RopeVecParams p, T* __restrict__ q, T* __restrict__ k) {
  using V = Vec<T, kWidth>;
  const int chunk = threadIdx.x;
  const int half = p.rotary_dim / 2;
  const int first = kLayout == RopeLayout::neox ? chunk * kWidth : chunk * 2 * kWidth;
  const int second = kLayout == RopeLayout::neox ? half + chunk * kWidth : chunk * 2 * kWidth + kWidth;

  // Where this thread's heads lie within a token of Q or K (the same for every token).
  // A thread past the last head reads the last head again (no branch around the rotation, which
  // lets the compiler convert and rotate one head at a time) and stores nothing.
  bool in_q[kHeadsPerThread], valid[kHeadsPerThread];
  int offset[kHeadsPerThread];
#pragma unroll
  for (int j = 0; j < kHeadsPerThread; ++j) {
    const int unclamped = blockIdx.y * p.heads_per_block + threadIdx.y + j * blockDim.y;
    const int h = min(unclamped, p.heads - 1);
    valid[j] = unclamped < p.heads;
    in_q[j] = h < p.q_heads;
    offset[j] = (in_q[j] ? h : h - p.q_heads) * p.head_dim;
  }

  const int64_t first_token = static_cast<int64_t>(blockIdx.x) * p.tokens_per_block;
  const int block_tokens = static_cast<int>(min(static_cast<int64_t>(p.tokens_per_block), p.tokens - first_token));
  int64_t pos = __ldg(p.positions + first_token);  // first: the table row waits on it
#pragma unroll 1
  for (int i = 0; i < block_tokens; ++i) {
    const int64_t token = first_token + i;
    // The head loads do not depend on the position: in source order before the table loads (ptxas
    // keeps that for one head a thread and interleaves them for two; all are issued before any use).
    T* heads[kHeadsPerThread];
    V a[kHeadsPerThread], b[kHeadsPerThread];
#pragma unroll
    for (int j = 0; j < kHeadsPerThread; ++j) {
      heads[j] = (in_q[j] ? q + token * p.q_stride : k + token * p.k_stride) + offset[j];
      a[j] = *reinterpret_cast<const V*>(heads[j] + first);
      b[j] = *reinterpret_cast<const V*>(heads[j] + second);
    }
    // The next token's position, so its table row need not wait for it.
    const int64_t next_pos = i + 1 < block_tokens ? __ldg(p.positions + token + 1) : 0;
    float c[kWidth], s[kWidth];
    load_cos_sin<kWidth>(p, pos, chunk * kWidth, c, s);

#pragma unroll
    for (int j = 0; j < kHeadsPerThread; ++j) {
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
      if (valid[j]) {
        *reinterpret_cast<V*>(heads[j] + first) = out_a;
        *reinterpret_cast<V*>(heads[j] + second) = out_b;
      }
    }
    pos = next_pos;
  }
}

struct LaunchShape {
  dim3 grid, block;
  int heads_per_block;
  int heads_per_thread;
  int tokens_per_block;
};

LaunchShape launch_shape(const RopeProblem& p, int width) {
  const int chunks = static_cast<int>(p.rotary_dim / (2 * width));
  const int heads = static_cast<int>(p.rotated_heads());
  LaunchShape shape;
  int rows;
  if (p.tokens < kHeadParallelBelowTokens) {
    shape.heads_per_thread = 1;
    shape.tokens_per_block = 1;
    rows = std::max(1, std::min(heads, kDecodeThreadsPerBlock / chunks));
  } else {
    // Every head of a token in one block (up to kMaxThreadsPerBlock threads), so no block is left
    // with a remainder of heads and a full block's threads.
    const int max_rows = std::max(1, kMaxThreadsPerBlock / chunks);
    shape.heads_per_thread = kPrefillHeadsPerThread;
    rows = std::min(max_rows, (heads + shape.heads_per_thread - 1) / shape.heads_per_thread);
    shape.tokens_per_block = static_cast<int>(std::clamp<int64_t>(p.tokens / kMinPrefillBlocks, 1, kMaxTokensPerBlock));
  }
  shape.heads_per_block = rows * shape.heads_per_thread;
  shape.block = dim3(static_cast<unsigned>(chunks), static_cast<unsigned>(rows));
  shape.grid = dim3(static_cast<unsigned>((p.tokens + shape.tokens_per_block - 1) / shape.tokens_per_block),
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
                             p.tokens,
                             static_cast<int>(p.q_heads),
                             static_cast<int>(p.rotated_heads()),
                             static_cast<int>(p.head_dim),
                             static_cast<int>(p.rotary_dim),
                             shape.heads_per_block,
                             shape.tokens_per_block};
  auto kernel = shape.heads_per_thread == 1 ? rope_vec_kernel<T, kWidth, kLayout, 1>
                                            : rope_vec_kernel<T, kWidth, kLayout, kPrefillHeadsPerThread>;
  kernel<<<shape.grid, shape.block, 0, stream>>>(params, static_cast<T*>(a.q), static_cast<T*>(a.k));
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
          "16-byte accesses, cos/sin in registers reused across heads, all heads of a few tokens per block with the next position prefetched, head-parallel grid for decode",
          75,
          false,
          supports,
          launch};
}

}  // namespace llmkb
