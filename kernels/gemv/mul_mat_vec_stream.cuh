// The streamed quantised GEMV kernel (mul_mat_vec/q8_0_ring, q4_0_ring, q8_0_dp4a and q4_0_dp4a
// instantiate it).
//
// Idea: keep W streaming without gaps. Each warp streams kWarpRows rows at a time (1, 2 or 4) through a
// private ring of kStages shared-memory stages filled with cp.async (SM80+; a synchronous 16-byte copy
// on SM75), so kStages - 1 stages of loads stay in flight while the warp computes on the oldest one:
// no registers hold loads in flight, no regroup of quantised blocks through registers and __syncwarp
// pairs per row. A block is 8 warps; it covers kPasses x 8 x kWarpRows rows, and a warp's ring runs on
// from one pass's rows into the next (the activations are staged once per block, the stream has no
// gap between passes). Split-K and its end as in mul_mat_vec/fast.
// A stage holds kStepsPerStage steps of 256 weights of each of the warp's rows (copied as whole
// 16-byte chunks: a step is 272 bytes of Q8_0, 144 of Q4_0); fewer rows per warp with more steps
// per stage stream each row in longer contiguous pieces.
// Lane 8g + j computes on the j-th Q8_0/Q4_0 block of a step (read as words and funnel-shifted past
// its fp16 scale, dequantised exactly by byte permute and one subtraction, the block's sum of q * x
// scaled by d once) for kRowsPerLane rows, which share one read of the block's activations; the
// four lane groups g are dealt out over the rows and steps of a stage (StreamLanes). fp32 FMAs
// throughout; the lanes of a row are added by shuffles in a fixed order. Activations: the slice
// staged once per block in shared memory (swizzled, gemv::stage_x_slice), at most kStreamSliceBytes of it.
// Needs cols % 256 == 0 (whole steps, 16-byte aligned rows and slices) and 16-byte aligned W.
//
// The block dot product and the activation staging come from the Format: StreamQuant below (floats,
// as described above), or StreamQuantDp4a (kernels/gemv/mul_mat_vec_dp4a.cuh: integer planes).
//
// Knobs (StreamKnobs):
//   kWarpRows        rows a warp streams at a time (1, 2 or 4)
//   kPasses          row sets a warp streams one after the other (rows per block: kPasses x 8 x kWarpRows)
//   kStages          ring depth per warp; kStages - 1 stages of W in flight per warp
//   kStepsPerStage   256-weight steps per row per stage (bytes per cp.async group)
//   kRowsPerLane     rows whose blocks one lane computes on, sharing the activations (1, 2 or 4; at
//                    most kWarpRows)
//   kMinSliceStages  the shortest split-K slice, in stages (the plan otherwise splits K as finely as
//                    filling the last wave asks)
//   kMaxBatch        the largest batch the knobs are compiled for (8: all)
#pragma once
#include "kernels/common/dynamic_shared_memory.h"
#include "kernels/common/tile_primitives.cuh"
#include "kernels/gemv/gemv_device.cuh"
#include "kernels/gemv/mul_mat_vec_quant.cuh"

namespace llmkb {
namespace gemv {

constexpr int kStreamStep = 256;                    // weights per row per step
constexpr int kStreamLanesPerRow = kStreamStep / kQuantBlockWeights;  // lanes per row-step: one per block
constexpr int64_t kStreamSliceBytes = 16 * 1024;     // activation slice cap (leaves shared memory to the ring)
static_assert(kStreamLanesPerRow == 8, "a step is 8 quantised blocks, one per lane of a group of 8 (a warp is 4 groups)");

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

// The kernel's knobs (see the top of this file).
template <int kWarpRows_, int kPasses_, int kStages_, int kStepsPerStage_, int kRowsPerLane_, int kMinSliceStages_,
          int kMaxBatch_ = 8>
struct StreamKnobs {
  static constexpr int kWarpRows = kWarpRows_;
  static constexpr int kPasses = kPasses_;
  static constexpr int kStages = kStages_;
  static constexpr int kStepsPerStage = kStepsPerStage_;
  static constexpr int kRowsPerLane = kRowsPerLane_;
  static constexpr int kMinSliceStages = kMinSliceStages_;
  static constexpr int kMaxBatch = kMaxBatch_;
  static constexpr int kPassRows = kWarps * kWarpRows;  // rows of a block per pass
  static constexpr int kTileRows = kPassRows * kPasses;  // rows of a block
  static_assert(kWarpRows == 1 || kWarpRows == 2 || kWarpRows == 4, "1, 2 or 4 rows per warp at a time");
  static_assert(kPasses >= 1, "at least one pass");
  static_assert(kStages >= 2, "a ring of at least two stages");
  static_assert(kStepsPerStage >= 1, "at least one step per stage");
};

template <class Format, class Knobs>
struct StreamRing {
  static constexpr int kRowStageBytes = Knobs::kStepsPerStage * Format::kStepBytes;
  static constexpr int kRowStageChunks = kRowStageBytes / 16;
  static constexpr int kWarpStageBytes = Knobs::kWarpRows * kRowStageBytes;
  static constexpr int kWarpStageChunks = kWarpStageBytes / 16;
  static constexpr int kChunkRounds = (kWarpStageChunks + 31) / 32;  // 16-byte copies per lane per stage
  static constexpr size_t kBytes = static_cast<size_t>(kWarps) * Knobs::kStages * kWarpStageBytes;
};

// The lanes of a warp over a stage (kStepsPerStage steps of the warp's kWarpRows rows, 8 blocks per
// row-step): lane 8g + j takes block j. The rows come in groups of kRowsPerLane (they share one read
// of the activations); lane groups g are dealt out to them, kGroupsPerRowGroup groups to each, and
// those split the stage's steps: group g takes the rows of row group g / kGroupsPerRowGroup and the
// steps g % kGroupsPerRowGroup, + kGroupsPerRowGroup, ... of the stage.
template <class Knobs>
struct StreamLanes {
  static constexpr int kRowsPerLane = Knobs::kRowsPerLane;
  static_assert(kRowsPerLane == 1 || kRowsPerLane == 2 || kRowsPerLane == 4, "1, 2 or 4 rows per lane");
  static_assert(Knobs::kWarpRows % kRowsPerLane == 0, "whole row groups");
  static constexpr int kGroupsPerRowGroup = 4 * kRowsPerLane / Knobs::kWarpRows;
  static_assert(Knobs::kStepsPerStage % kGroupsPerRowGroup == 0, "every lane takes the same number of steps");
  static constexpr int kStepsPerLane = Knobs::kStepsPerStage / kGroupsPerRowGroup;
};

// A block covers kTileRows = kPassRows * kPasses rows: in pass t, warp w streams rows
// tile_row0 + (t * kWarps + w) * kWarpRows onward, and its ring runs on from one pass into the next.
template <class Format, class TX, int B, class Knobs>
__global__ void __launch_bounds__(kThreads) mul_mat_vec_stream_kernel(const Params p) {
  using Ring = StreamRing<Format, Knobs>;
  using Lanes = StreamLanes<Knobs>;
  constexpr int kStages = Knobs::kStages, kStepsPerStage = Knobs::kStepsPerStage;
  constexpr int kRowsPerLane = Knobs::kRowsPerLane, kGroups = Lanes::kGroupsPerRowGroup;
  constexpr bool kAsync = LLMKB_SM80 != 0;
  extern __shared__ __align__(16) char smem[];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / kStreamLanesPerRow, j = lane % kStreamLanesPerRow;
  const int first_row = (g / kGroups) * kRowsPerLane;  // of the warp's kWarpRows
  const int first_lane_step = g % kGroups;             // of the stage's steps
  char* ring = smem + warp * kStages * Ring::kWarpStageBytes;
  char* x_smem = smem + Ring::kBytes;

  const int64_t k_begin = static_cast<int64_t>(blockIdx.y) * p.k_slice;
  const int len = static_cast<int>(min(p.k_slice, p.cols - k_begin));  // a multiple of 256
  const int steps = len / kStreamStep;
  const int stages = (steps + kStepsPerStage - 1) / kStepsPerStage;  // per pass
  const int64_t warp_row0 = static_cast<int64_t>(blockIdx.x) * Knobs::kTileRows + warp * Knobs::kWarpRows;

  // This lane's copies: chunk lane + 32 i of a stage is piece `piece[i]` of the warp's row c / kRowStageChunks,
  // read from src[i] (set for the pass being copied). Rows past M (last tile only) re-read row M-1 and
  // are never stored.
  const char* src[Ring::kChunkRounds];
  int dst[Ring::kChunkRounds], piece[Ring::kChunkRounds];
  const char* w_slice = static_cast<const char*>(p.w) + k_begin / kStreamStep * Format::kStepBytes;
#pragma unroll
  for (int i = 0; i < Ring::kChunkRounds; ++i) {
    const int c = min(lane + 32 * i, Ring::kWarpStageChunks - 1);
    piece[i] = c % Ring::kRowStageChunks;
    dst[i] = c / Ring::kRowStageChunks * Ring::kRowStageBytes + 16 * piece[i];
  }
  auto point_at_pass = [&](int t) {
    const int64_t pass_row0 = warp_row0 + static_cast<int64_t>(t) * Knobs::kPassRows;
#pragma unroll
    for (int i = 0; i < Ring::kChunkRounds; ++i) {
      const int row = min(lane + 32 * i, Ring::kWarpStageChunks - 1) / Ring::kRowStageChunks;
      src[i] = w_slice + min(pass_row0 + row, p.rows - 1) * p.w_row_bytes + 16 * piece[i];
    }
  };
  // Copies stage s of the current pass into ring slot q % kStages. Uniform in the warp.
  auto issue = [&](int q, int s) {
    char* slot = ring + (q % kStages) * Ring::kWarpStageBytes;
    const int64_t offset = static_cast<int64_t>(s) * Ring::kRowStageBytes;
    const int row_chunks = min(kStepsPerStage, steps - s * kStepsPerStage) * (Format::kStepBytes / 16);
#pragma unroll
    for (int i = 0; i < Ring::kChunkRounds; ++i) {
      if (lane + 32 * i < Ring::kWarpStageChunks && piece[i] < row_chunks) {
        copy16<kAsync>(slot + dst[i], src[i] + offset, true);
      }
    }
  };

  // Prologue: the first kStages - 1 stages in flight, then the activations, which overlap them.
  const int total = Knobs::kPasses * stages;
  int issue_t = 0, issue_s = 0;  // pass and stage of the next stage to copy (several passes)
  point_at_pass(0);
  auto issue_next = [&](int q) {
    if (q >= total) return;
    if constexpr (Knobs::kPasses == 1) {
      issue(q, q);
    } else {
      issue(q, issue_s);
      if (++issue_s == stages) {
        issue_s = 0;
        if (++issue_t < Knobs::kPasses) point_at_pass(issue_t);
      }
    }
  };
  using CopyRing = CpAsyncRing<kAsync, kStages>;
  CopyRing::prologue(issue_next);
  Format::template stage_x<TX, B>(p, k_begin, len, x_smem);
  __syncthreads();

  int q = 0;  // stages computed on, over the passes: ring slot q % kStages
  for (int t = 0; t < Knobs::kPasses; ++t) {
    float acc[kRowsPerLane][B];
#pragma unroll
    for (int i = 0; i < kRowsPerLane; ++i) {
#pragma unroll
      for (int b = 0; b < B; ++b) acc[i][b] = 0.f;
    }
    for (int s = 0; s < stages; ++s, ++q) {
      CopyRing::advance(q, issue_next);
      const char* rows_stage = ring + (q % kStages) * Ring::kWarpStageBytes + first_row * Ring::kRowStageBytes;
#pragma unroll
      for (int u_index = 0; u_index < Lanes::kStepsPerLane; ++u_index) {
        const int u = first_lane_step + u_index * kGroups;  // step of the stage
        const int step = s * kStepsPerStage + u;
        if (step < steps) {
          Format::template dot<TX, B, kRowsPerLane>(rows_stage + u * Format::kStepBytes, Ring::kRowStageBytes, j,
                                                    x_smem, p.x_row_smem_bytes, step * kStreamStep, acc);
        }
      }
    }
    // Each row's sum over the lanes that hold it (the 8 blocks j, and the kGroups lane groups of its
    // row group: lane bits 0-2 and the low log2(kGroups) bits of g), in a fixed order; lane 8g + j
    // then stores batch j of row first_row + g % kGroups (where g % kGroups < kRowsPerLane).
#pragma unroll
    for (int i = 0; i < kRowsPerLane; ++i) {
#pragma unroll
      for (int b = 0; b < B; ++b) {
#pragma unroll
        for (int o = 1; o < kStreamLanesPerRow * kGroups; o <<= 1) {
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
    const int64_t out_row = warp_row0 + static_cast<int64_t>(t) * Knobs::kPassRows + first_row + first_lane_step;
    if (first_lane_step < kRowsPerLane && j < B && out_row < p.rows) {
      if (p.splits == 1) {
        p.y[j * p.rows + out_row] = v;
      } else {
        p.partials[(static_cast<int64_t>(blockIdx.y) * B + j) * p.rows + out_row] = v;
      }
    }
  }
  cp_async_wait<kAsync, 0>();  // nothing left in flight at exit (all groups past the last stage are empty)
  finish_split_k<B, Knobs::kTileRows>(p);
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

template <class Format, class TX, int B, class Knobs>
void launch_stream_batch(Params params, cudaStream_t stream) {
  using Ring = StreamRing<Format, Knobs>;
  auto kernel = mul_mat_vec_stream_kernel<Format, TX, B, Knobs>;
  // The largest dynamic shared memory the plan may ask for: the ring and the activation slice
  // (kStreamSliceBytes, or one stage of K for all B rows where that is more; rows padded to 128).
  constexpr int64_t kXElementBytes = Format::x_element_bytes(sizeof(TX));
  constexpr int64_t kStageX = int64_t{B} * kStreamStep * Knobs::kStepsPerStage * kXElementBytes;
  const size_t max_smem = Ring::kBytes + static_cast<size_t>(std::max(kStreamSliceBytes, kStageX)) + 128 * B;
  allow_dynamic_shared_memory(reinterpret_cast<const void*>(kernel), max_smem);
  const int resident = resident_blocks_per_sm(reinterpret_cast<const void*>(kernel), kThreads, max_smem);
  plan_split_k(params, B, kXElementBytes, int64_t{kStreamStep} * Knobs::kStepsPerStage, Knobs::kMinSliceStages,
               resident, kStreamSliceBytes, Knobs::kTileRows);
  kernel<<<grid_of(params, Knobs::kTileRows), kThreads, Ring::kBytes + x_smem_bytes(params, B), stream>>>(params);
}

template <class Format, class TX, class Knobs>
void launch_stream_typed(const char* name, const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  if (!aligned16(a.w)) throw std::invalid_argument(std::string(name) + ": weights not 16-byte aligned");
  if (p.batch > Knobs::kMaxBatch)
    throw std::invalid_argument(std::string(name) + ": batch " + std::to_string(p.batch) + " above the " +
                                std::to_string(Knobs::kMaxBatch) + " these knobs are compiled for");
  Params params = make_params(p, a, weight_row_bytes(p.weight, p.cols));
  params.x_vector_staging = aligned16(a.x);  // cols % 256 == 0: rows and slices are whole 16-byte pieces
  dispatch_batch(p.batch, [&](auto batch) {
    constexpr int B = decltype(batch)::value;
    if constexpr (B <= Knobs::kMaxBatch) launch_stream_batch<Format, TX, B, Knobs>(params, stream);
  });
  LLMKB_CHECK_LAUNCH();
}

// Q8_0 / Q4_0 weights (Format: StreamQuant<F>, or StreamQuantDp4a<F> of mul_mat_vec_dp4a.cuh), f32 or
// f16 activations; Knobs: StreamKnobs.
template <class Format, class Knobs>
void launch_stream_quant(const char* name, const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  const Support s = stream_quant_supports<Format::kFormat>(p);
  if (!s.ok) throw std::invalid_argument(std::string(name) + ": " + s.reason);
  if (p.activation == DType::f32) {
    launch_stream_typed<Format, float, Knobs>(name, p, a, stream);
  } else {
    launch_stream_typed<Format, __half, Knobs>(name, p, a, stream);
  }
}

}  // namespace gemv
}  // namespace llmkb

// Chosen on an H200 (scripts/gemv_sweep.sh, llama3-8b shapes) from 4x1, 8x1 and 4x2 (Q8_0) and 4x2,
// 8x2 and 4x4 (Q4_0) stages x steps: the shallowest ring was fastest; deeper ones lost 15-25 %.
