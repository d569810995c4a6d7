// The quantised GEMV on repacked weights (mul_mat_vec/q8_0_repacked, q4_0_repacked and their _x8
// forms, batches of 1-2).
//
// Idea: llama.cpp's blocks (18 or 34 bytes: an fp16 scale, then the quants) leave the quants 2-byte
// aligned, so the other quantised kernels copy whole steps of blocks into shared memory and read them
// back shifted (mul_mat_vec_quant_split.cuh). Here W is repacked once, when the run is set up (as an
// inference engine repacks weights at model load; never timed), into two planes of the same bytes:
// every block's quants (16 or 32 bytes) row after row, then every block's fp16 scale. Lanes then load
// the quants straight into registers with 16-byte streaming loads, as mul_mat_vec/fast loads float
// weights, and take one block each: lane l of a warp block j0 + l of both its rows, the next 32
// blocks in the next round. The dot products are mul_mat_vec_dp4a.cuh's, against activation records
// converted once by a kernel of their own (3 planes, or 1 for the _x8 forms), which this kernel
// overlaps through programmatic dependent launch: it issues its first weight loads before waiting for
// the records. The block shape is mul_mat_vec/fast's warp split (mul_mat_vec_warp_split.cuh):
// kSplitWarps warps share each pair of rows, one contiguous chunk of K each, their sums added in
// shared memory.
//
// Before this was written, a stand-alone probe of the idea (Q4_0, x in 1 plane, batch 1; K split
// across blocks, the sums met in y by atomicAdd) timed llama3-8b gate_up at 26.66 us on an H100, which
// this kernel, at 27.8-27.9 us in the suite, seemed not to reach. Timed in one process after the same
// flush (H100, llama3-8b gate_up, 60-80 interleaved launches each, medians), the two agree: this
// kernel with its conversion 27.5 us, the probe's 27.7-27.9. The probe's flush read with
// ld.global.nc.L1::no_allocate, which leaves part of the previous launch's data in L2
// (bench/l2_flush.h). This kernel alone, its records ready, takes 26.2 us (82 % of the read ceiling
// in weight bytes); the conversion and the wait for it take the other 1.3 us.
//
// Tried on these kernels and not kept (H100, _x8 forms, 17 shapes at batch 1, 3 runs per call,
// geometric means against the kernels as committed, in the same call):
// - two rounds of loads in flight per lane: Q4_0 x0.986, Q8_0 x0.945;
// - the scales loaded without L1 allocation: x0.992 and x0.990;
// - rows split over more warps (until the grid holds twice the resident warps): x0.993 and x0.996;
//   over fewer (half of them): x1.011 and x0.997;
// - each round's dot products done after the next round's loads were issued (the next weights held
//   in registers): x0.961 and x0.952; the 3-plane forms x0.882 and x0.893;
// - the activations converted in slices of 256 or 128 elements per block instead of 1024 (more
//   blocks, each done sooner): x0.996-x0.999, every shape within x0.985-x1.005.
// To shorten the 1.3 us of the conversion (H100, Q4_0 _x8, llama3-8b and qwen2.5-7b gate_up, one
// process, interleaved launches): a conversion kernel with 4x the blocks, one warp per block of 32,
// 27.65 against 27.58 us; two or four rounds of W loaded before the wait instead of one (in a copy of
// this kernel): llama3-8b 27.33 and 28.38 against 27.20 us, qwen2.5-7b 31.58 and 31.52 against
// 32.35; the conversion's last block setting a flag that the GEMV polls with
// ld.acquire.gpu instead of griddepcontrol.wait: 37-45 us (the GEMV is slower even with the flag
// already set); no conversion kernel, each block converting all of x into its own shared memory after
// its first weight loads (H100, _x8 forms, 17 shapes at batch 1, 3 runs in one call): Q4_0 x0.747,
// Q8_0 x0.841, worst where K is long (llama3-8b down Q4_0 17.92 -> 35.01 us; gate_up 27.87 -> 31.31);
// its 3-plane Q4_0 form failed one check (67 x 4096, batch 2, f16 x), which was not looked into.
// No conversion kernel, x converted inside the GEMV by thread-block clusters of 8 (sm90, _x8 forms):
// each block converted 1/8 of x's blocks into its own shared memory after its first weight loads,
// and after a cluster barrier lanes read every record from the shared memory of the block that
// converted it (distributed shared memory), a second barrier before exit. Checks passed (the
// repacked and activation-range GPU tests, and every case of the benchmark), but it was 1.5-4.2x
// slower (H100, 17 shapes at batch 1, 2 runs of 3 repetitions each way in one call): Q4_0 x0.374,
// Q8_0 x0.472 (geometric means; llama3-8b gate_up Q4_0 27.90 -> 105.59 us): a remote record read
// per lane and round costs far more than an L1 hit.
// No conversion kernel, a persistent grid (a stand-alone probe, Q4_0, x in 1 plane, batch 1): as many
// blocks as are resident (1-5 per SM, 8-32 warps each), each issuing its first weight loads, then
// converting all of x into its own shared memory once, then its warps streaming row pairs over the
// whole of K. Checked right, but slower than the probe's copy of this kernel with its conversion
// kernel on every one of the 17 shapes (H100, two runs in one call, best configuration of each):
// llama3-8b gate_up 29.38 against 26.85 us, down 24.32 against 16.35, o 10.98 against 8.26, gemma-3-4b
// output 133.15 against 129.70. Likely causes, not measured apart: the wait for x is not hidden as
// the dependent launch hides it, and without the warp split long rows stream from too few warps.
#pragma once
#include <cuda_fp16.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernels/common/dependent_launch.cuh"
#include "kernels/common/device_buffer.h"
#include "kernels/gemv/mul_mat_vec_dp4a.cuh"
#include "kernels/gemv/mul_mat_vec_warp_split.cuh"

namespace llmkb {
namespace gemv {

constexpr int kRepackedMaxBatch = 2;

// The repacked layout of format F: the quant plane (rows * cols / 32 blocks of kQuantBytes, in the
// blocks' order), then the scale plane (one fp16 per block, same order). The same bytes as the blocks.
template <WeightFormat F>
struct RepackedQuant {
  static constexpr int kQuantBytes = F == WeightFormat::q8_0 ? 32 : 16;
  static constexpr int kLoads = kQuantBytes / 16;  // 16-byte loads per block
  static_assert(QuantFormat<F>::kBlockBytes == 2 + kQuantBytes, "an fp16 scale, then the quants");
  static int64_t blocks(int64_t rows, int64_t cols) { return rows * (cols / kQuantBlockWeights); }
  static size_t bytes(int64_t rows, int64_t cols) {
    return static_cast<size_t>(blocks(rows, cols)) * (kQuantBytes + 2);
  }
};

// One thread per block: the scale to the scale plane, the quants to the quant plane (blocks are even
// bytes long, so they are read as halfwords).
template <WeightFormat F>
__global__ void __launch_bounds__(kThreads)
    repack_quant_blocks_kernel(const uint16_t* blocks, int64_t count, uint4* quants, uint16_t* scales) {
  using Layout = RepackedQuant<F>;
  constexpr int kBlockHalves = QuantFormat<F>::kBlockBytes / 2;
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const uint16_t* block = blocks + i * kBlockHalves;
  scales[i] = block[0];
#pragma unroll
  for (int l = 0; l < Layout::kLoads; ++l) {
    uint32_t words[4];
#pragma unroll
    for (int w = 0; w < 4; ++w) words[w] = block[1 + 8 * l + 2 * w] | (uint32_t{block[2 + 8 * l + 2 * w]} << 16);
    quants[i * Layout::kLoads + l] = make_uint4(words[0], words[1], words[2], words[3]);
  }
}

// Variant::prepare_inputs of the repacked variants: W (llama.cpp's blocks, 2-byte aligned) repacked
// into a new buffer, which a.w then points at.
template <WeightFormat F>
DeviceBuffer repack_quant_weights(const MulMatVecProblem& p, MulMatVecArgs& a, cudaStream_t stream) {
  using Layout = RepackedQuant<F>;
  if (reinterpret_cast<uintptr_t>(a.w) % 2 != 0)
    throw std::invalid_argument(std::string("mul_mat_vec: ") + to_string(F) +
                                " blocks at an odd address: pass W 2-byte aligned, as llama.cpp's blocks are");
  const int64_t count = Layout::blocks(p.rows, p.cols);
  DeviceBuffer repacked(Layout::bytes(p.rows, p.cols));
  auto* quants = repacked.as<uint4>();
  auto* scales = reinterpret_cast<uint16_t*>(repacked.as<char>() + count * Layout::kQuantBytes);
  if (count > 0) {
    repack_quant_blocks_kernel<F><<<static_cast<unsigned>(ceil_div(count, kThreads)), kThreads, 0, stream>>>(
        static_cast<const uint16_t*>(a.w), count, quants, scales);
    LLMKB_CHECK_LAUNCH();
  }
  a.w = repacked.get();
  return repacked;
}

template <WeightFormat F, int B, int kPlanes, int kSplitWarps>
__global__ void __launch_bounds__(kThreads) mul_mat_vec_quant_repacked_kernel(const Params p) {
  using Layout = RepackedQuant<F>;
  constexpr int kRows = kWarpSplitRows;
  constexpr int kBlockRows = warp_split_block_rows(kSplitWarps);
  constexpr int kRecordBytes = plane_record_bytes<kPlanes>();
  __shared__ float sums[kWarps][kRows * B];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int group = warp / kSplitWarps, chunk = warp % kSplitWarps;
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * kBlockRows + group * kRows;
  const int64_t row_blocks = p.cols / kQuantBlockWeights;
  const int chunk_blocks = static_cast<int>(p.k_slice / kQuantBlockWeights);
  const int begin = chunk * chunk_blocks;
  const int end = static_cast<int>(min(row_blocks, static_cast<int64_t>(begin) + chunk_blocks));

  // Rows past M (last block only) re-read row M-1 and are never stored.
  const char* quant_rows[kRows];
  const uint16_t* scale_rows[kRows];
  const uint16_t* scale_plane =
      reinterpret_cast<const uint16_t*>(static_cast<const char*>(p.w) + p.rows * p.w_row_bytes);
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
    const int64_t row = min(row0 + r, p.rows - 1);
    quant_rows[r] = static_cast<const char*>(p.w) + row * p.w_row_bytes;
    scale_rows[r] = scale_plane + row * row_blocks;
  }

  float acc[kRows][B];
#pragma unroll
  for (int r = 0; r < kRows; ++r) {
#pragma unroll
    for (int b = 0; b < B; ++b) acc[r][b] = 0.f;
  }
  bool records_ready = false;
  for (int j0 = begin; j0 < end; j0 += 32) {
    const int j = j0 + lane;
    const bool active = j < end;
    uint32_t qs[kRows][QuantFormat<F>::kWords];
    uint16_t scale_bits[kRows];
    if (active) {
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
#pragma unroll
        for (int l = 0; l < Layout::kLoads; ++l) {
          *reinterpret_cast<uint4*>(&qs[r][4 * l]) = load_stream16(quant_rows[r] + j * Layout::kQuantBytes + 16 * l);
        }
        scale_bits[r] = __ldg(scale_rows[r] + j);
      }
    }
    if (!records_ready) {  // the activation records are written by the kernel before this one
      wait_for_prior_grids();
      records_ready = true;
    }
    if (active) {
      uint32_t a[kRows][8];
      float d[kRows];
#pragma unroll
      for (int r = 0; r < kRows; ++r) {
        dp4a_operands<F>(qs[r], a[r]);
        d[r] = __half2float(__ushort_as_half(scale_bits[r]));
      }
      dot_plane_records<kPlanes, B, kRows>(a, d, p.x_planes + j * kRecordBytes, p.x_planes_row_bytes, acc);
    }
  }
  add_chunk_sums<kSplitWarps>(p, acc, sums);
}

// Warps per row pair (1, 2, 4 or 8): the fewest that give the GPU about as many warps as it holds at
// once (3/4 of them), with at least one whole round of 32 blocks per warp. `resident_warps` comes from
// the one-warp kernel's occupancy for every split (the kernels differ little in registers).
inline int repacked_split_warps(int64_t rows, int64_t row_blocks, int64_t resident_warps) {
  const int64_t row_pairs = ceil_div(rows, kWarpSplitRows);
  int warps = 1;
  while (warps < 8 && 2 * warps * 32 <= row_blocks && 4 * row_pairs * warps < 3 * resident_warps) warps *= 2;
  return warps;
}

template <WeightFormat F, class TX, int B, int kPlanes>
void launch_quant_repacked_typed(Params params, cudaStream_t stream) {
  const int64_t row_blocks = params.cols / kQuantBlockWeights;
  const int resident_per_sm = resident_blocks_per_sm(
      reinterpret_cast<const void*>(mul_mat_vec_quant_repacked_kernel<F, B, kPlanes, 1>), kThreads, 0);
  const int warps =
      repacked_split_warps(params.rows, row_blocks, int64_t{resident_per_sm} * kWarps * current_sm_count());
  params.k_slice = ceil_div(row_blocks, warps) * kQuantBlockWeights;
  params.splits = 1;
  StreamQuantDp4a<F, kPlanes>::template prepare_x<TX, B>(params, stream);
  dispatch_split_warps(warps, [&](auto split) {
    constexpr int kSplitWarps = decltype(split)::value;
    launch_dependent(mul_mat_vec_quant_repacked_kernel<F, B, kPlanes, kSplitWarps>,
                     dim3(static_cast<unsigned>(ceil_div(params.rows, warp_split_block_rows(kSplitWarps)))),
                     dim3(kThreads), 0, stream, params);
  });
}

// Weight format F and a batch of 1-2 (cols % 32 == 0 and f32 or f16 x are the op's contract for
// quantised weights).
template <WeightFormat F>
Support quant_repacked_supports(const MulMatVecProblem& p) {
  const Support s = mul_mat_vec_valid(p);
  if (!s.ok) return s;
  if (p.weight != F) return Support::no(std::string(to_string(p.weight)) + " weights");
  if (p.batch > kRepackedMaxBatch)
    return Support::no("batch " + std::to_string(p.batch) + " above " + std::to_string(kRepackedMaxBatch) +
                       " (the *_dp4a and *_mma variants take any batch)");
  return Support::yes();
}

// W as repack_quant_weights left it; x f32 or f16, in kPlanes planes.
template <WeightFormat F, int kPlanes>
void launch_quant_repacked(const char* name, const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  const Support s = quant_repacked_supports<F>(p);
  if (!s.ok) throw std::invalid_argument(std::string(name) + ": " + s.reason);
  // a.w must be what repack_quant_weights made (Variant::prepare_inputs): llama.cpp's blocks as stored
  // would pass this check and give a wrong y (tests/wrong_gemv_variants.cu has such a variant).
  if (!aligned16(a.w))
    throw std::invalid_argument(std::string(name) + ": W not 16-byte aligned: pass the buffer repack_quant_weights " +
                                "made (the variant's prepare_inputs), not the blocks as stored");
  Params params = make_params(p, a, (p.cols / kQuantBlockWeights) * RepackedQuant<F>::kQuantBytes);  // a quant row
  params.x_vector_staging = aligned16(a.x);  // cols % 32 == 0: every block's activations start 16-byte aligned
  dispatch_batch(p.batch, [&](auto batch) {
    constexpr int B = decltype(batch)::value;
    if constexpr (B <= kRepackedMaxBatch) {
      if (p.activation == DType::f32) {
        launch_quant_repacked_typed<F, float, B, kPlanes>(params, stream);
      } else {
        launch_quant_repacked_typed<F, __half, B, kPlanes>(params, stream);
      }
    }
  });
}

}  // namespace gemv
}  // namespace llmkb
