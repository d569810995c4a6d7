// attention/split_kv and attention/split_kv_tma: flash-decoding on tensor cores, built to stream K
// and V at DRAM speed. One block per (split, KV head, sequence) holds the GQA group's query rows
// (group x queries <= 16, padded to one m16 tile), so K and V are read once per KV head. Each key tile
// (16 keys per warp) is shared by the warps: S = Q K^T and O += P V are m16n8k16 mma.sync with
// ldmatrix fragments, and every warp keeps its own online softmax, so a tile costs a few dozen
// instructions per warp and no block-wide reduction; the warps' partial results are merged once, at
// the end, through shared memory. Splits write normalised fp32 partials and their log2-sum-exp; the
// last split block of each KV head to finish merges them (no second launch). With one split the
// block writes the output directly.
//
// The tile math skips what decode rows do not need: Q's mma fragments stay in registers (D <= 128)
// instead of 8 ldmatrix per tile; when the GQA group has at most 8 rows, rows 8..15 of the m16 tile
// are padding and skip the softmax; the running max rescales O only when it grows by more than 2^8
// (probabilities up to 256 are as exact in fp16 / bf16 as those under 1, and the final normalisation
// uses the same base); the warps' merge stores only real rows; the split merge reads each split's
// partial and log-sum-exp in one pass, merged online (one L2 round trip, no barrier).
//
// How K and V reach shared memory (KvLoader):
// - split_kv (SM80+): a multi-stage cp.async pipeline, 16 bytes per copy by every thread, one
//   __syncthreads per tile.
// - split_kv_tma (SM90): a copy warp streams K and V with the tensor copy engine: per stage, D / 64
//   boxes of 64 dims x kKeys keys for K and for V (128-byte rows, 128-byte swizzle: ldmatrix stays
//   free of bank conflicts without padding), completing on the stage's "full" mbarrier; each compute
//   warp waits on that barrier, computes, and arrives on the stage's "empty" barrier, which the copy
//   warp waits on before refilling it. No per-tile __syncthreads and no per-thread copy instructions.
//
// Chosen on an H200 (scripts/decode_sweep.sh, b1/KV 32768 and b64/KV 4096, Hq 32 / Hkv 8, D 128) from
// five candidates: the lean math took the cp.async stream from 42.6 to 41.4 us (f16); the tensor copy
// engine with 128-key stages over 8 warps, 3 deep, to 39.8 us, and b64 from 260.9 to 254.6 us; 64-key
// stages 6 deep (40.6 us, 262.7 us) and two 96 KB blocks per SM (42.2 us) lost. On an H100 (read
// ceiling 3,073 GB/s) split_kv_tma takes 52.0 us at b1/KV 32768 bf16 (84.0 % of the ceiling; the H200's
// 39.8 us was 75 % of its faster one: the ~7 us of launch and tail weigh more there) and 352.8 us at
// b64/KV 4096 (99.0 %); split_kv 55.2 us and 371.8 us.
//
// Where the time goes at b1/KV 32768, f16, split_kv_tma (H200; per-block %globaltimer stamps, ncu):
// all 128 blocks start within 0.1 us; their K/V streams end at 31.6 us (median) to 32.2 us (last),
// 94 % of the read ceiling while they run; then the warps' merge and the partial's store take
// 1.1 us, the fence and arrival atomic 1 us, and the last block's split merge 2.4 us, so the last
// block ends 4.6 us after the last stream. ncu's duration is 39.8 us, the event time 39.9 us (an
// empty kernel's event time is 2.7 us). Tried against that tail and dropped (same or slower):
// splits taking tiles from a per-head atomic counter (41.0 us: the stream ends spread as much, 2
// tiles), 64-key stages at two blocks per SM over all 132 SMs (44.9 us), and a KV head's splits as
// one thread block cluster merging through distributed shared memory (40.5 us: only clusters of 9
// fit 8 times, so 72 SMs stream).
#include <cuda.h>  // CUtensorMap; cuTensorMapEncodeTiled is reached through the runtime's driver entry point
#include <cudaTypedefs.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <string>

#include "kernels/attention/attention_params.cuh"
#include "kernels/common/cuda_check.h"
#include "kernels/common/device_math.cuh"
#include "kernels/common/device_workspace.h"
#include "kernels/common/dynamic_shared_memory.h"
#include "kernels/common/tile_primitives.cuh"
#include "kernels/common/variant.h"

namespace llmkb {
namespace {

constexpr int kRows = 16;      // query rows per block: one m16 tile
constexpr int kWarpKeys = 16;  // keys per warp per tile
constexpr int kMaxSplits = AttentionOp::kMaxSplits;

// How K and V tiles reach shared memory: 16-byte cp.async by every thread (SM80+), or boxes from the
// tensor copy engine issued by one copy warp (SM90).
enum class KvLoader { cp_async, tma };

// Warps per block and pipeline stages, per head dim: (W64, S64) for D 64, and so on; the K/V loader.
template <int W64, int S64, int W128, int S128, int W256, int S256, KvLoader kLoader>
struct DecodeConfig {
  static constexpr int warps(int d) { return d == 64 ? W64 : (d == 128 ? W128 : W256); }
  static constexpr int stages(int d) { return d == 64 ? S64 : (d == 128 ? S128 : S256); }
  static constexpr KvLoader loader = kLoader;
};

// 128-key tiles over 8 warps, 3 stages at D 64 and 128 (D 128: 208 KB, one block per SM, 2 tiles =
// 128 KB in flight while one is computed); D 256 keeps 64-key tiles over 4 warps, 2 stages (a
// 128-key D 256 stage pair would not fit twice).
using SplitKvConfig = DecodeConfig<8, 3, 8, 3, 4, 2, KvLoader::cp_async>;
// Tensor copies, 128-key stages over 8 compute warps; D 128: 3 stages of 64 KB (197 KB with Q);
// D 64: 4 stages of 32 KB; D 256: 64-key stages over 4 warps, 3 of 64 KB. One block per SM.
using SplitKvTmaConfig = DecodeConfig<8, 4, 8, 3, 4, 3, KvLoader::tma>;

// Shared memory: Q tile, then kStages K/V tile pairs; the same bytes hold the warps' partial outputs
// for the block's final merge, and the split weights for the split merge. TMA: the K/V stages come
// first, on a 1024-byte boundary (where the 128-byte swizzle pattern starts), then Q.
template <class Config, int D>
struct DecodeTile {
  static constexpr bool kTma = Config::loader == KvLoader::tma;
  static constexpr int kWarps = Config::warps(D);  // compute warps: 16 keys of each tile apiece
  static constexpr int kComputeThreads = kWarps * 32;
  static constexpr int kThreads = kComputeThreads + (kTma ? 32 : 0);  // TMA: plus the copy warp
  static constexpr int kKeys = kWarps * kWarpKeys;                    // keys per tile
  static constexpr int kStages = Config::stages(D);
  static constexpr int kStride = D + 8;  // padded rows: ldmatrix and cp.async rows hit 8 bank groups
  static constexpr int kQElems = kRows * kStride;
  static constexpr int kKVElems = kKeys * (kTma ? D : kStride);  // one K (or V) tile
  static constexpr size_t kPipeBytes = 2 * sizeof(uint16_t) * kStages * kKVElems;
  static constexpr size_t kMergeBytes = sizeof(float) * kWarps * kRows * (D + 2);
  static constexpr size_t kSplitMergeBytes =
      sizeof(float) * 6 * kThreads;
  static constexpr size_t kAreaBytes = std::max(kPipeBytes, std::max(kMergeBytes, kSplitMergeBytes));
  static constexpr size_t kAlignSlack = kTma ? 1024 : 0;
  static constexpr size_t kSmemBytes = kAlignSlack + sizeof(uint16_t) * kQElems + kAreaBytes;

  // Element offset of (key, 16-byte chunk of dims) in a K or V tile. cp.async: padded rows. TMA: D / 64
  // boxes of kKeys 128-byte rows, chunk c of row r stored at chunk c ^ (r % 8) (the 128-byte swizzle).
  __device__ __forceinline__ static int kv_elem(int key, int chunk) {
    if constexpr (kTma) {
      return (chunk / 8) * (kKeys * 64) + key * 64 + ((chunk % 8) ^ (key % 8)) * 8;
    } else {
      return key * kStride + chunk * 8;
    }
  }

  static_assert(kStages >= 2, "the pipeline needs a tile in flight while one is computed");
  static_assert(kSmemBytes <= 227 * 1024, "over the SM90 shared memory per block");
  static_assert(kTma || kKeys * D / 8 % kComputeThreads == 0, "tile copies divide evenly over the threads");
  static_assert(!kTma || (D % 64 == 0 && kKeys <= 256 && kKeys * 128 % 1024 == 0),
                "TMA boxes: 64 dims, at most 256 keys, boxes on 1024-byte boundaries");
  // The split merge's thread groups (powers of two up to kThreads / 32) divide the block.
  static_assert(kThreads % 32 == 0 && kThreads <= 32 * 32, "whole warps, at most 32");
};

// K and V as tensor maps for the tensor copy engine (split_kv_tma; zero otherwise).
struct KvMaps {
  CUtensorMap k;
  CUtensorMap v;
};

struct SplitArgs {
  int num_splits = 1;
  float* partial_o = nullptr;    // [split][batch][q_heads][seqlen_q][head_dim], normalised
  float* partial_lse = nullptr;  // [split][batch][q_heads][seqlen_q], log2 domain
  unsigned* arrivals = nullptr;  // [batch][kv_heads]: splits finished; 0 between launches
};

// Whether this block is the last split of its (KV head, sequence) to finish, counted with an atomic
// after a fence as CUDA's threadFenceReduction sample does; the last one resets the counter for the
// next launch and fences again, so the other splits' partials are visible to it. Block-uniform.
[[maybe_unused]] __device__ __forceinline__ bool last_split_to_finish(const AttentionParams& p, const SplitArgs& sa,
                                                                      int kv_head, int b) {
  __shared__ int is_last;
  __threadfence();  // this thread's partials are visible device-wide before the block is counted
  __syncthreads();
  if (threadIdx.x == 0) {
    unsigned* arrivals = sa.arrivals + static_cast<int64_t>(b) * p.kv_heads + kv_head;
    is_last = atomicAdd(arrivals, 1u) == static_cast<unsigned>(sa.num_splits - 1);
    if (is_last) *arrivals = 0;  // ready for the next launch
  }
  __syncthreads();
  if (!is_last) return false;
  __threadfence();
  return true;
}

// Split merge, one pass, by the last split block of a KV head to finish: each thread loads its
// (row, 4 dims) item's partial and log2-sum-exp of kBatch splits at once and merges them online
// (running max m, l = sum 2^(lse_s - m), o = sum 2^(lse_s - m) O_s), so the merge waits for one L2
// round trip, not two (weights, then the weighted sum), with no barrier between. With fewer items
// than threads, `groups` thread groups take every groups-th split and group 0 merges their states
// through shared memory.
[[maybe_unused]] __device__ __forceinline__ void merge_state(float& m, float& l, float4& o, float m2, float l2,
                                                             const float4& o2) {
  const float mx = fmaxf(m, m2);
  if (mx == -INFINITY) return;                                  // both empty (no visible key)
  const float c1 = fast_exp2(m - mx), c2 = fast_exp2(m2 - mx);  // 2^-inf = 0
  l = l * c1 + l2 * c2;
  o.x = o.x * c1 + o2.x * c2;
  o.y = o.y * c1 + o2.y * c2;
  o.z = o.z * c1 + o2.z * c2;
  o.w = o.w * c1 + o2.w * c2;
  m = mx;
}

template <class Config, class T, int D>
__device__ __forceinline__ void merge_splits_online(const AttentionParams& p, const SplitArgs& sa,
                                                    const SequenceView& s, int rows, int kv_head, int b,
                                                    float* scratch) {
  constexpr int kThreads = DecodeTile<Config, D>::kThreads;
  constexpr int kBatch = 16;  // splits per thread whose loads are in flight together
  constexpr float kLn2 = 0.69314718055994531f;
  if (!last_split_to_finish(p, sa, kv_head, b)) return;

  float* sState = scratch;  // [6][thread]: m, l, o.x .. o.w
  const int64_t split_stride = static_cast<int64_t>(p.batch) * p.q_heads * p.seqlen_q;
  const int items = rows * (D / 4);
  int groups = 1;
  while (groups * 2 * items <= kThreads && groups * 2 <= sa.num_splits) groups *= 2;
  const int group_threads = kThreads / groups;
  const int group = threadIdx.x / group_threads, local = threadIdx.x % group_threads;
  // Block-uniform trip count (barriers inside).
  for (int item0 = 0; item0 < items; item0 += group_threads) {
    const int item = item0 + local;
    const bool active = item < items;
    const int r = active ? item / (D / 4) : 0, col = active ? (item % (D / 4)) * 4 : 0;
    const int head_in_group = r / s.len_q, i = r % s.len_q;
    const int64_t slot = (static_cast<int64_t>(b) * p.q_heads + kv_head * p.group + head_in_group) * p.seqlen_q + i;
    float m = -INFINITY, l = 0.f;
    float4 o = make_float4(0.f, 0.f, 0.f, 0.f);
    if (active) {
      for (int sp0 = group; sp0 < sa.num_splits; sp0 += kBatch * groups) {
        float lse[kBatch];
        float4 x[kBatch];
#pragma unroll
        for (int j = 0; j < kBatch; ++j) {
          const int sp = sp0 + j * groups;
          lse[j] = -INFINITY;
          x[j] = make_float4(0.f, 0.f, 0.f, 0.f);
          if (sp < sa.num_splits) {
            const int64_t at = slot + sp * split_stride;
            lse[j] = __ldcg(sa.partial_lse + at);
            x[j] = __ldcg(reinterpret_cast<const float4*>(sa.partial_o + at * D + col));
          }
        }
#pragma unroll
        for (int j = 0; j < kBatch; ++j) merge_state(m, l, o, lse[j], 1.f, x[j]);  // O_s is normalised
      }
    }
    if (groups > 1) {
      sState[0 * kThreads + threadIdx.x] = m;
      sState[1 * kThreads + threadIdx.x] = l;
      sState[2 * kThreads + threadIdx.x] = o.x;
      sState[3 * kThreads + threadIdx.x] = o.y;
      sState[4 * kThreads + threadIdx.x] = o.z;
      sState[5 * kThreads + threadIdx.x] = o.w;
      __syncthreads();
      if (group == 0) {
        for (int gr = 1; gr < groups; ++gr) {
          const int at = gr * group_threads + local;
          merge_state(m, l, o, sState[at], sState[kThreads + at],
                      make_float4(sState[2 * kThreads + at], sState[3 * kThreads + at], sState[4 * kThreads + at],
                                  sState[5 * kThreads + at]));
        }
      }
      __syncthreads();
    }
    if (active && group == 0) {
      const float inv = l > 0.f ? 1.f / l : 0.f;  // no visible key: 0
      Vec<T, 4> packed;
      packed.v[0] = from_float<T>(o.x * inv);
      packed.v[1] = from_float<T>(o.y * inv);
      packed.v[2] = from_float<T>(o.z * inv);
      packed.v[3] = from_float<T>(o.w * inv);
      T* out = static_cast<T*>(p.o) + s.q_offset + head_in_group * s.q_head_stride + i * s.q_row_stride + col;
      *reinterpret_cast<Vec<T, 4>*>(out) = packed;
      if (p.lse && col == 0) {
        p.lse[s.lse_offset + head_in_group * s.lse_head_stride + i] = l > 0.f ? (m + log2f(l)) * kLn2 : -INFINITY;
      }
    }
  }
}

template <class Config, class T, int D>
__device__ __forceinline__ void split_kv_body(const AttentionParams& p, const SplitArgs& sa, const KvMaps& maps) {
  using Tile = DecodeTile<Config, D>;
  constexpr int kWarps = Tile::kWarps, kThreads = Tile::kThreads, kKeys = Tile::kKeys, kStages = Tile::kStages;
  constexpr bool kTma = Tile::kTma;
  constexpr bool kQInRegisters = D <= 128;  // D 256 would need 64 more registers
  // Lean: O is rescaled only when a row's running max grows by more than this (log2 units), so
  // probabilities reach at most 2^8 before rounding to the 16-bit type.
  constexpr float kRescaleSlack = 8.f;
  using Mma = MmaM16N8K16<T>;
  constexpr float kLn2 = 0.69314718055994531f;
  constexpr int kStride = Tile::kStride;
  extern __shared__ __align__(128) unsigned char decode_smem[];
  T* sQ;
  T* sK;
  if constexpr (kTma) {
    const uint32_t misaligned = shared_address(decode_smem) % 1024;
    sK = reinterpret_cast<T*>(decode_smem + (misaligned ? 1024 - misaligned : 0));
    sQ = reinterpret_cast<T*>(reinterpret_cast<unsigned char*>(sK) + Tile::kAreaBytes);
  } else {
    sQ = reinterpret_cast<T*>(decode_smem);
    sK = sQ + Tile::kQElems;
  }
  T* sV = sK + kStages * Tile::kKVElems;

  const int split = blockIdx.x, kv_head = blockIdx.y, b = blockIdx.z;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int g = lane / 4, t4 = lane % 4;
  const SequenceView s = sequence_view(p, b, kv_head * p.group, kv_head);
  const int rows = p.group * s.len_q;  // row r: query head kv_head * group + r / len_q, query r % len_q
  if (rows == 0) return;               // the whole block leaves together
  const bool upper = rows > 8;         // rows 8..15 of the m16 tile hold real queries

  // This split's key tiles: whole tiles, so only the sequence's last tile is partial.
  const int tiles = (s.len_kv + kKeys - 1) / kKeys;
  const int per_split = (tiles + sa.num_splits - 1) / sa.num_splits;
  const int tile_begin = min(tiles, split * per_split);
  const int n_tiles = min(tiles, tile_begin + per_split) - tile_begin;

  const T* q = static_cast<const T*>(p.q) + s.q_offset;
  const T* k = static_cast<const T*>(p.k) + s.kv_offset;
  const T* v = static_cast<const T*>(p.v) + s.kv_offset;

  auto load_kv = [&](int tile, int stage) {
    const int n0 = tile * kKeys;
    const T* k_tile = k + static_cast<int64_t>(n0) * s.kv_row_stride;
    const T* v_tile = v + static_cast<int64_t>(n0) * s.kv_row_stride;
    T* k_stage = sK + stage * Tile::kKVElems;
    T* v_stage = sV + stage * Tile::kKVElems;
    constexpr int kChunksPerRow = D / 8;
#pragma unroll
    for (int n = 0; n < kKeys * kChunksPerRow / Tile::kComputeThreads; ++n) {
      const int c = n * Tile::kComputeThreads + static_cast<int>(threadIdx.x);
      const int row = c / kChunksPerRow, col = (c % kChunksPerRow) * 8;
      const bool valid = n0 + row < s.len_kv;  // past the sequence: zero-filled, nothing read
      const int64_t src = static_cast<int64_t>(valid ? row : 0) * s.kv_row_stride + col;
      copy16<true>(k_stage + row * kStride + col, k_tile + src, valid);
      copy16<true>(v_stage + row * kStride + col, v_tile + src, valid);
    }
  };

  // Keys visible to this thread's rows g and g + 8 (padding rows see none).
  int visible[2];
#pragma unroll
  for (int half = 0; half < 2; ++half) {
    const int r = g + 8 * half;
    visible[half] = r < rows ? s.visible_keys(r % s.len_q, p.causal) : 0;
  }

  float o_acc[D / 8][4];
  float row_max[2] = {-INFINITY, -INFINITY};  // log2 domain, this warp's keys only
  float row_sum[2] = {0.f, 0.f};              // this thread's columns; summed over the quad at the end
#pragma unroll
  for (int j = 0; j < D / 8; ++j) o_acc[j][0] = o_acc[j][1] = o_acc[j][2] = o_acc[j][3] = 0.f;

  // Q's A fragments for every k step (D <= 128: loaded once, once Q is in shared memory).
  uint32_t q_frag[kQInRegisters ? D / 16 : 1][4];
  auto load_q_fragments = [&] {
#pragma unroll
    for (int kk = 0; kk < (kQInRegisters ? D / 16 : 0); ++kk) {
      ldmatrix_x4(q_frag[kk], sQ + (lane % 16) * kStride + kk * 16 + (lane / 16) * 8);
    }
  };

  auto compute_tile = [&](int tile, int stage) {
    const T* kb = sK + stage * Tile::kKVElems;
    const T* vb = sV + stage * Tile::kKVElems;
    const int key0 = tile * kKeys + warp * kWarpKeys;
    const int k_row = warp * kWarpKeys + (lane / 16) * 8 + lane % 8;       // K row this lane addresses
    const int v_row = warp * kWarpKeys + ((lane / 8) % 2) * 8 + lane % 8;  // V row this lane addresses

    // S = Q K^T: 16 rows x this warp's 16 keys.
    float s_acc[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t bk[4];
      if constexpr (kQInRegisters) {
        ldmatrix_x4(bk, kb + Tile::kv_elem(k_row, kk * 2 + (lane / 8) % 2));
        Mma::run(s_acc[0], q_frag[kk], bk[0], bk[1]);
        Mma::run(s_acc[1], q_frag[kk], bk[2], bk[3]);
      } else {
        uint32_t a[4];
        ldmatrix_x4(a, sQ + (lane % 16) * kStride + kk * 16 + (lane / 16) * 8);
        ldmatrix_x4(bk, kb + Tile::kv_elem(k_row, kk * 2 + (lane / 8) % 2));
        Mma::run(s_acc[0], a, bk[0], bk[1]);
        Mma::run(s_acc[1], a, bk[2], bk[3]);
      }
    }

    // Scale into the log2 domain, mask, online softmax (a quad of lanes holds a row's 16 keys).
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      if (half == 1 && !upper) {  // padding rows only: probabilities 0, nothing to rescale
        s_acc[0][2] = s_acc[0][3] = s_acc[1][2] = s_acc[1][3] = 0.f;
        continue;
      }
      float tile_max = -INFINITY;
#pragma unroll
      for (int j = 0; j < 2; ++j) {
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          float& x = s_acc[j][2 * half + e];
          x = key0 + j * 8 + 2 * t4 + e < visible[half] ? x * p.scale_log2 : -INFINITY;
          tile_max = fmaxf(tile_max, x);
        }
      }
      tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 1));
      tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 2));
      float base;
      // The exponent base moves only when the max outgrows it by kRescaleSlack (-inf + slack is
      // -inf: a row's first visible key always moves it); probabilities stay <= 2^kRescaleSlack.
      if (tile_max > row_max[half] + kRescaleSlack) {
        const float correction = fast_exp2(row_max[half] - tile_max);
        row_max[half] = tile_max;
        row_sum[half] *= correction;
#pragma unroll
        for (int j = 0; j < D / 8; ++j) {
          o_acc[j][2 * half] *= correction;
          o_acc[j][2 * half + 1] *= correction;
        }
      }
      base = row_max[half] == -INFINITY ? 0.f : row_max[half];  // nothing visible yet: weights 0
#pragma unroll
      for (int j = 0; j < 2; ++j) {
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const float w = fast_exp2(s_acc[j][2 * half + e] - base);
          s_acc[j][2 * half + e] = w;
          row_sum[half] += w;
        }
      }
    }

    // O += P V: the two S accumulator tiles are exactly the A fragment of the warp's 16 keys.
    uint32_t a[4];
    a[0] = pack2<T>(s_acc[0][0], s_acc[0][1]);
    a[1] = pack2<T>(s_acc[0][2], s_acc[0][3]);
    a[2] = pack2<T>(s_acc[1][0], s_acc[1][1]);
    a[3] = pack2<T>(s_acc[1][2], s_acc[1][3]);
#pragma unroll
    for (int dd = 0; dd < D / 16; ++dd) {
      uint32_t bv[4];  // (keys 0..7, dims dd*16 + 0..7), (keys 8..15, same), (keys 0..7, +8..15), (keys 8..15, same)
      ldmatrix_x4_trans(bv, vb + Tile::kv_elem(v_row, dd * 2 + lane / 16));
      Mma::run(o_acc[2 * dd], a, bv[0], bv[1]);
      Mma::run(o_acc[2 * dd + 1], a, bv[2], bv[3]);
    }
  };

  if constexpr (kTma) {
    // Stage handshake: "full" completes when the copy warp has armed it and the stage's bytes have
    // landed; "empty" when every compute warp has read the stage.
    __shared__ uint64_t full[kStages], empty[kStages];
    constexpr unsigned kStageBytes = 2 * sizeof(T) * kKeys * D;  // a stage's K and V boxes
    if (threadIdx.x == 0) {
      for (int st = 0; st < kStages; ++st) {
        mbarrier_init(&full[st], 1);
        mbarrier_init(&empty[st], kWarps);
      }
      mbarrier_init_fence();
    }
    __syncthreads();
    // Tile t of the split into stage t % kStages (copy warp, lane 0). Dense K/V: keys along the map's
    // dim 1, (sequence, KV head) along dim 2; varlen: KV heads along dim 1, the packed keys along dim 2.
    const bool varlen = p.cu_seqlens_kv != nullptr;
    auto issue_tile = [&](int t, int outer) {  // outer: the sequence's first key (varlen) or its (b, KV head)
      const int st = t % kStages;
      mbarrier_arrive_expect_tx(&full[st], kStageBytes);
      const int n0 = (tile_begin + t) * kKeys;
      const int c1 = varlen ? kv_head : n0, c2 = varlen ? outer + n0 : outer;
#pragma unroll
      for (int box = 0; box < D / 64; ++box) {
        tma_load_3d(sK + st * Tile::kKVElems + box * kKeys * 64, &maps.k, box * 64, c1, c2, &full[st]);
        tma_load_3d(sV + st * Tile::kKVElems + box * kKeys * 64, &maps.v, box * 64, c1, c2, &full[st]);
      }
    };
    // The copy warp issues the first stages while the compute warps load Q; then one block barrier.
    // (A named barrier over the compute warps alone would let the copy warp go on no sooner, and
    // compute-sanitizer's racecheck does not follow one: with it, racecheck reported 53-57 hazards
    // over the 72 split_kv_tma tests, each a write and a read of shared memory separated by a
    // __syncthreads (the split arrival flag, the warps' merge); with the block barrier, none. H100.)
    if (warp == kWarps) {
      if (lane == 0 && n_tiles > 0) {
        tma_prefetch_descriptor(&maps.k);
        tma_prefetch_descriptor(&maps.v);
        const int outer = varlen ? p.cu_seqlens_kv[b] : b * p.kv_heads + kv_head;
        for (int t = 0; t < min(kStages, n_tiles); ++t) issue_tile(t, outer);
      }
    } else {  // Q rows, padding rows zero-filled
      for (int c = threadIdx.x; c < kRows * D / 8; c += Tile::kComputeThreads) {
        const int r = c / (D / 8), col = (c % (D / 8)) * 8;
        const bool valid = r < rows;
        const T* src = valid ? q + (r / s.len_q) * s.q_head_stride + (r % s.len_q) * s.q_row_stride + col : q;
        copy16<false>(sQ + r * kStride + col, src, valid);
      }
    }
    __syncthreads();  // Q in shared memory for every compute warp
    if (warp == kWarps) {
      // Tile t goes to stage t % kStages once the compute warps have released its previous tile.
      if (lane == 0 && n_tiles > kStages) {
        const int outer = varlen ? p.cu_seqlens_kv[b] : b * p.kv_heads + kv_head;
        for (int t = kStages; t < n_tiles; ++t) {
          mbarrier_wait(&empty[t % kStages], (t / kStages - 1) & 1);
          issue_tile(t, outer);
        }
      }
      __syncwarp();
    } else {
      load_q_fragments();
      for (int t = 0; t < n_tiles; ++t) {
        const int st = t % kStages;
        mbarrier_wait(&full[st], (t / kStages) & 1);
        compute_tile(tile_begin + t, st);
        __syncwarp();  // every lane's reads of the stage are done before lane 0 releases it
        if (lane == 0) mbarrier_arrive(&empty[st]);
      }
    }
    __syncthreads();  // every stage has landed and been read: the stage area now holds the merge
  } else {
    // Q rows (padding rows zero-filled) travel in the first tile's cp.async group: no synchronous
    // load ahead of the K/V stream.
    for (int c = threadIdx.x; c < kRows * D / 8; c += kThreads) {
      const int r = c / (D / 8), col = (c % (D / 8)) * 8;
      const bool valid = r < rows;
      const T* src = valid ? q + (r / s.len_q) * s.q_head_stride + (r % s.len_q) * s.q_row_stride + col : q;
      copy16<true>(sQ + r * kStride + col, src, valid);
    }
    // Pipeline: tiles t+1 .. t+kStages-1 are in flight while tile t is computed.
#pragma unroll
    for (int st = 0; st < kStages - 1; ++st) {
      if (st < n_tiles) load_kv(tile_begin + st, st);
      cp_async_commit<true>();  // one group per stage, empty or not, so the wait count holds
    }
    for (int t = 0; t < n_tiles; ++t) {
      cp_async_wait<true, kStages - 2>();
      __syncthreads();  // tile t complete for every thread (and Q); the buffer of tile t - 1 is free
      if (kQInRegisters && t == 0) load_q_fragments();
      const int next = t + kStages - 1;
      if (next < n_tiles) load_kv(tile_begin + next, next % kStages);
      cp_async_commit<true>();
      compute_tile(tile_begin + t, t % kStages);
    }
    cp_async_wait<true, 0>();
    __syncthreads();  // every warp is done with the K/V buffers: they now hold the merge
  }

  // Each warp's unnormalised O and row statistics to shared memory (real rows only).
  float* sO = reinterpret_cast<float*>(sK);  // [warp][row][D]
  float* sMax = sO + kWarps * kRows * D;     // [warp][row]
  float* sSum = sMax + kWarps * kRows;       // [warp][row]
  if (warp < kWarps) {                       // not the copy warp
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      if (half == 1 && !upper) continue;
      float total = row_sum[half];
      total += __shfl_xor_sync(0xffffffffu, total, 1);
      total += __shfl_xor_sync(0xffffffffu, total, 2);
      const int r = g + 8 * half;
      if (r >= rows) continue;
      float* o_row = sO + (warp * kRows + r) * D;
#pragma unroll
      for (int j = 0; j < D / 8; ++j) {
        *reinterpret_cast<float2*>(o_row + j * 8 + 2 * t4) = make_float2(o_acc[j][2 * half], o_acc[j][2 * half + 1]);
      }
      if (t4 == 0) {
        sMax[warp * kRows + r] = row_max[half];
        sSum[warp * kRows + r] = total;
      }
    }
  }
  __syncthreads();

  // Merge the warps: thread per (row, 8 dims); O = sum_w 2^(m_w - M) O_w / sum_w 2^(m_w - M) l_w.
  for (int item = threadIdx.x; item < rows * (D / 8); item += kThreads) {
    const int r = item / (D / 8), col = (item % (D / 8)) * 8;
    float m = -INFINITY;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) m = fmaxf(m, sMax[w * kRows + r]);
    float weight[kWarps], total = 0.f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      weight[w] = m == -INFINITY ? 0.f : exp2f(sMax[w * kRows + r] - m);
      total += weight[w] * sSum[w * kRows + r];
    }
    const float inv = total > 0.f ? 1.f / total : 0.f;  // no visible key: 0
    float out[8];
#pragma unroll
    for (int e = 0; e < 8; ++e) out[e] = 0.f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      const float4 lo = *reinterpret_cast<const float4*>(sO + (w * kRows + r) * D + col);
      const float4 hi = *reinterpret_cast<const float4*>(sO + (w * kRows + r) * D + col + 4);
      const float c = weight[w] * inv;
      out[0] += c * lo.x;
      out[1] += c * lo.y;
      out[2] += c * lo.z;
      out[3] += c * lo.w;
      out[4] += c * hi.x;
      out[5] += c * hi.y;
      out[6] += c * hi.z;
      out[7] += c * hi.w;
    }
    const float lse2 = total > 0.f ? m + log2f(total) : -INFINITY;
    const int head_in_group = r / s.len_q, i = r % s.len_q;
    if (sa.num_splits == 1) {
      Vec<T, 8> packed;
#pragma unroll
      for (int e = 0; e < 8; ++e) packed.v[e] = from_float<T>(out[e]);
      T* o = static_cast<T*>(p.o) + s.q_offset + head_in_group * s.q_head_stride + i * s.q_row_stride + col;
      *reinterpret_cast<Vec<T, 8>*>(o) = packed;
      if (p.lse && col == 0) p.lse[s.lse_offset + head_in_group * s.lse_head_stride + i] = lse2 * kLn2;
    } else {
      const int head = kv_head * p.group + head_in_group;
      const int64_t slot = ((static_cast<int64_t>(split) * p.batch + b) * p.q_heads + head) * p.seqlen_q + i;
      float* o = sa.partial_o + slot * D + col;
      *reinterpret_cast<float4*>(o) = make_float4(out[0], out[1], out[2], out[3]);
      *reinterpret_cast<float4*>(o + 4) = make_float4(out[4], out[5], out[6], out[7]);
      if (col == 0) sa.partial_lse[slot] = lse2;
    }
  }
  if (sa.num_splits > 1) {
    merge_splits_online<Config, T, D>(p, sa, s, rows, kv_head, b, sO);
  }
}

template <class Config, class T, int D>
__global__ void __launch_bounds__(DecodeTile<Config, D>::kThreads)
    split_kv_kernel(AttentionParams p, SplitArgs sa, const __grid_constant__ KvMaps maps) {
#if LLMKB_SM90
  split_kv_body<Config, T, D>(p, sa, maps);
#elif LLMKB_SM80
  if constexpr (DecodeTile<Config, D>::kTma) {
    __trap();  // tensor copies in an SM80 build: never launched there (min_sm 90)
  } else {
    split_kv_body<Config, T, D>(p, sa, maps);
  }
#else
  __trap();  // SM80 code in the SM75 build: never launched there (min_sm)
#endif
}

// Blocks of split_kv_kernel<Config, T, D> resident at once on the current device (queried once).
template <class Config, class T, int D>
int resident_blocks() {
  static std::once_flag once;
  static int blocks = 0;
  std::call_once(once, [] {
    int device = 0, sms = 0, per_sm = 0;
    LLMKB_CUDA_CHECK(cudaGetDevice(&device));
    LLMKB_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    LLMKB_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
        &per_sm, split_kv_kernel<Config, T, D>, DecodeTile<Config, D>::kThreads, DecodeTile<Config, D>::kSmemBytes));
    blocks = std::max(1, sms * per_sm);
  });
  return blocks;
}

// Splits so that the (split, KV head, sequence) blocks fill the GPU once without a second wave, each
// at least four tiles long; no split left empty. Enough (KV head, sequence) pairs already: one split,
// no merge. The issue's case (batch 1, KV 32768, 8 KV heads, D 128, H200: 132 SMs x 1 block of
// 208 KB): 256 tiles of 128 keys, 132 / 8 = 16 slots per KV head, so 16 splits of 16 tiles and 128
// blocks in one wave. Forced counts measured on the H200 agree: 16 splits 43.4 us, 32 48.0, 64 62.5
// (with 64-key tiles). What follows the stream is tail: the fence, the arrival atomic and the split
// merge, which is why the merge is warp-parallel.
int choose_splits(const AttentionProblem& p, int resident, int keys_per_tile) {
  if (p.num_splits > 0) return p.num_splits;
  const int64_t pairs = p.batch * p.kv_heads;
  if (pairs >= resident) return 1;
  const int64_t tiles = (p.max_len_kv() + keys_per_tile - 1) / keys_per_tile;
  const int64_t wanted = resident / pairs;  // rounded down: a second, mostly empty wave would cost a whole block time
  const int64_t splits = std::clamp<int64_t>(std::min(wanted, tiles / 4), 1, kMaxSplits);
  const int64_t per_split = (tiles + splits - 1) / splits;
  return static_cast<int>(std::max<int64_t>(1, (tiles + per_split - 1) / per_split));
}

Support supports(const AttentionProblem& p) {
  const std::string bad = attention_size_limit(p);
  if (!bad.empty()) return Support::no(bad);
  if (p.dtype != DType::f16 && p.dtype != DType::bf16) return Support::no("fp16 and bf16 only");
  if (p.head_dim != 64 && p.head_dim != 128 && p.head_dim != 256) return Support::no("head_dim must be 64, 128 or 256");
  if (p.group() * p.max_len_q() > kRows) {
    return Support::no("query heads per KV head x queries exceeds " + std::to_string(kRows) + " rows");
  }
  if (p.kv_heads > 65535) return Support::no("kv_heads over 65535");
  return Support::yes();
}

// TMA candidates: the copy engine's coordinates are 32-bit.
Support supports_tma(const AttentionProblem& p) {
  const Support s = supports(p);
  if (!s.ok) return s;
  if (p.batch * p.kv_heads > INT32_MAX)
    return Support::no("batch x kv_heads over 2^31 (32-bit tensor-copy coordinates)");
  return Support::yes();
}

template <class Config>
Support supports_config(const AttentionProblem& p) {
  return Config::loader == KvLoader::tma ? supports_tma(p) : supports(p);
}

// K (or V) as a 3-D tensor map with boxes of 64 dims x `keys` keys, 128-byte swizzled (what
// DecodeTile::kv_elem reads), zeros outside the tensor. Dense [batch, kv_heads, seqlen_kv, D]:
// (D, seqlen_kv, batch * kv_heads), so a box never runs into the next head. Varlen
// [total_kv, kv_heads, D]: (D, kv_heads, total_kv); a sequence's last box may read the next
// sequence's keys (valid data, masked out) and zeros past the last one.
CUtensorMap encode_kv_map(const void* base, const AttentionProblem& problem, int keys) {
  using Encode = PFN_cuTensorMapEncodeTiled_v12000;
  // Through the runtime's driver entry point: linking libcuda would stop the binary from starting
  // on machines without a driver.
  static const Encode encode = [] {
    void* entry = nullptr;
    cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
    LLMKB_CUDA_CHECK(
        cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &entry, 12000, cudaEnableDefault, &found));
    if (found != cudaDriverEntryPointSuccess || !entry) {
      throw std::runtime_error("attention/split_kv: the driver has no cuTensorMapEncodeTiled");
    }
    return reinterpret_cast<Encode>(entry);
  }();
  const cuuint64_t d = static_cast<cuuint64_t>(problem.head_dim), row_bytes = d * 2;
  const cuuint64_t heads = static_cast<cuuint64_t>(problem.kv_heads);
  cuuint64_t dims[3], strides[2];
  cuuint32_t box[3];
  const cuuint32_t unit[3] = {1, 1, 1};
  if (problem.varlen()) {
    const cuuint64_t total = static_cast<cuuint64_t>(std::max<int64_t>(1, problem.total_kv()));
    dims[0] = d, dims[1] = heads, dims[2] = total;
    strides[0] = row_bytes, strides[1] = heads * row_bytes;
    box[0] = 64, box[1] = 1, box[2] = static_cast<cuuint32_t>(keys);
  } else {
    const cuuint64_t len = static_cast<cuuint64_t>(problem.seqlen_kv);
    dims[0] = d, dims[1] = len, dims[2] = static_cast<cuuint64_t>(problem.batch) * heads;
    strides[0] = row_bytes, strides[1] = len * row_bytes;
    box[0] = 64, box[1] = static_cast<cuuint32_t>(keys), box[2] = 1;
  }
  CUtensorMap map;
  const CUresult r =
      encode(&map, problem.dtype == DType::f16 ? CU_TENSOR_MAP_DATA_TYPE_FLOAT16 : CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 3,
             const_cast<void*>(base), dims, strides, box, unit, CU_TENSOR_MAP_INTERLEAVE_NONE,
             CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (r != CUDA_SUCCESS) {
    throw std::runtime_error("attention/split_kv: cuTensorMapEncodeTiled failed (CUresult " + std::to_string(r) + ")");
  }
  return map;
}

template <class Config, class T, int D>
void launch_typed(const AttentionProblem& problem, const AttentionParams& p, cudaStream_t stream) {
  using Tile = DecodeTile<Config, D>;
  constexpr size_t smem = Tile::kSmemBytes;
  allow_dynamic_shared_memory(reinterpret_cast<const void*>(split_kv_kernel<Config, T, D>), smem);
  SplitArgs sa;
  sa.num_splits = choose_splits(problem, resident_blocks<Config, T, D>(), Tile::kKeys);
  if (sa.num_splits > 1) {
    const size_t slots = static_cast<size_t>(sa.num_splits) * p.batch * p.q_heads * p.seqlen_q;
    const SplitWorkspace ws = split_workspace(slots * (D + 1), static_cast<size_t>(p.batch) * p.kv_heads);
    sa.partial_o = ws.partials;
    sa.partial_lse = ws.partials + slots * D;
    sa.arrivals = ws.counters;
  }
  KvMaps maps{};
  if (Tile::kTma && problem.max_len_kv() > 0) {
    maps.k = encode_kv_map(p.k, problem, Tile::kKeys);
    maps.v = encode_kv_map(p.v, problem, Tile::kKeys);
  }
  split_kv_kernel<Config, T, D>
      <<<dim3(sa.num_splits, p.kv_heads, p.batch), Tile::kThreads, smem, stream>>>(p, sa, maps);
  LLMKB_CHECK_LAUNCH();
}

template <class Config>
void launch(const AttentionProblem& problem, const AttentionArgs& args, cudaStream_t stream) {
  const Support s = supports_config<Config>(problem);
  if (!s.ok) throw std::invalid_argument("attention/split_kv: " + s.reason);
  const AttentionParams p = make_attention_params(problem, args);
  if (p.seqlen_q == 0) return;
  dispatch_head_dim(problem.head_dim, [&](auto d) {
    constexpr int kD = decltype(d)::value;
    if (problem.dtype == DType::f16) {
      launch_typed<Config, __half, kD>(problem, p, stream);
    } else {
      launch_typed<Config, __nv_bfloat16, kD>(problem, p, stream);
    }
  });
}

}  // namespace

Variant<AttentionOp> attention_split_kv() {
  return {"attention/split_kv",
          "flash-decoding on m16n8k16 mma: GQA rows padded to 16, 128-key tiles over 8 warps (D 64/128), 3-stage "
          "cp.async, Q fragments in registers, lazy rescale, one-pass fused split merge",
          80,
          false,
          supports_config<SplitKvConfig>,
          launch<SplitKvConfig>};
}

Variant<AttentionOp> attention_split_kv_tma() {
  return {"attention/split_kv_tma",
          "split_kv with K/V by the SM90 tensor copy engine: a copy warp loads 128-key x 64-dim swizzled boxes into 3 "
          "stages (D 128: 192 KB), mbarrier full/empty handshake instead of a __syncthreads per tile",
          90,
          false,
          supports_config<SplitKvTmaConfig>,
          launch<SplitKvTmaConfig>};
}

}  // namespace llmkb
