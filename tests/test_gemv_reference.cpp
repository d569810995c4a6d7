// mul_mat_vec on the CPU: Q8_0 / Q4_0 blocks against hand-made bytes, the fp64 reference against a
// hand-computed GEMV, the byte count, the tolerance (it must reject a skipped block of K), and the
// benchmark list.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "kernels/gemv/mul_mat_vec_op.h"
#include "kernels/gemv/quantize.h"

namespace llmkb {
namespace {

std::vector<HostTensor> make_tensors(const MulMatVecProblem& p) {
  std::vector<HostTensor> t;
  for (const TensorSpec& s : MulMatVecOp::tensors(p)) t.emplace_back(s);
  return t;
}

uint16_t scale_bits(const uint8_t* block) {
  return static_cast<uint16_t>(block[0] | (block[1] << 8));
}

}  // namespace

TEST(Quantize, Q8_0BlockByHand) {
  // max |x| = 31.75 = 127 * 0.25: d = 0.25 exactly, every x / d an integer.
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = 0.25f * static_cast<float>(j - 16);
  x[5] = -31.75f;
  uint8_t block[kQ8_0BlockBytes];
  quantize_q8_0(x, 32, block);
  EXPECT_EQ(scale_bits(block), float_to_half_bits(0.25f));
  EXPECT_EQ(static_cast<int8_t>(block[2 + 5]), -127);
  EXPECT_EQ(static_cast<int8_t>(block[2 + 0]), -16);
  EXPECT_EQ(static_cast<int8_t>(block[2 + 31]), 15);
  float back[32];
  dequantize_q8_0(block, 32, back);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(back[j], x[j]) << j;
}

TEST(Quantize, Q8_0RoundsHalfAwayFromZero) {
  float x[32] = {};
  x[0] = 127.0f;  // d = 1
  x[1] = 2.5f;
  x[2] = -2.5f;
  x[3] = 0.49f;
  uint8_t block[kQ8_0BlockBytes];
  quantize_q8_0(x, 32, block);
  EXPECT_EQ(static_cast<int8_t>(block[2 + 1]), 3);
  EXPECT_EQ(static_cast<int8_t>(block[2 + 2]), -3);
  EXPECT_EQ(static_cast<int8_t>(block[2 + 3]), 0);
}

TEST(Quantize, Q8_0DequantisesHandMadeBytes) {
  uint8_t block[kQ8_0BlockBytes] = {};
  const uint16_t half = float_to_half_bits(-0.5f);
  block[0] = half & 0xff;
  block[1] = half >> 8;
  const int8_t q[4] = {-128, 127, 1, 0};
  std::memcpy(block + 2, q, 4);
  float back[32];
  dequantize_q8_0(block, 32, back);
  EXPECT_EQ(back[0], 64.0f);
  EXPECT_EQ(back[1], -63.5f);
  EXPECT_EQ(back[2], -0.5f);
  EXPECT_EQ(back[3], 0.0f);
}

TEST(Quantize, ZeroBlocksHaveScaleZero) {
  const float zeros[32] = {};
  uint8_t q8[kQ8_0BlockBytes], q4[kQ4_0BlockBytes];
  quantize_q8_0(zeros, 32, q8);
  quantize_q4_0(zeros, 32, q4);
  EXPECT_EQ(scale_bits(q8), 0);
  EXPECT_EQ(scale_bits(q4), 0x8000);  // -0: ggml computes 0 / -8
  for (size_t j = 2; j < kQ8_0BlockBytes; ++j) EXPECT_EQ(q8[j], 0) << j;
  for (size_t j = 2; j < kQ4_0BlockBytes; ++j) EXPECT_EQ(q4[j], 0x88) << j;  // x / d taken as 0: nibble 8
  float back[32];
  dequantize_q4_0(q4, 32, back);
  for (float v : back) EXPECT_EQ(v, 0.0f);
}

TEST(Quantize, Q4_0BlockByHandWithExtremeNibbles) {
  // Largest magnitude is -2 (negative): d = -2 / -8 = 0.25, nibble = x / 0.25 + 8.
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = 0.25f * static_cast<float>((j % 15) - 7);  // -1.75 .. 1.75
  x[3] = -2.0f;                                                                  // nibble 0
  x[20] = 1.75f;                                                                 // nibble 15
  uint8_t block[kQ4_0BlockBytes];
  quantize_q4_0(x, 32, block);
  EXPECT_EQ(scale_bits(block), float_to_half_bits(0.25f));
  EXPECT_EQ(block[2 + 3] & 0x0f, 0);  // element 3: low nibble of byte 3
  EXPECT_EQ(block[2 + 4] >> 4, 15);   // element 20: high nibble of byte 4
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(block[2 + j] & 0x0f, static_cast<int>(x[j] / 0.25f) + 8) << j;
    EXPECT_EQ(block[2 + j] >> 4, static_cast<int>(x[j + 16] / 0.25f) + 8) << j + 16;
  }
  float back[32];
  dequantize_q4_0(block, 32, back);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(back[j], x[j]) << j;
}

TEST(Quantize, Q4_0PositiveMaximumFlipsTheScaleAndClampsAtFifteen) {
  // Largest magnitude +2: d = -0.25. +2 -> nibble 0; -1.75 -> 15; -2 would be 16: clamped to 15.
  float x[32] = {};
  x[0] = 2.0f;
  x[1] = -1.75f;
  x[17] = -2.0f;  // same magnitude as x[0], found later: the first one sets the sign
  uint8_t block[kQ4_0BlockBytes];
  quantize_q4_0(x, 32, block);
  EXPECT_EQ(scale_bits(block), float_to_half_bits(-0.25f));
  EXPECT_EQ(block[2 + 0] & 0x0f, 0);
  EXPECT_EQ(block[2 + 1] & 0x0f, 15);
  EXPECT_EQ(block[2 + 1] >> 4, 15);  // element 17
  float back[32];
  dequantize_q4_0(block, 32, back);
  EXPECT_EQ(back[0], 2.0f);
  EXPECT_EQ(back[1], -1.75f);
  EXPECT_EQ(back[17], -1.75f);  // clamped
  EXPECT_EQ(back[2], 0.0f);
}

TEST(Quantize, RoundTripErrorIsAtMostHalfAStep) {
  Rng rng(11);
  std::vector<float> x(32 * 64);
  for (float& v : x) v = static_cast<float>(rng.uniform(-3.0, 3.0));
  std::vector<uint8_t> q8(64 * kQ8_0BlockBytes), q4(64 * kQ4_0BlockBytes);
  quantize_q8_0(x.data(), x.size(), q8.data());
  quantize_q4_0(x.data(), x.size(), q4.data());
  std::vector<float> back8(x.size()), back4(x.size());
  dequantize_q8_0(q8.data(), x.size(), back8.data());
  dequantize_q4_0(q4.data(), x.size(), back4.data());
  for (size_t b = 0; b < 64; ++b) {
    const float d8 = half_bits_to_float(scale_bits(&q8[b * kQ8_0BlockBytes]));
    const float d4 = std::fabs(half_bits_to_float(scale_bits(&q4[b * kQ4_0BlockBytes])));
    for (size_t j = b * 32; j < b * 32 + 32; ++j) {
      // fp16 rounding of d moves the grid a little: allow 1 % of a step beyond half.
      EXPECT_LE(std::fabs(back8[j] - x[j]), 0.51 * d8 + 127 * d8 * 1e-3) << j;
      // Q4_0 clamps x / d + 8.5 at 15: values of the opposite sign to the block's extreme, within
      // a step of its magnitude, land on nibble 15 and may be off by up to one step.
      const uint8_t byte = q4[b * kQ4_0BlockBytes + 2 + (j % 32) % 16];
      const int nibble = (j % 32) < 16 ? (byte & 0x0f) : (byte >> 4);
      const double step_fraction = nibble == 15 ? 1.01 : 0.51;
      EXPECT_LE(std::fabs(back4[j] - x[j]), step_fraction * d4 + 8 * d4 * 1e-3) << j;
    }
  }
}

TEST(Quantize, RejectsPartialBlocks) {
  float x[33] = {};
  uint8_t out[2 * kQ8_0BlockBytes];
  EXPECT_THROW(quantize_q8_0(x, 33, out), std::invalid_argument);
  EXPECT_THROW(dequantize_q4_0(out, 31, x), std::invalid_argument);
}

TEST(MulMatVecReference, FloatGemvByHand) {
  MulMatVecProblem p{2, 3, 2, WeightFormat::f32, DType::f32};
  auto t = make_tensors(p);
  const double w[] = {1, 2, 3, -1, 0.5, 4};  // rows (1 2 3), (-1 0.5 4)
  const double x[] = {1, 1, 1, 2, -2, 0.25};
  for (int i = 0; i < 6; ++i) {
    t[0].set(i, w[i]);
    t[1].set(i, x[i]);
  }
  const auto e = MulMatVecOp::reference(p, t);
  ASSERT_EQ(e[2].value.size(), 4u);  // y[b, m] at b * rows + m
  EXPECT_EQ(e[2].value[0], 6.0);
  EXPECT_EQ(e[2].value[1], 3.5);
  EXPECT_EQ(e[2].value[2], 2 - 4 + 0.75);
  EXPECT_EQ(e[2].value[3], -2 - 1 + 1);
  EXPECT_TRUE(e[0].value.empty());
  EXPECT_TRUE(e[2].untouched.empty());
}

TEST(MulMatVecReference, QuantisedGemvByHand) {
  // One Q4_0 row of 32 weights with d = 0.5 and nibbles 0..15, 15..0: w = (q - 8) * 0.5.
  MulMatVecProblem p{1, 32, 1, WeightFormat::q4_0, DType::f32};
  auto t = make_tensors(p);
  ASSERT_EQ(t[0].size_bytes(), kQ4_0BlockBytes);
  auto* block = static_cast<uint8_t*>(t[0].data());
  const uint16_t half = float_to_half_bits(0.5f);
  block[0] = half & 0xff;
  block[1] = half >> 8;
  double want = 0;
  for (int j = 0; j < 16; ++j) {
    block[2 + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
    t[1].set(j, j + 1.0);
    t[1].set(j + 16, 1.0);
    want += (j - 8) * 0.5 * (j + 1.0) + (15 - j - 8) * 0.5;
  }
  const auto e = MulMatVecOp::reference(p, t);
  EXPECT_EQ(e[2].value[0], want);
}

TEST(MulMatVecReference, BytesFlopsAndTensors) {
  const MulMatVecProblem f16{4096, 14336, 1, WeightFormat::f16, DType::f16};
  EXPECT_EQ(MulMatVecOp::bytes_moved(f16), 4096.0 * 14336 * 2 + 14336 * 2 + 4096 * 4);
  EXPECT_EQ(MulMatVecOp::flops(f16), 2.0 * 4096 * 14336);
  const MulMatVecProblem q8{6144, 4096, 8, WeightFormat::q8_0, DType::f32};
  EXPECT_EQ(MulMatVecOp::bytes_moved(q8), 6144.0 * 4096 / 32 * 34 + 8 * 4096 * 4 + 8 * 6144 * 4);
  const MulMatVecProblem q4{2560, 10240, 1, WeightFormat::q4_0, DType::f16};
  EXPECT_EQ(MulMatVecOp::bytes_moved(q4), 2560.0 * 10240 / 32 * 18 + 10240 * 2 + 2560 * 4);
  const auto specs = MulMatVecOp::tensors(q4);
  EXPECT_EQ(specs[0].dtype, DType::u8);
  EXPECT_EQ(specs[0].count, 2560u * 320 * 18);
  EXPECT_EQ(specs[2].dtype, DType::f32);
  EXPECT_EQ(specs[2].role, Role::output);
  EXPECT_EQ(MulMatVecOp::ceiling(q4), Ceiling::read);
}

TEST(MulMatVecReference, ValidityRules) {
  EXPECT_TRUE(mul_mat_vec_valid({7, 1001, 8, WeightFormat::f16, DType::f32}).ok);
  EXPECT_FALSE(mul_mat_vec_valid({7, 1001, 9, WeightFormat::f16, DType::f16}).ok);    // batch 9
  EXPECT_FALSE(mul_mat_vec_valid({7, 1000, 1, WeightFormat::q8_0, DType::f32}).ok);   // K % 32
  EXPECT_FALSE(mul_mat_vec_valid({7, 1024, 1, WeightFormat::q4_0, DType::bf16}).ok);  // bf16 x
  EXPECT_FALSE(mul_mat_vec_valid({7, 1024, 1, WeightFormat::f16, DType::bf16}).ok);   // mixed 16-bit
  EXPECT_FALSE(mul_mat_vec_valid({7, 1024, 1, WeightFormat::f32, DType::f16}).ok);
  EXPECT_FALSE(mul_mat_vec_valid({0, 1024, 1, WeightFormat::f32, DType::f32}).ok);
}

// The tolerance is loose enough for fp32 accumulation and tight enough to see one block of K missing.
TEST(MulMatVecReference, ToleranceRejectsASkippedBlockOfK) {
  for (WeightFormat format : {WeightFormat::f16, WeightFormat::q4_0}) {
    MulMatVecProblem p{256, 4096, 2, format, DType::f32};
    auto t = make_tensors(p);
    Rng rng(3);
    MulMatVecOp::fill_inputs(p, t, rng);
    const auto full = MulMatVecOp::reference(p, t);
    const Tolerance tol = MulMatVecOp::tolerance(p, MulMatVecOp::tensors(p)[2]);
    // The same sums without the last 32 columns.
    std::vector<double> w(static_cast<size_t>(p.cols));
    size_t caught = 0;
    double largest_y = 0;
    for (int64_t m = 0; m < p.rows; ++m) {
      decode_weight_row(p, t[0], m, w.data());
      for (int64_t b = 0; b < p.batch; ++b) {
        double tail = 0;
        for (int64_t k = p.cols - 32; k < p.cols; ++k) tail += w[k] * t[1].get(b * p.cols + k);
        const double want = full[2].value[b * p.rows + m];
        largest_y = std::max(largest_y, std::fabs(want));
        if (std::fabs(tail) > tol.atol + tol.rtol * std::fabs(want)) ++caught;
      }
    }
    // Zero-scale blocks (1 in 61) and chance make a few rows agree; nearly all must be caught.
    EXPECT_GT(caught, static_cast<size_t>(0.9 * p.rows * p.batch)) << to_string(format);
    // And the tolerance is a small fraction of the outputs' size.
    EXPECT_LT(tol.atol, 0.01 * largest_y) << to_string(format);
  }
}

// x rounded as the integer-plane kernels round it (activation_planes.h), worked by hand: a block whose
// largest |x| is 3 (exponent 1) is scaled by 2^20 in 3 planes, 2^13 in 2 and 2^5 in 1.
TEST(MulMatVecReference, ActivationPlanesRoundByHand) {
  const MulMatVecProblem p{1, 64, 1, WeightFormat::q4_0, DType::f32};
  HostTensor x(MulMatVecOp::tensors(p)[1]);
  for (size_t i = 0; i < 64; ++i) x.set(i, 0.0);
  x.set(0, 3.0);
  x.set(1, 1.0 / 64);      // 0.5 at 2^5: half to even, 0
  x.set(2, 3.0 / 64);      // 1.5 at 2^5: 2
  x.set(3, -5.0 / 64);     // -2.5 at 2^5: -2
  x.set(4, 1e-3);          // 8.192 at 2^13: 8
  x.set(32, 3.999);        // second block: 127.97 at 2^5, clamped to 127 in one plane
  x.set(33, -2.0);
  const std::vector<double> one = round_activations_to_planes(p, x, 1);
  EXPECT_EQ(one[0], 3.0);
  EXPECT_EQ(one[1], 0.0);
  EXPECT_EQ(one[2], 2.0 / 32);
  EXPECT_EQ(one[3], -2.0 / 32);
  EXPECT_EQ(one[4], 0.0);
  EXPECT_EQ(one[32], 127.0 / 32);
  EXPECT_EQ(one[33], -2.0);
  EXPECT_EQ(one[63], 0.0);
  const std::vector<double> two = round_activations_to_planes(p, x, 2);
  EXPECT_EQ(two[1], 1.0 / 64);  // 128 at 2^13: exact
  EXPECT_EQ(two[4], 8.0 / 8192);
  EXPECT_EQ(two[32], std::nearbyint(3.999 * 8192) / 8192);  // 32759.8: below the 32767 limit
  const std::vector<double> three = round_activations_to_planes(p, x, 3);
  EXPECT_EQ(three[4], std::nearbyint(1e-3 * (1 << 20)) / (1 << 20));
  for (size_t i = 0; i < 64; ++i) {
    const double amax = i < 32 ? 3.0 : 3.999;
    EXPECT_LE(std::fabs(three[i] - x.get(i)), amax * std::ldexp(1.0, -22)) << i;
    EXPECT_LE(std::fabs(two[i] - x.get(i)), amax * std::ldexp(1.0, -14)) << i;
  }
  EXPECT_THROW(round_activations_to_planes(p, x, 4), std::invalid_argument);
  // Tiny blocks keep s = 125: an element of 2^-130 rounds to 0 or 2^-125 (ties to even: 0).
  for (size_t i = 0; i < 32; ++i) x.set(i, std::ldexp(1.0, -130));
  EXPECT_EQ(round_activations_to_planes(p, x, 1)[0], 0.0);
  x.set(0, std::ldexp(3.0, -126));  // 1.5 at 2^125 (clamped from 2^131): rounds to 2
  EXPECT_EQ(round_activations_to_planes(p, x, 1)[0], std::ldexp(1.0, -124));
}

// The 8-bit variants need their own reference: x rounded to 8 bits moves y far beyond the op's
// tolerance, while 24 bits stay far inside it (the *_split and *_dp4a kernels are checked against x
// as stored).
TEST(MulMatVecReference, EightBitActivationsNeedTheirOwnReference) {
  const MulMatVecProblem p{64, 4096, 2, WeightFormat::q4_0, DType::f32};
  auto t = make_tensors(p);
  Rng rng(11);
  MulMatVecOp::fill_inputs(p, t, rng);
  const Tolerance tol = MulMatVecOp::tolerance(p, MulMatVecOp::tensors(p)[2]);
  const auto exact = MulMatVecOp::reference(p, t)[2].value;
  auto largest_change = [&](int planes) {
    const auto rounded = mul_mat_vec_reference_x_planes(p, t, planes)[2].value;
    double largest = 0;
    for (size_t i = 0; i < exact.size(); ++i) {
      const double change = std::fabs(rounded[i] - exact[i]);
      if (!(change <= largest)) largest = change;  // NaN stays and fails the checks below
    }
    return largest;
  };
  EXPECT_GT(largest_change(1), 3 * tol.atol);
  EXPECT_LT(largest_change(2), 0.25 * tol.atol);
  EXPECT_LT(largest_change(3), 0.002 * tol.atol);
}

TEST(MulMatVecReference, FillIsDeterministicAndQuantisedInputsAreValid) {
  MulMatVecProblem p{70, 2048, 3, WeightFormat::q8_0, DType::f16};
  auto a = make_tensors(p), b = make_tensors(p);
  Rng r1(5), r2(5);
  MulMatVecOp::fill_inputs(p, a, r1);
  MulMatVecOp::fill_inputs(p, b, r2);
  EXPECT_EQ(std::memcmp(a[0].data(), b[0].data(), a[0].size_bytes()), 0);
  EXPECT_EQ(std::memcmp(a[1].data(), b[1].data(), a[1].size_bytes()), 0);
  std::vector<double> w(2048);
  size_t zero_scales = 0;
  for (int64_t m = 0; m < p.rows; ++m) {
    decode_weight_row(p, a[0], m, w.data());
    for (double v : w) ASSERT_LE(std::fabs(v), MulMatVecOp::kWeightBound);
    for (int64_t blk = 0; blk < 64; ++blk) {
      zero_scales +=
          scale_bits(static_cast<const uint8_t*>(a[0].data()) + m * 64 * kQ8_0BlockBytes + blk * kQ8_0BlockBytes) == 0;
    }
  }
  EXPECT_GT(zero_scales, 0u);
  for (size_t i = 0; i < a[1].count(); ++i) ASSERT_LE(std::fabs(a[1].get(i)), MulMatVecOp::kActivationBound);
}

TEST(MulMatVecBenchmarks, CoverEveryProjectionFormatAndBatch) {
  const auto problems = MulMatVecOp::bench_problems();
  EXPECT_LE(problems.size(), 150u);
  std::set<std::string> labels;
  for (const auto& b : problems) {
    EXPECT_TRUE(
        labels.insert(std::string(to_string(MulMatVecOp::dtype(b.problem))) + "/" + b.model + "/" + b.shape).second)
        << b.shape;
    EXPECT_TRUE(mul_mat_vec_valid(b.problem).ok) << b.shape;
    if (is_quantized(b.problem.weight)) EXPECT_EQ(b.problem.cols % 256, 0) << b.shape;
  }
  EXPECT_TRUE(labels.count("f16/llama3-8b/down:4096x14336/batch:1"));
  EXPECT_TRUE(labels.count("bf16/llama3-8b/gate_up:28672x4096/batch:8"));
  EXPECT_TRUE(labels.count("f16/llama3-8b/qkv:6144x4096/batch:1"));
  EXPECT_TRUE(labels.count("f16/llama3-8b/o:4096x4096/batch:1"));
  EXPECT_TRUE(labels.count("f16/gemma-3-4b/output:262208x2560/batch:1"));
  EXPECT_TRUE(labels.count("f16/gemma-3-4b/qkv:4096x2560/batch:1"));
  EXPECT_TRUE(labels.count("f16/gemma-3-4b/o:2560x2048/batch:1"));
  EXPECT_TRUE(labels.count("bf16/qwen2.5-7b/gate_up:37888x3584/batch:1"));
  EXPECT_TRUE(labels.count("bf16/qwen2.5-7b/qkv:4608x3584/batch:1"));
  EXPECT_TRUE(labels.count("f16/llama3-70b/qkv_tp8:1280x8192/batch:1"));
  EXPECT_TRUE(labels.count("f16/llama3-70b/o_tp8:8192x1024/batch:1"));
  EXPECT_TRUE(labels.count("f16/llama3-70b/gate_up_tp8:7168x8192/batch:1"));
  EXPECT_TRUE(labels.count("f16/llama3-70b/down_tp8:8192x3584/batch:1"));
  EXPECT_TRUE(labels.count("u8/llama3-8b/q8_0/down:4096x14336/batch:1"));
  EXPECT_TRUE(labels.count("u8/qwen2.5-7b/q4_0/down:3584x18944/batch:8"));
  EXPECT_TRUE(labels.count("f32/llama3-8b/down:4096x14336/batch:1"));
  EXPECT_TRUE(labels.count("f16/llama3-8b/gate_up:28672x4096/batch:4"));
}

TEST(MulMatVecTests, CoverEveryFormatActivationAndBatch) {
  std::set<std::string> seen;
  for (const auto& p : MulMatVecOp::test_problems()) {
    EXPECT_TRUE(mul_mat_vec_valid(p).ok) << MulMatVecOp::describe(p);
    seen.insert(std::string(to_string(p.weight)) + "/" + to_string(p.activation) + "/" + std::to_string(p.batch));
  }
  for (const char* pair :
       {"f32/f32", "f16/f16", "f16/f32", "bf16/bf16", "bf16/f32", "q8_0/f32", "q8_0/f16", "q4_0/f32", "q4_0/f16"}) {
    for (int batch = 1; batch <= kMaxGemvBatch; ++batch) {
      EXPECT_TRUE(seen.count(std::string(pair) + "/" + std::to_string(batch))) << pair << " batch " << batch;
    }
  }
}

}  // namespace llmkb
