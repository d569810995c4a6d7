// mul_mat_vec/q8_0_split and q4_0_split: the quantised warp split (kernels/gemv/mul_mat_vec_quant_split.cuh):
// x converted once into integer planes by a kernel of its own, then 1-8 warps per pair of rows, each
// copying its chunk of K at once into shared memory, blocks of 2-16 rows. Batches of 1-2. Their _x16
// and _x8 forms hold x in 2 or 1 planes (16 or 8 bits per element, kernels/gemv/activation_planes.h)
// and are checked against W times x rounded so.
//
// Round lengths and commit groups, chosen on an H200 (batch 1, the four models' 17 shapes, against
// q8_0_dp4a / q4_0_dp4a in the same runs): Q8_0 takes rounds of 8 steps (4.25 KB of each row) in two
// commit groups (geometric mean x1.012 against q8_0_dp4a; one group: x0.985; rounds of 4 steps:
// x0.975); Q4_0 rounds of 16 steps (4.5 KB) in one group (x1.029; two groups: x1.007; rounds of 8:
// x0.978). On an H100 as committed (same runs, batch 1): faster than the *_dp4a kernel by more than 1 %
// on 8 (Q8_0) and 6 (Q4_0) of the 17 shapes, the large projections and the output head (Q8_0 llama3-8b
// gate_up 50.8 -> 47.2 us, 86 % of the read ceiling; Q4_0 gemma-3-4b output 145.3 -> 129.8 us, 95 %),
// and up to 11 % slower on the small ones (the o projections, gemma-3-4b's qkv and down), where the
// streamed kernels' split-K keeps more of the GPU busy. Also tried on the H100 (same runs, geometric
// means against the *_dp4a kernels): 5 blocks per SM (48 registers, 50-80 bytes of spills), Q8_0
// x0.937 and Q4_0 x0.857; Q4_0 in two commit groups x0.975 against x0.996 (faster only on the
// gate_ups, by 1.6-1.8 %). Against these kernels themselves (H100, 17 shapes, 2 runs, geometric
// means): each row's piece as one bulk copy through the tensor copy engine (cp.async.bulk, one lane
// issuing, an mbarrier per commit group) in place of the lanes' 16-byte cp.async, Q8_0 x0.963 (one
// group: x0.975) and Q4_0 x0.992 (two groups: x0.979); and the most warps per row pair that keep the
// fewest rounds (for llama3-8b gate_up 8 warps of 2 steps instead of 1 of 16), x0.728 and x0.738.
// Q4_0 in four commit groups (one step per lane group each) where every warp's chunk is one whole round
// of 16 steps (K = 4096 or 8192) and the grid is at most 2 waves, one group elsewhere. Against one
// group everywhere (17 shapes, same runs), four groups on the whole-round shapes were faster on the
// four of them that fit 2 waves (llama3-8b qkv and o, llama3-70b qkv_tp8 and gate_up_tp8): H100 +0.8 to
// +4.9 %, H200 +1.4 to +4.1 % (two calls on each GPU, 3-4 runs per call); on llama3-8b gate_up (3.4
// waves) H100 +5.0 % (31.65 -> 30.14 us) but H200 -11.2 % (25.55 -> 28.77 us), so it keeps one group.
// Four groups everywhere lost on the others (H100, gemma-3-4b output x0.66, K = 2560: parts of 2-3
// steps leave lane groups idle); Q8_0 in rounds of 16 steps and four groups lost on all 17 (x0.83);
// compile-time loop bounds for whole-round chunks (the parts' dot products unrolled) lost 2-6 % on the
// shapes they applied to, Q8_0 and Q4_0 (llama3-8b gate_up 30.27 -> 31.36 us Q4_0, 47.26 -> 48.42 us
// Q8_0; same runs). Why Q4_0 stays near 70 % of the read ceiling on llama3-8b gate_up (H100): a copy-
// only replica of this kernel's reads (one warp per row pair, 4.5 KB at once, no dot products;
// llama3-8b gate_up, L2 flushed as llmkb does) takes 24.1 us, as a plain read of the same 66 MB (24.4
// us), and 28.1 us with about as many (synthetic) instructions per warp as this kernel issues: the dot
// products, not the reads, are what is not hidden.
// The _x16 / _x8 variants (x in 2 / 1 planes) keep these kernels' choices; at batch 1 they fit in
// fewer registers, but 5 or 6 blocks per SM in place of 4 did not pay (H200, 17 shapes, 3 runs, against
// 4 blocks: x8 at 5 blocks x1.001 (Q4_0) and x1.003 (Q8_0), at 6 x0.964 and x1.000; x16 at 5 x0.956
// and x0.994, geometric means of the ratios of medians).
// Also tried against these kernels (H100, the 17 shapes at batch 1, 3 runs per call, geometric means
// of the ratios of medians), neither kept:
// - Blocks of 4 or 2 warps in place of 8 (as many warps per SM): Q4_0 x1.003 and x1.002, Q8_0 x1.002
//   and x0.996; llama3-8b gate_up Q4_0 31.18 -> 31.01 and 31.07 us.
// - Persistent warps (ncu on Q4_0 llama3-8b gate_up: 41 % of the warps' stall samples wait for the
//   copies, which land for all the warps of an SM at about the same time, then 13 % on the first dot
//   product's activation loads): one wave of blocks, each warp streaming its own list of rounds
//   (row pairs first_pair, first_pair + warps in the grid, ...) through a ring of 2-3 cp.async
//   buffers, the next round in flight while it computes, no split of K. Q4_0 x0.92-0.95 (rounds of 8
//   or 16 steps), _x8 x0.94-0.96, Q8_0 x0.98-0.99. Faster only on some shapes of many rows (Q4_0_x8
//   llama3-8b gate_up 29.15 -> 27.30 us; with the grid cut so that every warp gets as many row pairs,
//   29.22 -> 28.10 in the next call; Q8_0 qkv of llama3-8b and qwen2.5-7b and qwen2.5-7b down
//   +7 to +12 %), slower where few rows leave K unsplit (llama3-70b qkv_tp8 x0.75-0.84) and on the
//   gemma-3-4b output head (x0.93-0.95).
// - An L2 prefetch of the next wave's rows (each warp, on starting, one cp.async.bulk.prefetch.L2 per
//   row of its chunk in block blockIdx.x + D; D half a wave, one wave, 1.5 waves of resident blocks),
//   so that DRAM would stay busy while the resident warps compute: slower at every distance (H100, 17
//   shapes, 2 runs per distance interleaved in one call): Q4_0 x0.965 / x0.953 / x0.943, _x8 x0.964 /
//   x0.953 / x0.941, Q8_0 x0.913 / x0.921 / x0.892; llama3-8b gate_up Q4_0 31.30 -> 32.74 / 37.66 /
//   39.57 us. The same prefetch in mul_mat_vec/fast's warp split: x0.939 / x0.903 / x0.904.
// - Hiding the activation records' load latency (ncu's 13 % of stall samples above), _x8 and full forms
//   (H100, 17 shapes, 3-4 runs in one call): each lane's records of the round pulled into L1 with
//   prefetch.global.L1 while the weight copies are in flight, x0.20-1.02 (geometric means: Q4_0 x0.52,
//   _x8 x0.56, Q8_0 x0.64, _x8 x0.71; llama3-8b gate_up Q4_0 _x8 29.26 -> 67.34 us); the records loaded into registers
//   one step ahead, the first before the weights land (_x8 at 64 registers without spills; the 3-plane forms spill
//   156-576 bytes), Q4_0 _x8 x0.976 and Q8_0 _x8 x0.976, level on the large projections, 3-5 % slower on the small
//   ones.
// - Q4_0 _x8 with the high nibbles masked in place (q & 0xF0F0F0F0, times 16, into a second dp4a sum
//   shifted down once per block) instead of shifted: 24 fewer SASS instructions, x1.001.
// - A warp-specialised pipeline in place of the short-lived warps (H100, 17 shapes at batch 1, 3 runs
//   per call, two calls, geometric means against the _x8 split kernels of the same runs): one wave of
//   blocks, each a copy warp and 8 compute warps; the copy warp streams tiles of 16 rows x 4-16 steps
//   (one cp.async.bulk per row, an mbarrier per stage) through 4-8 stages and runs ahead of the compute
//   warps, which take 2 rows each with this kernel's dot products and release each stage by mbarrier;
//   each block an equal run of tiles, the rows' sums added into y (zeroed first) by atomicAdd. Q4_0 _x8
//   x0.74-0.78 (llama3-8b gate_up 29.2 -> 31.8-34.4 us), Q4_0 x0.80, Q8_0 _x8 x0.79-0.81 (45.9 -> 51.1-53.8
//   us); 1, 2 or 3 blocks per SM, tiles dealt round-robin instead of in runs (x0.98 against runs) and an
//   L2 evict-first hint on the copies (x1.00) changed little. ncu (Q4_0 _x8 gate_up, round-robin, 2
//   blocks per SM): DRAM 61 % busy, 8.6 cycles per issued instruction per warp: with 16 compute warps
//   per SM instead of the split kernel's 32 the dot products' latency is less hidden, and the copies
//   wait for them.
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_op.h"
#include "kernels/gemv/mul_mat_vec_quant_split.cuh"

namespace llmkb {
namespace {

// "_split", or "_split_x16" / "_split_x8" for activations in 2 / 1 planes.
std::string split_name(WeightFormat format, int planes) {
  const std::string suffix = planes == 3 ? "" : "_x" + std::to_string(8 * planes);
  return std::string("mul_mat_vec/") + to_string(format) + "_split" + suffix;
}

template <WeightFormat F, int kRoundSteps, int kCopyParts, int kFullRoundParts, int kPlanes>
void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  static const std::string name = split_name(F, kPlanes);
  gemv::launch_quant_split<F, kRoundSteps, kCopyParts, kFullRoundParts, kPlanes>(name.c_str(), p, a, stream);
}

template <int kPlanes>
std::vector<Expected> reference_x_planes(const MulMatVecProblem& p, const std::vector<HostTensor>& t) {
  return mul_mat_vec_reference_x_planes(p, t, kPlanes);
}

// The variant of weight format F copying rounds of kRoundSteps steps in kCopyParts commit groups
// (kFullRoundParts where each warp's chunk is one whole round), x in kPlanes integer planes.
template <WeightFormat F, int kRoundSteps, int kCopyParts, int kFullRoundParts, int kPlanes = 3>
Variant<MulMatVecOp> make() {
  const std::string x_bits = std::to_string(8 * kPlanes);
  const std::string rounding =
      kPlanes == 3 ? ""
                   : " (to about 2^-" + std::to_string(activation_plane_bits(kPlanes)) + " of each block's largest |x|" +
                         (kPlanes == 1 ? ", as llama.cpp's q8_1 activations" : "") + "; checked against W times x so rounded)";
  return {split_name(F, kPlanes),
          "batches of 1-2: x converted once to " + x_bits + "-bit integers per block of 32" + rounding + " in " +
              std::to_string(kPlanes) + " byte plane" + (kPlanes > 1 ? "s" : "") + " (" + std::string(to_string(F)) +
              "_dp4a's dot products, " + std::to_string(kPlanes) + " dp4a per 4 weights), then 1-8 warps per row pair, each copying up to " +
              std::to_string(kRoundSteps) + " steps of K into shared memory at once, blocks of 2-16 rows",
          75,
          false,
          gemv::quant_split_supports<F>,
          launch<F, kRoundSteps, kCopyParts, kFullRoundParts, kPlanes>,
          kPlanes == 3 ? nullptr : reference_x_planes<kPlanes>,
          kPlanes == 3 ? "" : "W times x rounded to " + x_bits + " bits per block of 32"};
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_q8_0_split() {
  return make<WeightFormat::q8_0, 8, 2, 2>();
}

Variant<MulMatVecOp> mul_mat_vec_q4_0_split() {
  return make<WeightFormat::q4_0, 16, 1, 4>();
}

Variant<MulMatVecOp> mul_mat_vec_q8_0_split_x16() {
  return make<WeightFormat::q8_0, 8, 2, 2, 2>();
}

Variant<MulMatVecOp> mul_mat_vec_q4_0_split_x16() {
  return make<WeightFormat::q4_0, 16, 1, 4, 2>();
}

Variant<MulMatVecOp> mul_mat_vec_q8_0_split_x8() {
  return make<WeightFormat::q8_0, 8, 2, 2, 1>();
}

Variant<MulMatVecOp> mul_mat_vec_q4_0_split_x8() {
  return make<WeightFormat::q4_0, 16, 1, 4, 1>();
}

}  // namespace llmkb
