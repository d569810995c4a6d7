// The warp split for quantised weights (mul_mat_vec/q8_0_split and q4_0_split, batches of 1-2): the
// integer block dot products of mul_mat_vec_dp4a.cuh on the block layout of mul_mat_vec/fast's
// warp split (mul_mat_vec_warp_split.cuh).
//
// Idea: the streamed kernel (mul_mat_vec_stream.cuh) stages and converts the activations in every
// block, so its blocks must live long to pay for it. Here a first kernel converts x once, into the
// plane records of mul_mat_vec_dp4a.cuh in global memory (3.5 bytes per activation, read by every
// block through L1; 2.5 and 1.5 bytes for the *_x16 and *_x8 variants, x in 2 planes or 1), and the GEMV itself is many small, short-lived blocks: kSplitWarps warps (1, 2,
// 4 or 8) share each pair of rows, one contiguous chunk of whole 256-weight steps each. A warp copies
// its chunk of both rows (up to kRoundSteps steps of each) into its own shared buffer with cp.async,
// all of it at once in kCopyParts commit groups, and computes on each part as it lands, as the
// streamed kernel's lanes do (lane 8g + j takes block j of a step for both rows, which share one read
// of the activation record; the four lane groups g take every fourth step). Longer chunks go in
// rounds, one after the other. The warps' sums meet in shared memory and are added in chunk order.
// The GEMV kernel is a programmatic dependent launch (SM90+): its blocks start, and issue their
// weight copies, while the conversion kernel still runs, and wait for it only before reading x.
// Measured on an H200 (17 shapes, batch 1, both formats): without that overlap each took 1.7-2.8 us longer.
// Needs cols % 256 == 0 and 16-byte aligned W (as the streamed kernel).
#pragma once
#include "kernels/common/dependent_launch.cuh"
#include "kernels/common/tile_primitives.cuh"
#include "kernels/gemv/mul_mat_vec_dp4a.cuh"
#include "kernels/gemv/mul_mat_vec_stream.cuh"  // kStreamStep, kStreamLanesPerRow, stream_quant_supports
#include "kernels/gemv/mul_mat_vec_warp_split.cuh"

namespace llmkb {
namespace gemv {

constexpr int kQuantSplitMaxBatch = 2;
// Registers capped for 4 blocks per SM (64 per thread): uncapped, the batch-1 kernels take 72-80 and 3 fit.
// Under the cap the batch-2 Q4_0 kernels in one commit group spill 24-56 bytes; in four groups, and at
// batch 1, they do not spill.
constexpr int kQuantSplitMinBlocks = 4;

template <WeightFormat F, int B, int kSplitWarps, int kRoundSteps, int kCopyParts, int kPlanes>
__global__ void __launch_bounds__(kThreads, kQuantSplitMinBlocks) mul_mat_vec_quant_split_kernel(const Params p) {
  using Format = StreamQuantDp4a<F, kPlanes>;
  constexpr int kRows = kWarpSplitRows;
  constexpr int kBlockRows = warp_split_block_rows(kSplitWarps);
  constexpr int kStepChunks = Format::kStepBytes / 16;
  constexpr int kRowBytes = kRoundSteps * Format::kStepBytes;  // a row's share of a warp's buffer
  constexpr int kLaneGroups = 32 / kStreamLanesPerRow;
  constexpr bool kAsync = LLMKB_SM80 != 0;
  __shared__ __align__(16) char buffers[kWarps][kRows * kRowBytes];
  __shared__ float sums[kWarps][kRows * B];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int lane_group = lane / kStreamLanesPerRow, j = lane % kStreamLanesPerRow;
  const int group = warp / kSplitWarps, chunk = warp % kSplitWarps;
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * kBlockRows + group * kRows;
  const int chunk_steps = static_cast<int>(p.k_slice / kStreamStep);
  const int step_begin = chunk * chunk_steps;
  const int step_end = min(static_cast<int>(p.cols / kStreamStep), step_begin + chunk_steps);
  char* buffer = buffers[warp];

  // Rows past M (last block only) re-read row M-1 and are never stored.
  const char* w_rows[kRows];
#pragma unroll
  for (int r = 0; r < kRows; ++r) w_rows[r] = static_cast<const char*>(p.w) + min(row0 + r, p.rows - 1) * p.w_row_bytes;
  // Copies steps [first + from, first + to) of both rows into the buffer (from `from` on) as one
  // commit group: at most kLaneCopies 16-byte copies per lane and row, unrolled (a loop with a
  // run-time trip count cost about 270 instructions per warp for the 9 copies of a Q4_0 lane, a third
  // of everything the warp issued). Uniform in the warp.
  auto copy_steps = [&](int first, int from, int to) {
    constexpr int kLaneCopies = (kRoundSteps * kStepChunks + 31) / 32;
    const int begin = from * kStepChunks + lane, end = to * kStepChunks;
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      const char* src = w_rows[r] + static_cast<int64_t>(first) * Format::kStepBytes;
      char* dst = buffer + r * kRowBytes;
#pragma unroll
      for (int i = 0; i < kLaneCopies; ++i) {
        const int c = begin + 32 * i;
        if (c < end) copy16<kAsync>(dst + 16 * c, src + 16 * c, true);
      }
    }
    cp_async_commit<kAsync>();
  };
  // A round of `steps` steps goes in kCopyParts commit groups: part i is steps [part_end(i - 1), part_end(i)).
  auto part_end = [](int steps, int part) { return part < 0 ? 0 : (steps * (part + 1) + kCopyParts - 1) / kCopyParts; };
  auto copy_round = [&](int first, int steps) {
#pragma unroll
    for (int part = 0; part < kCopyParts; ++part) copy_steps(first, part_end(steps, part - 1), part_end(steps, part));
  };

  float acc[kRows][B];
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
#pragma unroll
    for (int b = 0; b < B; ++b) acc[r][b] = 0.f;
  }
  if (step_begin < step_end) copy_round(step_begin, min(kRoundSteps, step_end - step_begin));
  wait_for_prior_grids();  // the activation planes are written by the kernel before this one
  for (int first = step_begin; first < step_end; first += kRoundSteps) {
    const int steps = min(kRoundSteps, step_end - first);
#pragma unroll
    for (int part = 0; part < kCopyParts; ++part) {
      static_assert(kCopyParts >= 1 && kCopyParts <= 4, "one to four commit groups per round");
      cp_async_wait_pending<kAsync>(kCopyParts - 1 - part);  // this part's copies have landed
      __syncwarp();  // every lane's copies of this part visible
      for (int u = part_end(steps, part - 1) + lane_group; u < part_end(steps, part); u += kLaneGroups) {
        Format::template dot<float, B, kRows>(buffer + u * Format::kStepBytes, kRowBytes, j, p.x_planes,
                                              p.x_planes_row_bytes, (first + u) * kStreamStep, acc);
      }
    }
    if (first + kRoundSteps < step_end) {
      __syncwarp();  // every lane done with the buffer
      copy_round(first + kRoundSteps, min(kRoundSteps, step_end - first - kRoundSteps));
    }
  }
  add_chunk_sums<kSplitWarps>(p, acc, sums);
}

template <WeightFormat F, class TX, int B, int kRoundSteps, int kCopyParts, int kFullRoundParts, int kPlanes>
void launch_quant_split_typed(Params params, cudaStream_t stream) {
  // 1, 2, 4 or 8 warps per row pair: the fewest rounds per warp, then the fewest warps.
  const int64_t steps = params.cols / kStreamStep;
  const int warps = fewest_rounds_split(steps, kRoundSteps, steps, {1, 2, 4, 8});
  params.k_slice = ceil_div(steps, warps) * kStreamStep;
  params.splits = 1;
  StreamQuantDp4a<F, kPlanes>::template prepare_x<TX, B>(params, stream);
  const bool whole_rounds = steps == warps * kRoundSteps;  // every warp's chunk is one whole round
  dispatch_split_warps(warps, [&](auto split) {
    constexpr int kSplitWarps = decltype(split)::value;
    const auto whole_round_kernel = mul_mat_vec_quant_split_kernel<F, B, kSplitWarps, kRoundSteps, kFullRoundParts, kPlanes>;
    const int64_t grid = ceil_div(params.rows, warp_split_block_rows(kSplitWarps));
    // kFullRoundParts groups pay where the warps' latency is not hidden by later blocks: at most 2 waves
    // (asked of the device only where the choice changes the kernel).
    auto within_two_waves = [&] {
      const int per_sm = resident_blocks_per_sm(reinterpret_cast<const void*>(whole_round_kernel), kThreads, 0);
      return grid <= 2 * int64_t{per_sm} * current_sm_count();
    };
    if (whole_rounds && (kFullRoundParts == kCopyParts || within_two_waves())) {
      launch_dependent(whole_round_kernel, dim3(static_cast<unsigned>(grid)), dim3(kThreads), 0, stream, params);
    } else {
      launch_dependent(mul_mat_vec_quant_split_kernel<F, B, kSplitWarps, kRoundSteps, kCopyParts, kPlanes>,
                       dim3(static_cast<unsigned>(grid)), dim3(kThreads), 0, stream, params);
    }
  });
}

// The streamed kernel's needs (cols % 256 == 0), weight format F and a batch of 1-2.
template <WeightFormat F>
Support quant_split_supports(const MulMatVecProblem& p) {
  const Support s = stream_quant_supports<F>(p);
  if (!s.ok) return s;
  if (p.batch > kQuantSplitMaxBatch)
    return Support::no("batch " + std::to_string(p.batch) + " above " + std::to_string(kQuantSplitMaxBatch) +
                       " (the *_dp4a and *_mma variants take any batch)");
  return Support::yes();
}

// Q8_0 / Q4_0 weights, f32 or f16 activations: the conversion kernel (x into kPlanes planes), then the
// warp split, its rounds in kCopyParts commit groups, or in kFullRoundParts where every warp's chunk is
// one whole round and the grid is at most 2 waves.
template <WeightFormat F, int kRoundSteps, int kCopyParts, int kFullRoundParts, int kPlanes = 3>
void launch_quant_split(const char* name, const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  const Support s = quant_split_supports<F>(p);
  if (!s.ok) throw std::invalid_argument(std::string(name) + ": " + s.reason);
  if (!aligned16(a.w)) throw std::invalid_argument(std::string(name) + ": weights not 16-byte aligned");
  Params params = make_params(p, a, weight_row_bytes(p.weight, p.cols));
  params.x_vector_staging = aligned16(a.x);  // cols % 256 == 0: rows are whole 16-byte pieces
  dispatch_batch(p.batch, [&](auto batch) {
    constexpr int B = decltype(batch)::value;
    if constexpr (B <= kQuantSplitMaxBatch) {
      if (p.activation == DType::f32) {
        launch_quant_split_typed<F, float, B, kRoundSteps, kCopyParts, kFullRoundParts, kPlanes>(params, stream);
      } else {
        launch_quant_split_typed<F, __half, B, kRoundSteps, kCopyParts, kFullRoundParts, kPlanes>(params, stream);
      }
    }
  });
}

}  // namespace gemv
}  // namespace llmkb
