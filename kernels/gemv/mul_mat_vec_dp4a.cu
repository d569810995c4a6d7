// mul_mat_vec/q8_0_dp4a and q4_0_dp4a: the streamed GEMV (kernels/gemv/mul_mat_vec_stream.cuh: a
// cp.async shared-memory ring of W per warp) with integer block dot products
// (kernels/gemv/mul_mat_vec_dp4a.cuh: activations staged per block as 24-bit fixed point in three
// int8 planes, 3 dp4a per 4 weights, exact int32 block sums).
//
// Slices are at least 16 steps of 256 weights long for Q8_0 (16 one-step ring stages, or 4 four-step
// ones on the one-row-per-warp path) and 32 for Q4_0 (16 two-step stages): with the
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
// What does: the pieces W is read in. A copy-only replica of the ring (no dot products; llama3-8b
// gate_up geometry, H100) took 52.4 us with 4 rows x 272 bytes per warp-stage, 49.3 us with
// 2 rows x 544 bytes and 46.9 us with 1 row x 1088 bytes, the same bytes in flight. So Q8_0 at batch 1
// on many long rows (rows >= 6144 and K >= 3584) streams one row per warp, 4 steps per stage, in 2
// passes (16 rows per block). Measured on an H100, batch 1, against 4 rows per warp: faster on all 5
// of the 17 shapes the rule picks (llama3-8b qkv 17.38 -> 15.87 us, gate_up 52.86 -> 50.82 us, 79.9 %
// of the read ceiling; qwen2.5-7b gate_up 60.38 -> 58.62; llama3-70b gate_up_tp8 33.98 -> 32.10,
// down_tp8 18.24 -> 17.70); of the 12 others, faster on 3 by at most 1.6 %, level on 2 and slower on 7
// (llama3-70b o_tp8 -11 %, gemma-3-4b gate_up -5 %, llama3-8b down -3 %). With 1 pass (8 rows per
// block: the activations staged twice as often) or 4 passes it was slower on the whole (geometric
// means x0.907, x0.972), as were 2 rows per warp (x0.980-0.998). Q4_0, with twice the weights per
// byte to compute on, lost on every shape with 1 or 2 rows per warp (x0.84-0.96): it keeps 4 rows
// per warp and 2 rows per lane.
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_dp4a.cuh"
#include "kernels/gemv/mul_mat_vec_stream.cuh"

namespace llmkb {
namespace {

// Q8_0: 4 rows per warp, 1-step stages; or, on many long rows at batch 1, 1 row per warp in 4-step
// stages (1088-byte pieces), 2 passes. Q4_0: 4 rows per warp, 2-step stages, 2 rows per lane.
using Q8Rows4 = gemv::StreamKnobs<4, 1, 4, 1, 1, 16>;
using Q8Row1 = gemv::StreamKnobs<1, 2, 4, 4, 1, 4, 1>;  // batch 1 only
using Q4Rows4 = gemv::StreamKnobs<4, 1, 4, 2, 2, 16>;

bool q8_0_streams_one_row_per_warp(const MulMatVecProblem& p) {
  return p.batch == 1 && p.rows >= 6144 && p.cols >= 3584;
}

constexpr char kQ8Name[] = "mul_mat_vec/q8_0_dp4a";
constexpr char kQ4Name[] = "mul_mat_vec/q4_0_dp4a";

void launch_q8_0(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  using Format = gemv::StreamQuantDp4a<WeightFormat::q8_0>;
  if (q8_0_streams_one_row_per_warp(p)) {
    gemv::launch_stream_quant<Format, Q8Row1>(kQ8Name, p, a, stream);
  } else {
    gemv::launch_stream_quant<Format, Q8Rows4>(kQ8Name, p, a, stream);
  }
}

void launch_q4_0(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  gemv::launch_stream_quant<gemv::StreamQuantDp4a<WeightFormat::q4_0>, Q4Rows4>(kQ4Name, p, a, stream);
}

// A dp4a variant of weight format F: `ring` says how its ring streams W.
template <WeightFormat F>
Variant<MulMatVecOp> make(const char* name, const char* ring,
                          void (*launch)(const MulMatVecProblem&, const MulMatVecArgs&, cudaStream_t)) {
  return {name,
          std::string(to_string(F)) + " weights through the per-warp cp.async ring (" + ring +
              ") with integer block dot products: activations as 24-bit fixed point per 32-block (three int8 planes, "
              "power-of-two scale), 3 dp4a per 4 weights, exact int32 block sums, fp32 across blocks",
          75,
          false,
          gemv::stream_quant_supports<F>,
          launch};
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_q8_0_dp4a() {
  return make<WeightFormat::q8_0>(
      kQ8Name,
      "4 stages of 4 rows x 256 weights per warp, or of 1 row x 1024 where rows >= 6144 and K >= 3584 at batch 1",
      launch_q8_0);
}

Variant<MulMatVecOp> mul_mat_vec_q4_0_dp4a() {
  return make<WeightFormat::q4_0>(kQ4Name, "4 stages of 4 rows x 512 weights per warp, 2 rows per lane", launch_q4_0);
}

}  // namespace llmkb
