// mul_mat_vec/q4_0_ring: the streamed GEMV (kernels/gemv/mul_mat_vec_stream.cuh) on Q4_0 weights, with a
// ring of 4 stages of 2 step(s) (256 weights per row each) per warp: 3 stage(s) of loads in flight.
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_stream.cuh"

namespace llmkb {
namespace {

constexpr int kStages = 4;
constexpr int kStepsPerStage = 2;

Support supports(const MulMatVecProblem& p) {
  const Support s = gemv::stream_kernel_supports(p);
  if (!s.ok) return s;
  if (p.weight != WeightFormat::q4_0) return Support::no(std::string(to_string(p.weight)) + " weights");
  return Support::yes();
}

void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  gemv::launch_stream_quant<gemv::StreamQuant<WeightFormat::q4_0>, kStages, kStepsPerStage>("mul_mat_vec/q4_0_ring", p, a, stream);
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_q4_0_ring() {
  return {"mul_mat_vec/q4_0_ring",
          "Q4_0 weights streamed per warp through a 4-stage cp.async shared-memory ring, 2 x 256 weights per row per stage, lane per block/8th of a step, split-K",
          75,
          false,
          supports,
          launch};
}

}  // namespace llmkb
