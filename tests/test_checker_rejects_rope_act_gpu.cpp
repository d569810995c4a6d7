// The test of the tests for RoPE and act_and_mul: known-wrong variants run on the GPU and the checker
// must reject each, while the registered variants pass the same problem.
#include <gtest/gtest.h>

#include "kernels/harness/op_case.h"
#include "kernels/registry.h"
#include "tests/gpu_test_env.h"
#include "tests/wrong_rope_act_variants.h"

namespace llmkb {
namespace {

// Partial rotary (pass-through 64..127) in a fused QKV buffer, so writes to V or past rotary_dim show.
const RopeProblem kRopeProblem{33, 4, 2, 128, 64, RopeLayout::neox, DType::bf16, true, 4096};
// f32 storage: the two GELUs differ by far more than its tolerance.
const ActAndMulProblem kActProblem{33, 1024, Activation::gelu, DType::f32, false};

template <class Op>
void expect_every_variant(const typename Op::Problem& problem, std::vector<Variant<Op>> variants, bool should_pass) {
  OpCase<Op> c(problem, std::move(variants));
  for (size_t v = 0; v < c.variants().size(); ++v) {
    if (c.variants()[v].min_sm > testing_env::device_sm()) continue;
    auto run = c.prepare(v, 7);
    run->reset(testing_env::stream());
    run->launch(testing_env::stream());
    const CheckReport report = run->check(testing_env::stream());
    EXPECT_EQ(report.passed, should_pass) << c.variants()[v].name << " on " << c.label() << ": " << report.summary();
  }
}

}  // namespace

TEST(CheckerRejectsWrongRope, EachKnownWrongVariantFails) {
  LLMKB_REQUIRE_GPU();
  expect_every_variant<RopeOp>(kRopeProblem, wrong_rope_variants(), false);
}

TEST(CheckerRejectsWrongRope, RegisteredVariantsPassTheSameProblem) {
  LLMKB_REQUIRE_GPU();
  expect_every_variant<RopeOp>(kRopeProblem, registered_variants<RopeOp>(), true);
}

TEST(CheckerRejectsWrongActAndMul, EachKnownWrongVariantFails) {
  LLMKB_REQUIRE_GPU();
  expect_every_variant<ActAndMulOp>(kActProblem, wrong_act_and_mul_variants(), false);
}

TEST(CheckerRejectsWrongActAndMul, RegisteredVariantsPassTheSameProblem) {
  LLMKB_REQUIRE_GPU();
  expect_every_variant<ActAndMulOp>(kActProblem, registered_variants<ActAndMulOp>(), true);
}

}  // namespace llmkb
