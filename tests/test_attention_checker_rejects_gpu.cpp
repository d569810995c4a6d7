// The test of the attention tests: known-wrong variants must fail the fp64 check on a problem
// every registered variant passes (causal with Sq != Skv, GQA, lse).
#include <gtest/gtest.h>

#include "kernels/harness/op_case.h"
#include "kernels/registry.h"
#include "tests/gpu_test_env.h"
#include "tests/wrong_attention_variants.h"

namespace llmkb {
namespace {

AttentionProblem checker_problem() {
  AttentionProblem p;
  p.batch = 2;
  p.q_heads = 4;
  p.kv_heads = 2;
  p.seqlen_q = 40;
  p.seqlen_kv = 72;
  p.head_dim = 64;
  p.causal = true;
  p.dtype = DType::f16;
  p.return_lse = true;
  return p;
}

CheckReport run_and_check(ProblemCase& problem, size_t variant) {
  auto run = problem.prepare(variant, 11);
  run->reset(testing_env::stream());
  run->launch(testing_env::stream());
  return run->check(testing_env::stream());
}

}  // namespace

TEST(AttentionCheckerRejectsWrongVariants, EachKnownWrongVariantFails) {
  LLMKB_REQUIRE_GPU();
  OpCase<AttentionOp> problem(checker_problem(), wrong_attention_variants());
  for (size_t v = 0; v < problem.variants().size(); ++v) {
    const CheckReport report = run_and_check(problem, v);
    EXPECT_FALSE(report.passed) << problem.variants()[v].name << " was accepted: " << report.summary();
  }
}

TEST(AttentionCheckerRejectsWrongVariants, RegisteredVariantsPassTheSameProblem) {
  LLMKB_REQUIRE_GPU();
  OpCase<AttentionOp> problem(checker_problem(), registered_variants<AttentionOp>());
  for (size_t v = 0; v < problem.variants().size(); ++v) {
    if (problem.variants()[v].min_sm > testing_env::device_sm() || !problem.supports(v).ok) continue;
    const CheckReport report = run_and_check(problem, v);
    EXPECT_TRUE(report.passed) << problem.variants()[v].name << ": " << report.summary();
  }
}

}  // namespace llmkb
