// mul_mat_vec/q8_0_mma and q4_0_mma: the tensor-core quantised GEMV (kernels/gemv/mul_mat_vec_quant_mma.cuh),
// 8 warps x 16 rows (a 128-row block), a 3-stage ring of 256 weights per row per warp: 2 blocks per SM
// for Q8_0, 3 for Q4_0.
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_quant_mma.cuh"

namespace llmkb {
namespace {

// warps, 16-row tiles per warp, ring stages, 256-weight steps per stage, activation cap (KiB), blocks per SM
using Q8_0Config = gemv::QuantMmaConfig<8, 1, 3, 1, 8, 2>;
using Q4_0Config = gemv::QuantMmaConfig<8, 1, 3, 1, 16, 3>;

template <WeightFormat F>
Support supports(const MulMatVecProblem& p) {
  return gemv::quant_kernel_supports(p, F);
}

template <WeightFormat F, class Config>
void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  static const std::string name = std::string("mul_mat_vec/") + to_string(F) + "_mma";
  gemv::launch_quant_mma<F, Config>(name.c_str(), p, a, stream);
}

template <WeightFormat F, class Config>
Variant<MulMatVecOp> make(const char* name, const char* description) {
  return {name, description, 80, false, supports<F>, launch<F, Config>};
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_q8_0_mma() {
  return make<WeightFormat::q8_0, Q8_0Config>(
      "mul_mat_vec/q8_0_mma",
      "Q8_0 on tensor cores: unscaled int8 quants as exact fp16 A of m16n8k16 (magic-number dequant, 1.25 instr/weight), activations as B in fragment order (f32 split hi+lo), scale on the fp32 C; 8 warps x 16 rows, 3-stage cp.async ring per warp, split-K");
}

Variant<MulMatVecOp> mul_mat_vec_q4_0_mma() {
  return make<WeightFormat::q4_0, Q4_0Config>(
      "mul_mat_vec/q4_0_mma",
      "Q4_0 on tensor cores: unscaled nibbles as exact fp16 A of m16n8k16 (LOP3 magic-number dequant, ~1.1 instr/weight), activations as B in fragment order (f32 split hi+lo), scale on the fp32 C; 8 warps x 16 rows, 3-stage cp.async ring per warp, split-K");
}

}  // namespace llmkb
