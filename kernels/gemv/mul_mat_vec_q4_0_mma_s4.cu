// mul_mat_vec/q4_0_mma_s4: the tensor-core quantised GEMV (kernels/gemv/mul_mat_vec_quant_mma.cuh) on Q4_0
// weights, tuning candidate: q4_0_mma with a 4-stage ring (3 stages in flight per warp): 2 blocks per SM.
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_quant_mma.cuh"

namespace llmkb {
namespace {

// warps, 16-row tiles per warp, ring stages, 256-weight steps per stage, activation cap (KiB), blocks per SM
using Config = gemv::QuantMmaConfig<8, 1, 4, 1, 16, 2>;

Support supports(const MulMatVecProblem& p) {
  return gemv::quant_kernel_supports(p, WeightFormat::q4_0);
}

void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  gemv::launch_quant_mma<WeightFormat::q4_0, Config>("mul_mat_vec/q4_0_mma_s4", p, a, stream);
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_q4_0_mma_s4() {
  return {"mul_mat_vec/q4_0_mma_s4",
          "q4_0_mma with a 4-stage ring per warp (3 stages in flight), 2 blocks per SM",
          80,
          false,
          supports,
          launch};
}

}  // namespace llmkb
