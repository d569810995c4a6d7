// The tensor-core quantised GEMV kernel (mul_mat_vec/q8_0_mma and q4_0_mma instantiate it; sm_80+).
// Chosen on an H200 (scripts/gemv_sweep.sh, llama3-8b) from 6 configurations: 8 warps x 16 rows with a
// 3-stage ring; a 2-stage ring (Q8_0), a 4-stage one (Q4_0) or 4 warps x 32 rows were no faster on the
// whole. Against the float-path q8_0_ring / q4_0_ring they are 1.7-3.3x faster at batch 8 and, for
// Q4_0, 4-10 % faster at batch 1; at batch 1 Q8_0 is 4-30 % slower than q8_0_ring.
//
// Idea: dequantise to what the tensor cores take exactly, not to floats. A Q8_0/Q4_0 quant q is an
// integer in -128..127, exact in fp16, so the 16 rows x 32 weights of one quantised block per row
// go through two mma.sync m16n8k16 as unscaled q (fp32 accumulation into a zeroed C), and the
// rows' scales are applied to the fp32 C fragment: acc += d[row] * C. The order of k inside a
// block is free as long as A and B agree; it is chosen so that lane (g = lane / 4, t = lane % 4)
// reads whole 32-bit words of quants, bytes 4t..4t+3 (Q8_0: also 16+4t..) of rows g and g + 8.
// With e the element of the 32-weight block, both formats use
//   first mma:  k slots 2t, 2t+1 <- e 4t, 4t+2     k slots 2t+8, 2t+9 <- e 4t+1, 4t+3
//   second mma: the same with e + 16
// Dequantisation is the fp16 magic number: a byte or nibble u under the exponent of 1024 is the
// half 1024 + u; one LOP3/PRMT makes a half2 of two of them, one HADD2/HFMA2 removes the bias:
//   Q8_0: bytes of q ^ 0x80808080 permuted next to 0x64 bytes: 1024 + q + 128, minus 1152
//   Q4_0: (w & 0x000F000F) | 0x64006400 = 1024 + n (elements 4t, 4t+2), minus 1032; with mask
//         0x00F000F0 the high nibbles (elements + 16) come scaled by 16: * 1/16 - 72; w >> 8 for
//         elements 4t+1, 4t+3.
// That is 5 instructions per 4 Q8_0 weights and 9 per 8 Q4_0 weights. The whole main loop (sm_90a,
// batch 1) issues about 2.7 (Q4_0) to 3.1 (Q8_0, f32 x) instructions per weight per lane, loads,
// mmas and scales included, where mul_mat_vec/q8_0_ring's float path issues about 8.
//
// Activations are the B operand (k x n8), prepared once per block in shared memory in fragment
// order: lane (g, t) finds its four B registers of a 32-weight block and column group in one
// 16-byte shared load, reused by every row tile of the warp. f16 activations: column n = batch b.
// f32 activations: fp16 would round them, so x = (hi + lo) / s with hi = fp16(x s),
// lo = fp16(x s - hi) and s a power of two per 32-element block and batch row, chosen so that the
// block's largest |x| s lies in [2^14, 2^15) (no overflow; lo normal near the largest elements).
// Columns 2b (hi) and 2b + 1 (lo): one mma per k16 serves batch <= 4, two serve batch <= 8; the lane
// holding C columns 2t, 2t+1 (batch t of its group) adds them and applies d * (1 / s). The split
// leaves each x within ~2^-22 of itself; products q * hi, q * lo are exact; sums are fp32.
//
// Weights: each warp owns kTiles x 16 rows of the block's tile and streams them through its own
// ring of kStages shared-memory stages with cp.async (as mul_mat_vec_stream.cuh does), kStages - 1
// stages in flight while it computes on the oldest. A stage holds kSteps steps of 256 weights
// (Q8_0 272 bytes, Q4_0 144 bytes: whole 16-byte chunks) of each row; two lanes copy a row, 32
// contiguous bytes per copy. The per-row stride in a stage is 4 mod 8 words, so the 8 rows g of a
// fragment load sit 4 * odd words apart: word t of each of them hits a different bank. In a 256-weight
// step, even blocks start word-aligned (their quants at 2 mod 4: two words funnel-shifted) and odd
// blocks at 2 mod 4 (their quants aligned), so the loop takes blocks in (even, odd) pairs.
// Split-K and its end as in the other GEMVs, with the block's row tile (kWarps x kTiles x 16 rows).
// Needs cols % 256 == 0 (whole steps, 16-byte aligned rows and slices), 16-byte aligned W and x.
//
// Knobs (QuantMmaConfig):
//   kWarps       warps per block, each with its own rows and ring
//   kTiles       16-row mma tiles per warp (they share each activation fragment load)
//   kStages      ring depth per warp; kStages - 1 stages of W in flight per warp
//   kSteps       256-weight steps per row per stage
//   kXSliceKiB   cap on the activation fragments of a slice (sets the split count with the batch)
//   kMinBlocks   blocks per SM the registers are capped for (__launch_bounds__)
#pragma once
#include <algorithm>
#include <string>
#include <type_traits>

#include "kernels/common/code_arch.h"
#include "kernels/common/dynamic_shared_memory.h"
#include "kernels/common/tile_primitives.cuh"
#include "kernels/gemv/gemv_device.cuh"
#include "kernels/gemv/mul_mat_vec_quant.cuh"

namespace llmkb {
namespace gemv {

template <int kWarps_, int kTiles_, int kStages_, int kSteps_, int kXSliceKiB_, int kMinBlocks_>
struct QuantMmaConfig {
  static_assert(kStages_ >= 2, "a ring of at least two stages");
  static_assert(kSteps_ >= 1 && kTiles_ >= 1 && kWarps_ >= 1, "at least one step, tile and warp");
  static constexpr int kWarps = kWarps_;
  static constexpr int kTiles = kTiles_;
  static constexpr int kStages = kStages_;
  static constexpr int kSteps = kSteps_;
  static constexpr int64_t kXSliceBytes = int64_t{kXSliceKiB_} * 1024;
  static constexpr int kMinBlocks = kMinBlocks_;
  static constexpr int kThreads = 32 * kWarps;
  static constexpr int kRowsPerWarp = 16 * kTiles;
  static constexpr int kRowsPerBlock = kWarps * kRowsPerWarp;
  static constexpr int kStageK = 256 * kSteps;  // weights per row per stage
};

// ---- fp16 pairs as 32-bit words ----

__device__ __forceinline__ uint32_t hadd2_bits(uint32_t a, uint32_t b) {
  const __half2 r = __hadd2(*reinterpret_cast<const __half2*>(&a), *reinterpret_cast<const __half2*>(&b));
  return *reinterpret_cast<const uint32_t*>(&r);
}

__device__ __forceinline__ uint32_t hfma2_bits(uint32_t a, uint32_t b, uint32_t c) {
  const __half2 r = __hfma2(*reinterpret_cast<const __half2*>(&a), *reinterpret_cast<const __half2*>(&b),
                            *reinterpret_cast<const __half2*>(&c));
  return *reinterpret_cast<const uint32_t*>(&r);
}

// (a & mask) | bits in one LOP3 (the compiler's own lowering of two immediates takes two).
__device__ __forceinline__ uint32_t and_or(uint32_t a, uint32_t mask, uint32_t bits) {
  uint32_t r;
  asm("lop3.b32 %0, %1, %2, %3, 0xEA;\n" : "=r"(r) : "r"(a), "r"(mask), "r"(bits));
  return r;
}

// Quant bytes 4i..4i+3 of the block at `block` (its fp16 scale first, then the quants). Blocks that
// start 2 mod 4 have their quants word-aligned; blocks that start word-aligned have them at 2 mod 4:
// two aligned words, funnel-shifted.
template <bool kQuantsAligned>
__device__ __forceinline__ uint32_t quant_word(const char* block, int i) {
  if constexpr (kQuantsAligned) {
    return *reinterpret_cast<const uint32_t*>(block + 2 + 4 * i);
  } else {
    const uint32_t* w = reinterpret_cast<const uint32_t*>(block + 4 * i);
    return __funnelshift_r(w[0], w[1], 16);
  }
}

__device__ __forceinline__ float block_scale(const char* block) {
  return __half2float(*reinterpret_cast<const __half*>(block));
}

// A fragments of one block for rows g (`row`) and g + 8 (`row8`): `first` covers e 4t..4t+3,
// `second` e 16+4t..16+4t+3, slots as in the header comment.
template <WeightFormat F>
struct MmaQuantFormat;

template <>
struct MmaQuantFormat<WeightFormat::q8_0> {
  static constexpr int kBlockBytes = 34;
  // (e, e + 2) and (e + 1, e + 3) of the word's 4 elements e..e+3, as exact fp16 q.
  __device__ static __forceinline__ void pairs(uint32_t q, uint32_t& even, uint32_t& odd) {
    const uint32_t biased = q ^ 0x80808080u;                                     // q + 128
    even = hadd2_bits(__byte_perm(biased, 0x64646464u, 0x4240u), 0xE480E480u);  // 1024 + q + 128 - 1152
    odd = hadd2_bits(__byte_perm(biased, 0x64646464u, 0x4341u), 0xE480E480u);
  }
  template <bool kQuantsAligned>
  __device__ static __forceinline__ void fragments(const char* row, const char* row8, int t, uint32_t (&first)[4],
                                                   uint32_t (&second)[4]) {
    pairs(quant_word<kQuantsAligned>(row, t), first[0], first[2]);
    pairs(quant_word<kQuantsAligned>(row8, t), first[1], first[3]);
    pairs(quant_word<kQuantsAligned>(row, t + 4), second[0], second[2]);
    pairs(quant_word<kQuantsAligned>(row8, t + 4), second[1], second[3]);
  }
};

template <>
struct MmaQuantFormat<WeightFormat::q4_0> {
  static constexpr int kBlockBytes = 18;
  // low: elements (e, e + 2), (e + 1, e + 3) of bytes e..e+3; high: the same + 16; exact fp16 n - 8.
  __device__ static __forceinline__ void pairs(uint32_t q, uint32_t (&low)[2], uint32_t (&high)[2]) {
    const uint32_t q8 = q >> 8;
    low[0] = hadd2_bits(and_or(q, 0x000F000Fu, 0x64006400u), 0xE408E408u);  // 1024 + n - 1032
    low[1] = hadd2_bits(and_or(q8, 0x000F000Fu, 0x64006400u), 0xE408E408u);
    high[0] = hfma2_bits(and_or(q, 0x00F000F0u, 0x64006400u), 0x2C002C00u, 0xD480D480u);  // (1024 + 16 n) / 16 - 72
    high[1] = hfma2_bits(and_or(q8, 0x00F000F0u, 0x64006400u), 0x2C002C00u, 0xD480D480u);
  }
  template <bool kQuantsAligned>
  __device__ static __forceinline__ void fragments(const char* row, const char* row8, int t, uint32_t (&first)[4],
                                                   uint32_t (&second)[4]) {
    uint32_t low[2], high[2], low8[2], high8[2];
    pairs(quant_word<kQuantsAligned>(row, t), low, high);
    pairs(quant_word<kQuantsAligned>(row8, t), low8, high8);
    first[0] = low[0];
    first[1] = low8[0];
    first[2] = low[1];
    first[3] = low8[1];
    second[0] = high[0];
    second[1] = high8[0];
    second[2] = high[1];
    second[3] = high8[1];
  }
};

// Shared-memory layout of one warp's ring.
template <WeightFormat F, class Cfg>
struct QuantMmaRing {
  static constexpr int kStepBytes = 8 * MmaQuantFormat<F>::kBlockBytes;  // 272 / 144: whole 16-byte chunks
  static_assert(kStepBytes % 16 == 0, "a step is whole 16-byte chunks");
  static constexpr int kRowChunks = Cfg::kSteps * kStepBytes / 16;  // copied per row per stage
  // Row stride: whole chunks, an odd number of them (4 mod 8 words: rows g = 0..7 on distinct banks).
  static constexpr int kRowStride = 16 * (kRowChunks | 1);
  static constexpr int kWarpStageBytes = Cfg::kRowsPerWarp * kRowStride;
  static constexpr int kCopyRounds = (kRowChunks + 1) / 2;  // per lane per tile per stage: 2 lanes a row
  static constexpr size_t kBytes = static_cast<size_t>(Cfg::kWarps) * Cfg::kStages * kWarpStageBytes;
};

// The activation fragments of a slice in shared memory: for 32-weight block kb, column n, lane t,
// 16 bytes at ((kb * kCols + n) * 4 + t) * 16 holding the B registers of both mmas:
// {(e 4t, 4t+2), (4t+1, 4t+3), (16+4t, 18+4t), (17+4t, 19+4t)}; for f32, then 1 / s per (kb, b).
template <class TX, int B>
struct MmaActivations {
  static constexpr bool kSplit = std::is_same_v<TX, float>;  // hi / lo columns
  static_assert(kSplit || std::is_same_v<TX, __half>, "f32 or f16 activations");
  static constexpr int kCols = kSplit ? 2 * B : B;   // B-operand columns in use
  static constexpr int kGroups = (kCols + 7) / 8;    // n8 column groups: mmas per k16
  static constexpr int kBlockBytes = kCols * 64;     // fragments of one 32-weight block
  static constexpr int kScaleBytes = kSplit ? 4 * B : 0;
  static constexpr size_t bytes(int64_t len) {
    return static_cast<size_t>(len / kQuantBlockWeights) * (kBlockBytes + kScaleBytes);
  }
};

// Writes the fragments of x[b, k_begin : k_begin + len) for b < B (len % 256 == 0; rows 16-byte
// aligned). Thread unit (kb, b, t), t fastest: 8 elements, 4t..4t+3 and 16+4t..16+4t+3 of block kb;
// for f32 the 4 lanes of a block (adjacent) share its largest |x| by two shuffles.
template <class TX, int B>
__device__ __forceinline__ void stage_x_fragments(const Params& p, int64_t k_begin, int len, char* frag,
                                                  float* inv_scale) {
  using X = MmaActivations<TX, B>;
  const int units = len / kQuantBlockWeights * B * 4;  // a multiple of 32
  for (int first = 0; first < units; first += blockDim.x) {  // uniform trip count: full-warp shuffles
    const int u = first + static_cast<int>(threadIdx.x);
    const bool active = u < units;
    const int t = u & 3, b = (u >> 2) % B, kb = (u >> 2) / B;
    const TX* x = static_cast<const TX*>(p.x) + b * p.cols + k_begin + kb * kQuantBlockWeights + 4 * t;
    char* out = frag + ((kb * X::kCols + (X::kSplit ? 2 * b : b)) * 4 + t) * 16;
    if constexpr (X::kSplit) {
      float v[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
      if (active) {
        const float4 a = *reinterpret_cast<const float4*>(x);
        const float4 c = *reinterpret_cast<const float4*>(x + 16);
        v[0] = a.x, v[1] = a.y, v[2] = a.z, v[3] = a.w, v[4] = c.x, v[5] = c.y, v[6] = c.z, v[7] = c.w;
      }
      float largest = 0.f;
#pragma unroll
      for (int i = 0; i < 8; ++i) largest = fmaxf(largest, fabsf(v[i]));
      largest = fmaxf(largest, __shfl_xor_sync(0xffffffffu, largest, 1));
      largest = fmaxf(largest, __shfl_xor_sync(0xffffffffu, largest, 2));
      // largest in [2^E, 2^(E+1)), biased exponent E + 127: s = 2^(14 - E), biased 141 - E, capped at
      // 2^126 (zero or tiny blocks) so that 1 / s stays a normal float.
      const int s_bits = min(253, 268 - static_cast<int>(__float_as_uint(largest) >> 23));
      const float s = __uint_as_float(static_cast<uint32_t>(s_bits) << 23);
      const float inv_s = __uint_as_float(static_cast<uint32_t>(254 - s_bits) << 23);
      constexpr int kPair[4][2] = {{0, 2}, {1, 3}, {4, 6}, {5, 7}};
      uint4 hi, lo;
      uint32_t* hi_words = reinterpret_cast<uint32_t*>(&hi);
      uint32_t* lo_words = reinterpret_cast<uint32_t*>(&lo);
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const float e0 = v[kPair[i][0]] * s, e1 = v[kPair[i][1]] * s;  // exact: powers of two
        hi_words[i] = pack2<__half>(e0, e1);
        const float2 back = __half22float2(*reinterpret_cast<const __half2*>(&hi_words[i]));
        lo_words[i] = pack2<__half>(e0 - back.x, e1 - back.y);  // the differences are exact in fp32
      }
      if (active) {
        *reinterpret_cast<uint4*>(out) = hi;
        *reinterpret_cast<uint4*>(out + 64) = lo;  // column 2b + 1
        if (t == 0) inv_scale[kb * B + b] = inv_s;
      }
    } else {
      if (active) {
        const uint2 a = *reinterpret_cast<const uint2*>(x);       // e 4t..4t+3
        const uint2 c = *reinterpret_cast<const uint2*>(x + 16);  // e 16+4t..
        *reinterpret_cast<uint4*>(out) = make_uint4(__byte_perm(a.x, a.y, 0x5410u), __byte_perm(a.x, a.y, 0x7632u),
                                                    __byte_perm(c.x, c.y, 0x5410u), __byte_perm(c.x, c.y, 0x7632u));
      }
    }
  }
}

// acc[tile][group][i]: f16 activations (one group): i = 2 * (row half) + j holds row g + 8 * (i / 2),
// batch 2t + j; f32: i = row half, batch 4 * group + t (hi and lo already added).
template <class TX, int B, int kTiles>
struct MmaAccumulators {
  using X = MmaActivations<TX, B>;
  static constexpr int kPerGroup = X::kSplit ? 2 : 4;
  float v[kTiles][X::kGroups][kPerGroup];
};

// One quantised block of every tile of the warp: the two mmas per column group, then the scales.
// `block` is the block in row g of tile 0; `kb` its 32-weight block in the slice.
template <WeightFormat F, class TX, int B, class Cfg, bool kQuantsAligned>
__device__ __forceinline__ void mma_block(const char* block, int kb, const char* frag, const float* inv_scale,
                                          int g, int t, MmaAccumulators<TX, B, Cfg::kTiles>& acc) {
  using X = MmaActivations<TX, B>;
  using Ring = QuantMmaRing<F, Cfg>;
  uint4 x[X::kGroups];
  float inv_s[X::kGroups];
#pragma unroll
  for (int c = 0; c < X::kGroups; ++c) {
    // Columns past the batch repeat the last one: their C columns are never used.
    x[c] = *reinterpret_cast<const uint4*>(frag + ((kb * X::kCols + min(8 * c + g, X::kCols - 1)) * 4 + t) * 16);
    if constexpr (X::kSplit) inv_s[c] = inv_scale[kb * B + min(4 * c + t, B - 1)];
  }
#pragma unroll
  for (int tile = 0; tile < Cfg::kTiles; ++tile) {
    const char* row = block + tile * 16 * Ring::kRowStride;
    const char* row8 = row + 8 * Ring::kRowStride;
    uint32_t first[4], second[4];
    MmaQuantFormat<F>::template fragments<kQuantsAligned>(row, row8, t, first, second);
    const float d = block_scale(row), d8 = block_scale(row8);
#pragma unroll
    for (int c = 0; c < X::kGroups; ++c) {
      float sum[4];
      MmaM16N8K16<__half>::product(sum, first, x[c].x, x[c].y);
      MmaM16N8K16<__half>::run(sum, second, x[c].z, x[c].w);
      float* a = acc.v[tile][c];
      if constexpr (X::kSplit) {
        a[0] = fmaf(d * inv_s[c], sum[0] + sum[1], a[0]);
        a[1] = fmaf(d8 * inv_s[c], sum[2] + sum[3], a[1]);
      } else {
        a[0] = fmaf(d, sum[0], a[0]);
        a[1] = fmaf(d, sum[1], a[1]);
        a[2] = fmaf(d8, sum[2], a[2]);
        a[3] = fmaf(d8, sum[3], a[3]);
      }
    }
  }
}

template <WeightFormat F, class TX, int B, class Cfg>
__global__ void __launch_bounds__(Cfg::kThreads, Cfg::kMinBlocks) mul_mat_vec_quant_mma_kernel(const Params p) {
#if LLMKB_SM80
  using Format = MmaQuantFormat<F>;
  using Ring = QuantMmaRing<F, Cfg>;
  using X = MmaActivations<TX, B>;
  constexpr int kStages = Cfg::kStages, kSteps = Cfg::kSteps;
  extern __shared__ __align__(16) char smem[];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / 4, t = lane % 4;
  char* ring = smem + warp * kStages * Ring::kWarpStageBytes;
  char* frag = smem + Ring::kBytes;

  const int64_t k_begin = static_cast<int64_t>(blockIdx.y) * p.k_slice;
  const int len = static_cast<int>(min(p.k_slice, p.cols - k_begin));  // a multiple of 256
  const int steps = len / 256;
  const int stages = (steps + kSteps - 1) / kSteps;
  float* inv_scale = reinterpret_cast<float*>(frag + len / kQuantBlockWeights * X::kBlockBytes);
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * Cfg::kRowsPerBlock + warp * Cfg::kRowsPerWarp;

  // Copies: lane l takes row l / 2 of each tile, chunks l % 2, l % 2 + 2, ... (32 contiguous bytes
  // per lane pair). Rows past M (last row tile only) re-read row M-1 and are never stored.
  const int half = lane % 2;
  const char* src[Cfg::kTiles];
#pragma unroll
  for (int tile = 0; tile < Cfg::kTiles; ++tile) {
    src[tile] = static_cast<const char*>(p.w) + min(row0 + 16 * tile + lane / 2, p.rows - 1) * p.w_row_bytes +
                k_begin / 256 * Ring::kStepBytes + 16 * half;
  }
  const int dst = (lane / 2) * Ring::kRowStride + 16 * half;
  // Copies stage s into its ring slot. Uniform in the warp: the number of steps in the stage.
  auto issue = [&](int s) {
    char* slot = ring + (s % kStages) * Ring::kWarpStageBytes + dst;
    const int64_t offset = static_cast<int64_t>(s) * kSteps * Ring::kStepBytes;
    const int chunks = min(kSteps, steps - s * kSteps) * (Ring::kStepBytes / 16);
#pragma unroll
    for (int tile = 0; tile < Cfg::kTiles; ++tile) {
#pragma unroll
      for (int i = 0; i < Ring::kCopyRounds; ++i) {
        if (2 * i + half < chunks) copy16<true>(slot + tile * 16 * Ring::kRowStride + 32 * i, src[tile] + offset + 32 * i, true);
      }
    }
  };

  // Prologue: the first kStages - 1 stages in flight, then the activation fragments, which overlap them.
  using CopyRing = CpAsyncRing<true, kStages>;
  auto issue_stage = [&](int s) {
    if (s < stages) issue(s);
  };
  CopyRing::prologue(issue_stage);
  stage_x_fragments<TX, B>(p, k_begin, len, frag, inv_scale);
  __syncthreads();

  MmaAccumulators<TX, B, Cfg::kTiles> acc;
#pragma unroll
  for (int tile = 0; tile < Cfg::kTiles; ++tile) {
#pragma unroll
    for (int c = 0; c < X::kGroups; ++c) {
#pragma unroll
      for (int i = 0; i < MmaAccumulators<TX, B, Cfg::kTiles>::kPerGroup; ++i) acc.v[tile][c][i] = 0.f;
    }
  }

  for (int s = 0; s < stages; ++s) {
    CopyRing::advance(s, issue_stage);
    const char* stage = ring + (s % kStages) * Ring::kWarpStageBytes + g * Ring::kRowStride;
#pragma unroll
    for (int u = 0; u < kSteps; ++u) {
      const int step = s * kSteps + u;
      if (step < steps) {
        const char* blocks = stage + u * Ring::kStepBytes;
#pragma unroll
        for (int j = 0; j < 8; j += 2) {  // (word-aligned block, block at 2 mod 4)
          mma_block<F, TX, B, Cfg, false>(blocks + j * Format::kBlockBytes, step * 8 + j, frag, inv_scale, g, t, acc);
          mma_block<F, TX, B, Cfg, true>(blocks + (j + 1) * Format::kBlockBytes, step * 8 + j + 1, frag, inv_scale,
                                         g, t, acc);
        }
      }
    }
  }
  cp_async_wait<true, 0>();  // nothing left in flight at exit (all groups past the last stage are empty)

  // Each (row, batch) sum is held by exactly one lane.
#pragma unroll
  for (int tile = 0; tile < Cfg::kTiles; ++tile) {
#pragma unroll
    for (int c = 0; c < X::kGroups; ++c) {
#pragma unroll
      for (int i = 0; i < MmaAccumulators<TX, B, Cfg::kTiles>::kPerGroup; ++i) {
        const int64_t row = row0 + 16 * tile + g + 8 * (X::kSplit ? i : i / 2);
        const int b = X::kSplit ? 4 * c + t : 2 * t + i % 2;
        if (b < B && row < p.rows) {
          if (p.splits == 1) {
            p.y[b * p.rows + row] = acc.v[tile][c][i];
          } else {
            p.partials[(static_cast<int64_t>(blockIdx.y) * B + b) * p.rows + row] = acc.v[tile][c][i];
          }
        }
      }
    }
  }
  finish_split_k<B, Cfg::kRowsPerBlock>(p);
#else
  __trap();  // sm_80+ only (mma.sync m16n8k16, cp.async): min_sm and the launcher keep this from running
#endif
}

template <WeightFormat F, class TX, class Cfg>
void launch_quant_mma_typed(const char* name, const MulMatVecProblem& p, const MulMatVecArgs& a,
                            cudaStream_t stream) {
  using Ring = QuantMmaRing<F, Cfg>;
  Params params = make_params(p, a, weight_row_bytes(p.weight, p.cols));
  dispatch_batch(p.batch, [&](auto batch) {
    constexpr int B = decltype(batch)::value;
    using X = MmaActivations<TX, B>;
    auto kernel = mul_mat_vec_quant_mma_kernel<F, TX, B, Cfg>;
    // The largest slice plan_split_k may choose (its cap on activation bytes, at least one stage),
    // and the shared memory it needs: the rings and the slice's fragments.
    constexpr int64_t kXBytesPerK = int64_t{B} * static_cast<int64_t>(sizeof(TX));
    constexpr int64_t kMaxSlice =
        std::max<int64_t>(Cfg::kStageK, Cfg::kXSliceBytes / kXBytesPerK / Cfg::kStageK * Cfg::kStageK);
    constexpr size_t kMaxSmem = Ring::kBytes + X::bytes(kMaxSlice);
    static const int smem_limit = max_shared_bytes_per_block();  // e.g. 99 KB on sm_86/89, 227 KB on sm_90
    if (kMaxSmem > static_cast<size_t>(smem_limit)) {
      throw std::invalid_argument(std::string(name) + ": needs " + std::to_string(kMaxSmem) +
                                  " bytes of shared memory per block, the device allows " + std::to_string(smem_limit));
    }
    allow_dynamic_shared_memory(reinterpret_cast<const void*>(kernel), kMaxSmem);
    const int resident = resident_blocks_per_sm(reinterpret_cast<const void*>(kernel), Cfg::kThreads, kMaxSmem);
    plan_split_k(params, B, static_cast<int64_t>(sizeof(TX)), Cfg::kStageK, /*min_slice_steps=*/1, resident,
                 Cfg::kXSliceBytes, Cfg::kRowsPerBlock);
    kernel<<<grid_of(params, Cfg::kRowsPerBlock), Cfg::kThreads, Ring::kBytes + X::bytes(params.k_slice), stream>>>(
        params);
  });
  LLMKB_CHECK_LAUNCH();
}

// Q8_0 / Q4_0 weights, f32 or f16 activations, sm_80+.
template <WeightFormat F, class Cfg>
void launch_quant_mma(const char* name, const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  const Support s = quant_kernel_supports(p, F);
  if (!s.ok) throw std::invalid_argument(std::string(name) + ": " + s.reason);
  if (!aligned16(a.w) || !aligned16(a.x)) throw std::invalid_argument(std::string(name) + ": w or x not 16-byte aligned");
  static const int cc = runnable_sm();  // the tensor-core kernels are traps in code below sm_80
  if (cc < 80) throw std::invalid_argument(std::string(name) + ": needs sm_80 or newer (mma.sync m16n8k16, cp.async)");
  if (p.activation == DType::f32) {
    launch_quant_mma_typed<F, float, Cfg>(name, p, a, stream);
  } else {
    launch_quant_mma_typed<F, __half, Cfg>(name, p, a, stream);
  }
}

}  // namespace gemv
}  // namespace llmkb
