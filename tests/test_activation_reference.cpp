// The fp64 act_and_mul reference against values computed by hand, the special-value convention,
// the fp32 forms the kernels evaluate, and the problem's bytes, FLOPs and shape lists.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "kernels/activation/act_and_mul_op.h"
#include "kernels/activation/activation_functions.cuh"

namespace llmkb {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<HostTensor> make_tensors(const ActAndMulProblem& p) {
  std::vector<HostTensor> t;
  for (const TensorSpec& s : ActAndMulOp::tensors(p)) t.emplace_back(s);
  return t;
}

// The fp32 form a kernel evaluates for `activation`, on the host.
float device_form(Activation activation, float x) {
  switch (activation) {
    case Activation::silu:
      return SiluActivation{}(x);
    case Activation::gelu:
      return GeluActivation{}(x);
    case Activation::gelu_tanh:
      return GeluTanhActivation{}(x);
  }
  return std::numeric_limits<float>::quiet_NaN();
}

// NaN equals NaN; otherwise exact (for special values).
bool same_value(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

}  // namespace

TEST(ActivationReference, ValuesByHand) {
  EXPECT_NEAR(activation_reference(Activation::silu, 1.0), 0.7310585786300049, 1e-15);
  EXPECT_NEAR(activation_reference(Activation::silu, -1.0), -0.2689414213699951, 1e-15);
  EXPECT_NEAR(activation_reference(Activation::silu, 2.0), 1.7615941559557646, 1e-15);
  EXPECT_EQ(activation_reference(Activation::silu, 0.0), 0.0);
  EXPECT_NEAR(activation_reference(Activation::gelu, 1.0), 0.8413447460685429, 1e-15);
  EXPECT_NEAR(activation_reference(Activation::gelu, -1.0), -0.15865525393145707, 1e-15);
  EXPECT_NEAR(activation_reference(Activation::gelu, 2.0), 1.9544997361036416, 1e-15);
  EXPECT_NEAR(activation_reference(Activation::gelu_tanh, 1.0), 0.8411919906082768, 1e-15);
  EXPECT_NEAR(activation_reference(Activation::gelu_tanh, -1.0), -0.15880800939172324, 1e-15);
  EXPECT_NEAR(activation_reference(Activation::gelu_tanh, 0.5), 0.34571400982514394, 1e-15);
  // The two GELUs differ (by about 1.5e-4 at 1): a swapped formula shows.
  EXPECT_GT(std::fabs(activation_reference(Activation::gelu, 1.0) - activation_reference(Activation::gelu_tanh, 1.0)),
            1e-4);
}

TEST(ActivationReference, SpecialValueConvention) {
  for (Activation a : {Activation::silu, Activation::gelu, Activation::gelu_tanh}) {
    SCOPED_TRACE(activation_name(a));
    EXPECT_EQ(activation_reference(a, kInf), kInf);
    EXPECT_TRUE(std::isnan(activation_reference(a, -kInf)));
    EXPECT_TRUE(std::isnan(activation_reference(a, kNaN)));
    EXPECT_EQ(activation_reference(a, 80.0), 80.0);
    const double negative = activation_reference(a, -80.0);
    EXPECT_LE(negative, 0.0);
    EXPECT_GT(negative, -1e-30);
  }
}

TEST(ActivationKernelForms, Fp32FormsMatchTheReferenceWithinTheF32Tolerance) {
  const Tolerance tol = default_tolerance(DType::f32);
  for (Activation a : {Activation::silu, Activation::gelu, Activation::gelu_tanh}) {
    SCOPED_TRACE(activation_name(a));
    double worst = 0;
    for (int step = -20000; step <= 20000; ++step) {
      const float x = static_cast<float>(step) * 0.005f;  // -100 .. 100
      const double want = activation_reference(a, x);
      const double got = device_form(a, x);
      const double ratio = std::fabs(got - want) / (tol.atol + tol.rtol * std::fabs(want));
      if (!(ratio <= worst)) worst = ratio;  // a NaN from the device form stays (std::max would drop it)
    }
    EXPECT_LE(worst, 0.5) << "fp32 form uses more than half the f32 tolerance";
    for (double x : {kInf, -kInf, kNaN, 0.0}) {
      EXPECT_TRUE(same_value(device_form(a, static_cast<float>(x)), static_cast<float>(activation_reference(a, x))))
          << x;
    }
  }
}

TEST(ActAndMulReference, GateTimesUpByHand) {
  ActAndMulProblem p{2, 2, Activation::silu, DType::f32, false};
  auto t = make_tensors(p);
  const double x[] = {1.0,  0.0, 3.0, 5.0,  // token 0: act(1) * 3, act(0) * 5
                      -1.0, 2.0, 0.5, -2.0};
  for (int i = 0; i < 8; ++i) t[0].set(i, x[i]);
  const auto e = ActAndMulOp::reference(p, t);
  EXPECT_TRUE(e[0].value.empty());
  ASSERT_EQ(e[1].value.size(), 4u);
  EXPECT_NEAR(e[1].value[0], 0.7310585786300049 * 3, 1e-14);
  EXPECT_EQ(e[1].value[1], 0.0);
  EXPECT_NEAR(e[1].value[2], -0.2689414213699951 * 0.5, 1e-14);
  EXPECT_NEAR(e[1].value[3], 1.7615941559557646 * -2, 1e-14);
  EXPECT_TRUE(e[1].untouched.empty());
}

TEST(ActAndMulReference, ProductOfSpecialValuesFollowsIeee) {
  ActAndMulProblem p{1, 4, Activation::gelu_tanh, DType::bf16, false};
  auto t = make_tensors(p);
  const double gate[] = {kInf, 1.0, 0.0, -kInf}, up[] = {-2.0, kInf, kInf, 1.0};
  for (int i = 0; i < 4; ++i) {
    t[0].set(i, gate[i]);
    t[0].set(4 + i, up[i]);
  }
  const auto e = ActAndMulOp::reference(p, t);
  EXPECT_EQ(e[1].value[0], -kInf);         // inf * -2
  EXPECT_EQ(e[1].value[1], kInf);          // act(1) * inf
  EXPECT_TRUE(std::isnan(e[1].value[2]));  // act(0) = 0, 0 * inf
  EXPECT_TRUE(std::isnan(e[1].value[3]));  // act(-inf) = NaN
}

TEST(ActAndMulReference, CheckerAcceptsTheRoundedReferenceWithSpecialValuesAndRejectsChanges) {
  ActAndMulProblem p{5, 1023, Activation::gelu, DType::f16, true};
  auto t = make_tensors(p);
  Rng rng(17);
  ActAndMulOp::fill_inputs(p, t, rng);
  const auto e = ActAndMulOp::reference(p, t);
  HostTensor got(t[1].spec()), before(t[1].spec());
  before.fill_bytes(0xff);  // the NaN poison
  size_t nan = 0, inf = 0, first_nan = 0, first_inf = 0;
  for (size_t i = 0; i < got.count(); ++i) {
    got.set(i, e[1].value[i]);  // what a correct kernel stores
    if (std::isnan(e[1].value[i]) && nan++ == 0) first_nan = i;
    if (std::isinf(e[1].value[i]) && inf++ == 0) first_inf = i;
  }
  ASSERT_GT(nan, 0u);
  ASSERT_GT(inf, 0u);
  const Tolerance tol = ActAndMulOp::tolerance(p, t[1].spec());
  EXPECT_TRUE(compare_tensor(got, before, e[1], tol).passed);
  for (size_t index : {first_nan, first_inf}) {
    HostTensor wrong(got.spec());
    std::memcpy(wrong.data(), got.data(), got.size_bytes());
    wrong.set(index, 0.0);
    EXPECT_FALSE(compare_tensor(wrong, before, e[1], tol).passed) << index;
  }
  HostTensor flipped(got.spec());
  std::memcpy(flipped.data(), got.data(), got.size_bytes());
  flipped.set(first_inf, -e[1].value[first_inf]);
  EXPECT_FALSE(compare_tensor(flipped, before, e[1], tol).passed);
}

TEST(ActAndMulInputs, ExtremeInputsHoldEverySpecialValueInBothHalves) {
  ActAndMulProblem p{5, 1023, Activation::silu, DType::f16, true};
  auto t = make_tensors(p);
  Rng rng(5);
  ActAndMulOp::fill_inputs(p, t, rng);
  for (size_t half : {size_t{0}, size_t{1023}}) {
    int pos_inf = 0, neg_inf = 0, nan = 0, big = 0, ordinary = 0;
    for (size_t row = 0; row < 5; ++row) {
      for (size_t i = 0; i < 1023; ++i) {
        const double v = t[0].get(row * 2046 + half + i);
        if (std::isnan(v)) {
          ++nan;
        } else if (std::isinf(v)) {
          (v > 0 ? pos_inf : neg_inf)++;
        } else if (std::fabs(v) == 80.0) {
          ++big;
        } else {
          EXPECT_LT(std::fabs(v), 3.5001);
          ++ordinary;
        }
      }
    }
    EXPECT_GT(pos_inf, 0);
    EXPECT_GT(neg_inf, 0);
    EXPECT_GT(nan, 0);
    EXPECT_GT(big, 0);
    EXPECT_GT(ordinary, 5 * 1023 / 2);
  }
  // Plain inputs are finite.
  p.extreme_inputs = false;
  ActAndMulOp::fill_inputs(p, t, rng);
  for (size_t i = 0; i < t[0].count(); ++i) EXPECT_TRUE(std::isfinite(t[0].get(i)));
}

TEST(ActAndMulProblem, MinimumBytesAndFlops) {
  ActAndMulProblem p{4096, 14336, Activation::silu, DType::bf16, false};
  EXPECT_EQ(ActAndMulOp::bytes_moved(p), 3.0 * 4096 * 14336 * 2);
  EXPECT_EQ(ActAndMulOp::flops(p), 4.0 * 4096 * 14336);
  p.activation = Activation::gelu_tanh;
  EXPECT_EQ(ActAndMulOp::flops(p), 10.0 * 4096 * 14336);
  EXPECT_EQ(ActAndMulOp::describe({3, 7, Activation::gelu, DType::f32, true}), "f32/gelu/tokens:3/d:7/extreme");
}

TEST(ActAndMulProblem, TestShapesCoverTheIssue) {
  const auto problems = ActAndMulOp::test_problems();
  EXPECT_LE(problems.size(), 300u);
  std::set<int64_t> ds;
  std::set<std::pair<int, int>> activation_dtype, extreme;
  for (const ActAndMulProblem& p : problems) {
    ds.insert(p.d);
    activation_dtype.insert({static_cast<int>(p.activation), static_cast<int>(p.dtype)});
    if (p.extreme_inputs) extreme.insert({static_cast<int>(p.activation), static_cast<int>(p.dtype)});
  }
  for (int64_t d : {1, 7, 1023, 5120, 11008, 14336}) EXPECT_TRUE(ds.count(d)) << d;
  EXPECT_EQ(activation_dtype.size(), 9u);
  EXPECT_EQ(extreme.size(), 9u);
}

TEST(ActAndMulProblem, BenchmarksUseEachModelsIntermediateSizeAndActivation) {
  const auto problems = ActAndMulOp::bench_problems();
  EXPECT_EQ(problems.size(), model_presets().size() * 2 * all_token_counts().size());
  for (const auto& b : problems) {
    const ModelPreset* model = find_model(b.model);
    ASSERT_NE(model, nullptr);
    EXPECT_EQ(b.problem.d, model->intermediate);
    EXPECT_EQ(b.problem.activation, model->activation);
    EXPECT_FALSE(b.problem.extreme_inputs);
  }
  EXPECT_EQ(find_model("gemma-3-4b")->activation, Activation::gelu_tanh);
  EXPECT_EQ(find_model("gemma-3-4b")->intermediate, 10240);
  EXPECT_EQ(find_model("qwen2.5-7b")->intermediate, 18944);
  EXPECT_EQ(find_model("llama3-70b")->intermediate, 28672);
}

}  // namespace llmkb
