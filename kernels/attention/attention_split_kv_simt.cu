// attention/split_kv_simt: flash-decoding on CUDA cores (the tensor-core version is attention/split_kv).
// The keys of a sequence are cut into splits, one block per (split, KV head, sequence); the block holds
// every query row that reads its KV head (the heads of the GQA group x the few query tokens), so K and
// V are read from DRAM once. Scores and P V on CUDA cores in fp32 (decode is bandwidth bound), K/V
// tiles double-buffered in shared memory (cp.async on SM80+). Each split writes its normalised partial
// output and log-sum-exp; a second kernel merges the splits weighted by exp(lse). With one split the
// first kernel writes the output directly.
#include <algorithm>
#include <limits>

#include "kernels/attention/attention_params.cuh"
#include "kernels/common/cuda_check.h"
#include "kernels/common/device_math.cuh"
#include "kernels/common/device_workspace.h"
#include "kernels/common/dynamic_shared_memory.h"
#include "kernels/common/tile_primitives.cuh"
#include "kernels/common/variant.h"

namespace llmkb {
namespace {

constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;
constexpr int kStages = 2;
constexpr float kLn2 = 0.69314718055994531f;

// Tile shape per head dim: 16 KB of K+V per stage. Query rows per block: kRowsPerWarp per warp,
// the smallest of 1, 2, 4, 8 that holds the problem's rows (at most 32, 16 for D 256, bounded by
// registers): a warp's row loops are unrolled, so rows it does not have would still cost issue
// slots (sized for 32 rows, GQA-4 decode spent ~8x the instructions it needed).
template <int D, int kRowsPerWarp_>
struct SplitTile {
  static constexpr int kKeys = 4096 / D;  // keys per tile
  static constexpr int kKStride = D + 8;  // padded K rows: lanes reading different keys hit different banks
  static constexpr int kKeysPerLane = (kKeys + 31) / 32;
  static constexpr int kDimsPerLane = D / 32;  // P V: each lane owns a slice of the head dim
  static constexpr int kRowsPerWarp = kRowsPerWarp_;
  static constexpr int kMaxRows = kRowsPerWarp * kWarps;  // query rows (group x tokens) per block
  static_assert(kMaxRows <= (D == 256 ? 16 : 32), "rows per block bounded by registers");
  static constexpr size_t kQBytes = sizeof(float) * kMaxRows * D;
  static constexpr size_t kKBytes = 2 * kStages * kKeys * kKStride;
  static constexpr size_t kVBytes = 2 * kStages * kKeys * D;
  static constexpr size_t kPBytes = sizeof(float) * kWarps * kRowsPerWarp * kKeys;
  static constexpr size_t kSmemBytes = kQBytes + kKBytes + kVBytes + kPBytes;
};

struct SplitArgs {
  int num_splits = 1;
  float* partial_o = nullptr;    // [split][batch][q_heads][seqlen_q][head_dim], normalised
  float* partial_lse = nullptr;  // [split][batch][q_heads][seqlen_q], log2 domain
};

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

template <class T, int D, int kRowsPerWarp>
__global__ void __launch_bounds__(kThreads) split_kv_simt_kernel(AttentionParams p, SplitArgs sa) {
  using Tile = SplitTile<D, kRowsPerWarp>;
  constexpr bool kAsync = LLMKB_SM80 != 0;
  extern __shared__ __align__(16) unsigned char smem[];
  float* sQ = reinterpret_cast<float*>(smem);
  T* sK = reinterpret_cast<T*>(smem + Tile::kQBytes);
  T* sV = reinterpret_cast<T*>(smem + Tile::kQBytes + Tile::kKBytes);
  float* sP = reinterpret_cast<float*>(smem + Tile::kQBytes + Tile::kKBytes + Tile::kVBytes);

  const int split = blockIdx.x, kv_head = blockIdx.y, b = blockIdx.z;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const SequenceView s = sequence_view(p, b, kv_head * p.group, kv_head);
  const int rows = p.group * s.len_q;  // row r: head kv_head * group + r / len_q, query r % len_q
  if (rows == 0) return;

  const int tiles = (s.len_kv + Tile::kKeys - 1) / Tile::kKeys;
  const int tiles_per_split = (tiles + sa.num_splits - 1) / sa.num_splits;
  const int tile_begin = min(tiles, split * tiles_per_split);
  const int tile_end = min(tiles, tile_begin + tiles_per_split);
  const int key_end = min(s.len_kv, tile_end * Tile::kKeys);

  const T* q = static_cast<const T*>(p.q) + s.q_offset;
  const T* k = static_cast<const T*>(p.k) + s.kv_offset;
  const T* v = static_cast<const T*>(p.v) + s.kv_offset;

  // Q rows, pre-scaled into the log2 domain, as fp32.
  for (int idx = threadIdx.x; idx < rows * D; idx += kThreads) {
    const int r = idx / D, d = idx % D;
    const int head = r / s.len_q, i = r % s.len_q;
    sQ[idx] = to_float(q[head * s.q_head_stride + i * s.q_row_stride + d]) * p.scale_log2;
  }

  auto load_tile = [&](int tile, int stage) {
    const int n0 = tile * Tile::kKeys;
    T* k_stage = sK + stage * Tile::kKeys * Tile::kKStride;
    T* v_stage = sV + stage * Tile::kKeys * D;
    for (int idx = threadIdx.x; idx < Tile::kKeys * D / 8; idx += kThreads) {
      const int row = idx / (D / 8), c = (idx % (D / 8)) * 8;
      const bool valid = n0 + row < key_end;  // rows past the split are zero-filled, never read from DRAM
      const int64_t src = static_cast<int64_t>(valid ? n0 + row : n0) * s.kv_row_stride + c;
      copy16<kAsync>(k_stage + row * Tile::kKStride + c, k + src, valid);
      copy16<kAsync>(v_stage + row * D + c, v + src, valid);
    }
  };

  float row_max[Tile::kRowsPerWarp], row_sum[Tile::kRowsPerWarp], acc[Tile::kRowsPerWarp][Tile::kDimsPerLane];
  int visible[Tile::kRowsPerWarp];
#pragma unroll
  for (int rr = 0; rr < Tile::kRowsPerWarp; ++rr) {
    row_max[rr] = -INFINITY;
    row_sum[rr] = 0.f;
    const int r = warp + kWarps * rr;
    visible[rr] = r < rows ? min(key_end, s.visible_keys(r % s.len_q, p.causal)) : 0;
#pragma unroll
    for (int e = 0; e < Tile::kDimsPerLane; ++e) acc[rr][e] = 0.f;
  }

  if (tile_begin < tile_end) load_tile(tile_begin, 0);
  cp_async_commit<kAsync>();
  for (int tile = tile_begin; tile < tile_end; ++tile) {
    cp_async_wait<kAsync, 0>();
    __syncthreads();  // tile ready; every warp is done with the other stage
    const int stage = (tile - tile_begin) % kStages;
    if (tile + 1 < tile_end) load_tile(tile + 1, (stage + 1) % kStages);
    cp_async_commit<kAsync>();

    const int n0 = tile * Tile::kKeys;
    const T* k_stage = sK + stage * Tile::kKeys * Tile::kKStride;
    const T* v_stage = sV + stage * Tile::kKeys * D;

    // Scores: lane owns keys lane, lane + 32, ...; the warp's rows share each K chunk it reads.
    float score[Tile::kKeysPerLane][Tile::kRowsPerWarp];
#pragma unroll
    for (int kk = 0; kk < Tile::kKeysPerLane; ++kk) {
#pragma unroll
      for (int rr = 0; rr < Tile::kRowsPerWarp; ++rr) score[kk][rr] = 0.f;
      const int key = lane + 32 * kk;
      if (key < Tile::kKeys) {
#pragma unroll 4
        for (int c = 0; c < D; c += 8) {
          float kf[8];
          unpack8<T>(*reinterpret_cast<const uint4*>(k_stage + key * Tile::kKStride + c), kf);
#pragma unroll
          for (int rr = 0; rr < Tile::kRowsPerWarp; ++rr) {
            const int r = warp + kWarps * rr;
            if (r < rows) {
              const float4 q0 = *reinterpret_cast<const float4*>(sQ + r * D + c);
              const float4 q1 = *reinterpret_cast<const float4*>(sQ + r * D + c + 4);
              score[kk][rr] += q0.x * kf[0] + q0.y * kf[1] + q0.z * kf[2] + q0.w * kf[3] + q1.x * kf[4] + q1.y * kf[5] +
                               q1.z * kf[6] + q1.w * kf[7];
            }
          }
        }
      }
#pragma unroll
      for (int rr = 0; rr < Tile::kRowsPerWarp; ++rr) {
        if (key >= Tile::kKeys || n0 + key >= visible[rr]) score[kk][rr] = -INFINITY;
      }
    }

    // Online softmax per row (rows are warp-uniform, so the shuffles are too).
    float* p_warp = sP + warp * Tile::kRowsPerWarp * Tile::kKeys;
#pragma unroll
    for (int rr = 0; rr < Tile::kRowsPerWarp; ++rr) {
      if (warp + kWarps * rr >= rows) continue;
      float tile_max = -INFINITY;
#pragma unroll
      for (int kk = 0; kk < Tile::kKeysPerLane; ++kk) tile_max = fmaxf(tile_max, score[kk][rr]);
      tile_max = warp_max(tile_max);
      const float new_max = fmaxf(row_max[rr], tile_max);
      const float base = new_max == -INFINITY ? 0.f : new_max;  // nothing visible yet: keep weights 0, not NaN
      const float correction = exp2f(row_max[rr] - base);
      float tile_sum = 0.f;
#pragma unroll
      for (int kk = 0; kk < Tile::kKeysPerLane; ++kk) {
        const float w = exp2f(score[kk][rr] - base);
        tile_sum += w;
        const int key = lane + 32 * kk;
        if (key < Tile::kKeys) p_warp[rr * Tile::kKeys + key] = w;
      }
      row_sum[rr] = row_sum[rr] * correction + warp_sum(tile_sum);
      row_max[rr] = new_max;
#pragma unroll
      for (int e = 0; e < Tile::kDimsPerLane; ++e) acc[rr][e] *= correction;
    }
    __syncwarp();

    // P V: lane owns dims lane * kDimsPerLane .. + kDimsPerLane; weights broadcast from shared memory.
    using VSlice = Vec<T, Tile::kDimsPerLane>;
#pragma unroll 4
    for (int key = 0; key < Tile::kKeys; ++key) {
      const VSlice slice = *reinterpret_cast<const VSlice*>(v_stage + key * D + lane * Tile::kDimsPerLane);
      float vf[Tile::kDimsPerLane];
#pragma unroll
      for (int e = 0; e < Tile::kDimsPerLane; ++e) vf[e] = to_float(slice.v[e]);
#pragma unroll
      for (int rr = 0; rr < Tile::kRowsPerWarp; ++rr) {
        if (warp + kWarps * rr < rows) {
          const float w = p_warp[rr * Tile::kKeys + key];
#pragma unroll
          for (int e = 0; e < Tile::kDimsPerLane; ++e) acc[rr][e] += w * vf[e];
        }
      }
    }
    __syncwarp();
  }
  cp_async_wait<kAsync, 0>();

#pragma unroll
  for (int rr = 0; rr < Tile::kRowsPerWarp; ++rr) {
    const int r = warp + kWarps * rr;
    if (r >= rows) continue;
    const int head_in_group = r / s.len_q, i = r % s.len_q;
    const float inv_sum = row_sum[rr] > 0.f ? 1.f / row_sum[rr] : 0.f;  // no visible key: 0
    const float lse2 = row_sum[rr] > 0.f ? row_max[rr] + log2f(row_sum[rr]) : -INFINITY;
    if (sa.num_splits == 1) {
      Vec<T, Tile::kDimsPerLane> out;
#pragma unroll
      for (int e = 0; e < Tile::kDimsPerLane; ++e) out.v[e] = from_float<T>(acc[rr][e] * inv_sum);
      T* o = static_cast<T*>(p.o) + s.q_offset + head_in_group * s.q_head_stride + i * s.q_row_stride;
      *reinterpret_cast<Vec<T, Tile::kDimsPerLane>*>(o + lane * Tile::kDimsPerLane) = out;
      if (p.lse && lane == 0) p.lse[s.lse_offset + head_in_group * s.lse_head_stride + i] = lse2 * kLn2;
    } else {
      const int head = kv_head * p.group + head_in_group;
      const int64_t slot = ((static_cast<int64_t>(split) * p.batch + b) * p.q_heads + head) * p.seqlen_q + i;
      float* o = sa.partial_o + slot * D + lane * Tile::kDimsPerLane;
#pragma unroll
      for (int e = 0; e < Tile::kDimsPerLane; ++e) o[e] = acc[rr][e] * inv_sum;
      if (lane == 0) sa.partial_lse[slot] = lse2;
    }
  }
}

// One block per query row: O = sum_s w_s O_s / sum_s w_s with w_s = 2^(lse_s - max lse).
template <class T>
__global__ void split_kv_simt_merge_kernel(AttentionParams p, SplitArgs sa) {
  const int i = blockIdx.x, head = blockIdx.y, b = blockIdx.z;
  const SequenceView s = sequence_view(p, b, head, head / p.group);
  if (i >= s.len_q) return;
  const int64_t split_stride = static_cast<int64_t>(p.batch) * p.q_heads * p.seqlen_q;
  const int64_t slot = (static_cast<int64_t>(b) * p.q_heads + head) * p.seqlen_q + i;
  __shared__ float weight[AttentionOp::kMaxSplits];
  __shared__ float max_lse, inv_total;
  if (threadIdx.x < sa.num_splits) weight[threadIdx.x] = sa.partial_lse[slot + threadIdx.x * split_stride];
  __syncthreads();
  if (threadIdx.x == 0) {
    float m = -INFINITY;
    for (int sp = 0; sp < sa.num_splits; ++sp) m = fmaxf(m, weight[sp]);
    float total = 0.f;
    if (m != -INFINITY) {
      for (int sp = 0; sp < sa.num_splits; ++sp) total += exp2f(weight[sp] - m);
    }
    max_lse = m;
    inv_total = total > 0.f ? 1.f / total : 0.f;
    if (p.lse) p.lse[s.lse_offset + i] = total > 0.f ? (m + log2f(total)) * kLn2 : -INFINITY;
  }
  __syncthreads();
  if (threadIdx.x < sa.num_splits) {
    weight[threadIdx.x] = max_lse == -INFINITY ? 0.f : exp2f(weight[threadIdx.x] - max_lse) * inv_total;
  }
  __syncthreads();
  T* o = static_cast<T*>(p.o) + s.q_offset + i * s.q_row_stride;
  for (int d = threadIdx.x; d < p.head_dim; d += blockDim.x) {
    float sum = 0.f;
    for (int sp = 0; sp < sa.num_splits; ++sp)
      sum += weight[sp] * sa.partial_o[(slot + sp * split_stride) * p.head_dim + d];
    o[d] = from_float<T>(sum);
  }
}

int multiprocessor_count() {
  int device = 0, sms = 0;
  LLMKB_CUDA_CHECK(cudaGetDevice(&device));
  LLMKB_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  return sms;
}

int keys_per_tile(int64_t head_dim) {
  return static_cast<int>(4096 / head_dim);
}

int max_rows(int64_t head_dim) {
  return head_dim == 256 ? 16 : 32;
}

// Enough blocks for about three per SM, each split at least four tiles long.
int choose_splits(const AttentionProblem& p) {
  if (p.num_splits > 0) return p.num_splits;
  const int64_t blocks = p.batch * p.kv_heads;
  const int64_t tiles = (p.max_len_kv() + keys_per_tile(p.head_dim) - 1) / keys_per_tile(p.head_dim);
  const int64_t wanted = (3 * static_cast<int64_t>(multiprocessor_count()) + blocks - 1) / blocks;
  const int64_t longest = std::max<int64_t>(1, tiles / 4);
  return static_cast<int>(std::clamp<int64_t>(std::min(wanted, longest), 1, AttentionOp::kMaxSplits));
}

Support supports(const AttentionProblem& p) {
  const std::string bad = attention_size_limit(p);
  if (!bad.empty()) return Support::no(bad);
  if (p.head_dim != 64 && p.head_dim != 128 && p.head_dim != 256) return Support::no("head_dim must be 64, 128 or 256");
  if (p.max_len_q() > AttentionOp::kDecodeMaxQueries) {
    return Support::no("decode kernel: at most " + std::to_string(AttentionOp::kDecodeMaxQueries) +
                       " queries per sequence");
  }
  if (p.group() * p.max_len_q() > max_rows(p.head_dim)) {
    return Support::no("query heads per KV head x queries exceeds " + std::to_string(max_rows(p.head_dim)) + " rows");
  }
  if (p.kv_heads > 65535) return Support::no("kv_heads over 65535");
  return Support::yes();
}

template <class T, int D, int kRowsPerWarp>
void launch_rows(const AttentionProblem& problem, const AttentionParams& p, cudaStream_t stream) {
  SplitArgs sa;
  sa.num_splits = choose_splits(problem);
  if (sa.num_splits > 1) {
    const size_t slots = static_cast<size_t>(sa.num_splits) * p.batch * p.q_heads * p.seqlen_q;
    const SplitWorkspace ws = split_workspace(slots * (D + 1), 0);
    sa.partial_o = ws.partials;
    sa.partial_lse = ws.partials + slots * D;
  }
  constexpr size_t smem = SplitTile<D, kRowsPerWarp>::kSmemBytes;
  auto kernel = split_kv_simt_kernel<T, D, kRowsPerWarp>;
  allow_dynamic_shared_memory(reinterpret_cast<const void*>(kernel), smem);
  kernel<<<dim3(sa.num_splits, p.kv_heads, p.batch), kThreads, smem, stream>>>(p, sa);
  LLMKB_CHECK_LAUNCH();
  if (sa.num_splits > 1) {
    split_kv_simt_merge_kernel<T><<<dim3(p.seqlen_q, p.q_heads, p.batch), 128, 0, stream>>>(p, sa);
    LLMKB_CHECK_LAUNCH();
  }
}

// The row bucket: kRowsPerWarp * kWarps >= group x queries (supports() bounds it by max_rows).
template <class T, int D>
void launch_typed(const AttentionProblem& problem, const AttentionParams& p, cudaStream_t stream) {
  const int64_t rows = problem.group() * problem.max_len_q();
  if (rows <= kWarps) {
    launch_rows<T, D, 1>(problem, p, stream);
  } else if (rows <= 2 * kWarps) {
    launch_rows<T, D, 2>(problem, p, stream);
  } else if (rows <= 4 * kWarps || D == 256) {
    launch_rows<T, D, 4>(problem, p, stream);
  } else if constexpr (D != 256) {
    launch_rows<T, D, 8>(problem, p, stream);
  }
}

void launch(const AttentionProblem& problem, const AttentionArgs& args, cudaStream_t stream) {
  const Support s = supports(problem);
  if (!s.ok) throw std::invalid_argument("attention/split_kv_simt: " + s.reason);
  const AttentionParams p = make_attention_params(problem, args);
  if (p.seqlen_q == 0) return;
  dispatch_float_dtype(problem.dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (sizeof(T) == 2) {
      dispatch_head_dim(problem.head_dim, [&](auto d) { launch_typed<T, decltype(d)::value>(problem, p, stream); });
    } else {
      throw std::invalid_argument("attention/split_kv_simt: fp16 and bf16 only");
    }
  });
}

}  // namespace

Variant<AttentionOp> attention_split_kv_simt() {
  return {"attention/split_kv_simt",
          "flash-decoding: KV split across blocks, GQA group's rows share each K/V read, LSE-weighted merge",
          75,
          false,
          supports,
          launch};
}

}  // namespace llmkb
