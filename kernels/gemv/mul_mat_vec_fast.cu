// mul_mat_vec/fast: one pass over W for all (up to 8) vectors: 8 warps x 2 or 4 rows per block, each
// lane issuing 8 independent 16-byte streaming loads (2 rows x 4 steps, or 4 x 2) before using them, the
// activation slice staged once per block in shared memory, warp-shuffle reductions, and K split
// over blocks (slices of at least kMinSliceSteps steps) so that the grid fills whole waves of
// resident blocks where it can (the last block of a row tile adds the partial sums). bf16 weights
// are widened a 32-bit word (two elements) at a time. Rows whose length is not a whole number of
// 16-byte vectors (or unaligned pointers) take the same structure with one element per lane.
// Batches of kTensorCoreMinBatch vectors or more, with f16/bf16 weights and x of the same type on
// sm_80+, go to mul_mat_vec/mma's tensor-core kernel, whose time does not grow with the batch.
// Batches of 1-2 with f16/bf16 weights and x of the same type, K >= 512 and 16-byte aligned rows go to
// the warp-split kernel (mul_mat_vec_warp_split.cuh).
#include "kernels/common/variant.h"
#include "kernels/gemv/gemv_device.cuh"
#include "kernels/gemv/mul_mat_vec_mma.h"
#include "kernels/gemv/mul_mat_vec_warp_split.cuh"

namespace llmkb {
namespace {

using gemv::Params;

constexpr int kLoadsInFlight = 8;  // 16-byte loads per lane issued before any is used (rows x steps)

// The figures in the next two comments were taken before the warp-split path existed; at batch 1-2 with
// f16/bf16 weights and x this kernel now runs only where K < 512, K is not a multiple of 8, or W or x
// is not 16-byte aligned.
// Rows per warp: 2 (16-row tiles: twice the blocks, 4 steps of each row in flight), or 4 for rows
// longer than kLongRowCols. H100, f16/bf16 batch 1 on the four models' 17 shapes, cuBLAS in the same
// run (scripts/gemv_summary.py): of the 14 shapes with K <= 8192, 2 rows were faster than 4 on 12 (up
// to 7 %: qwen2.5-7b o 14.75 -> 13.92 us, gemma-3-4b o 9.41 -> 8.83 us, llama3-70b qkv_tp8 15.33 ->
// 14.40 us), level on llama3-70b down_tp8 and 1 % slower on o_tp8; on the three with K >= 10240 (down
// projections) 1-2.5 % slower. 1 row per warp (8 steps in flight) beat 2 rows by more than 1 % only
// where M >= 28672 (llama3-8b gate_up 81.02 -> 79.98 us) and was 3-10 % slower than 4 on the downs.
constexpr int64_t kLongRowCols = 8192;
// H200, llama3-8b f16/bf16 projections: this kernel takes 1.6-1.8x longer at batch 8 than at batch 1
// (the FMAs per weight grow with the batch), mma about the same time at both; mma is 1.04-1.18x
// slower at batch 1 and 1.5-1.7x faster at batch 8; interpolated linearly, they cross at 1.6-2.5
// vectors, so from 3 on mma is the faster on every one of them.
constexpr int kTensorCoreMinBatch = 3;
// The warp-split kernel serves batches up to this many vectors (measured at 1 and 2: H100, llama3-8b
// down and gate_up f16 batch 2, 1.14x and 1.08x faster than this kernel).
constexpr int kWarpSplitMaxBatch = 2;

// The shortest split-K slice, in steps of 32 lanes x one 16-byte load (16 steps: 4096 f16/bf16
// weights per row). Every split costs its block a fence, an arrival atomic and the staging of its
// activations, and the last block of a row tile a pass over the partials. H100, f16/bf16 batch 1-2 on
// the four models' 36 shapes, cuBLAS in the same run: with at least 16 steps, fast was as fast as
// cuBLAS or faster on 22 of them (median x1.008); with at least 4 (the earlier plan), on 15 (median
// x0.989). Re-timed as committed then (4 rows per warp): 18 of 36, median x1.000. It loses where few
// row tiles are left unsplit (llama3-70b qkv_tp8, 1280 rows: 13.4 -> 15.3 us). Issuing the first loads before the
// activation staging was tried with both and dropped: faster for bf16, slower for f16. With 2 rows per
// warp (H100, same run): slices down to 4 steps wherever the 16-step plan leaves fewer than 2 blocks per
// SM were slower on 7 of the 8 shapes concerned (gemma-3-4b o 8.74 -> 10.43 us, llama3-8b o 16.21 ->
// 17.57 us), faster only on llama3-70b qkv_tp8 (14.30 -> 13.86 us; cuBLAS 13.25 us).
constexpr int kMinSliceSteps = 16;

template <class TW, int N>
__device__ __forceinline__ Vec<TW, N> load_weights(const TW* p) {
  if constexpr (N * sizeof(TW) == 16) {
    const uint4 raw = gemv::load_stream16(p);
    return *reinterpret_cast<const Vec<TW, N>*>(&raw);
  } else {
    return *reinterpret_cast<const Vec<TW, N>*>(p);
  }
}

template <class TW, class TX, int B, int kVecWidth, int kWarpRows>
__global__ void __launch_bounds__(gemv::kThreads) mul_mat_vec_fast_kernel(const Params p) {
  constexpr int kUnroll = kLoadsInFlight / kWarpRows;  // steps whose loads are in flight together
  extern __shared__ __align__(16) char x_smem[];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t k_begin = static_cast<int64_t>(blockIdx.y) * p.k_slice;
  const int len = static_cast<int>(min(p.k_slice, p.cols - k_begin));
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * (gemv::kWarps * kWarpRows) + warp * kWarpRows;

  // Rows past M (last tile only) re-read row M-1 and are never stored.
  const TW* w_rows[kWarpRows];
#pragma unroll
  for (int r = 0; r < kWarpRows; ++r) {
    w_rows[r] = static_cast<const TW*>(p.w) + min(row0 + r, p.rows - 1) * p.cols + k_begin;
  }
  gemv::stage_x_slice<TX, B>(p, k_begin, len, x_smem);
  __syncthreads();

  float acc[kWarpRows][B];
#pragma unroll
  for (int r = 0; r < kWarpRows; ++r) {
#pragma unroll
    for (int b = 0; b < B; ++b) acc[r][b] = 0.f;
  }

  constexpr int kStep = 32 * kVecWidth;
  for (int k0 = lane * kVecWidth; k0 < len; k0 += kStep * kUnroll) {
    Vec<TW, kVecWidth> w[kUnroll][kWarpRows];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int k = k0 + u * kStep;
      if (k < len) {
#pragma unroll
        for (int r = 0; r < kWarpRows; ++r) w[u][r] = load_weights<TW, kVecWidth>(w_rows[r] + k);
      }
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int k = k0 + u * kStep;
      if (k < len) {
        float wf[kWarpRows][kVecWidth];
#pragma unroll
        for (int r = 0; r < kWarpRows; ++r) gemv::vec_to_floats<TW, kVecWidth>(w[u][r], wf[r]);
#pragma unroll
        for (int b = 0; b < B; ++b) {
          float xf[kVecWidth];
          gemv::load_x_floats<TX, kVecWidth>(x_smem + b * p.x_row_smem_bytes, k, xf);
          gemv::accumulate_rows(wf, xf, acc, b);
        }
      }
    }
  }

#pragma unroll
  for (int r = 0; r < kWarpRows; ++r) {
#pragma unroll
    for (int b = 0; b < B; ++b) acc[r][b] = warp_sum(acc[r][b]);
  }
  gemv::store_warp_rows<B, kWarpRows>(p, row0, lane, acc);
  gemv::finish_split_k<B, gemv::kWarps * kWarpRows>(p);
}

Support supports(const MulMatVecProblem& p) {
  const Support valid = mul_mat_vec_valid(p);
  if (!valid.ok) return valid;
  if (is_quantized(p.weight)) return Support::no(std::string(to_string(p.weight)) + " weights (float kernel)");
  if (p.cols > (int64_t{1} << 24)) return Support::no("cols above 2^24 (split count would exceed the grid)");
  return Support::yes();
}

// Runs the warp-split kernel where it can (gemv::warp_split_warps picks 2, 4 or 8 warps per row pair);
// false where it cannot, or the types are not f16/bf16 for both W and x at a batch up to
// kWarpSplitMaxBatch. H100, f16/bf16 on the four models' 17 shapes at batch 1 and llama3-8b's two
// batch-2 cases, against this file's own kernel as it was before, same run: 1.11x geometric mean,
// faster on all 36, from 1.02x (the 262k-row output head) to 1.32x (llama3-70b qkv_tp8 1280x8192;
// llama3-8b down 4096x14336: 1.09x). Choosing the split by the fewest rounds per warp, not
// the most warps whose chunk holds a full round: 1.015x over the 36, faster on 13, slower on none
// (llama3-70b o_tp8, K = 1024: 1.10x; gemma-3-4b and qwen2.5-7b qkv 1.04-1.05x).
template <class TW, class TX, int B>
bool launch_warp_split_if_fits(const MulMatVecProblem& p, const MulMatVecArgs& a, const Params& params,
                               cudaStream_t stream) {
  if constexpr (B <= kWarpSplitMaxBatch && sizeof(TW) == 2 && std::is_same_v<TW, TX>) {
    const int warps = gemv::warp_split_warps(p, a, sizeof(TW), kLoadsInFlight);
    if (warps == 0) return false;
    gemv::dispatch_split_warps(warps, [&](auto split) {
      gemv::launch_warp_split<TW, B, kLoadsInFlight, decltype(split)::value>(params, stream);
    });
    return true;
  }
  return false;
}

template <class TW, class TX, int kWarpRows>
void launch_typed(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  constexpr int kBlockRows = gemv::kWarps * kWarpRows;
  constexpr int kVec = kVec16<TW>;
  const bool vector_weights = p.cols % kVec == 0 && aligned16(a.w);
  Params params = gemv::make_params(p, a, p.cols * static_cast<int64_t>(sizeof(TW)));
  const int64_t step = 32 * (vector_weights ? kVec : 1);
  gemv::dispatch_batch(p.batch, [&](auto batch) {
    constexpr int B = decltype(batch)::value;
    if (launch_warp_split_if_fits<TW, TX, B>(p, a, params, stream)) return;
    auto kernel = vector_weights ? mul_mat_vec_fast_kernel<TW, TX, B, kVec, kWarpRows>
                                 : mul_mat_vec_fast_kernel<TW, TX, B, 1, kWarpRows>;
    // Occupancy at the largest activation slice the plan may pick.
    const int resident = gemv::resident_blocks_per_sm(reinterpret_cast<const void*>(kernel), gemv::kThreads,
                                                      gemv::kActivationSliceBytes + 128 * B);
    gemv::plan_split_k(params, B, sizeof(TX), step, kMinSliceSteps, resident, gemv::kActivationSliceBytes, kBlockRows);
    params.x_vector_staging = aligned16(a.x) && (p.cols * static_cast<int64_t>(sizeof(TX))) % 16 == 0 &&
                              (params.k_slice * static_cast<int64_t>(sizeof(TX))) % 16 == 0;
    const size_t smem = gemv::x_smem_bytes(params, B);
    kernel<<<gemv::grid_of(params, kBlockRows), gemv::kThreads, smem, stream>>>(params);
  });
  LLMKB_CHECK_LAUNCH();
}

template <int kWarpRows>
void launch_rows(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  dispatch_float_dtype(storage_dtype(p.weight), [&](auto weight_tag) {
    using TW = decltype(weight_tag);
    if (p.activation == DType::f32) {
      launch_typed<TW, float, kWarpRows>(p, a, stream);
    } else if constexpr (!std::is_same_v<TW, float>) {
      launch_typed<TW, TW, kWarpRows>(p, a, stream);  // mul_mat_vec_valid: the activation is the weight's type
    }
  });
}

void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  const Support s = supports(p);
  if (!s.ok) throw std::invalid_argument("mul_mat_vec/fast: " + s.reason);
  if (p.batch >= kTensorCoreMinBatch && mul_mat_vec_mma_runs(p, a)) {
    launch_mul_mat_vec_mma(p, a, stream);
    return;
  }
  if (p.cols > kLongRowCols) {
    launch_rows<4>(p, a, stream);
  } else {
    launch_rows<2>(p, a, stream);
  }
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_fast() {
  return {"mul_mat_vec/fast",
          "16-byte streaming loads, 2 rows x 4 steps (4 x 2 for K > 8192) in flight per lane, x slice in smem, "
          "all vectors in one pass, split-K for small M; f16/bf16 batches of 1-2: 2-8 warps split each row "
          "pair's K, x from L1; batches of 3+ with f16/bf16 x on sm_80+: mul_mat_vec/mma's "
          "tensor-core kernel",
          75,
          false,
          supports,
          launch};
}

}  // namespace llmkb
