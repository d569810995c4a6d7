// The test of the tests: known-wrong variants run on the GPU and the checker must reject each,
// while the registered variants pass the same problem.
#include <gtest/gtest.h>

#include "kernels/harness/op_case.h"
#include "kernels/registry.h"
#include "tests/gpu_test_env.h"
#include "tests/wrong_rmsnorm_variants.h"

namespace llmkb {

namespace {
// eps is large next to the mean square (inputs in [-1, 3)), so dropping it is visible in bf16.
const RmsNormProblem kProblem{33, 1024, 0, DType::bf16, false, 0.5f};
}  // namespace

TEST(CheckerRejectsWrongVariants, EachKnownWrongVariantFails) {
  LLMKB_REQUIRE_GPU();
  OpCase<RmsNormOp> problem(kProblem, wrong_rmsnorm_variants());
  for (size_t v = 0; v < problem.variants().size(); ++v) {
    auto run = problem.prepare(v, 7);
    run->reset(testing_env::stream());
    run->launch(testing_env::stream());
    const CheckReport report = run->check(testing_env::stream());
    EXPECT_FALSE(report.passed) << problem.variants()[v].name << " was accepted: " << report.summary();
  }
}

TEST(CheckerRejectsWrongVariants, RegisteredVariantsPassTheSameProblem) {
  LLMKB_REQUIRE_GPU();
  OpCase<RmsNormOp> problem(kProblem, registered_variants<RmsNormOp>());
  for (size_t v = 0; v < problem.variants().size(); ++v) {
    if (problem.variants()[v].min_sm > testing_env::device_sm()) continue;
    auto run = problem.prepare(v, 7);
    run->reset(testing_env::stream());
    run->launch(testing_env::stream());
    const CheckReport report = run->check(testing_env::stream());
    EXPECT_TRUE(report.passed) << problem.variants()[v].name << ": " << report.summary();
  }
}

}  // namespace llmkb
