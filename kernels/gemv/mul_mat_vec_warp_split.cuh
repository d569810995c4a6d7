// mul_mat_vec/fast at batch 1-2: kSplitWarps warps (2, 4 or 8) share each pair of rows, one
// contiguous chunk of K each, so a block covers 2-8 whole rows and the matrix is spread
// over many small, short-lived blocks (several waves, which the block scheduler balances) without a
// split-K pass through global memory. Each lane loads its activations straight from global memory
// (L1-cached, shared by the blocks of an SM) together with its weights, so a warp's first (often only)
// round of loads is issued at once, with no staging or barrier before it; the warps' sums meet in
// shared memory at the end and are added in chunk order.
// Why (H100, llama3-8b down 4096x14336 bf16): the split-K kernel ran one wave of 384 long-lived blocks
// at 2.7 TB/s while its SMs were active (ncu), against 3.0 TB/s on gate_up's 3.4 waves; none of these
// changes to it gained more than 3.5 % there: first loads before the staging, the next round's loads
// before this round's arithmetic, 16 loads in flight, x through L1, 4 blocks per SM, no split, or 2-5
// waves through more splits (slower). This kernel: 41.1 against 45.0 us in the same run.
// Tried here and not kept: each warp prefetching into L2 (cp.async.bulk.prefetch.L2) its rows of the
// block half a wave to 1.5 waves ahead: slower at every distance (H100, 17 shapes at batch 1, geometric
// means x0.90-0.94; llama3-8b gate_up bf16 77.54 -> 78.91-82.66 us), as in mul_mat_vec_quant_split.cu.
#pragma once
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "kernels/gemv/gemv_device.cuh"

namespace llmkb {
namespace gemv {

constexpr int kWarpSplitRows = 2;  // rows per warp

// Rows of a block whose warps share each pair of rows kSplitWarps ways.
constexpr int warp_split_block_rows(int split_warps) {
  return kWarpSplitRows * (kWarps / split_warps);
}

// Of the warp counts in `candidates` (ascending) up to max_warps, the one that gives each warp the
// fewest rounds of steps_per_round steps over an equal share of `steps`, the fewest warps among
// equals; 0 where none is allowed.
inline int fewest_rounds_split(int64_t steps, int64_t steps_per_round, int64_t max_warps,
                               std::initializer_list<int> candidates) {
  int best = 0;
  int64_t best_rounds = 0;
  for (const int warps : candidates) {
    if (warps > max_warps) break;
    const int64_t rounds = ceil_div(ceil_div(steps, warps), steps_per_round);
    if (best == 0 || rounds < best_rounds) {
      best = warps;
      best_rounds = rounds;
    }
  }
  return best;
}

// Calls f(std::integral_constant<int, W>{}) with W == warps (1, 2, 4 or 8: warps per row pair).
template <class F>
void dispatch_split_warps(int warps, F&& f) {
  if (!dispatch_value<1, 2, 4, 8>(warps, f))
    throw std::invalid_argument("mul_mat_vec: " + std::to_string(warps) + " warps per row pair, not 1, 2, 4 or 8");
}

// The end of a warp-split block: each warp holds, spread over its lanes, its chunk's sums acc[r][b] of
// rows r of its row group (warp / kSplitWarps); they are added across the lanes, then across the
// group's kSplitWarps warps in chunk order (deterministic), and written to y. `sums` is the block's
// shared scratch.
template <int kSplitWarps, int kRows, int B>
__device__ __forceinline__ void add_chunk_sums(const Params& p, const float (&acc)[kRows][B],
                                               float (&sums)[kWarps][kRows * B]) {
  constexpr int kBlockRows = warp_split_block_rows(kSplitWarps);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
#pragma unroll
    for (int b = 0; b < B; ++b) {
      const float s = warp_sum(acc[r][b]);
      if (lane == 0) sums[warp][r * B + b] = s;
    }
  }
  __syncthreads();
  if (threadIdx.x < kBlockRows * B) {
    const int g = threadIdx.x / (kRows * B), i = threadIdx.x % (kRows * B), r = i / B, b = i % B;
    const int64_t row = static_cast<int64_t>(blockIdx.x) * kBlockRows + g * kRows + r;
    float total = 0.f;
#pragma unroll
    for (int c = 0; c < kSplitWarps; ++c) total += sums[g * kSplitWarps + c][i];
    if (row < p.rows) p.y[b * p.rows + row] = total;
  }
}

// W and x are both T (f16 or bf16): one 16-byte load of each per step and lane.
template <class T, int B, int kVec, int kLoads, int kSplitWarps>
__global__ void __launch_bounds__(kThreads) mul_mat_vec_warp_split_kernel(const Params p) {
  constexpr int kRows = kWarpSplitRows;
  constexpr int kBlockRows = warp_split_block_rows(kSplitWarps);
  constexpr int kUnroll = kLoads / kRows;  // steps per round
  constexpr int kStep = 32 * kVec;
  using V = Vec<T, kVec>;
  __shared__ float sums[kWarps][kRows * B];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int group = warp / kSplitWarps, chunk = warp % kSplitWarps;
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * kBlockRows + group * kRows;
  const int64_t k_begin = static_cast<int64_t>(chunk) * p.k_slice;  // this warp's chunk of K
  const int len = static_cast<int>(max(int64_t{0}, min(p.k_slice, p.cols - k_begin)));

  // Rows past M (last block only) re-read row M-1 and are never stored.
  const T* w_rows[kRows];
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
    w_rows[r] = static_cast<const T*>(p.w) + min(row0 + r, p.rows - 1) * p.cols + k_begin;
  }
  const T* x = static_cast<const T*>(p.x) + k_begin;

  float acc[kRows][B];
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
#pragma unroll
    for (int b = 0; b < B; ++b) acc[r][b] = 0.f;
  }
  for (int k0 = lane * kVec; k0 < len; k0 += kStep * kUnroll) {
    V w[kUnroll][kRows];
    uint4 xs[kUnroll][B];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int k = k0 + u * kStep;
      if (k < len) {
#pragma unroll
        for (int r = 0; r < kRows; ++r) {
          const uint4 raw = load_stream16(w_rows[r] + k);
          w[u][r] = *reinterpret_cast<const V*>(&raw);
        }
#pragma unroll
        for (int b = 0; b < B; ++b) xs[u][b] = __ldg(reinterpret_cast<const uint4*>(x + b * p.cols + k));
      }
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      if (k0 + u * kStep < len) {
        float wf[kRows][kVec];
#pragma unroll
        for (int r = 0; r < kRows; ++r) vec_to_floats<T, kVec>(w[u][r], wf[r]);
#pragma unroll
        for (int b = 0; b < B; ++b) {
          float xf[kVec];
          vec_to_floats<T, kVec>(*reinterpret_cast<const V*>(&xs[u][b]), xf);
          accumulate_rows(wf, xf, acc, b);
        }
      }
    }
  }

  add_chunk_sums<kSplitWarps>(p, acc, sums);
}

// The warps per pair of rows (2, 4 or 8) that give each warp the fewest rounds of `loads` 16-byte
// loads over its chunk of K, the fewest warps among equals; 0 where the kernel cannot run (W and x, both
// of `element_bytes`, must allow 16-byte loads at every step, and each warp needs at least one step of K).
inline int warp_split_warps(const MulMatVecProblem& p, const MulMatVecArgs& a, int64_t element_bytes, int loads) {
  const int64_t vec = 16 / element_bytes, step = 32 * vec;
  if (p.cols % vec != 0 || !aligned16(a.w) || !aligned16(a.x)) return 0;
  return fewest_rounds_split(ceil_div(p.cols, step), loads / kWarpSplitRows, p.cols / step, {2, 4, 8});
}

template <class T, int B, int kLoads, int kSplitWarps>
void launch_warp_split(Params params, cudaStream_t stream) {
  constexpr int kVec = kVec16<T>;
  params.k_slice = round_up(ceil_div(params.cols, kSplitWarps), 32 * kVec);
  params.splits = 1;
  mul_mat_vec_warp_split_kernel<T, B, kVec, kLoads, kSplitWarps>
      <<<static_cast<unsigned>(ceil_div(params.rows, warp_split_block_rows(kSplitWarps))), kThreads, 0, stream>>>(
          params);
}

}  // namespace gemv
}  // namespace llmkb
