// The streamed quantised GEMV kernel (mul_mat_vec/q8_0_ring, q4_0_ring, q8_0_dp4a and q4_0_dp4a
// instantiate it).
//
// Idea: keep W streaming without gaps. Each warp owns 4 rows (the block: 8 warps x 4 rows, split-K
// and its end as in mul_mat_vec/fast) and copies them into a private ring of kStages shared-memory
// stages with cp.async (SM80+; a synchronous 16-byte copy on SM75), so kStages - 1 stages of loads
// stay in flight while the warp computes on the oldest one: no registers hold loads in flight, no
// regroup of quantised blocks through registers and __syncwarp pairs per row.
// A stage holds kStepsPerStage steps of 256 weights of each of the warp's 4 rows (copied as whole
// 16-byte chunks: a step is 272 bytes of Q8_0, 144 of Q4_0).
// Lane 8g + j computes on the j-th Q8_0/Q4_0 block of a step (read as words and funnel-shifted past
// its fp16 scale, dequantised exactly by byte permute and one subtraction, the block's sum of q * x
// scaled by d once) for kRowsPerLane rows, which share one read of the block's activations: with one
// row per lane, lane group g takes row g and every step of the stage; with 2 or 4, a group takes
// every 2nd or 4th step of 2 or 4 rows (StreamLanes). fp32 FMAs throughout; the lanes of a row are
// added by shuffles in a fixed order. Activations: the slice staged once per block in shared memory
// (swizzled, gemv::stage_x_slice), at most kStreamSliceBytes of it.
// Needs cols % 256 == 0 (whole steps, 16-byte aligned rows and slices) and 16-byte aligned W.
//
// The block dot product and the activation staging come from the Format: StreamQuant below (floats,
// as described above), or StreamQuantDp4a (kernels/gemv/mul_mat_vec_dp4a.cuh: integer planes).
//
// Knobs (template parameters):
//   kStages          ring depth per warp; kStages - 1 stages of W in flight per warp
//   kStepsPerStage   256-weight steps per row per stage (bytes per cp.async group)
//   kRowsPerLane     rows whose blocks one lane computes on, sharing the activations (1, 2 or 4; at
//                    most kStepsPerStage)
//   kMinSliceStages  the shortest split-K slice, in stages (the plan otherwise splits K as finely as
//                    filling the last wave asks)
#pragma once
#include "kernels/common/dynamic_shared_memory.h"
#include "kernels/common/tile_primitives.cuh"
#include "kernels/gemv/gemv_device.cuh"
#include "kernels/gemv/mul_mat_vec_quant.cuh"

namespace llmkb {
namespace gemv {

constexpr int kStreamStep = 256;                    // weights per row per step
constexpr int kStreamLanesPerRow = 32 / kRowsPerWarp;  // 8
constexpr int64_t kStreamSliceBytes = 16 * 1024;     // activation slice cap (leaves shared memory to the ring)
static_assert(kStreamLanesPerRow == 8, "a step is 8 quantised blocks, one per lane of a row");

// Q8_0 / Q4_0: lane j of a row takes block j of each step.
template <WeightFormat F>
struct StreamQuant {
  using Format = QuantFormat<F>;
  static constexpr int kBlockBytes = Format::kBlockBytes;
  static constexpr int kStepBytes = kStreamLanesPerRow * kBlockBytes;  // 272 or 144: whole 16-byte chunks
  static constexpr WeightFormat kFormat = F;
  static_assert(kStepBytes % 16 == 0, "a step is whole 16-byte chunks");

  // Staged bytes per activation element: the activations as they are.
  static constexpr int64_t x_element_bytes(int64_t tx_bytes) { return tx_bytes; }

  template <class TX, int B>
  __device__ static __forceinline__ void stage_x(const Params& p, int64_t k_begin, int len, char* smem) {
    stage_x_slice<TX, B>(p, k_begin, len, smem);
  }

  // acc[i][b] += d_i * sum over block j of q_i * x[b], for the kRows rows whose steps start at
  // step + i * row_bytes (4-byte aligned); `e_step` is the slice element of the step's first weight.
  // The activations of the block are read once for all kRows rows.
  template <class TX, int B, int kRows>
  __device__ static __forceinline__ void dot(const char* step, int row_bytes, int j, const char* x_smem,
                                             int x_row_bytes, int e_step, float (&acc)[kRows][B]) {
    uint32_t qs[kRows][Format::kWords];
    float d[kRows];
#pragma unroll
    for (int i = 0; i < kRows; ++i) d[i] = read_step_block<F>(step + i * row_bytes, j, qs[i]);
    float block_sum[kRows][B];
#pragma unroll
    for (int i = 0; i < kRows; ++i) {
#pragma unroll
      for (int b = 0; b < B; ++b) block_sum[i][b] = 0.f;
    }
    const int e0 = e_step + j * kQuantBlockWeights;
#pragma unroll
    for (int g = 0; g < 8; ++g) {
      float wf[kRows][4];
#pragma unroll
      for (int i = 0; i < kRows; ++i) Format::group(qs[i], g, wf[i]);
#pragma unroll
      for (int b = 0; b < B; ++b) {
        float xf[4];
        load_x_floats<TX, 4>(x_smem + b * x_row_bytes, e0 + 4 * g, xf);
#pragma unroll
        for (int i = 0; i < kRows; ++i) {
#pragma unroll
          for (int e = 0; e < 4; ++e) block_sum[i][b] = fmaf(wf[i][e], xf[e], block_sum[i][b]);
        }
      }
    }
#pragma unroll
    for (int i = 0; i < kRows; ++i) {
#pragma unroll
      for (int b = 0; b < B; ++b) acc[i][b] = fmaf(d[i], block_sum[i][b], acc[i][b]);
    }
  }
};

template <class Format, int kStages, int kStepsPerStage>
struct StreamRing {
  static_assert(kStages >= 2, "a ring of at least two stages");
  static_assert(kStepsPerStage >= 1, "at least one step per stage");
  static constexpr int kRowStageBytes = kStepsPerStage * Format::kStepBytes;
  static constexpr int kRowStageChunks = kRowStageBytes / 16;
  static constexpr int kWarpStageBytes = kRowsPerWarp * kRowStageBytes;
  static constexpr int kWarpStageChunks = kWarpStageBytes / 16;
  static constexpr int kChunkRounds = (kWarpStageChunks + 31) / 32;  // 16-byte copies per lane per stage
  static constexpr size_t kBytes = static_cast<size_t>(kWarps) * kStages * kWarpStageBytes;
};

// The lanes of a warp over a stage (kStepsPerStage steps of the warp's 4 rows, 8 blocks per row-step):
// lane 8g + j takes block j; of its group g, the row group g / kRowsPerLane (rows
// kRowsPerLane * (g / kRowsPerLane) onward, kRowsPerLane of them: they share one read of the
// activations) and the steps g % kRowsPerLane, + kRowsPerLane, ... of the stage.
template <int kStepsPerStage, int kRowsPerLane>
struct StreamLanes {
  static_assert(kRowsPerLane == 1 || kRowsPerLane == 2 || kRowsPerLane == 4, "1, 2 or 4 rows per lane");
  static_assert(kStepsPerStage % kRowsPerLane == 0, "every lane takes the same number of steps");
  static constexpr int kStepsPerLane = kStepsPerStage / kRowsPerLane;
};

template <class Format, class TX, int B, int kStages, int kStepsPerStage, int kRowsPerLane>
__global__ void __launch_bounds__(kThreads) mul_mat_vec_stream_kernel(const Params p) {
  using Ring = StreamRing<Format, kStages, kStepsPerStage>;
  using Lanes = StreamLanes<kStepsPerStage, kRowsPerLane>;
  constexpr bool kAsync = LLMKB_SM80 != 0;
  extern __shared__ __align__(16) char smem[];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / kStreamLanesPerRow, j = lane % kStreamLanesPerRow;
  const int first_row = (g / kRowsPerLane) * kRowsPerLane;  // of the warp's 4
  const int first_lane_step = g % kRowsPerLane;             // of the stage's steps
  char* ring = smem + warp * kStages * Ring::kWarpStageBytes;
  char* x_smem = smem + Ring::kBytes;

  const int64_t k_begin = static_cast<int64_t>(blockIdx.y) * p.k_slice;
  const int len = static_cast<int>(min(p.k_slice, p.cols - k_begin));  // a multiple of 256
  const int steps = len / kStreamStep;
  const int stages = (steps + kStepsPerStage - 1) / kStepsPerStage;
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + warp * kRowsPerWarp;

  // This lane's copies: chunk lane + 32 i of a stage is piece `piece[i]` of row `c / kRowStageChunks`.
  // Rows past M (last tile only) re-read row M-1 and are never stored.
  const char* src[Ring::kChunkRounds];
  int dst[Ring::kChunkRounds];
  int piece[Ring::kChunkRounds];
#pragma unroll
  for (int i = 0; i < Ring::kChunkRounds; ++i) {
    const int c = min(lane + 32 * i, Ring::kWarpStageChunks - 1);
    const int row = c / Ring::kRowStageChunks;
    piece[i] = c - row * Ring::kRowStageChunks;
    dst[i] = row * Ring::kRowStageBytes + 16 * piece[i];
    src[i] = static_cast<const char*>(p.w) + min(row0 + row, p.rows - 1) * p.w_row_bytes +
             k_begin / kStreamStep * Format::kStepBytes + 16 * piece[i];
  }
  // Copies stage s into its ring slot. Uniform in the warp: the number of steps in the stage.
  auto issue = [&](int s) {
    char* slot = ring + (s % kStages) * Ring::kWarpStageBytes;
    const int64_t offset = static_cast<int64_t>(s) * Ring::kRowStageBytes;
    const int row_chunks = min(kStepsPerStage, steps - s * kStepsPerStage) * (Format::kStepBytes / 16);
#pragma unroll
    for (int i = 0; i < Ring::kChunkRounds; ++i) {
      if (lane + 32 * i < Ring::kWarpStageChunks && piece[i] < row_chunks) {
        copy16<kAsync>(slot + dst[i], src[i] + offset, true);
      }
    }
  };

  // Prologue: the first kStages - 1 stages in flight (one commit group each, empty or not, so the
  // wait count below holds), then the activations, which overlap them.
#pragma unroll
  for (int s = 0; s < kStages - 1; ++s) {
    if (s < stages) issue(s);
    cp_async_commit<kAsync>();
  }
  Format::template stage_x<TX, B>(p, k_begin, len, x_smem);
  __syncthreads();

  float acc[kRowsPerLane][B];
#pragma unroll
  for (int i = 0; i < kRowsPerLane; ++i) {
#pragma unroll
    for (int b = 0; b < B; ++b) acc[i][b] = 0.f;
  }

  for (int s = 0; s < stages; ++s) {
    cp_async_wait<kAsync, kStages - 2>();  // this lane's copies of stage s have landed
    __syncwarp();  // every lane's copies of stage s visible; every lane done with stage s - 1's slot
    if (s + kStages - 1 < stages) issue(s + kStages - 1);  // into the slot of stage s - 1
    cp_async_commit<kAsync>();
    const char* rows_stage = ring + (s % kStages) * Ring::kWarpStageBytes + first_row * Ring::kRowStageBytes;
#pragma unroll
    for (int t = 0; t < Lanes::kStepsPerLane; ++t) {
      const int u = first_lane_step + t * kRowsPerLane;  // step of the stage
      const int step = s * kStepsPerStage + u;
      if (step < steps) {
        Format::template dot<TX, B, kRowsPerLane>(rows_stage + u * Format::kStepBytes, Ring::kRowStageBytes, j,
                                                  x_smem, p.x_row_smem_bytes, step * kStreamStep, acc);
      }
    }
  }
  cp_async_wait<kAsync, 0>();  // nothing left in flight at exit (all groups past the last stage are empty)

  // Each row's sum over the lanes that hold it (the 8 blocks j, and the steps of the row group:
  // lane bits 0-2 and the low log2(kRowsPerLane) bits of g), in a fixed order. Lane 8g + j then
  // stores batch j of row first_row + g % kRowsPerLane.
#pragma unroll
  for (int i = 0; i < kRowsPerLane; ++i) {
#pragma unroll
    for (int b = 0; b < B; ++b) {
#pragma unroll
      for (int o = 1; o < kStreamLanesPerRow * kRowsPerLane; o <<= 1) {
        acc[i][b] += __shfl_xor_sync(0xffffffffu, acc[i][b], o);
      }
    }
  }
  float v = 0.f;
#pragma unroll
  for (int i = 0; i < kRowsPerLane; ++i) {
#pragma unroll
    for (int b = 0; b < B; ++b) {
      if (first_lane_step == i && j == b) v = acc[i][b];
    }
  }
  const int64_t row = row0 + first_row + first_lane_step;
  if (j < B && row < p.rows) {
    if (p.splits == 1) {
      p.y[j * p.rows + row] = v;
    } else {
      p.partials[(static_cast<int64_t>(blockIdx.y) * B + j) * p.rows + row] = v;
    }
  }
  finish_split_k<B>(p);
}

// What every streamed variant needs of the problem, beyond the weight format.
inline Support stream_kernel_supports(const MulMatVecProblem& p) {
  const Support valid = mul_mat_vec_valid(p);
  if (!valid.ok) return valid;
  if (p.cols % kStreamStep != 0)
    return Support::no("cols " + std::to_string(p.cols) + " not a multiple of 256 (whole 16-byte chunks per step)");
  if (p.cols > (int64_t{1} << 24)) return Support::no("cols above 2^24 (split count would exceed the grid)");
  return Support::yes();
}

// The stream kernel's needs and the weight format of a variant.
template <WeightFormat F>
Support stream_quant_supports(const MulMatVecProblem& p) {
  const Support s = stream_kernel_supports(p);
  if (!s.ok) return s;
  if (p.weight != F) return Support::no(std::string(to_string(p.weight)) + " weights");
  return Support::yes();
}

template <class Format, class TX, int kStages, int kStepsPerStage, int kRowsPerLane, int kMinSliceStages>
void launch_stream_typed(const char* name, const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  using Ring = StreamRing<Format, kStages, kStepsPerStage>;
  if (!aligned16(a.w)) throw std::invalid_argument(std::string(name) + ": weights not 16-byte aligned");
  Params params = make_params(p, a, weight_row_bytes(p.weight, p.cols));
  params.x_vector_staging = aligned16(a.x);  // cols % 256 == 0: rows and slices are whole 16-byte pieces
  dispatch_batch(p.batch, [&](auto batch) {
    constexpr int B = decltype(batch)::value;
    auto kernel = mul_mat_vec_stream_kernel<Format, TX, B, kStages, kStepsPerStage, kRowsPerLane>;
    // The largest dynamic shared memory the plan may ask for: the ring and the activation slice
    // (kStreamSliceBytes, or one stage of K for all B rows where that is more; rows padded to 128).
    constexpr int64_t kXElementBytes = Format::x_element_bytes(sizeof(TX));
    constexpr int64_t kStageX = int64_t{B} * kStreamStep * kStepsPerStage * kXElementBytes;
    const size_t max_smem = Ring::kBytes + static_cast<size_t>(std::max(kStreamSliceBytes, kStageX)) + 128 * B;
    allow_dynamic_shared_memory(reinterpret_cast<const void*>(kernel), max_smem);
    const int resident = resident_blocks_per_sm(reinterpret_cast<const void*>(kernel), kThreads, max_smem);
    plan_split_k(params, B, kXElementBytes, int64_t{kStreamStep} * kStepsPerStage,
                 kMinSliceStages, resident, kStreamSliceBytes);
    kernel<<<grid_of(params), kThreads, Ring::kBytes + x_smem_bytes(params, B), stream>>>(params);
  });
  LLMKB_CHECK_LAUNCH();
}

// Q8_0 / Q4_0 weights (Format: StreamQuant<F>, or StreamQuantDp4a<F> of mul_mat_vec_dp4a.cuh), f32 or
// f16 activations.
template <class Format, int kStages, int kStepsPerStage, int kRowsPerLane, int kMinSliceStages = 1>
void launch_stream_quant(const char* name, const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  const Support s = stream_quant_supports<Format::kFormat>(p);
  if (!s.ok) throw std::invalid_argument(std::string(name) + ": " + s.reason);
  if (p.activation == DType::f32) {
    launch_stream_typed<Format, float, kStages, kStepsPerStage, kRowsPerLane, kMinSliceStages>(name, p, a, stream);
  } else {
    launch_stream_typed<Format, __half, kStages, kStepsPerStage, kRowsPerLane, kMinSliceStages>(name, p, a, stream);
  }
}

}  // namespace gemv
}  // namespace llmkb

// Chosen on an H200 (scripts/gemv_sweep.sh, llama3-8b shapes) from 4x1, 8x1 and 4x2 (Q8_0) and 4x2,
// 8x2 and 4x4 (Q4_0) stages x steps: the shallowest ring was fastest; deeper ones lost 15-25 %.
