// mul_mat_vec/q8_0_mma_s2: the tensor-core quantised GEMV (kernels/gemv/mul_mat_vec_quant_mma.cuh) on Q8_0
// weights, tuning candidate: q8_0_mma with a 2-stage ring (one stage in flight per warp) and a 4 KiB activation
// cap, so that 3 blocks fit on an SM (24 warps) where the batch allows.
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_quant_mma.cuh"

namespace llmkb {
namespace {

// warps, 16-row tiles per warp, ring stages, 256-weight steps per stage, activation cap (KiB), blocks per SM
using Config = gemv::QuantMmaConfig<8, 1, 2, 1, 4, 3>;

Support supports(const MulMatVecProblem& p) {
  return gemv::quant_kernel_supports(p, WeightFormat::q8_0);
}

void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  gemv::launch_quant_mma<WeightFormat::q8_0, Config>("mul_mat_vec/q8_0_mma_s2", p, a, stream);
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_q8_0_mma_s2() {
  return {"mul_mat_vec/q8_0_mma_s2",
          "q8_0_mma with a 2-stage ring per warp and a 4 KiB activation slice cap: 3 blocks (24 warps) per SM at small batch",
          80,
          false,
          supports,
          launch};
}

}  // namespace llmkb
