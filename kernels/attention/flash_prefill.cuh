// The FlashAttention-2 forward on mma.sync tensor cores, shared by attention/mma_sm80 and
// attention/mma_sm75 (they differ in tile shape, MMA instruction and how tiles reach shared memory).
//
// One block per (kBlockM query rows, query head, sequence); each warp owns 16 x kMTiles query rows
// (two row tiles share every K and V fragment a warp loads, halving shared-memory reads). Per tile
// of kBlockN keys: S = Q K^T (Q and K fragments by ldmatrix from padded shared memory), causal and
// length masks, online softmax on the S accumulators in registers, P rounded to 16 bits and fed back
// as the A operand of O += P V (V fragments by ldmatrix.trans). O and the row statistics stay in
// registers until the end. A Hopper (wgmma + TMA) variant keeps this structure with its own tile
// trait and main loop.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernels/attention/attention_params.cuh"
#include "kernels/common/dynamic_shared_memory.h"
#include "kernels/common/tile_primitives.cuh"
#include "kernels/common/cuda_check.h"
#include "kernels/common/device_math.cuh"

namespace llmkb {

// A tile configuration. kStages: K/V buffers in flight with cp.async (>= 2); below 2, synchronous
// 16-byte loads into a single buffer (Turing): 1 loads each tile between two barriers, 0 also
// prefetches the next tile into registers while the current one is computed. kMTiles: 16-row tiles
// per warp.
template <int kHeadDim_, int kBlockM_, int kBlockN_, int kStages_, int kMTiles_ = 1>
struct FlashTile {
  static constexpr int kHeadDim = kHeadDim_;
  static constexpr int kBlockM = kBlockM_;  // query rows per block
  static constexpr int kBlockN = kBlockN_;  // keys per tile
  static constexpr int kStages = kStages_;
  static constexpr int kMTiles = kMTiles_;
  static constexpr bool kAsync = kStages_ >= 2;
  static constexpr bool kRegisterPrefetch = kStages_ == 0;
  static constexpr int kWarpRows = 16 * kMTiles;
  static constexpr int kWarps = kBlockM / kWarpRows;
  static constexpr int kThreads = kWarps * 32;
  // Rows padded by 16 bytes: the 8 row addresses of an ldmatrix (and the 16-byte chunks a warp
  // copies) fall in 8 different bank groups, so neither conflicts.
  static constexpr int kStride = kHeadDim + 8;
  static constexpr int kQElems = kBlockM * kStride;
  static constexpr int kKVElems = kBlockN * kStride;  // one K (or V) buffer
  static constexpr int kBuffers = kAsync ? kStages : 1;
  static constexpr size_t kSmemBytes = 2 * static_cast<size_t>(kQElems + 2 * kBuffers * kKVElems);
  static_assert(kBlockM % kWarpRows == 0 && kBlockN % 16 == 0 && kHeadDim % 16 == 0, "mma tile multiples");
};

// Copies `rows` x kHeadDim elements (row stride in global memory `row_stride`) into a padded
// shared tile; rows >= valid_rows are zero-filled (their scores are masked, and zeros keep NaN
// out of P V).
template <class Tile, int kRows, class T>
__device__ __forceinline__ void load_rows(T* smem, const T* global, int64_t row_stride, int valid_rows) {
  constexpr int kChunksPerRow = Tile::kHeadDim / 8;
  constexpr int kChunks = kRows * kChunksPerRow;
  static_assert(kChunks % Tile::kThreads == 0, "tile copies divide evenly over the threads");
#pragma unroll
  for (int n = 0; n < kChunks / Tile::kThreads; ++n) {
    const int chunk = n * Tile::kThreads + static_cast<int>(threadIdx.x);
    const int row = chunk / kChunksPerRow, col = (chunk % kChunksPerRow) * 8;
    const bool valid = row < valid_rows;
    copy16<Tile::kAsync>(smem + row * Tile::kStride + col, global + (valid ? row : 0) * row_stride + col, valid);
  }
}

// The next K or V tile held in registers (synchronous prefetch): loaded before the current tile's
// math, stored to shared memory after it.
template <class Tile, int kRows, class T>
struct StagedRows {
  static constexpr int kChunksPerRow = Tile::kHeadDim / 8;
  static constexpr int kPerThread = kRows * kChunksPerRow / Tile::kThreads;
  static_assert(kRows * kChunksPerRow % Tile::kThreads == 0, "tile copies divide evenly over the threads");
  uint4 chunk[kPerThread];

  __device__ __forceinline__ void load(const T* global, int64_t row_stride, int valid_rows) {
#pragma unroll
    for (int n = 0; n < kPerThread; ++n) {
      const int c = n * Tile::kThreads + static_cast<int>(threadIdx.x);
      const int row = c / kChunksPerRow, col = (c % kChunksPerRow) * 8;
      chunk[n] =
          row < valid_rows ? *reinterpret_cast<const uint4*>(global + row * row_stride + col) : make_uint4(0, 0, 0, 0);
    }
  }
  __device__ __forceinline__ void store(T* smem) const {
#pragma unroll
    for (int n = 0; n < kPerThread; ++n) {
      const int c = n * Tile::kThreads + static_cast<int>(threadIdx.x);
      const int row = c / kChunksPerRow, col = (c % kChunksPerRow) * 8;
      *reinterpret_cast<uint4*>(smem + row * Tile::kStride + col) = chunk[n];
    }
  }
};

template <class T, class Tile, class Mma>
__device__ __forceinline__ void flash_prefill_body(const AttentionParams& p) {
  constexpr int D = Tile::kHeadDim, BM = Tile::kBlockM, BN = Tile::kBlockN;
  constexpr int kNTiles = BN / 8;  // 8-key column tiles of S
  constexpr int kDTiles = D / 8;   // 8-dim column tiles of O
  constexpr int MT = Tile::kMTiles;
  extern __shared__ __align__(128) unsigned char flash_smem[];
  T* sQ = reinterpret_cast<T*>(flash_smem);
  T* sK = sQ + Tile::kQElems;
  T* sV = sK + Tile::kBuffers * Tile::kKVElems;

  const int m_block = static_cast<int>(gridDim.x - 1 - blockIdx.x);  // causal: longest blocks start first
  const int head = blockIdx.y, b = blockIdx.z;
  const SequenceView s = sequence_view(p, b, head, head / p.group);
  const int m0 = m_block * BM;
  if (m0 >= s.len_q) return;  // the whole block leaves together
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / 4, t4 = lane % 4;

  const T* q = static_cast<const T*>(p.q) + s.q_offset + m0 * s.q_row_stride;
  const T* k = static_cast<const T*>(p.k) + s.kv_offset;
  const T* v = static_cast<const T*>(p.v) + s.kv_offset;

  // Keys any row of this block can see: the last row m0 + BM - 1 (or len_q - 1) sees the most.
  const int last_row = min(m0 + BM, s.len_q) - 1;
  const int key_end = p.causal ? s.visible_keys(last_row, true) : s.len_kv;
  const int n_tiles = (key_end + BN - 1) / BN;
  // Tiles from here on contain keys hidden from the block's first row: they need the causal mask.
  const int first_visible = p.causal ? s.visible_keys(m0, true) : s.len_kv;

  float o_acc[MT][kDTiles][4];
  float row_max[MT][2];  // rows g and g + 8 of each row tile, log2 domain
  float row_sum[MT][2];  // this thread's columns only; summed over the quad at the end
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
    for (int j = 0; j < kDTiles; ++j) o_acc[mt][j][0] = o_acc[mt][j][1] = o_acc[mt][j][2] = o_acc[mt][j][3] = 0.f;
    row_max[mt][0] = row_max[mt][1] = -INFINITY;
    row_sum[mt][0] = row_sum[mt][1] = 0.f;
  }
  const int warp_row0 = m0 + warp * Tile::kWarpRows;  // row tile mt starts at warp_row0 + 16 * mt

  auto load_kv = [&](int tile, int buffer) {
    const int n0 = tile * BN;
    load_rows<Tile, BN>(sK + buffer * Tile::kKVElems, k + n0 * s.kv_row_stride, s.kv_row_stride, s.len_kv - n0);
    load_rows<Tile, BN>(sV + buffer * Tile::kKVElems, v + n0 * s.kv_row_stride, s.kv_row_stride, s.len_kv - n0);
  };

  auto compute_tile = [&](int tile, int buffer) {
    const T* kb = sK + buffer * Tile::kKVElems;
    const T* vb = sV + buffer * Tile::kKVElems;
    const int n0 = tile * BN;

    // S = Q K^T for the warp's rows x BN keys.
    float s_acc[MT][kNTiles][4];
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
      for (int j = 0; j < kNTiles; ++j) s_acc[mt][j][0] = s_acc[mt][j][1] = s_acc[mt][j][2] = s_acc[mt][j][3] = 0.f;
    }
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t a[MT][4];
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
        ldmatrix_x4(a[mt],
                    sQ + (warp * Tile::kWarpRows + mt * 16 + lane % 16) * Tile::kStride + kk * 16 + (lane / 16) * 8);
      }
#pragma unroll
      for (int nn = 0; nn < BN / 16; ++nn) {
        uint32_t bk[4];  // keys nn*16 + 0..7 (dims lo, hi), keys nn*16 + 8..15 (dims lo, hi)
        ldmatrix_x4(bk, kb + (nn * 16 + (lane / 16) * 8 + lane % 8) * Tile::kStride + kk * 16 + ((lane / 8) % 2) * 8);
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
          Mma::run(s_acc[mt][2 * nn], a[mt], bk[0], bk[1]);
          Mma::run(s_acc[mt][2 * nn + 1], a[mt], bk[2], bk[3]);
        }
      }
    }

    // Masks: keys past the sequence, and (causal) keys after a row's diagonal.
    const bool needs_mask = n0 + BN > s.len_kv || (p.causal && n0 + BN > first_visible);
    if (needs_mask) {
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
        for (int half = 0; half < 2; ++half) {
          const int row = warp_row0 + mt * 16 + g + 8 * half;
          const int visible = p.causal ? s.visible_keys(row, true) : s.len_kv;
#pragma unroll
          for (int j = 0; j < kNTiles; ++j) {
#pragma unroll
            for (int e = 0; e < 2; ++e) {
              if (n0 + j * 8 + 2 * t4 + e >= visible) s_acc[mt][j][2 * half + e] = -INFINITY;
            }
          }
        }
      }
    }

    // Online softmax: the four lanes of a quad hold one row's columns. O is rescaled only when a
    // row's maximum moved somewhere in the warp (a warp-uniform branch): after the first few tiles
    // most tiles skip those D/4 * kMTiles multiplies per thread (skipping a factor of exactly 1).
    float correction[MT][2];
    bool rescale = false;
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        float tile_max = -INFINITY;
#pragma unroll
        for (int j = 0; j < kNTiles; ++j) {
          tile_max = fmaxf(tile_max, fmaxf(s_acc[mt][j][2 * half], s_acc[mt][j][2 * half + 1]));
        }
        tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
        tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 2));
        const float new_max = fmaxf(row_max[mt][half], tile_max * p.scale_log2);
        const float base = new_max == -INFINITY ? 0.f : new_max;  // nothing visible yet: weights 0, not NaN
        correction[mt][half] = fast_exp2(row_max[mt][half] - base);
        rescale |= correction[mt][half] != 1.f;
        row_max[mt][half] = new_max;
        row_sum[mt][half] *= correction[mt][half];
#pragma unroll
        for (int j = 0; j < kNTiles; ++j) {
#pragma unroll
          for (int e = 0; e < 2; ++e) {
            const float w = fast_exp2(fmaf(s_acc[mt][j][2 * half + e], p.scale_log2, -base));
            s_acc[mt][j][2 * half + e] = w;
            row_sum[mt][half] += w;
          }
        }
      }
    }
    if (__any_sync(0xffffffffu, rescale)) {
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
        for (int j = 0; j < kDTiles; ++j) {
          o_acc[mt][j][0] *= correction[mt][0];
          o_acc[mt][j][1] *= correction[mt][0];
          o_acc[mt][j][2] *= correction[mt][1];
          o_acc[mt][j][3] *= correction[mt][1];
        }
      }
    }

    // O += P V: the S accumulators of key tiles 2kk and 2kk+1 are exactly the A fragment of keys
    // 16kk..16kk+15.
#pragma unroll
    for (int kk = 0; kk < BN / 16; ++kk) {
      uint32_t a[MT][4];
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
        a[mt][0] = pack2<T>(s_acc[mt][2 * kk][0], s_acc[mt][2 * kk][1]);
        a[mt][1] = pack2<T>(s_acc[mt][2 * kk][2], s_acc[mt][2 * kk][3]);
        a[mt][2] = pack2<T>(s_acc[mt][2 * kk + 1][0], s_acc[mt][2 * kk + 1][1]);
        a[mt][3] = pack2<T>(s_acc[mt][2 * kk + 1][2], s_acc[mt][2 * kk + 1][3]);
      }
#pragma unroll
      for (int dd = 0; dd < D / 16; ++dd) {
        uint32_t bv[4];  // (keys lo, dims dd*16 + 0..7), (keys hi, same), (keys lo, dims +8..15), (keys hi, same)
        ldmatrix_x4_trans(bv,
                          vb + (kk * 16 + ((lane / 8) % 2) * 8 + lane % 8) * Tile::kStride + dd * 16 + (lane / 16) * 8);
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
          Mma::run(o_acc[mt][2 * dd], a[mt], bv[0], bv[1]);
          Mma::run(o_acc[mt][2 * dd + 1], a[mt], bv[2], bv[3]);
        }
      }
    }
  };

  if (n_tiles > 0) {
    if constexpr (Tile::kAsync) {
      // Multi-stage pipeline: tiles t+1 .. t+kStages-1 are in flight while tile t is computed.
      load_rows<Tile, BM>(sQ, q, s.q_row_stride, s.len_q - m0);
#pragma unroll
      for (int st = 0; st < Tile::kStages - 1; ++st) {
        if (st < n_tiles) load_kv(st, st);
        cp_async_commit<true>();  // one group per stage, empty or not, so the wait count holds
      }
      for (int tile = 0; tile < n_tiles; ++tile) {
        cp_async_wait<true, Tile::kStages - 2>();
        __syncthreads();  // tile's buffer complete for every thread; the buffer of tile - 1 is free
        const int next = tile + Tile::kStages - 1;
        if (next < n_tiles) load_kv(next, next % Tile::kStages);
        cp_async_commit<true>();
        compute_tile(tile, tile % Tile::kStages);
      }
      cp_async_wait<true, 0>();
    } else if constexpr (Tile::kRegisterPrefetch) {
      // Turing: tile + 1 travels into registers while tile is computed, then replaces it in the
      // single shared buffer between two barriers.
      load_rows<Tile, BM>(sQ, q, s.q_row_stride, s.len_q - m0);
      load_kv(0, 0);
      __syncthreads();
      for (int tile = 0; tile < n_tiles; ++tile) {
        const bool more = tile + 1 < n_tiles;
        StagedRows<Tile, BN, T> next_k, next_v;
        if (more) {
          const int n1 = (tile + 1) * BN;
          next_k.load(k + n1 * s.kv_row_stride, s.kv_row_stride, s.len_kv - n1);
          next_v.load(v + n1 * s.kv_row_stride, s.kv_row_stride, s.len_kv - n1);
        }
        compute_tile(tile, 0);
        if (more) {
          __syncthreads();
          next_k.store(sK);
          next_v.store(sV);
          __syncthreads();
        }
      }
    } else {
      // Turing: synchronous 16-byte loads into one buffer, two barriers per tile.
      load_rows<Tile, BM>(sQ, q, s.q_row_stride, s.len_q - m0);
      load_kv(0, 0);
      __syncthreads();
      for (int tile = 0; tile < n_tiles; ++tile) {
        compute_tile(tile, 0);
        if (tile + 1 < n_tiles) {
          __syncthreads();
          load_kv(tile + 1, 0);
          __syncthreads();
        }
      }
    }
  }

  // Normalise and store: thread holds rows g and g + 8, dims 8j + 2t4 .. + 1.
  T* o = static_cast<T*>(p.o) + s.q_offset;
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) {
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      float total = row_sum[mt][half];
      total += __shfl_xor_sync(0xffffffffu, total, 1);
      total += __shfl_xor_sync(0xffffffffu, total, 2);
      const int row = warp_row0 + mt * 16 + g + 8 * half;
      if (row >= s.len_q) continue;
      const float inv = total > 0.f ? 1.f / total : 0.f;  // a row that sees no key outputs 0
      T* o_row = o + row * s.q_row_stride;
#pragma unroll
      for (int j = 0; j < kDTiles; ++j) {
        *reinterpret_cast<uint32_t*>(o_row + j * 8 + 2 * t4) =
            pack2<T>(o_acc[mt][j][2 * half] * inv, o_acc[mt][j][2 * half + 1] * inv);
      }
      if (p.lse && t4 == 0) {
        p.lse[s.lse_offset + row] = total > 0.f ? (row_max[mt][half] + log2f(total)) * 0.69314718055994531f : -INFINITY;
      }
    }
  }
}

template <class T, class Tile, class Mma>
__global__ void __launch_bounds__(Tile::kThreads) flash_prefill_kernel(AttentionParams p) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
  if constexpr (Mma::kMinSm >= 80 || Tile::kAsync) {
    __trap();  // SM80 code in the SM75 build: never launched there (min_sm)
  } else {
    flash_prefill_body<T, Tile, Mma>(p);
  }
#else
  flash_prefill_body<T, Tile, Mma>(p);
#endif
}

template <class T, class Tile, class Mma>
void launch_flash_prefill(const AttentionParams& p, cudaStream_t stream) {
  if (p.seqlen_q == 0) return;
  auto kernel = flash_prefill_kernel<T, Tile, Mma>;
  constexpr size_t smem = Tile::kSmemBytes;
  allow_dynamic_shared_memory(reinterpret_cast<const void*>(kernel), smem);
  const dim3 grid((p.seqlen_q + Tile::kBlockM - 1) / Tile::kBlockM, p.q_heads, p.batch);
  kernel<<<grid, Tile::kThreads, smem, stream>>>(p);
  LLMKB_CHECK_LAUNCH();
}

}  // namespace llmkb
