// mul_mat_vec/q8_0_repacked and q4_0_repacked (and their _x8 forms): W repacked once, untimed, into a
// plane of quants and a plane of scales (kernels/gemv/mul_mat_vec_quant_repacked.cuh), then loaded
// straight into registers by the warp split's lanes, one block each; x converted once into integer
// planes. Batches of 1-2. The _x8 forms hold x in 1 plane (8 bits per element, as llama.cpp's q8_1
// activations) and are checked against W times x rounded so.
// H100, batch 1, the four models' 17 shapes, 3 runs in one call, geometric means against the _split
// kernels of the same x form: Q4_0 x1.074, Q4_0 _x8 x1.055, Q8_0 x1.021, Q8_0 _x8 x1.041; Q4_0 _x8
// llama3-8b gate_up 29.52 -> 27.90 us (77.1 % of the read ceiling in weight bytes).
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_op.h"
#include "kernels/gemv/mul_mat_vec_quant_repacked.cuh"

namespace llmkb {
namespace {

// "_repacked", or "_repacked_x8" for activations in 1 plane.
std::string repacked_name(WeightFormat format, int planes) {
  return std::string("mul_mat_vec/") + to_string(format) + "_repacked" + (planes == 1 ? "_x8" : "");
}

template <WeightFormat F, int kPlanes>
void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  static const std::string name = repacked_name(F, kPlanes);
  gemv::launch_quant_repacked<F, kPlanes>(name.c_str(), p, a, stream);
}

template <int kPlanes>
std::vector<Expected> reference_x_planes(const MulMatVecProblem& p, const std::vector<HostTensor>& t) {
  return mul_mat_vec_reference_x_planes(p, t, kPlanes);
}

template <WeightFormat F, int kPlanes>
Variant<MulMatVecOp> make() {
  static_assert(kPlanes == 1 || kPlanes == 3, "x in 3 planes (exact) or 1 (8 bits)");
  const std::string quant_bytes = std::to_string(gemv::RepackedQuant<F>::kQuantBytes);
  const std::string x_form =
      kPlanes == 3 ? "24-bit integers per block of 32 in 3 byte planes (3 dp4a per 4 weights)"
                   : "8-bit integers per block of 32 (to about 2^-7 of each block's largest |x|, as llama.cpp's q8_1 "
                     "activations; checked against W times x so rounded; 1 dp4a per 4 weights)";
  return {repacked_name(F, kPlanes),
          "batches of 1-2: W repacked once, untimed (as at model load), into a plane of " + quant_bytes +
              "-byte quant blocks and a plane of fp16 scales, loaded straight into registers with 16-byte loads, a "
              "block per lane, 1-8 warps per row pair; x converted once to " +
              x_form,
          75,
          false,
          gemv::quant_repacked_supports<F>,
          launch<F, kPlanes>,
          kPlanes == 3 ? nullptr : reference_x_planes<kPlanes>,
          kPlanes == 3 ? "" : "W times x rounded to 8 bits per block of 32",
          gemv::repack_quant_weights<F>,
          "W repacked into a plane of " + quant_bytes + "-byte quant blocks and a plane of fp16 scales"};
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_q8_0_repacked() {
  return make<WeightFormat::q8_0, 3>();
}

Variant<MulMatVecOp> mul_mat_vec_q4_0_repacked() {
  return make<WeightFormat::q4_0, 3>();
}

Variant<MulMatVecOp> mul_mat_vec_q8_0_repacked_x8() {
  return make<WeightFormat::q8_0, 1>();
}

Variant<MulMatVecOp> mul_mat_vec_q4_0_repacked_x8() {
  return make<WeightFormat::q4_0, 1>();
}

}  // namespace llmkb
