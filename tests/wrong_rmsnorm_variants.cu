// Deliberately wrong RMSNorm variants (never registered for users): the checker must reject each.
#include "tests/wrong_rmsnorm_variants.h"

#include "kernels/registry.h"

namespace llmkb {
namespace {

Support any(const RmsNormProblem&) { return Support::yes(); }

// Launches nothing: every output stays NaN.
void launch_noop(const RmsNormProblem&, const RmsNormArgs&, cudaStream_t) {}

// Forgets the last row.
void launch_skip_last_row(const RmsNormProblem& p, const RmsNormArgs& a, cudaStream_t stream) {
  if (p.tokens < 2) return;
  RmsNormProblem fewer = p;
  fewer.tokens -= 1;
  rmsnorm_baseline().launch(fewer, a, stream);
}

// Ignores eps.
void launch_without_eps(const RmsNormProblem& p, const RmsNormArgs& a, cudaStream_t stream) {
  RmsNormProblem no_eps = p;
  no_eps.eps = 0.f;
  rmsnorm_vec8().launch(no_eps, a, stream);
}

}  // namespace

std::vector<Variant<RmsNormOp>> wrong_rmsnorm_variants() {
  return {
      {"rmsnorm/wrong_noop", "writes nothing", 75, false, any, launch_noop},
      {"rmsnorm/wrong_skips_last_row", "leaves the last row unwritten", 75, false, any, launch_skip_last_row},
      {"rmsnorm/wrong_ignores_eps", "drops eps from the denominator", 75, false, any, launch_without_eps},
  };
}

}  // namespace llmkb
