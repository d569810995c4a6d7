// mul_mat_vec/mma: the GEMV as a tensor-core GEMM with the batch as the N = 8 dimension
// (mma.sync m16n8k16, fp16 or bf16 inputs, fp32 accumulation), for f16/bf16 weights with
// activations of the same type, batch 1..8, on sm_80+.
//
// A warp owns 16 rows of W. The dot product does not care about the order of k, so each lane
// reads whole 16-byte pieces: lane (g = lane / 4, t = lane % 4) loads rows g and g + 8 at
// k = base + 8 (4u + t), u < 2 (each load: 4 lanes read 64 contiguous bytes of a row; a step: 128),
// and the same 16 bytes of activation row g (batch column g; zero for g >= batch). Each piece feeds two mmas:
// its words 0,1 are the fragment's k slots {2t, 2t+1} and {2t+8, 2t+9} of the first mma, words
// 2,3 those of the second; A and B use the same map, so the sum over k is unchanged. No
// conversions, no FMAs: 1 mma and ~1.5 loads per 512 bytes of W per warp.
// A block is 2 row warps x 4 k warps (a 32-row tile, gemv::kRowsPerBlock); the k warps take
// interleaved 64-element steps, loads of the next step are issued before the mmas of the current
// one, and the 4 partial tiles are added in shared memory. K is split over blocks so that the grid
// fills whole waves of resident blocks (split-K end as in mul_mat_vec/fast).
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "kernels/common/code_arch.h"
#include "kernels/common/tile_primitives.cuh"
#include "kernels/common/variant.h"
#include "kernels/gemv/gemv_device.cuh"
#include "kernels/gemv/mul_mat_vec_mma.h"

namespace llmkb {
namespace {

using gemv::Params;

constexpr int kRowWarps = 2;                                   // 16 rows each
constexpr int kKWarps = 4;                                     // warps sharing a row tile along k
constexpr int kThreads = 32 * kRowWarps * kKWarps;             // 256
constexpr int kPiecesPerRow = 2;                               // 16-byte pieces per row per lane per step
constexpr int kPieceElements = 8;                              // 16 bytes of f16/bf16
constexpr int kWarpStep = 4 * kPiecesPerRow * kPieceElements;  // 64 elements of k per warp step
constexpr int kBlockStep = kKWarps * kWarpStep;                // 256
static_assert(kRowWarps * 16 == gemv::kRowsPerBlock, "the split-K end works on 32-row tiles");

// One warp step's operands in registers: rows g and g + 8, and activation row g.
struct StepOperands {
  uint4 w_lo[kPiecesPerRow];  // row g
  uint4 w_hi[kPiecesPerRow];  // row g + 8
  uint4 x[kPiecesPerRow];     // batch column g
};

// Loads the lane's pieces of the step at slice offset `k_step` (< len). A piece at or past `len`
// (only in a slice's last step) gets zero activations and re-reads the slice's last weight piece
// (finite, and already part of this sum), so the weight loads need no branch.
template <int B>
__device__ __forceinline__ void load_step(StepOperands& s, const char* w_lo, const char* w_hi, const char* x_row,
                                          bool has_x, int k_step, int t, int len) {
#pragma unroll
  for (int u = 0; u < kPiecesPerRow; ++u) {
    // Piece u of the 4 lanes of a row group: 64 contiguous bytes, whole 32-byte sectors per load.
    const int k = k_step + (u * 4 + t) * kPieceElements;
    const int k_read = min(k, len - kPieceElements);  // len is a multiple of 8: a piece is all in or all out
    s.w_lo[u] = gemv::load_stream16(w_lo + 2 * k_read);
    s.w_hi[u] = gemv::load_stream16(w_hi + 2 * k_read);
    s.x[u] = make_uint4(0u, 0u, 0u, 0u);
    if (has_x && k < len) s.x[u] = __ldg(reinterpret_cast<const uint4*>(x_row + 2 * k));
  }
}

template <class T>
__device__ __forceinline__ void mma_step(float (&c)[4], const StepOperands& s) {
#pragma unroll
  for (int u = 0; u < kPiecesPerRow; ++u) {
    const uint32_t first[4] = {s.w_lo[u].x, s.w_hi[u].x, s.w_lo[u].y, s.w_hi[u].y};
    MmaM16N8K16<T>::run(c, first, s.x[u].x, s.x[u].y);
    const uint32_t second[4] = {s.w_lo[u].z, s.w_hi[u].z, s.w_lo[u].w, s.w_hi[u].w};
    MmaM16N8K16<T>::run(c, second, s.x[u].z, s.x[u].w);
  }
}

template <class T, int B>
__global__ void __launch_bounds__(kThreads, 3) mul_mat_vec_mma_kernel(const Params p) {
  __shared__ float tile_sums[kKWarps][gemv::kRowsPerBlock][B];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int row_warp = warp % kRowWarps, k_warp = warp / kRowWarps;
  const int g = lane / 4, t = lane % 4;
  const int64_t k_begin = static_cast<int64_t>(blockIdx.y) * p.k_slice;
  const int len = static_cast<int>(min(p.k_slice, p.cols - k_begin));
  const int64_t warp_row0 = static_cast<int64_t>(blockIdx.x) * gemv::kRowsPerBlock + row_warp * 16;

  // Rows past M (last tile only) re-read row M-1 and are never stored.
  const char* w_lo = static_cast<const char*>(p.w) + (min(warp_row0 + g, p.rows - 1) * p.cols + k_begin) * 2;
  const char* w_hi = static_cast<const char*>(p.w) + (min(warp_row0 + g + 8, p.rows - 1) * p.cols + k_begin) * 2;
  const bool has_x = g < B;
  const char* x_row = static_cast<const char*>(p.x) + (static_cast<int64_t>(has_x ? g : 0) * p.cols + k_begin) * 2;

  float c[4] = {0.f, 0.f, 0.f, 0.f};
  StepOperands current, next;
  // Steps k, k + kBlockStep, ...: the loads of one step are issued before the mmas of the previous
  // one. Every branch below is uniform in the warp.
  int k = k_warp * kWarpStep;
  if (k < len) load_step<B>(current, w_lo, w_hi, x_row, has_x, k, t, len);
  for (; k < len; k += 2 * kBlockStep) {
    const bool has_next = k + kBlockStep < len;
    if (has_next) load_step<B>(next, w_lo, w_hi, x_row, has_x, k + kBlockStep, t, len);
    mma_step<T>(c, current);
    if (k + 2 * kBlockStep < len) load_step<B>(current, w_lo, w_hi, x_row, has_x, k + 2 * kBlockStep, t, len);
    if (has_next) mma_step<T>(c, next);
  }

  // c[0], c[1]: row g, batch columns 2t, 2t+1; c[2], c[3]: row g + 8, the same columns.
  const int tile_row = row_warp * 16 + g;
#pragma unroll
  for (int j = 0; j < 2; ++j) {
    const int b = 2 * t + j;
    if (b < B) {
      tile_sums[k_warp][tile_row][b] = c[j];
      tile_sums[k_warp][tile_row + 8][b] = c[2 + j];
    }
  }
  __syncthreads();
  for (int i = threadIdx.x; i < gemv::kRowsPerBlock * B; i += kThreads) {
    const int r = i % gemv::kRowsPerBlock, b = i / gemv::kRowsPerBlock;
    const int64_t row = static_cast<int64_t>(blockIdx.x) * gemv::kRowsPerBlock + r;
    if (row >= p.rows) continue;
    float sum = 0.f;
#pragma unroll
    for (int w = 0; w < kKWarps; ++w) sum += tile_sums[w][r][b];
    if (p.splits == 1) {
      p.y[b * p.rows + row] = sum;
    } else {
      p.partials[(static_cast<int64_t>(blockIdx.y) * B + b) * p.rows + row] = sum;
    }
  }
  gemv::finish_split_k<B>(p);
}

}  // namespace

Support mul_mat_vec_mma_supports(const MulMatVecProblem& p) {
  const Support valid = mul_mat_vec_valid(p);
  if (!valid.ok) return valid;
  if (p.weight != WeightFormat::f16 && p.weight != WeightFormat::bf16)
    return Support::no(std::string(to_string(p.weight)) + " weights (f16/bf16 tensor-core kernel)");
  if (p.activation != storage_dtype(p.weight))
    return Support::no(std::string("activation ") + to_string(p.activation) + " (needs the weight's type)");
  if (p.cols % kPieceElements != 0) return Support::no("cols not a multiple of 8 (rows of whole 16-byte pieces)");
  if (p.cols > (int64_t{1} << 24)) return Support::no("cols above 2^24 (split count would exceed the grid)");
  return Support::yes();
}

namespace {

template <class T>
void launch_typed(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  gemv::dispatch_batch(p.batch, [&](auto batch) {
    constexpr int B = decltype(batch)::value;
    Params params = gemv::make_params(p, a, p.cols * 2);
    const int64_t row_tiles = gemv::ceil_div(p.rows, gemv::kRowsPerBlock);
    const int64_t resident = static_cast<int64_t>(gemv::resident_blocks_per_sm(
                                 reinterpret_cast<const void*>(mul_mat_vec_mma_kernel<T, B>), kThreads, 0)) *
                             gemv::current_sm_count();
    // Slices of whole block steps, at most 64 of them.
    const int64_t splits =
        gemv::choose_splits(row_tiles, 1, std::min<int64_t>(64, gemv::ceil_div(p.cols, kBlockStep)), resident);
    params.k_slice = gemv::round_up(gemv::ceil_div(p.cols, splits), kBlockStep);
    params.splits = static_cast<int>(gemv::ceil_div(p.cols, params.k_slice));
    if (params.splits > 1) {
      const SplitWorkspace ws =
          split_workspace(static_cast<size_t>(params.splits * B * p.rows), static_cast<size_t>(row_tiles));
      params.partials = ws.partials;
      params.counters = ws.counters;
    }
    mul_mat_vec_mma_kernel<T, B><<<gemv::grid_of(params), kThreads, 0, stream>>>(params);
  });
  LLMKB_CHECK_LAUNCH();
}

bool sm80_or_newer() {
  static const int cc = runnable_sm();  // the tensor-core kernel is a trap in code below sm_80
  return cc >= 80;
}

}  // namespace

bool mul_mat_vec_mma_runs(const MulMatVecProblem& p, const MulMatVecArgs& a) {
  return mul_mat_vec_mma_supports(p).ok && aligned16(a.w) && aligned16(a.x) && sm80_or_newer();
}

void launch_mul_mat_vec_mma(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  const Support s = mul_mat_vec_mma_supports(p);
  if (!s.ok) throw std::invalid_argument("mul_mat_vec/mma: " + s.reason);
  if (!aligned16(a.w) || !aligned16(a.x)) throw std::invalid_argument("mul_mat_vec/mma: w or x not 16-byte aligned");
  if (!sm80_or_newer()) throw std::invalid_argument("mul_mat_vec/mma: needs sm_80 or newer (mma.sync m16n8k16)");
  if (p.weight == WeightFormat::f16) {
    launch_typed<__half>(p, a, stream);
  } else {
    launch_typed<__nv_bfloat16>(p, a, stream);
  }
}

Variant<MulMatVecOp> mul_mat_vec_mma() {
  return {"mul_mat_vec/mma",
          "tensor-core GEMV: mma.sync m16n8k16 with the batch as N=8, k permuted so each lane streams whole "
          "16-byte pieces, next step's loads in flight, split-K to whole waves",
          80,
          false,
          mul_mat_vec_mma_supports,
          launch_mul_mat_vec_mma};
}

}  // namespace llmkb
