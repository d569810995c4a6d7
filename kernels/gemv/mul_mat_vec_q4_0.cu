// mul_mat_vec/q4_0: Q4_0 weights dequantised in registers (18-byte blocks: regrouped through a
// per-warp shared buffer after coalesced 16-byte loads; nibble -> float by mask and byte permute),
// one pass over W for all vectors, split-K for small M. The kernel is in mul_mat_vec_quant.cuh.
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_quant.cuh"

namespace llmkb {
namespace {

Support supports(const MulMatVecProblem& p) {
  return gemv::quant_kernel_supports(p, WeightFormat::q4_0);
}

void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  gemv::launch_quant<WeightFormat::q4_0>("mul_mat_vec/q4_0", p, a, stream);
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_q4_0() {
  return {"mul_mat_vec/q4_0",
          "Q4_0 dequantised in registers after coalesced 16-byte loads regrouped per warp in smem, split-K",
          75,
          false,
          supports,
          launch};
}

}  // namespace llmkb
