// mul_mat_vec: the decode GEMV, y[b, m] = sum over k of W[m, k] * x[b, k], for b < batch (1..8).
//
// Contract (kernels and reference follow it):
//   W  row-major [rows, cols] (M x K). Float formats f32, f16, bf16 are plain arrays; q8_0 and q4_0
//      are llama.cpp's blocks (kernels/gemv/quantize.h) stored row after row as one u8 blob of
//      rows * cols / 32 blocks (cols must be a multiple of 32).
//   x  [batch, cols] in `activation`: f32, or the weight's own type for f16/bf16 weights; f32 or f16
//      for quantised weights (f32 weights take f32 only).
//   y  [batch, rows] in f32, as llama.cpp writes it; accumulation in fp32, y written once per element.
// The fp64 reference is computed from the dequantised weights and the stored activations. The
// tolerance is absolute, relative to the largest sum of |w| |x| a row can have (y itself can cancel
// to zero): see tolerance().
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kernels/core/dtype.h"
#include "kernels/core/op.h"
#include "kernels/core/rng.h"
#include "kernels/core/tensor.h"

namespace llmkb {

enum class WeightFormat : uint8_t { f32, f16, bf16, q8_0, q4_0 };

const char* to_string(WeightFormat format);
bool is_quantized(WeightFormat format);
// The DType of the weight tensor: the float type itself, or u8 for quantised blobs.
DType storage_dtype(WeightFormat format);
// Bytes of one row of W as stored.
int64_t weight_row_bytes(WeightFormat format, int64_t cols);

constexpr int kMaxGemvBatch = 8;

struct MulMatVecProblem {
  int64_t rows = 4096;  // M: outputs per vector
  int64_t cols = 4096;  // K: the reduction length
  int64_t batch = 1;    // activation vectors, 1..kMaxGemvBatch
  WeightFormat weight = WeightFormat::f16;
  DType activation = DType::f16;
};

struct MulMatVecArgs {
  const void* w = nullptr;  // [rows, cols] as stored (row_bytes per row)
  const void* x = nullptr;  // [batch, cols]
  float* y = nullptr;       // [batch, rows]
};

// Whether the problem is well formed under the contract above (every variant checks this first).
Support mul_mat_vec_valid(const MulMatVecProblem& p);

struct MulMatVecOp {
  using Problem = MulMatVecProblem;
  using Args = MulMatVecArgs;
  static constexpr const char* kName = "mul_mat_vec";

  // Inputs: weights uniform in [-1, 1) (quantised from that; every 61st block all zero, so scale 0
  // occurs), activations uniform in [-1, 3), each 32-element block of a row then scaled by 1, 1/2
  // or 1/4 (by position) and every 41st block zero, so blocks differ in magnitude (kernels that
  // scale x per block, as the *_mma quantised ones do, are seen to index their scales right).
  // These bounds feed the tolerance.
  static constexpr double kWeightBound = 1.001;  // |w|, with the fp16 rounding of Q4_0's scale
  static constexpr double kActivationBound = 3.0;
  // Allowed error per unit of the largest possible sum of |w| |x| (cols * kWeightBound * kActivationBound).
  // fp32 accumulation in chains of up to cols/32 terms stays far inside it; a missing block of 32
  // terms (about 5 in y) or fp16 accumulation is far outside it.
  static constexpr double kErrorPerAbsSum = 1e-5;

  static std::string describe(const Problem& p);
  static nlohmann::json to_json(const Problem& p);
  static DType dtype(const Problem& p) { return storage_dtype(p.weight); }
  static double bytes_moved(const Problem& p);
  static double flops(const Problem& p);
  static Ceiling ceiling(const Problem&) { return Ceiling::read; }

  static std::vector<TensorSpec> tensors(const Problem& p);
  static void fill_inputs(const Problem& p, std::vector<HostTensor>& tensors, Rng& rng);
  static std::vector<Expected> reference(const Problem& p, const std::vector<HostTensor>& tensors);
  static Tolerance tolerance(const Problem& p, const TensorSpec& spec);
  static Args bind(const Problem& p, const std::vector<void*>& pointers);

  static std::vector<Problem> test_problems();
  static std::vector<BenchProblem<Problem>> bench_problems();
};

// Decodes row `row` of W (as stored in `w`) to doubles; shared by the reference and the tests.
void decode_weight_row(const MulMatVecProblem& p, const HostTensor& w, int64_t row, double* out);

// x ([batch, cols], cols % 32 == 0) as the integer-plane kernels round it with `planes` byte planes
// (kernels/gemv/activation_planes.h): each block of 32 to xi * 2^-s.
std::vector<double> round_activations_to_planes(const MulMatVecProblem& p, const HostTensor& x, int planes);

// The fp64 reference of the variants whose contract rounds x to 2 or 1 planes (the *_x16 and *_x8
// variants): y = W x for x rounded so. Their rounding is then part of what they compute, not error.
std::vector<Expected> mul_mat_vec_reference_x_planes(const MulMatVecProblem& p, const std::vector<HostTensor>& t,
                                                     int planes);

}  // namespace llmkb
