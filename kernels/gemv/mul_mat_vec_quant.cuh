// The Q8_0 / Q4_0 GEMV kernel (mul_mat_vec/q8_0 and mul_mat_vec/q4_0 instantiate it).
//
// Same block as mul_mat_vec/fast on long rows (8 warps x 4 rows, split-K, activation slice in shared memory).
// A step covers 32 quantised blocks of each of the warp's 4 rows: 1088 (Q8_0) or 576 (Q4_0)
// contiguous, 16-byte aligned bytes per row (rows start aligned when cols is a multiple of 256).
// The warp reads them with coalesced 16-byte streaming loads (4 rows x 1 step for Q8_0, x 2 steps
// for Q4_0 in flight together),
// then passes them through a per-warp shared buffer so that lane l holds block l (its 17 or 9
// halfwords regrouped with funnel shifts). Weights are dequantised in registers: a byte (or
// nibble) is placed under the exponent of 2^23 with one byte permute and turned into an exact
// float q with one subtraction; the block's sum of q * x is scaled by d once.
#pragma once
#include "kernels/gemv/gemv_device.cuh"
#include "kernels/gemv/quantize.h"

namespace llmkb {
namespace gemv {

template <WeightFormat F>
struct QuantFormat;

template <>
struct QuantFormat<WeightFormat::q8_0> {
  static constexpr int kBlockBytes = 34;
  static constexpr int kWords = 8;          // 32-bit words of quants
  static constexpr int kStepsInFlight = 1;  // 4 rows x 1088 bytes of loads in flight per warp
  // Elements 4g .. 4g+3: bytes of word g, signed.
  __device__ static __forceinline__ void group(const uint32_t (&qs)[kWords], int g, float (&out)[4]) {
    const uint32_t biased = qs[g] ^ 0x80808080u;  // q + 128, unsigned
#pragma unroll
    for (int j = 0; j < 4; ++j) out[j] = __int_as_float(__byte_perm(biased, 0x4B000000u, 0x7540u + j)) - 8388736.0f;
  }
};

template <>
struct QuantFormat<WeightFormat::q4_0> {
  static constexpr int kBlockBytes = 18;
  static constexpr int kWords = 4;
  static constexpr int kStepsInFlight = 2;  // 2 steps x 4 rows x 576 bytes in flight per warp
  // Elements 4g .. 4g+3: low nibbles of word g (g < 4), high nibbles of word g - 4 (elements 16..31).
  __device__ static __forceinline__ void group(const uint32_t (&qs)[kWords], int g, float (&out)[4]) {
    const uint32_t nibbles = (g < 4 ? qs[g & 3] : qs[g & 3] >> 4) & 0x0F0F0F0Fu;
#pragma unroll
    for (int j = 0; j < 4; ++j) out[j] = __int_as_float(__byte_perm(nibbles, 0x4B000000u, 0x7540u + j)) - 8388616.0f;
  }
};

// Block j of a step held in shared memory (blocks of kBlockBytes back to back from a 4-byte aligned
// `step`): returns its scale d and puts its quants in qs as whole words (read as words and
// funnel-shifted past the fp16 scale; blocks at odd j start 2 mod 4).
template <WeightFormat F>
__device__ __forceinline__ float read_step_block(const char* step, int j, uint32_t (&qs)[QuantFormat<F>::kWords]) {
  constexpr int kBlockBytes = QuantFormat<F>::kBlockBytes;
  constexpr int kBlockWords = (kBlockBytes + 2 + 3) / 4;  // words covering a block at a 2-byte offset
  const int offset = j * kBlockBytes;                      // even; 4-byte aligned for even j
  const uint32_t* words = reinterpret_cast<const uint32_t*>(step + (offset & ~3));
  const int shift = (offset & 2) ? 32 : 16;  // funnel shift that drops the scale halfword
  uint32_t w[kBlockWords];
#pragma unroll
  for (int i = 0; i < kBlockWords; ++i) w[i] = words[i];
#pragma unroll
  for (int i = 0; i < QuantFormat<F>::kWords; ++i) qs[i] = __funnelshift_rc(w[i], w[i + 1], shift);
  return __half2float(__ushort_as_half(static_cast<unsigned short>(w[0] >> (shift - 16))));
}

constexpr int kQuantStepBlocks = 32;  // quantised blocks per row per step: one per lane

template <WeightFormat F, class TX, int B>
__global__ void __launch_bounds__(kThreads) mul_mat_vec_quant_kernel(const Params p) {
  using Format = QuantFormat<F>;
  constexpr int kStepBytes = kQuantStepBlocks * Format::kBlockBytes;
  constexpr int kStepChunks = kStepBytes / 16;
  constexpr int kChunkRounds = (kStepChunks + 31) / 32;
  constexpr int kBlockWords = (Format::kBlockBytes + 2 + 3) / 4;  // words covering a block at a 2-byte offset
  static_assert(kStepBytes % 16 == 0, "a step is whole 16-byte chunks");

  extern __shared__ __align__(16) char x_smem[];
  __shared__ __align__(16) char w_stage[kWarps][kStepBytes];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t k_begin = static_cast<int64_t>(blockIdx.y) * p.k_slice;
  const int len = static_cast<int>(min(p.k_slice, p.cols - k_begin));
  const int slice_blocks = len / kQuantBlockWeights;
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + warp * kRowsPerWarp;

  const char* w_rows[kRowsPerWarp];
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    w_rows[r] = static_cast<const char*>(p.w) + min(row0 + r, p.rows - 1) * p.w_row_bytes +
                k_begin / kQuantBlockWeights * Format::kBlockBytes;
  }
  stage_x_slice<TX, B>(p, k_begin, len, x_smem);
  __syncthreads();

  float acc[kRowsPerWarp][B];
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
#pragma unroll
    for (int b = 0; b < B; ++b) acc[r][b] = 0.f;
  }

  char* stage = w_stage[warp];
  const int my_offset = lane * Format::kBlockBytes;  // even; 4-byte aligned for even lanes
  const uint32_t* my_words = reinterpret_cast<const uint32_t*>(stage + (my_offset & ~3));
  const int shift = (my_offset & 2) ? 32 : 16;  // funnel shift that drops the scale halfword

  constexpr int kSteps = Format::kStepsInFlight;
  for (int first = 0; first < slice_blocks; first += kQuantStepBlocks * kSteps) {
    // Issue every load of the iteration (kSteps steps x 4 rows) before using any of them.
    uint4 raw[kSteps][kRowsPerWarp][kChunkRounds];
#pragma unroll
    for (int s = 0; s < kSteps; ++s) {
      const int step_first = first + s * kQuantStepBlocks;
      // Blocks in this step: a multiple of 8 (cols % 256 == 0), so whole 16-byte chunks.
      const int chunks = max(0, min(kQuantStepBlocks, slice_blocks - step_first)) * Format::kBlockBytes / 16;
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) {
#pragma unroll
        for (int t = 0; t < kChunkRounds; ++t) {
          const int chunk = lane + 32 * t;
          if (chunk < chunks) raw[s][r][t] = load_stream16(w_rows[r] + step_first * Format::kBlockBytes + 16 * chunk);
        }
      }
    }
#pragma unroll
    for (int s = 0; s < kSteps; ++s) {
      const int step_first = first + s * kQuantStepBlocks;
      const int blocks = min(kQuantStepBlocks, slice_blocks - step_first);  // the same in every lane
      if (blocks <= 0) break;
      const int chunks = blocks * Format::kBlockBytes / 16;
      // Regroup through shared memory: lane l takes block l of each row.
      uint32_t qs[kRowsPerWarp][Format::kWords];
      float scale[kRowsPerWarp];
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) {
        __syncwarp();
#pragma unroll
        for (int t = 0; t < kChunkRounds; ++t) {
          const int chunk = lane + 32 * t;
          if (chunk < chunks) *reinterpret_cast<uint4*>(stage + 16 * chunk) = raw[s][r][t];
        }
        __syncwarp();
        if (lane < blocks) {
          uint32_t words[kBlockWords];
#pragma unroll
          for (int i = 0; i < kBlockWords; ++i) words[i] = my_words[i];
          scale[r] = __half2float(__ushort_as_half(static_cast<unsigned short>(words[0] >> (shift - 16))));
#pragma unroll
          for (int i = 0; i < Format::kWords; ++i) qs[r][i] = __funnelshift_rc(words[i], words[i + 1], shift);
        }
      }
      if (lane < blocks) {
        float block_sum[kRowsPerWarp][B];
#pragma unroll
        for (int r = 0; r < kRowsPerWarp; ++r) {
#pragma unroll
          for (int b = 0; b < B; ++b) block_sum[r][b] = 0.f;
        }
        const int e0 = (step_first + lane) * kQuantBlockWeights;
#pragma unroll
        for (int g = 0; g < 8; ++g) {
          float wf[kRowsPerWarp][4];
#pragma unroll
          for (int r = 0; r < kRowsPerWarp; ++r) Format::group(qs[r], g, wf[r]);
#pragma unroll
          for (int b = 0; b < B; ++b) {
            float xf[4];
            load_x_floats<TX, 4>(x_smem + b * p.x_row_smem_bytes, e0 + 4 * g, xf);
#pragma unroll
            for (int r = 0; r < kRowsPerWarp; ++r) {
#pragma unroll
              for (int j = 0; j < 4; ++j) block_sum[r][b] = fmaf(wf[r][j], xf[j], block_sum[r][b]);
            }
          }
        }
#pragma unroll
        for (int r = 0; r < kRowsPerWarp; ++r) {
#pragma unroll
          for (int b = 0; b < B; ++b) acc[r][b] = fmaf(scale[r], block_sum[r][b], acc[r][b]);
        }
      }
    }
  }

#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
#pragma unroll
    for (int b = 0; b < B; ++b) acc[r][b] = warp_sum(acc[r][b]);
  }
  store_warp_rows<B>(p, row0, lane, acc);
  finish_split_k<B>(p);
}

inline Support quant_kernel_supports(const MulMatVecProblem& p, WeightFormat format) {
  const Support valid = mul_mat_vec_valid(p);
  if (!valid.ok) return valid;
  if (p.weight != format) return Support::no(std::string(to_string(p.weight)) + " weights");
  if (p.cols % 256 != 0)
    return Support::no("cols " + std::to_string(p.cols) + " not a multiple of 256 (rows unaligned)");
  if (p.cols > (int64_t{1} << 24)) return Support::no("cols above 2^24 (split count would exceed the grid)");
  return Support::yes();
}

template <WeightFormat F>
void launch_quant(const char* name, const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  const Support s = quant_kernel_supports(p, F);
  if (!s.ok) throw std::invalid_argument(std::string(name) + ": " + s.reason);
  if (!aligned16(a.w)) throw std::invalid_argument(std::string(name) + ": weights not 16-byte aligned");
  Params params = gemv::make_params(p, a, weight_row_bytes(p.weight, p.cols));
  const int64_t x_bytes = static_cast<int64_t>(dtype_size(p.activation));
  // Slices of whole steps (32 blocks), at least one iteration of loads.
  const int64_t min_steps = QuantFormat<F>::kStepsInFlight;
  params.x_vector_staging = aligned16(a.x);  // cols % 256 == 0: rows and slices are whole 16-byte pieces
  dispatch_batch(p.batch, [&](auto batch) {
    constexpr int B = decltype(batch)::value;
    auto kernel =
        p.activation == DType::f32 ? mul_mat_vec_quant_kernel<F, float, B> : mul_mat_vec_quant_kernel<F, __half, B>;
    // Occupancy at the largest activation slice the plan may pick.
    const int resident =
        resident_blocks_per_sm(reinterpret_cast<const void*>(kernel), kThreads, kActivationSliceBytes + 128 * B);
    plan_split_k(params, B, x_bytes, kQuantStepBlocks * kQuantBlockWeights, min_steps, resident);
    kernel<<<grid_of(params), kThreads, x_smem_bytes(params, B), stream>>>(params);
  });
  LLMKB_CHECK_LAUNCH();
}

}  // namespace gemv
}  // namespace llmkb
