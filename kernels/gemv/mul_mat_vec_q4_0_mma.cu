// mul_mat_vec/q4_0_mma: the tensor-core quantised GEMV (kernels/gemv/mul_mat_vec_quant_mma.cuh) on Q4_0
// weights, 8 warps x 16 rows (a 128-row block), a 3-stage ring of 256 weights per row per warp: 3 blocks per SM.
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_quant_mma.cuh"

namespace llmkb {
namespace {

// warps, 16-row tiles per warp, ring stages, 256-weight steps per stage, activation cap (KiB), blocks per SM
using Config = gemv::QuantMmaConfig<8, 1, 3, 1, 16, 3>;

Support supports(const MulMatVecProblem& p) {
  return gemv::quant_kernel_supports(p, WeightFormat::q4_0);
}

void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  gemv::launch_quant_mma<WeightFormat::q4_0, Config>("mul_mat_vec/q4_0_mma", p, a, stream);
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_q4_0_mma() {
  return {"mul_mat_vec/q4_0_mma",
          "Q4_0 on tensor cores: unscaled nibbles as exact fp16 A of m16n8k16 (LOP3 magic-number dequant, ~1.1 instr/weight), activations as B in fragment order (f32 split hi+lo), scale on the fp32 C; 8 warps x 16 rows, 3-stage cp.async ring per warp, split-K",
          80,
          false,
          supports,
          launch};
}

}  // namespace llmkb
