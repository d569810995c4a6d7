// rmsnorm/vec8: the vectorised kernel (rmsnorm_vec_kernel.cuh) with 256 threads per long row when
// streaming many rows and 128 with the weight prefetched when the grid is latency-bound.
#include "kernels/common/variant.h"
#include "kernels/rmsnorm/rmsnorm_vec_kernel.cuh"

namespace llmkb {
namespace {

constexpr rmsnorm_vec::LaunchShape kShape{256, 128};

template <bool kFusedAdd>
void launch(const RmsNormProblem& p, const RmsNormArgs& a, cudaStream_t stream) {
  rmsnorm_vec::launch<kFusedAdd>(p, a, kShape, stream);
}

}  // namespace

Variant<RmsNormOp> rmsnorm_vec8() {
  return {"rmsnorm/vec8", "16-byte loads, row in registers (one DRAM read), warp shuffles, warp per short row", 75,
          false, rmsnorm_vec::supports, launch<false>};
}

Variant<FusedAddRmsNormOp> fused_add_rmsnorm_vec8() {
  return {"fused_add_rmsnorm/vec8", "16-byte loads, residual sum in registers (one DRAM read), warp shuffles", 75,
          false, rmsnorm_vec::supports, launch<true>};
}

}  // namespace llmkb
