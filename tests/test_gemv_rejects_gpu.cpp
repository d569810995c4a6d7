// The test of the mul_mat_vec tests: known-wrong GEMVs (nothing written, the last block of K
// dropped, fp16 accumulation, Q4_0 nibbles in the wrong order, the repacked kernel on the blocks as
// stored) run on the GPU and the checker must reject each, while every registered variant that
// supports the same problem passes it.
#include <gtest/gtest.h>

#include "kernels/harness/op_case.h"
#include "kernels/registry.h"
#include "tests/gpu_test_env.h"
#include "tests/wrong_gemv_variants.h"

namespace llmkb {

namespace {
const MulMatVecProblem kF16Problem{333, 4096, 3, WeightFormat::f16, DType::f32};
const MulMatVecProblem kQ4Problem{129, 4096, 2, WeightFormat::q4_0, DType::f32};

void expect_all_rejected(const MulMatVecProblem& p, std::vector<Variant<MulMatVecOp>> variants) {
  OpCase<MulMatVecOp> problem(p, std::move(variants));
  for (size_t v = 0; v < problem.variants().size(); ++v) {
    ASSERT_TRUE(problem.supports(v).ok) << problem.variants()[v].name;
    auto run = problem.prepare(v, 7);
    run->reset(testing_env::stream());
    run->launch(testing_env::stream());
    const CheckReport report = run->check(testing_env::stream());
    EXPECT_FALSE(report.passed) << problem.variants()[v].name << " was accepted: " << report.summary();
  }
}

void expect_registered_pass(const MulMatVecProblem& p) {
  OpCase<MulMatVecOp> problem(p, registered_variants<MulMatVecOp>());
  int ran = 0;
  for (size_t v = 0; v < problem.variants().size(); ++v) {
    if (problem.variants()[v].min_sm > testing_env::device_sm() || !problem.supports(v).ok) continue;
    auto run = problem.prepare(v, 7);
    run->reset(testing_env::stream());
    run->launch(testing_env::stream());
    const CheckReport report = run->check(testing_env::stream());
    EXPECT_TRUE(report.passed) << problem.variants()[v].name << ": " << report.summary();
    ++ran;
  }
  EXPECT_GE(ran, 2);
}
}  // namespace

TEST(GemvCheckerRejectsWrongVariants, F16) {
  LLMKB_REQUIRE_GPU();
  expect_all_rejected(kF16Problem, wrong_gemv_variants_f16());
}

TEST(GemvCheckerRejectsWrongVariants, Q4_0) {
  LLMKB_REQUIRE_GPU();
  expect_all_rejected(kQ4Problem, wrong_gemv_variants_q4_0());
}

TEST(GemvCheckerRejectsWrongVariants, RegisteredVariantsPassTheSameProblems) {
  LLMKB_REQUIRE_GPU();
  expect_registered_pass(kF16Problem);
  expect_registered_pass(kQ4Problem);
}

}  // namespace llmkb
