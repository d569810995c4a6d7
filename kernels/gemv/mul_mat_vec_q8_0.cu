// mul_mat_vec/q8_0: Q8_0 weights dequantised in registers (34-byte blocks: regrouped through a
// per-warp shared buffer after coalesced 16-byte loads; int8 -> float by byte permute), one pass
// over W for all vectors, split-K for small M. The kernel is in mul_mat_vec_quant.cuh.
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_quant.cuh"

namespace llmkb {
namespace {

Support supports(const MulMatVecProblem& p) {
  return gemv::quant_kernel_supports(p, WeightFormat::q8_0);
}

void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  gemv::launch_quant<WeightFormat::q8_0>("mul_mat_vec/q8_0", p, a, stream);
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_q8_0() {
  return {"mul_mat_vec/q8_0",
          "Q8_0 dequantised in registers after coalesced 16-byte loads regrouped per warp in smem, split-K",
          75,
          false,
          supports,
          launch};
}

}  // namespace llmkb
