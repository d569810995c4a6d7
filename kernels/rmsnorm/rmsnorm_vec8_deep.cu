// rmsnorm/vec8_deep: as rmsnorm/vec8, with half the threads per long row when streaming (twice the
// 16-byte loads in flight per thread) and twice the threads when latency-bound (shorter chains).
#include "kernels/common/variant.h"
#include "kernels/rmsnorm/rmsnorm_vec_kernel.cuh"

namespace llmkb {
namespace {

constexpr rmsnorm_vec::LaunchShape kShape{128, 256};

template <bool kFusedAdd>
void launch(const RmsNormProblem& p, const RmsNormArgs& a, cudaStream_t stream) {
  rmsnorm_vec::launch<kFusedAdd>(p, a, kShape, stream);
}

}  // namespace

Variant<RmsNormOp> rmsnorm_vec8_deep() {
  return {"rmsnorm/vec8_deep", "vec8 with 128 threads per long row: twice the loads in flight per thread", 75,
          false, rmsnorm_vec::supports, launch<false>};
}

Variant<FusedAddRmsNormOp> fused_add_rmsnorm_vec8_deep() {
  return {"fused_add_rmsnorm/vec8_deep", "vec8 with 128 threads per long row: twice the loads in flight per thread",
          75, false, rmsnorm_vec::supports, launch<true>};
}

}  // namespace llmkb
