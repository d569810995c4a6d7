// The checker itself: it must flag NaN, wrong values, and bytes changed where the kernel must not write.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/core/tensor.h"

namespace llmkb {
namespace {

HostTensor tensor(DType dtype, std::initializer_list<double> values) {
  HostTensor t({"t", dtype, values.size(), Role::output});
  size_t i = 0;
  for (double v : values) t.set(i++, v);
  return t;
}

}  // namespace

TEST(Checker, AcceptsValuesWithinTolerance) {
  const HostTensor got = tensor(DType::f32, {1.0, 2.00001, -3.0});
  const HostTensor before = tensor(DType::f32, {0, 0, 0});
  const Expected expected{{1.0, 2.0, -3.0}, {}};
  const CheckReport r = compare_tensor(got, before, expected, {1e-6, 1e-5});
  EXPECT_TRUE(r.passed) << r.summary();
  EXPECT_EQ(r.checked, 3u);
  EXPECT_NEAR(r.max_abs_error, 1e-5, 1e-7);  // 2.00001 as stored in fp32
}

TEST(Checker, RejectsWrongValueAndReportsIt) {
  const HostTensor got = tensor(DType::bf16, {1.0, 2.5});
  const HostTensor before = tensor(DType::bf16, {0, 0});
  const CheckReport r = compare_tensor(got, before, Expected{{1.0, 2.0}, {}}, default_tolerance(DType::bf16));
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.mismatches, 1u);
  ASSERT_EQ(r.first_mismatches.size(), 1u);
  EXPECT_EQ(r.first_mismatches[0].index, 1u);
  EXPECT_EQ(r.first_mismatches[0].got, 2.5);
}

TEST(Checker, UnwrittenNaNPoisonFails) {
  HostTensor got = tensor(DType::f16, {1.0, 1.0});
  got.set(1, std::nan(""));
  const CheckReport r = compare_tensor(got, got, Expected{{1.0, 1.0}, {}}, default_tolerance(DType::f16));
  EXPECT_FALSE(r.passed);
}

TEST(Checker, NaNMatchesOnlyNaNAndInfOnlyTheSameInf) {
  const HostTensor got = tensor(DType::f32, {std::nan(""), INFINITY, -INFINITY});
  const HostTensor before = tensor(DType::f32, {0, 0, 0});
  EXPECT_TRUE(compare_tensor(got, before, Expected{{std::nan(""), INFINITY, -INFINITY}, {}}, {0, 0}).passed);
  EXPECT_FALSE(compare_tensor(got, before, Expected{{1.0, INFINITY, -INFINITY}, {}}, {1e9, 1e9}).passed);
  EXPECT_FALSE(compare_tensor(got, before, Expected{{std::nan(""), -INFINITY, -INFINITY}, {}}, {1e9, 1e9}).passed);
}

TEST(Checker, PoisonLeftWhereNaNIsExpectedFails) {
  HostTensor before({"t", DType::f32, 2, Role::output});
  before.fill_bytes(0xff);  // the poison written before every launch
  HostTensor got = before;
  got.set(0, std::nan(""));  // a NaN the kernel wrote (0x7fc00000); element 1 keeps the poison
  const Expected expected{{std::nan(""), std::nan("")}, {}};
  const CheckReport r = compare_tensor(got, before, expected, default_tolerance(DType::f32));
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.mismatches, 1u);
  ASSERT_EQ(r.first_mismatches.size(), 1u);
  EXPECT_EQ(r.first_mismatches[0].index, 1u);
  EXPECT_TRUE(r.first_mismatches[0].unwritten);
  // The same bytes in an in-place tensor are the input's own NaN, not a poison.
  HostTensor inout_got({"t", DType::f32, 2, Role::inout});
  inout_got.fill_bytes(0xff);
  EXPECT_TRUE(compare_tensor(inout_got, inout_got, expected, default_tolerance(DType::f32)).passed);
}

TEST(Checker, UntouchedElementsMustKeepTheirBytes) {
  HostTensor before({"t", DType::f16, 3, Role::output});
  before.fill_bytes(0xff);
  HostTensor got = before;
  got.set(0, 1.0);
  Expected expected{{1.0, 0.0, 0.0}, {0, 1, 1}};
  EXPECT_TRUE(compare_tensor(got, before, expected, default_tolerance(DType::f16)).passed);
  got.set(2, 0.0);  // wrote into padding
  const CheckReport r = compare_tensor(got, before, expected, default_tolerance(DType::f16));
  EXPECT_FALSE(r.passed);
  EXPECT_TRUE(r.first_mismatches.at(0).untouched);
}

}  // namespace llmkb
