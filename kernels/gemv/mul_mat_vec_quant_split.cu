// mul_mat_vec/q8_0_split and q4_0_split: the quantised warp split (kernels/gemv/mul_mat_vec_quant_split.cuh):
// x converted once into integer planes by a kernel of its own, then 1-8 warps per pair of rows, each
// copying its chunk of K at once into shared memory, blocks of 2-16 rows. Batches of 1-2.
//
// Round lengths and commit groups, chosen on an H200 (batch 1, the four models' 17 shapes, against
// q8_0_dp4a / q4_0_dp4a in the same runs): Q8_0 takes rounds of 8 steps (4.25 KB of each row) in two
// commit groups (geometric mean x1.012 against q8_0_dp4a; one group: x0.985; rounds of 4 steps:
// x0.975); Q4_0 rounds of 16 steps (4.5 KB) in one group (x1.029; two groups: x1.007; rounds of 8:
// x0.978). Both win on the large projections (Q8_0 llama3-8b gate_up 43.1 -> 35.4 us, llama3-70b
// gate_up_tp8 29.9 -> 21.9 us; Q4_0 qwen2.5-7b down 23.3 -> 20.8 us) and lose up to 15 % on small
// ones (gemma-3-4b, the o projections), where the streamed kernels' split-K keeps more of the GPU busy.
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_quant_split.cuh"

namespace llmkb {
namespace {

void launch_q8_0(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  gemv::launch_quant_split<WeightFormat::q8_0, 8, 2>("mul_mat_vec/q8_0_split", p, a, stream);
}

void launch_q4_0(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  gemv::launch_quant_split<WeightFormat::q4_0, 16, 1>("mul_mat_vec/q4_0_split", p, a, stream);
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_q8_0_split() {
  return {"mul_mat_vec/q8_0_split",
          "batches of 1-2: x converted once to 24-bit integer planes (q8_0_dp4a's dot products), then 1-8 warps per "
          "row pair, each copying up to 8 steps of K into shared memory at once, blocks of 2-16 rows",
          75,
          false,
          gemv::quant_split_supports<WeightFormat::q8_0>,
          launch_q8_0};
}

Variant<MulMatVecOp> mul_mat_vec_q4_0_split() {
  return {"mul_mat_vec/q4_0_split",
          "batches of 1-2: x converted once to 24-bit integer planes (q4_0_dp4a's dot products), then 1-8 warps per "
          "row pair, each copying up to 16 steps of K into shared memory at once, blocks of 2-16 rows",
          75,
          false,
          gemv::quant_split_supports<WeightFormat::q4_0>,
          launch_q4_0};
}

}  // namespace llmkb
