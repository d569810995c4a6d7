// What the mul_mat_vec kernels share: the block shape (8 warps x 4 rows; kernels with other row
// tiles pass their rows per block to the split-K plan, the grid and its end), the split-K plan, the
// activation slice staged in shared memory (swizzled so that lanes reading 16-byte pieces 64 or
// 128 bytes apart hit different banks), streaming 16-byte weight loads, and the end of a block:
// write y, or write partial sums and let the last block of a row tile add them in split order.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>

#include "kernels/common/cuda_check.h"
#include "kernels/common/device_math.cuh"
#include "kernels/common/device_workspace.h"
#include "kernels/gemv/mul_mat_vec_op.h"

namespace llmkb {
namespace gemv {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;
constexpr int kRowsPerWarp = 4;
constexpr int kRowsPerBlock = kWarps * kRowsPerWarp;
// Shared memory for the activation slice (all batch rows); keeps a block under 48 KB on every SM.
constexpr int64_t kActivationSliceBytes = 32 * 1024;

struct Params {
  const void* w = nullptr;
  const void* x = nullptr;
  float* y = nullptr;
  int64_t rows = 0, cols = 0;
  int64_t w_row_bytes = 0;
  int64_t k_slice = 0;             // elements of K per split; the last split may be shorter
  int splits = 1;                  // gridDim.y
  int x_row_smem_bytes = 0;        // shared-memory bytes per batch row of the staged slice (multiple of 128)
  bool x_vector_staging = false;   // x rows and slices 16-byte aligned: stage with 16-byte copies
  float* partials = nullptr;       // [splits, batch, rows] when splits > 1
  unsigned* counters = nullptr;    // one per row tile when splits > 1
  const char* x_planes = nullptr;  // x converted once for all blocks (mul_mat_vec_dp4a.cuh's plane records)
  int x_planes_row_bytes = 0;      // bytes per batch row of x_planes
};

// ---- host side ----

// The fields every launcher sets the same way; the split-K plan fills the rest.
inline Params make_params(const MulMatVecProblem& p, const MulMatVecArgs& a, int64_t w_row_bytes) {
  Params params;
  params.w = a.w;
  params.x = a.x;
  params.y = a.y;
  params.rows = p.rows;
  params.cols = p.cols;
  params.w_row_bytes = w_row_bytes;
  return params;
}

inline int current_sm_count() {
  int device = 0, sms = 0;
  LLMKB_CUDA_CHECK(cudaGetDevice(&device));
  LLMKB_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  return sms;
}

// The most shared memory one block of the current device may opt in to.
inline int max_shared_bytes_per_block() {
  int device = 0, bytes = 0;
  LLMKB_CUDA_CHECK(cudaGetDevice(&device));
  LLMKB_CUDA_CHECK(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  return bytes;
}

inline int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}
inline int64_t round_up(int64_t a, int64_t b) {
  return ceil_div(a, b) * b;
}

// Blocks of `kernel` (kThreads-style launch of `threads` threads, `smem` dynamic bytes) resident
// on one SM of the current device; cached per kernel, block size and shared-memory size (the
// benchmark uses one device; the answer is the same on every device of one architecture).
inline int resident_blocks_per_sm(const void* kernel, int threads, size_t smem) {
  static std::mutex mutex;
  static auto* cache = new std::map<std::tuple<const void*, int, size_t>, int>();  // leaked, like the workspace
  std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::make_tuple(kernel, threads, smem);
  auto it = cache->find(key);
  if (it == cache->end()) {
    int blocks = 0;
    LLMKB_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel, threads, smem));
    it = cache->emplace(key, std::max(blocks, 1)).first;
  }
  return it->second;
}

// The number of K splits in [min_splits, max_splits] for a grid of row_tiles x splits blocks when
// `resident_blocks` fit on the GPU at once: the fewest whose last wave is at least 85 % full (a
// part-empty last wave leaves SMs idle at the end), else the one with the fullest last wave.
inline int64_t choose_splits(int64_t row_tiles, int64_t min_splits, int64_t max_splits, int64_t resident_blocks) {
  min_splits = std::max<int64_t>(min_splits, 1);
  max_splits = std::min(std::max(max_splits, min_splits), min_splits + 1024);
  int64_t best = min_splits;
  double best_fill = 0.0;
  for (int64_t s = min_splits; s <= max_splits; ++s) {
    const double waves =
        static_cast<double>(row_tiles * s) / static_cast<double>(std::max<int64_t>(resident_blocks, 1));
    const double fill = waves / std::ceil(waves);
    if (fill >= 0.85) return s;
    if (fill > best_fill + 1e-9) {
      best_fill = fill;
      best = s;
    }
  }
  return best;
}

// Splits K so that the grid fills whole waves of `resident_per_sm` blocks per SM (choose_splits),
// each slice at least `min_slice_steps` steps long and its activations within `max_slice_bytes`;
// a block covers `rows_per_block` rows.
inline void plan_split_k(Params& p, int64_t batch, int64_t x_element_bytes, int64_t step, int64_t min_slice_steps,
                         int resident_per_sm, int64_t max_slice_bytes = kActivationSliceBytes,
                         int64_t rows_per_block = kRowsPerBlock) {
  const int64_t row_tiles = ceil_div(p.rows, rows_per_block);
  const int64_t resident_blocks = static_cast<int64_t>(resident_per_sm) * current_sm_count();
  const int64_t max_slice = std::max(step, max_slice_bytes / (batch * x_element_bytes) / step * step);
  const int64_t min_splits = ceil_div(p.cols, max_slice);
  const int64_t max_splits = ceil_div(p.cols, min_slice_steps * step);
  const int64_t splits = choose_splits(row_tiles, min_splits, max_splits, resident_blocks);
  p.k_slice = round_up(ceil_div(p.cols, splits), step);
  p.splits = static_cast<int>(ceil_div(p.cols, p.k_slice));
  p.x_row_smem_bytes = static_cast<int>(round_up(p.k_slice * x_element_bytes, 128));
  if (p.splits > 1) {
    const SplitWorkspace ws =
        split_workspace(static_cast<size_t>(p.splits * batch * p.rows), static_cast<size_t>(row_tiles));
    p.partials = ws.partials;
    p.counters = ws.counters;
  }
}

inline size_t x_smem_bytes(const Params& p, int64_t batch) {
  return static_cast<size_t>(batch * p.x_row_smem_bytes);
}

inline dim3 grid_of(const Params& p, int64_t rows_per_block = kRowsPerBlock) {
  return dim3(static_cast<unsigned>(ceil_div(p.rows, rows_per_block)), static_cast<unsigned>(p.splits));
}

// Calls f(std::integral_constant<int, V>{}) for the V among kValues that equals `value`; returns
// whether one did (every f(V) is compiled: the kernels of all of them are instantiated).
template <int... kValues, class F>
bool dispatch_value(int64_t value, F&& f) {
  return ((value == kValues && (f(std::integral_constant<int, kValues>{}), true)) || ...);
}

// Calls f(std::integral_constant<int, B>{}) with B == batch (1..8).
template <class F>
void dispatch_batch(int64_t batch, F&& f) {
  if (!dispatch_value<1, 2, 3, 4, 5, 6, 7, 8>(batch, f))
    throw std::invalid_argument("mul_mat_vec: batch " + std::to_string(batch) + " outside 1..8");
}

// ---- device side ----

// 16 bytes read once: no L1 allocation (weights are streamed; keep L1 for nothing else to evict).
// Tried and not kept: the L2::256B prefetch-size hint on this load and on the weight copies' cp.async
// (17 shapes, batch 1, 3 runs, geometric means against the plain forms in the same call): H100 x0.997
// to x1.006 per variant (fast, q8_0/q4_0 _dp4a, _split, _split_x8); H200 fast x0.968, q8_0_dp4a
// x0.986 (gemma-3-4b output head x0.951), the split kernels x0.990 to x1.005.
__device__ __forceinline__ uint4 load_stream16(const void* p) {
  uint4 v;
  asm("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
      : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
      : "l"(p));
  return v;
}

// Byte offset in a staged activation row: the 16-byte slot within each 128-byte line is XORed with
// the line index, so lanes that read one slot each from lines 64 or 128 bytes apart hit all banks.
__device__ __forceinline__ int swizzle_x(int byte) {
  return byte ^ (((byte >> 7) & 7) << 4);
}

// Copies x[b, k_begin : k_begin + len) for b < B into shared memory, one swizzled row per b.
template <class TX, int B>
__device__ __forceinline__ void stage_x_slice(const Params& p, int64_t k_begin, int len, char* smem) {
  const TX* x = static_cast<const TX*>(p.x);
  if (p.x_vector_staging) {
    const int slots = len * static_cast<int>(sizeof(TX)) / 16;
    for (int i = threadIdx.x; i < B * slots; i += blockDim.x) {
      const int b = i / slots, s = i - b * slots;
      const uint4 v = *reinterpret_cast<const uint4*>(reinterpret_cast<const char*>(x + b * p.cols + k_begin) + 16 * s);
      *reinterpret_cast<uint4*>(smem + b * p.x_row_smem_bytes + swizzle_x(16 * s)) = v;
    }
  } else {
    for (int i = threadIdx.x; i < B * len; i += blockDim.x) {
      const int b = i / len, e = i - b * len;
      *reinterpret_cast<TX*>(smem + b * p.x_row_smem_bytes + swizzle_x(e * static_cast<int>(sizeof(TX)))) =
          x[b * p.cols + k_begin + e];
    }
  }
}

// N elements as floats. bf16 pairs are converted a 32-bit word at a time: the low element is the
// word shifted up 16 bits, the high one the word with its low half cleared (one instruction each,
// where per-element conversion extracts each half first).
template <class T, int N>
__device__ __forceinline__ void vec_to_floats(const Vec<T, N>& v, float* out) {
  if constexpr (std::is_same_v<T, __nv_bfloat16> && N % 2 == 0) {
    const uint32_t* words = reinterpret_cast<const uint32_t*>(v.v);
#pragma unroll
    for (int i = 0; i < N / 2; ++i) {
      out[2 * i] = __uint_as_float(words[i] << 16);
      out[2 * i + 1] = __uint_as_float(words[i] & 0xFFFF0000u);
    }
  } else {
#pragma unroll
    for (int j = 0; j < N; ++j) out[j] = to_float(v.v[j]);
  }
}

// N activations starting at element `e` of a staged row, as floats (read in pieces of at most 16 bytes).
template <class TX, int N>
__device__ __forceinline__ void load_x_floats(const char* row, int e, float (&out)[N]) {
  constexpr int kBytes = N * static_cast<int>(sizeof(TX));
  constexpr int kPiece = kBytes < 16 ? kBytes : 16;
  constexpr int kPieceElements = kPiece / static_cast<int>(sizeof(TX));
#pragma unroll
  for (int piece = 0; piece < kBytes / kPiece; ++piece) {
    const int offset = swizzle_x((e + piece * kPieceElements) * static_cast<int>(sizeof(TX)));
    const Vec<TX, kPieceElements> v = *reinterpret_cast<const Vec<TX, kPieceElements>*>(row + offset);
    vec_to_floats<TX, kPieceElements>(v, out + piece * kPieceElements);
  }
}

// acc[r][b] += the dot product of row r's weights wf[r] with the activations xf of batch row b.
template <int kRows, int N, int B>
__device__ __forceinline__ void accumulate_rows(const float (&wf)[kRows][N], const float (&xf)[N],
                                                float (&acc)[kRows][B], int b) {
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
#pragma unroll
    for (int j = 0; j < N; ++j) acc[r][b] = fmaf(wf[r][j], xf[j], acc[r][b]);
  }
}

// Every lane holds the warp's sums acc[r][b] for rows row0 + r: lane r * B + b stores one of them,
// to y (one split) or to this split's partial sums.
template <int B, int kRows = kRowsPerWarp>
__device__ __forceinline__ void store_warp_rows(const Params& p, int64_t row0, int lane, const float (&acc)[kRows][B]) {
  float v = 0.f;
#pragma unroll
  for (int i = 0; i < kRows * B; ++i) {
    if (lane == i) v = acc[i / B][i % B];
  }
  if (lane < kRows * B) {
    const int r = lane / B, b = lane % B;
    const int64_t row = row0 + r;
    if (row < p.rows) {
      if (p.splits == 1) {
        p.y[b * p.rows + row] = v;
      } else {
        p.partials[(static_cast<int64_t>(blockIdx.y) * B + b) * p.rows + row] = v;
      }
    }
  }
}

// With several splits: the block that arrives last at its row tile (kTileRows rows) adds the
// partial sums in split order (deterministic), writes y and resets the tile's counter for the next launch.
template <int B, int kTileRows = kRowsPerBlock>
__device__ __forceinline__ void finish_split_k(const Params& p) {
  if (p.splits == 1) return;
  __shared__ bool is_last;
  const int64_t tile = blockIdx.x;
  __threadfence();  // this block's partial sums are visible device-wide before it is counted
  __syncthreads();
  if (threadIdx.x == 0) is_last = atomicAdd(p.counters + tile, 1u) == static_cast<unsigned>(p.splits - 1);
  __syncthreads();
  if (!is_last) return;
  __threadfence();
  for (int i = threadIdx.x; i < kTileRows * B; i += blockDim.x) {
    const int r = i % kTileRows, b = i / kTileRows;
    const int64_t row = tile * kTileRows + r;
    if (row >= p.rows) continue;
    float sum = 0.f;
    for (int s = 0; s < p.splits; ++s) sum += __ldcg(p.partials + (static_cast<int64_t>(s) * B + b) * p.rows + row);
    p.y[b * p.rows + row] = sum;
  }
  if (threadIdx.x == 0) p.counters[tile] = 0;
}

}  // namespace gemv
}  // namespace llmkb
