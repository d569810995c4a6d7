#pragma once
#include <vector>

#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_op.h"

namespace llmkb {
// Deliberately wrong mul_mat_vec variants for f16 weights (f32 activations) and for Q4_0 weights.
std::vector<Variant<MulMatVecOp>> wrong_gemv_variants_f16();
std::vector<Variant<MulMatVecOp>> wrong_gemv_variants_q4_0();
}  // namespace llmkb
