// mul_mat_vec/fast_c3: the streamed GEMV (kernels/gemv/mul_mat_vec_stream.cuh) on f32/f16/bf16 weights, with a
// ring of 6 stages of 1 step(s) (256 weights per row each) per warp: 5 stage(s) of loads in flight.
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_stream.cuh"

namespace llmkb {
namespace {

constexpr int kStages = 6;
constexpr int kStepsPerStage = 1;

Support supports(const MulMatVecProblem& p) {
  const Support s = gemv::stream_kernel_supports(p);
  if (!s.ok) return s;
  if (is_quantized(p.weight)) return Support::no(std::string(to_string(p.weight)) + " weights (float kernel)");
  return Support::yes();
}

void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  gemv::launch_stream_float<kStages, kStepsPerStage>("mul_mat_vec/fast_c3", p, a, stream);
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_fast_c3() {
  return {"mul_mat_vec/fast_c3",
          "f32/f16/bf16 weights streamed per warp through a 6-stage cp.async shared-memory ring, 1 x 256 weights per row per stage, lane per block/8th of a step, split-K",
          75,
          false,
          supports,
          launch};
}

}  // namespace llmkb
