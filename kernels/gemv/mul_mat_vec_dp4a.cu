// mul_mat_vec/q8_0_dp4a and q4_0_dp4a: the streamed GEMV (kernels/gemv/mul_mat_vec_stream.cuh: a
// cp.async shared-memory ring of W per warp) with integer block dot products
// (kernels/gemv/mul_mat_vec_dp4a.cuh: activations staged per block as 24-bit fixed point in three
// int8 planes, 3 dp4a per 4 weights, exact int32 block sums).
//
// Slices are at least 16 ring stages long (4096 weights per row for Q8_0, 8192 for Q4_0): with the
// float path's plan (slices as short as one stage, to fill the last wave) a block streamed only 2
// stages per warp of llama3-8b gate_up and then waited on its split-K fence (ncu: membar the top
// stall), and each block staged its activations for that little work. Chosen on an H100
// (llama3-8b batch 1, f32 x): at least 16 stages per slice took Q4_0 gate_up from 42.4 to 32.2 us
// and Q8_0 gate_up from 58.5 to 53.7 us, where 4 or 8 were no better on other shapes; 16-warp
// blocks, 3- or 6-stage rings and 1-step Q4_0 stages were within +-5 % and not better on the whole.
// Shortening the slices where the rows leave SMs without a block was tried and dropped: it helps
// llama3-70b's qkv_tp8 (40 row tiles; Q8_0 13.7 -> 11.8 us) but splits shapes of 80-128 row tiles
// and K <= 4096 in two, which lost more (gemma-3-4b o, Q4_0: 7.5 -> 8.7 us).
// Rows per lane (lanes that share one read of a block's activations among 2 or 4 rows, stages of 2
// or 4 steps): on an H100, batch 1 on the four models' 17 shapes, 2 rows per lane were faster for
// Q4_0 on 16 of them and slower on none (geometric mean x1.020, llama3-8b down 21.79 -> 21.06 us);
// for Q8_0 neither 2 nor 4 rows (2- or 3-stage rings) gained on the whole (x0.998, x0.991, x0.906).
// Halving the activation reads did so little that shared-memory bandwidth is not what holds these
// kernels below the read ceiling.
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_dp4a.cuh"
#include "kernels/gemv/mul_mat_vec_stream.cuh"

namespace llmkb {
namespace {

template <WeightFormat F, int kStages, int kStepsPerStage, int kRowsPerLane, int kMinSliceStages>
void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  static const std::string name = std::string("mul_mat_vec/") + to_string(F) + "_dp4a";
  gemv::launch_stream_quant<gemv::StreamQuantDp4a<F>, kStages, kStepsPerStage, kRowsPerLane, kMinSliceStages>(
      name.c_str(), p, a, stream);
}

template <WeightFormat F, int kStages, int kStepsPerStage, int kRowsPerLane, int kMinSliceStages>
Variant<MulMatVecOp> make(const char* name) {
  return {name,
          std::string(to_string(F)) +
              " weights through the per-warp cp.async ring (" + std::to_string(kStages) + " stages x " +
              std::to_string(kStepsPerStage) + " x 256 weights per row, " + std::to_string(kRowsPerLane) +
              " row(s) per lane) with integer block dot products: activations as 24-bit fixed point per 32-block "
              "(three int8 planes, power-of-two scale), 3 dp4a per 4 weights, exact int32 block sums, fp32 across blocks",
          75,
          false,
          gemv::stream_quant_supports<F>,
          launch<F, kStages, kStepsPerStage, kRowsPerLane, kMinSliceStages>};
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_q8_0_dp4a() {
  return make<WeightFormat::q8_0, 4, 1, 1, 16>("mul_mat_vec/q8_0_dp4a");
}

Variant<MulMatVecOp> mul_mat_vec_q4_0_dp4a() {
  return make<WeightFormat::q4_0, 4, 2, 2, 16>("mul_mat_vec/q4_0_dp4a");
}

}  // namespace llmkb
