// Host conversions against hand-computed bit patterns (round to nearest even, specials).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "kernels/core/dtype.h"

namespace llmkb {

TEST(DType, HalfFromFloatRoundsToNearestEven) {
  EXPECT_EQ(float_to_half_bits(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half_bits(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half_bits(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half_bits(65519.0f), 0x7bff);   // rounds down to the largest finite
  EXPECT_EQ(float_to_half_bits(65520.0f), 0x7c00);   // the tie rounds to even: infinity
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.0f, -25)), 0x0000);  // tie to even: zero
  EXPECT_EQ(float_to_half_bits(1.0f + std::ldexp(1.0f, -11)), 0x3c00);      // tie, even stays
  EXPECT_EQ(float_to_half_bits(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie, odd rounds up
  EXPECT_EQ(float_to_half_bits(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_TRUE(std::isnan(half_bits_to_float(float_to_half_bits(std::nanf("")))));
}

TEST(DType, HalfToFloatIsExact) {
  EXPECT_EQ(half_bits_to_float(0x3c00), 1.0f);
  EXPECT_EQ(half_bits_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(half_bits_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_bits_to_float(0xfc00), -std::numeric_limits<float>::infinity());
  for (uint32_t bits = 0; bits < 0x7c00; ++bits) {  // every finite positive half round-trips
    ASSERT_EQ(float_to_half_bits(half_bits_to_float(static_cast<uint16_t>(bits))), bits);
  }
}

TEST(DType, Bf16RoundsToNearestEven) {
  EXPECT_EQ(float_to_bf16_bits(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bf16_bits(1.0f + std::ldexp(1.0f, -8)), 0x3f80);      // tie, even stays
  EXPECT_EQ(float_to_bf16_bits(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(bf16_bits_to_float(0xc040), -3.0f);
  EXPECT_TRUE(std::isnan(bf16_bits_to_float(float_to_bf16_bits(std::nanf("")))));
}

TEST(DType, RoundToStorageAndElementAccess) {
  EXPECT_EQ(round_to_storage(DType::bf16, 1.00390625), 1.0);  // 1 + 2^-8 ties to 1
  EXPECT_EQ(round_to_storage(DType::f16, 0.1), static_cast<double>(half_bits_to_float(0x2e66)));
  unsigned char buffer[16] = {};
  store_element(DType::f16, buffer, 3, 1.5);
  EXPECT_EQ(load_element(DType::f16, buffer, 3), 1.5);
  store_element(DType::i64, buffer, 1, -7);
  EXPECT_EQ(load_element(DType::i64, buffer, 1), -7);
  EXPECT_EQ(parse_dtype("bf16"), DType::bf16);
  EXPECT_FALSE(parse_dtype("f8").has_value());
}

}  // namespace llmkb
