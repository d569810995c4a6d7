#include "tests/wrong_rope_act_variants.h"

#include "kernels/registry.h"

namespace llmkb {
namespace {

Support any_rope(const RopeProblem&) {
  return Support::yes();
}
Support any_act(const ActAndMulProblem&) {
  return Support::yes();
}

// Launches nothing: q and k keep their unrotated values.
void rope_noop(const RopeProblem&, const RopeArgs&, cudaStream_t) {}

// Pairs interleaved elements on a NeoX problem.
void rope_wrong_layout(const RopeProblem& p, const RopeArgs& a, cudaStream_t stream) {
  RopeProblem other = p;
  other.layout = p.layout == RopeLayout::neox ? RopeLayout::gptj : RopeLayout::neox;
  rope_vec().launch(other, a, stream);
}

// Treats V as more K heads (same strides): V, which must stay untouched, is rotated too.
void rope_rotates_v(const RopeProblem& p, const RopeArgs& a, cudaStream_t stream) {
  RopeProblem more_heads = p;
  more_heads.kv_heads = 2 * p.kv_heads;
  rope_vec().launch(more_heads, a, stream);
}

void act_noop(const ActAndMulProblem&, const ActAndMulArgs&, cudaStream_t) {}

// GELU with the tanh approximation instead of erf (differs by up to about 5e-4).
void act_tanh_for_erf(const ActAndMulProblem& p, const ActAndMulArgs& a, cudaStream_t stream) {
  ActAndMulProblem other = p;
  other.activation = Activation::gelu_tanh;
  act_and_mul_vec().launch(other, a, stream);
}

// Leaves the last token unwritten.
void act_skips_last_row(const ActAndMulProblem& p, const ActAndMulArgs& a, cudaStream_t stream) {
  ActAndMulProblem fewer = p;
  fewer.tokens -= 1;
  act_and_mul_vec().launch(fewer, a, stream);
}

}  // namespace

std::vector<Variant<RopeOp>> wrong_rope_variants() {
  return {
      {"rope/wrong_noop", "writes nothing", 75, false, any_rope, rope_noop},
      {"rope/wrong_layout", "GPT-J pairs on a NeoX problem", 75, false, any_rope, rope_wrong_layout},
      {"rope/wrong_rotates_v", "rotates V as if it were K", 75, false, any_rope, rope_rotates_v},
  };
}

std::vector<Variant<ActAndMulOp>> wrong_act_and_mul_variants() {
  return {
      {"act_and_mul/wrong_noop", "writes nothing", 75, false, any_act, act_noop},
      {"act_and_mul/wrong_tanh_for_erf", "GELU tanh approximation for GELU erf", 75, false, any_act, act_tanh_for_erf},
      {"act_and_mul/wrong_skips_last_row", "leaves the last token unwritten", 75, false, any_act, act_skips_last_row},
  };
}

}  // namespace llmkb
