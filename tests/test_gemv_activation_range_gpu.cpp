// Quantised GEMVs on f32 activations far from the test inputs' [-1, 3): every registered variant that
// takes the problem, with batch rows of magnitude 1e30, 1e-30 and subnormal (under 2^-126), and one
// row holding a NaN. Kernels that rescale activations per 32-element block (the *_mma, *_dp4a and
// *_split and *_repacked variants) must pick each block's power of two right at both ends and let a NaN through.
// Bound per output: 1e-5 of its own sum of |w| |x| (the op's relative tolerance), plus, for the
// variants that rescale x into integers, 2^-126 per unit of sum |w|: they hold activations as
// multiples of at least 2^-125, so subnormal ones may round to 0 (kernels/gemv/mul_mat_vec_dp4a.cuh).
// The float variants keep fp32 subnormals, whose products and sums round to multiples of 2^-149: for
// them the second term is K * 2^-149, far under the subnormal row's outputs (about 2^-131), so a zero
// there fails. Variants with their own reference (the *_x16 / *_x8 ones, whose contract rounds x to
// 16 or 8 bits) are held to it, under the integer bound.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/common/cuda_check.h"
#include "kernels/common/device_buffer.h"
#include "kernels/gemv/quantize.h"
#include "kernels/registry.h"
#include "tests/gpu_test_env.h"

namespace llmkb {
namespace {

constexpr int64_t kRows = 40, kCols = 1024, kBatch = 4;
constexpr int kNanRow = 3;

void check_format(WeightFormat format) {
  const MulMatVecProblem p{kRows, kCols, kBatch, format, DType::f32};
  std::mt19937 gen(11);
  std::uniform_real_distribution<float> unit(-1.f, 1.f);
  std::vector<float> w(kRows * kCols);
  for (float& v : w) v = unit(gen);
  std::vector<uint8_t> blob(static_cast<size_t>(kRows * weight_row_bytes(format, kCols)));
  std::vector<float> w_deq(w.size());
  if (format == WeightFormat::q8_0) {
    quantize_q8_0(w.data(), w.size(), blob.data());
    dequantize_q8_0(blob.data(), w.size(), w_deq.data());
  } else {
    quantize_q4_0(w.data(), w.size(), blob.data());
    dequantize_q4_0(blob.data(), w.size(), w_deq.data());
  }
  const float magnitude[kBatch] = {1e30f, 1e-30f, std::ldexp(1.f, -135), 1.f};
  std::vector<float> x(kBatch * kCols);
  for (int64_t b = 0; b < kBatch; ++b) {
    for (int64_t k = 0; k < kCols; ++k) x[b * kCols + k] = unit(gen) * magnitude[b];
  }
  x[kNanRow * kCols + 100] = std::nanf("");

  DeviceBuffer d_w(blob.size()), d_x(x.size() * sizeof(float)), d_y(kBatch * kRows * sizeof(float));
  LLMKB_CUDA_CHECK(cudaMemcpy(d_w.get(), blob.data(), blob.size(), cudaMemcpyHostToDevice));
  LLMKB_CUDA_CHECK(cudaMemcpy(d_x.get(), x.data(), x.size() * sizeof(float), cudaMemcpyHostToDevice));
  // The fp64 reference and the two bounds of each output (batch row b, output m): for the variants
  // that rescale x into integers, and for those that keep it in fp32.
  std::vector<double> ref(kBatch * kRows, 0.0), integer_bound(kBatch * kRows, 0.0), float_bound(kBatch * kRows, 0.0);
  for (int64_t b = 0; b < kBatch; ++b) {
    for (int64_t m = 0; m < kRows; ++m) {
      double sum = 0, abs_sum = 0, w_sum = 0;
      for (int64_t k = 0; k < kCols; ++k) {
        const double wk = w_deq[m * kCols + k], xk = x[b * kCols + k];
        sum += wk * xk;
        abs_sum += std::fabs(wk * xk);
        w_sum += std::fabs(wk);
      }
      ref[b * kRows + m] = sum;
      integer_bound[b * kRows + m] = 1e-5 * abs_sum + std::ldexp(w_sum, -126);
      float_bound[b * kRows + m] = 1e-5 * abs_sum + std::ldexp(static_cast<double>(kCols), -149);
    }
  }
  // The same inputs as host tensors, for the variants' own references.
  std::vector<HostTensor> tensors;
  for (const TensorSpec& spec : MulMatVecOp::tensors(p)) tensors.emplace_back(spec);
  std::memcpy(tensors[0].data(), blob.data(), blob.size());
  std::memcpy(tensors[1].data(), x.data(), x.size() * sizeof(float));
  int ran = 0, ran_float = 0;
  // Variants that take at most 2 vectors (the *_split and *_repacked ones) run on batch rows {0, 1} and {2, 3} in turn.
  for (const Variant<MulMatVecOp>& v : registered_variants<MulMatVecOp>()) {
    if (testing_env::device_sm() < v.min_sm) continue;
    MulMatVecProblem run = p;
    if (!v.supports(run).ok) {
      run.batch = 2;
      if (!v.supports(run).ok) continue;
    }
    ++ran;
    const bool integer_x = v.name.find("_mma") != std::string::npos || v.name.find("_dp4a") != std::string::npos ||
                           v.name.find("_split") != std::string::npos || v.name.find("_repacked") != std::string::npos;
    ran_float += !integer_x;
    const std::vector<double>& bound = integer_x ? integer_bound : float_bound;
    const std::vector<double> own_ref = v.reference ? v.reference(p, tensors)[2].value : std::vector<double>();
    // The *_repacked variants read W as their prepare_inputs leaves it.
    MulMatVecArgs weights{d_w.get(), nullptr, nullptr};
    const DeviceBuffer prepared =
        v.prepare_inputs ? v.prepare_inputs(run, weights, testing_env::stream()) : DeviceBuffer();
    for (int64_t first = 0; first < kBatch; first += run.batch) {
      LLMKB_CUDA_CHECK(cudaMemset(d_y.get(), 0xFF, d_y.size()));  // NaN
      v.launch(run, {weights.w, d_x.as<float>() + first * kCols, d_y.as<float>()}, testing_env::stream());
      LLMKB_CUDA_CHECK(cudaStreamSynchronize(testing_env::stream()));
      std::vector<float> y(run.batch * kRows);
      LLMKB_CUDA_CHECK(cudaMemcpy(y.data(), d_y.get(), y.size() * sizeof(float), cudaMemcpyDeviceToHost));
      for (int64_t b = first; b < first + run.batch; ++b) {
        for (int64_t m = 0; m < kRows; ++m) {
          const float got = y[(b - first) * kRows + m];
          if (b == kNanRow) {
            uint32_t bits = 0;
            std::memcpy(&bits, &got, sizeof bits);
            EXPECT_TRUE(std::isnan(got)) << v.name << " row " << m << ": " << got << " from an x holding a NaN";
            EXPECT_NE(bits, 0xFFFFFFFFu) << v.name << " row " << m << ": never written (still the NaN poison)";
            continue;
          }
          const double want = v.reference ? own_ref[b * kRows + m] : ref[b * kRows + m];
          EXPECT_LE(std::fabs(got - want), bound[b * kRows + m])
              << v.name << " batch row " << b << " (|x| ~ " << magnitude[b] << "), output " << m << ": " << got
              << " against " << want;
        }
      }
    }
  }
  // q*_0, *_ring, *_dp4a, *_split, and *_mma from sm_80 on.
  EXPECT_GE(ran, testing_env::device_sm() >= 80 ? 5 : 4) << "quantised variants run on " << to_string(format);
  EXPECT_GE(ran_float, 3) << "float-path variants (baseline, q*_0, q*_0_ring) run on " << to_string(format);
}

}  // namespace

TEST(GemvActivationRange, Q8_0) {
  LLMKB_REQUIRE_GPU();
  check_format(WeightFormat::q8_0);
}

TEST(GemvActivationRange, Q4_0) {
  LLMKB_REQUIRE_GPU();
  check_format(WeightFormat::q4_0);
}

}  // namespace llmkb
