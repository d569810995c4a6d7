#include "tests/wrong_attention_variants.h"

#include <stdexcept>

#include "kernels/registry.h"

namespace llmkb {
namespace {

const Variant<AttentionOp>& naive() {
  static const Variant<AttentionOp> variant = [] {
    for (const Variant<AttentionOp>& v : registered_variants<AttentionOp>()) {
      if (v.name == "attention/naive") return v;
    }
    throw std::logic_error("attention/naive is not registered");
  }();
  return variant;
}

Support any(const AttentionProblem&) {
  return Support::yes();
}

void no_causal_mask(const AttentionProblem& p, const AttentionArgs& a, cudaStream_t stream) {
  AttentionProblem wrong = p;
  wrong.causal = false;  // every row sees every key
  naive().launch(wrong, a, stream);
}

void unscaled_scores(const AttentionProblem& p, const AttentionArgs& a, cudaStream_t stream) {
  AttentionProblem wrong = p;
  wrong.scale = 1.f;  // forgets 1/sqrt(head_dim)
  naive().launch(wrong, a, stream);
}

void lse_not_written(const AttentionProblem& p, const AttentionArgs& a, cudaStream_t stream) {
  AttentionProblem wrong = p;
  wrong.return_lse = false;  // the output is right, the lse stays poisoned
  naive().launch(wrong, a, stream);
}

void first_kv_head_only(const AttentionProblem& p, const AttentionArgs& a, cudaStream_t stream) {
  AttentionProblem wrong = p;
  wrong.q_heads = 1;  // only query head 0 computed (the others stay poisoned)
  wrong.kv_heads = 1;
  wrong.batch = 1;
  naive().launch(wrong, a, stream);
}

}  // namespace

std::vector<Variant<AttentionOp>> wrong_attention_variants() {
  return {{"attention/wrong_no_causal_mask", "ignores the causal mask", 75, false, any, no_causal_mask},
          {"attention/wrong_unscaled", "scores not multiplied by the scale", 75, false, any, unscaled_scores},
          {"attention/wrong_lse_missing", "never writes the log-sum-exp", 75, false, any, lse_not_written},
          {"attention/wrong_one_head", "computes only the first head", 75, false, any, first_kv_head_only}};
}

}  // namespace llmkb
