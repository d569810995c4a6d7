// Deliberately wrong RoPE and act_and_mul variants (never registered): the checker must reject each.
#pragma once
#include <vector>

#include "kernels/activation/act_and_mul_op.h"
#include "kernels/common/variant.h"
#include "kernels/rope/rope_op.h"

namespace llmkb {
// For a fused-QKV NeoX problem.
std::vector<Variant<RopeOp>> wrong_rope_variants();
// For an f32 GELU (erf) problem with at least 2 tokens.
std::vector<Variant<ActAndMulOp>> wrong_act_and_mul_variants();
}  // namespace llmkb
