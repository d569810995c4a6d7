// mul_mat_vec/q8_0_mma_t2: the tensor-core quantised GEMV (kernels/gemv/mul_mat_vec_quant_mma.cuh) on Q8_0
// weights, tuning candidate: q8_0_mma with 4 warps x 32 rows (two 16-row tiles per warp sharing each activation
// fragment load), the same 128-row block and ring bytes.
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_quant_mma.cuh"

namespace llmkb {
namespace {

// warps, 16-row tiles per warp, ring stages, 256-weight steps per stage, activation cap (KiB), blocks per SM
using Config = gemv::QuantMmaConfig<4, 2, 3, 1, 8, 2>;

Support supports(const MulMatVecProblem& p) {
  return gemv::quant_kernel_supports(p, WeightFormat::q8_0);
}

void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  gemv::launch_quant_mma<WeightFormat::q8_0, Config>("mul_mat_vec/q8_0_mma_t2", p, a, stream);
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_q8_0_mma_t2() {
  return {"mul_mat_vec/q8_0_mma_t2",
          "q8_0_mma with 4 warps x 32 rows: two m16 tiles per warp share each activation fragment load",
          80,
          false,
          supports,
          launch};
}

}  // namespace llmkb
