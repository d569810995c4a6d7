// Integer dot products for the streamed quantised GEMV (mul_mat_vec/q8_0_dp4a and q4_0_dp4a plug
// this into kernels/gemv/mul_mat_vec_stream.cuh in place of its float dequantisation).
//
// Idea: the float path (StreamQuant) spends about 8.5 instructions per weight per lane (byte
// permute, subtraction, FMA, activation loads and their addresses; ncu on an H100, Q4_0 gate_up:
// 31.3M warp instructions for 117M weights, issue slots 64 % busy at 45 % of the read ceiling).
// Here a 32-weight block's sum of q * x is integer arithmetic, 4 weights per dp4a:
// - Each block of 32 activations (per batch row) is staged once per thread block as a 24-bit fixed
//   point number per element, xi = round(x * 2^s) with one power of two 2^s per block, the largest
//   for which every |x * 2^s| < 2^22. xi is stored as three byte planes: plane 0 and 1 its low bytes
//   (unsigned), plane 2 its third byte (signed: xi = 65536 * p2 + 256 * p1 + p0).
// - Quants are used as stored: Q8_0 bytes are signed int8 words already; Q4_0 nibbles are masked
//   into unsigned bytes n (q = n - 8), and the -8 * sum(xi) of the block comes precomputed with the
//   plane (it starts plane 0's sum).
// - Per 4 weights, three dp4a (one per plane) into exact int32 sums S0, S1, S2; the block's sum is
//   (65536 * S2 + (256 * S1 + S0)) * 2^-s, scaled by d and added to the fp32 row sum.
// The main loop is then about 3 instructions per weight per lane (sm_90a SASS: 192 per ring stage
// of 2 blocks per lane, 48 of them dp4a); staging costs about 1 warp instruction per activation
// element per 32-row block.
//
// Precision: the integer sums are exact (|S| < 2^31); the only rounding besides fp32 accumulation
// is xi's: |x - xi * 2^-s| <= 2^-s / 2 <= max|x| of the block * 2^-22, i.e. within 2 fp32 ulps of the
// block's largest element (fp32 holds each element to half an ulp of itself, so smaller elements keep
// fewer bits here than in fp32, never less than 2^-22 of the block maximum). Blocks whose largest |x|
// is under 2^-104 keep s = 125 (their elements then round to multiples of 2^-125); a block holding an
// Inf or NaN makes the rows it meets NaN.
//
// Coarser activations (the *_split_x16 and *_x8 variants, kPlanes = 2 or 1): xi in 16 or 8 bits,
// |xi| < 2^15 or 2^7 (kernels/gemv/activation_planes.h), in 2 planes (xi = 256 * p1 + p0, p1 signed)
// or 1 (signed), so 2 or 1 dp4a per 4 weights and 80- or 48-byte records. Rounding is then
// |x - xi * 2^-s| <= about max|x| of the block * 2^-15 or 2^-7 (the clamp of a largest element that
// rounds up to 2^15 or 2^7 adds at most 0.4 %), and those variants are checked against a reference
// computed from x rounded the same way (MulMatVecOp's round_activations_to_planes).
#pragma once
#include "kernels/common/dependent_launch.cuh"
#include "kernels/common/device_workspace.h"
#include "kernels/gemv/activation_planes.h"
#include "kernels/gemv/gemv_device.cuh"
#include "kernels/gemv/mul_mat_vec_quant.cuh"

namespace llmkb {
namespace gemv {

// One staged block of 32 activations: kPlanes 32-byte planes, then the block's correction term (Q4_0:
// -8 * sum of xi; Q8_0: 0) and its scale 2^-s. 16-byte aligned records (112, 80 or 48 bytes); lanes
// reading records j = 0..7 (28, 20 or 12 words apart) hit different banks.
template <int kPlanes>
constexpr int plane_meta_offset() {
  return 32 * kPlanes;
}
template <int kPlanes>
constexpr int plane_record_bytes() {
  return (plane_meta_offset<kPlanes>() + 8 + 15) / 16 * 16;
}

// a: 4 signed bytes, b: 4 unsigned bytes (the low planes) or 4 signed bytes (the top plane); c + sum of products.
__device__ __forceinline__ int dp4a_su(uint32_t a, uint32_t b, int c) {
  int d;
  asm("dp4a.s32.u32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
  return d;
}
__device__ __forceinline__ int dp4a_ss(uint32_t a, uint32_t b, int c) {
  int d;
  asm("dp4a.s32.s32 %0, %1, %2, %3;" : "=r"(d) : "r"(a), "r"(b), "r"(c));
  return d;
}

// Stages x[b, k_begin : k_begin + len) for b < B as kPlanes-plane records (len a multiple of 32), batch row b's
// at smem + b * row_bytes (shared memory, or global memory for the conversion kernel). Eight lanes
// take one block, 4 elements each; a warp takes four blocks per round and loads kRoundsInFlight
// rounds before converting any: every thread block stages the same x from L2, and its ring waits
// for the staging, so one load latency per kRoundsInFlight rounds rather than one per round.
// Measured on an H100 (batch 1, the four models' 17 shapes): 2 rounds against 1 in the same run,
// Q4_0 x1.031 (geometric mean; 13 shapes faster, 1 slower), Q8_0 x1.013 (10 faster, none slower).
// Q8_0 takes 4 (its batch-1 kernel stays at 58 registers; against the kernel before this change, 4
// rounds gave x1.054 in one run where 2 gave x1.020 in another). Q4_0 takes 2: with 4 its batch-1
// kernel needs 71 registers, 3 blocks per SM instead of 4, and the shapes that fit one wave of 4
// (llama3-70b gate_up_tp8, llama3-8b down) lost 12-15 %; with 2 it needs 64.
template <class TX, int B, bool kNibbleCorrection, int kRoundsInFlight, int kPlanes = 3>
__device__ __forceinline__ void stage_x_planes(const Params& p, int64_t k_begin, int len, char* smem, int row_bytes) {
  const TX* x = static_cast<const TX*>(p.x);
  const int lane = threadIdx.x % 32, sub = lane % 8;
  const int blocks = len / kQuantBlockWeights;
  const int total = B * blocks;
  const int round_stride = static_cast<int>(blockDim.x / 32) * 4;  // blocks per round of all warps
  for (int first = (threadIdx.x / 32) * 4; first < total; first += kRoundsInFlight * round_stride) {
    float v[kRoundsInFlight][4];
#pragma unroll
    for (int r = 0; r < kRoundsInFlight; ++r) {
      const int item = first + r * round_stride + lane / 8;
#pragma unroll
      for (int i = 0; i < 4; ++i) v[r][i] = 0.f;
      if (item < total) {
        const int b = item / blocks, block = item - b * blocks;
        const TX* src = x + b * p.cols + k_begin + block * kQuantBlockWeights + 4 * sub;
        if (p.x_vector_staging) {
          const Vec<TX, 4> raw = *reinterpret_cast<const Vec<TX, 4>*>(src);
          vec_to_floats<TX, 4>(raw, v[r]);
        } else {
#pragma unroll
          for (int i = 0; i < 4; ++i) v[r][i] = to_float(src[i]);
        }
      }
    }
#pragma unroll
    for (int r = 0; r < kRoundsInFlight; ++r) {
      const int round_first = first + r * round_stride;  // uniform in the warp: shuffles below stay full
      if (round_first >= total) break;
      const int item = round_first + lane / 8;
      const bool active = item < total;
      const int b = active ? item / blocks : 0, block = active ? item - b * blocks : 0;
      // The largest |x| as bits: for non-negative floats integer order is float order, and a NaN
      // (above Inf) is not lost as it would be through fmaxf.
      int amax_bits = 0;
#pragma unroll
      for (int i = 0; i < 4; ++i) amax_bits = max(amax_bits, __float_as_int(fabsf(v[r][i])));
#pragma unroll
      for (int o = 1; o < 8; o <<= 1) amax_bits = max(amax_bits, __shfl_xor_sync(0xffffffffu, amax_bits, o));
      // amax < 2^(E + 1), so |x| * 2^s < 2^bits (activation_planes.h). Zero and subnormal blocks: E = -127.
      const int exponent = (amax_bits >> 23) - 127;
      const int s = activation_plane_shift(kPlanes, exponent);
      const float up = __int_as_float((s + 127) << 23);    // 2^s
      const float down = __int_as_float((127 - s) << 23);  // 2^-s
      uint32_t q[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        int xi = __float2int_rn(v[r][i] * up);
        constexpr int kLimit = activation_plane_limit(kPlanes);
        if constexpr (kPlanes < 3) xi = min(max(xi, -kLimit), kLimit);  // |x| * 2^s rounded up to 2^bits
        q[i] = static_cast<uint32_t>(xi);
      }
      // Byte p of each element, gathered into plane p's word (elements in order, lowest byte first).
      const uint32_t lo01 = __byte_perm(q[0], q[1], 0x5140), lo23 = __byte_perm(q[2], q[3], 0x5140);
      const uint32_t hi01 = __byte_perm(q[0], q[1], 0x7362), hi23 = __byte_perm(q[2], q[3], 0x7362);
      int correction = 0;
      if constexpr (kNibbleCorrection) {
        int sum = static_cast<int>(q[0]) + static_cast<int>(q[1]) + static_cast<int>(q[2]) + static_cast<int>(q[3]);
#pragma unroll
        for (int o = 1; o < 8; o <<= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
        correction = -8 * sum;  // |sum| <= 32 * 2^22
      }
      if (active) {
        char* record = smem + b * row_bytes + block * plane_record_bytes<kPlanes>();
        reinterpret_cast<uint32_t*>(record)[sub] = __byte_perm(lo01, lo23, 0x5410);
        if (kPlanes > 1) reinterpret_cast<uint32_t*>(record + 32)[sub] = __byte_perm(lo01, lo23, 0x7632);
        if (kPlanes > 2) reinterpret_cast<uint32_t*>(record + 64)[sub] = __byte_perm(hi01, hi23, 0x5410);
        if (sub == 0) {
          const float scale = amax_bits < 0x7f800000 ? down : __int_as_float(0x7fffffff);  // Inf / NaN: NaN rows
          *reinterpret_cast<int2*>(record + plane_meta_offset<kPlanes>()) = make_int2(correction, __float_as_int(scale));
        }
      }
    }
  }
}

// The plane records of all of x, converted once by a kernel of their own for all the blocks of the
// GEMV after it (which waits for it before reading them: wait_for_prior_grids): record (b, block) at
// planes + b * p.x_planes_row_bytes + block * plane_record_bytes<kPlanes>(). Block i converts activations
// [i, i + 1) * kPlaneSliceWeights of every batch row.
constexpr int kPlaneSliceWeights = 1024;

template <class TX, int B, bool kNibbleCorrection, int kPlanes>
__global__ void __launch_bounds__(kThreads) convert_x_planes_kernel(const Params p, char* planes) {
  allow_dependent_launch();
  const int64_t k_begin = static_cast<int64_t>(blockIdx.x) * kPlaneSliceWeights;
  const int len = static_cast<int>(min(int64_t{kPlaneSliceWeights}, p.cols - k_begin));
  stage_x_planes<TX, B, kNibbleCorrection, 2, kPlanes>(
      p, k_begin, len, planes + k_begin / kQuantBlockWeights * plane_record_bytes<kPlanes>(), p.x_planes_row_bytes);
}

// A block's quants as dp4a operands: a[g] holds the quants of elements 4g .. 4g+3 (Q8_0: word g as
// stored, signed; Q4_0: the low nibbles of word g for g < 4, the high ones of word g - 4 for g >= 4,
// as unsigned bytes n, q = n - 8, the -8 coming with the activation record's correction).
template <WeightFormat F>
__device__ __forceinline__ void dp4a_operands(const uint32_t (&qs)[QuantFormat<F>::kWords], uint32_t (&a)[8]) {
#pragma unroll
  for (int g = 0; g < 8; ++g) {
    if constexpr (F == WeightFormat::q8_0) {
      a[g] = qs[g];
    } else {
      a[g] = (g < 4 ? qs[g & 3] : qs[g & 3] >> 4) & 0x0F0F0F0Fu;
    }
  }
}

// acc[i][b] += d[i] * (a[i] . x[b]) for one block of 32 weights of kRows rows (a: dp4a_operands, d:
// the rows' scales), x[b] from the kPlanes-plane record at record + b * x_row_bytes (read once for all rows).
template <int kPlanes, int B, int kRows>
__device__ __forceinline__ void dot_plane_records(const uint32_t (&a)[kRows][8], const float (&d)[kRows],
                                                  const char* record, int x_row_bytes, float (&acc)[kRows][B]) {
#pragma unroll
  for (int b = 0; b < B; ++b) {
    const char* rec = record + b * x_row_bytes;
    uint32_t x[kPlanes][8];
#pragma unroll
    for (int q = 0; q < kPlanes; ++q) {
      *reinterpret_cast<uint4*>(x[q]) = reinterpret_cast<const uint4*>(rec + 32 * q)[0];
      *reinterpret_cast<uint4*>(x[q] + 4) = reinterpret_cast<const uint4*>(rec + 32 * q)[1];
    }
    const int2 meta = *reinterpret_cast<const int2*>(rec + plane_meta_offset<kPlanes>());
#pragma unroll
    for (int i = 0; i < kRows; ++i) {
      int plane_sum[kPlanes];  // plane q's exact int32 sum (plane 0's starts at the block's correction)
#pragma unroll
      for (int q = 0; q < kPlanes; ++q) plane_sum[q] = q == 0 ? meta.x : 0;
#pragma unroll
      for (int g = 0; g < 8; ++g) {
#pragma unroll
        for (int q = 0; q < kPlanes; ++q) {
          plane_sum[q] =
              q == kPlanes - 1 ? dp4a_ss(a[i][g], x[q][g], plane_sum[q]) : dp4a_su(a[i][g], x[q][g], plane_sum[q]);
        }
      }
      float sum;
      if constexpr (kPlanes == 3) {
        // |S1| * 256 < 2^28 and |S0| < 2^30 + 2^20: the int32 sum is exact; S2 * 65536 < 2^35 goes in fp32.
        sum = fmaf(static_cast<float>(plane_sum[2]), 65536.f, static_cast<float>(plane_sum[1] * 256 + plane_sum[0]));
      } else if constexpr (kPlanes == 2) {
        sum = static_cast<float>(plane_sum[1] * 256 + plane_sum[0]);  // |S1| * 256 < 2^27, |S0| < 2^24: exact
      } else {
        sum = static_cast<float>(plane_sum[0]);
      }
      acc[i][b] = fmaf(d[i] * __int_as_float(meta.y), sum, acc[i][b]);
    }
  }
}

// Q8_0 / Q4_0 against plane-staged activations (kPlanes planes: 3, or 2 and 1 for the coarser
// variants): as in StreamQuant, lane 8g + j takes block j of a 256-weight step, for the stream
// kernel's kRowsPerLane rows.
template <WeightFormat F, int kPlanes = 3>
struct StreamQuantDp4a {
  static_assert(kPlanes >= 1 && kPlanes <= 3, "one to three planes");
  static constexpr int kRecordBytes = plane_record_bytes<kPlanes>();
  using Format = QuantFormat<F>;
  static constexpr WeightFormat kFormat = F;
  static constexpr int kBlockBytes = Format::kBlockBytes;
  static constexpr int kStepBytes = 8 * kBlockBytes;  // 272 or 144: whole 16-byte chunks
  static_assert(kStepBytes % 16 == 0, "a step is whole 16-byte chunks");

  // Staged bytes per activation element (3.5, rounded up for the split plan's row size).
  static constexpr int64_t x_element_bytes(int64_t) { return 4; }

  template <class TX, int B>
  __device__ static __forceinline__ void stage_x(const Params& p, int64_t k_begin, int len, char* smem) {
    constexpr bool kNibbles = F == WeightFormat::q4_0;
    stage_x_planes<TX, B, kNibbles, kNibbles ? 2 : 4>(p, k_begin, len, smem, p.x_row_smem_bytes);
  }

  // Launches the conversion of all of x into plane records (converted_input_workspace) and points
  // params.x_planes and params.x_planes_row_bytes at them. params.x and x_vector_staging must be set.
  template <class TX, int B>
  static void prepare_x(Params& params, cudaStream_t stream) {
    params.x_planes_row_bytes = static_cast<int>(params.cols / kQuantBlockWeights * kRecordBytes);
    char* planes = static_cast<char*>(converted_input_workspace(static_cast<size_t>(B) * params.x_planes_row_bytes));
    convert_x_planes_kernel<TX, B, F == WeightFormat::q4_0, kPlanes>
        <<<static_cast<unsigned>(ceil_div(params.cols, kPlaneSliceWeights)), kThreads, 0, stream>>>(params, planes);
    LLMKB_CHECK_LAUNCH();
    params.x_planes = planes;
  }

  // acc[i][b] += d_i * sum over block j of q_i * x[b] for the kRows rows whose steps start at
  // step + i * row_bytes; each activation record is read once for all of them.
  template <class TX, int B, int kRows>
  __device__ static __forceinline__ void dot(const char* step, int row_bytes, int j, const char* x_smem,
                                             int x_row_bytes, int e_step, float (&acc)[kRows][B]) {
    uint32_t a[kRows][8];
    float d[kRows];
#pragma unroll
    for (int i = 0; i < kRows; ++i) {
      uint32_t qs[Format::kWords];
      d[i] = read_step_block<F>(step + i * row_bytes, j, qs);
      dp4a_operands<F>(qs, a[i]);
    }
    dot_plane_records<kPlanes, B, kRows>(a, d, x_smem + (e_step / kQuantBlockWeights + j) * kRecordBytes, x_row_bytes,
                                         acc);
  }
};

}  // namespace gemv
}  // namespace llmkb
