// mul_mat_vec/q8_0_ring and q4_0_ring: the streamed GEMV (kernels/gemv/mul_mat_vec_stream.cuh) with its
// float dequantisation, through a ring of 4 stages per warp (3 stages of loads in flight) of 1 (Q8_0) or
// 2 (Q4_0) steps of 256 weights per row.
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_stream.cuh"

namespace llmkb {
namespace {

constexpr int kStages = 4;

template <WeightFormat F, int kStepsPerStage>
void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  static const std::string name = std::string("mul_mat_vec/") + to_string(F) + "_ring";
  gemv::launch_stream_quant<gemv::StreamQuant<F>, gemv::StreamKnobs<4, 1, kStages, kStepsPerStage, 1, 1>>(
      name.c_str(), p, a, stream);
}

template <WeightFormat F, int kStepsPerStage>
Variant<MulMatVecOp> make(const char* name, const char* description) {
  return {name, description, 75, false, gemv::stream_quant_supports<F>, launch<F, kStepsPerStage>};
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_q8_0_ring() {
  return make<WeightFormat::q8_0, 1>(
      "mul_mat_vec/q8_0_ring",
      "Q8_0 weights streamed per warp through a 4-stage cp.async shared-memory ring, 1 x 256 weights per row per stage, lane per block/8th of a step, split-K");
}

Variant<MulMatVecOp> mul_mat_vec_q4_0_ring() {
  return make<WeightFormat::q4_0, 2>(
      "mul_mat_vec/q4_0_ring",
      "Q4_0 weights streamed per warp through a 4-stage cp.async shared-memory ring, 2 x 256 weights per row per stage, lane per block/8th of a step, split-K");
}

}  // namespace llmkb
