// The fp64 RMSNorm references against values computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/rmsnorm/rmsnorm_op.h"

namespace llmkb {
namespace {

template <class Op>
std::vector<HostTensor> make_tensors(const RmsNormProblem& p) {
  std::vector<HostTensor> t;
  for (const TensorSpec& s : Op::tensors(p)) t.emplace_back(s);
  return t;
}

}  // namespace

TEST(RmsNormReference, PlainRowByHand) {
  RmsNormProblem p{1, 4, 0, DType::f32, false, 0.0f};
  auto t = make_tensors<RmsNormOp>(p);
  const double x[] = {1, 2, 3, 4}, w[] = {1, 1, 2, 0.5};
  for (int i = 0; i < 4; ++i) {
    t[0].set(i, x[i]);
    t[1].set(i, w[i]);
  }
  const auto e = RmsNormOp::reference(p, t);
  const double inv = 1.0 / std::sqrt(7.5);  // mean of 1, 4, 9, 16
  EXPECT_NEAR(e[2].value[0], 1 * inv, 1e-12);
  EXPECT_NEAR(e[2].value[2], 3 * inv * 2, 1e-12);
  EXPECT_NEAR(e[2].value[3], 4 * inv * 0.5, 1e-12);
  EXPECT_TRUE(e[0].value.empty());  // inputs have no expectation
}

TEST(RmsNormReference, EpsAndGemmaWeight) {
  RmsNormProblem p{1, 2, 0, DType::f32, true, 0.5f};
  auto t = make_tensors<RmsNormOp>(p);
  t[0].set(0, 1);
  t[0].set(1, 1);
  t[1].set(0, 0);     // gemma: weight 1 + 0
  t[1].set(1, -0.5);  // 1 - 0.5
  const auto e = RmsNormOp::reference(p, t);
  const double inv = 1.0 / std::sqrt(1.0 + 0.5);
  EXPECT_NEAR(e[2].value[0], inv, 1e-12);
  EXPECT_NEAR(e[2].value[1], 0.5 * inv, 1e-12);
}

TEST(RmsNormReference, FusedAddRoundsTheResidualThenNormalisesIt) {
  RmsNormProblem p{1, 2, 0, DType::bf16, false, 0.0f};
  auto t = make_tensors<FusedAddRmsNormOp>(p);  // x, residual, weight, y
  t[0].set(0, 1.0);
  t[0].set(1, 2.0);
  t[1].set(0, 0.5);
  t[1].set(1, -4.0);
  t[2].set(0, 1.0);
  t[2].set(1, 1.0);
  auto e = FusedAddRmsNormOp::reference(p, t);
  EXPECT_EQ(e[1].value[0], 1.5);
  EXPECT_EQ(e[1].value[1], -2.0);
  const double inv = 1.0 / std::sqrt((2.25 + 4.0) / 2);
  EXPECT_NEAR(e[3].value[0], 1.5 * inv, 1e-12);
  EXPECT_NEAR(e[3].value[1], -2.0 * inv, 1e-12);

  // 1 + 2^-8 is not a bf16: the stored residual is rounded (ties to even: 1.0) before the norm.
  t[0].set(0, 1.0);
  t[1].set(0, 0.00390625);
  e = FusedAddRmsNormOp::reference(p, t);
  EXPECT_EQ(e[1].value[0], 1.0);
}

TEST(RmsNormReference, PaddingBetweenRowsIsLeftUntouched) {
  RmsNormProblem p{2, 3, 5, DType::f16, false, 1e-6f};
  auto t = make_tensors<FusedAddRmsNormOp>(p);
  Rng rng(1);
  FusedAddRmsNormOp::fill_inputs(p, t, rng);
  const auto e = FusedAddRmsNormOp::reference(p, t);
  for (size_t i = 0; i < 10; ++i) {
    const bool padding = (i % 5) >= 3;
    EXPECT_EQ(e[3].is_untouched(i), padding) << i;
    EXPECT_EQ(e[1].is_untouched(i), padding) << i;
  }
}

TEST(RmsNormProblem, MinimumBytesAndFlops) {
  RmsNormProblem p{4096, 4096, 0, DType::bf16, false, 1e-6f};
  EXPECT_EQ(RmsNormOp::bytes_moved(p), 2.0 * (2.0 * 4096 * 4096 + 4096));
  EXPECT_EQ(FusedAddRmsNormOp::bytes_moved(p), 2.0 * (4.0 * 4096 * 4096 + 4096));
  EXPECT_EQ(RmsNormOp::flops(p), 4.0 * 4096 * 4096);
  EXPECT_EQ(RmsNormOp::describe({3, 1025, 1100, DType::f16, true, 1e-6f}), "f16/tokens:3/hidden:1025/stride:1100/gemma");
}

}  // namespace llmkb
