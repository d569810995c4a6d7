// RMSNorm and fused residual-add RMSNorm.
//
//   rmsnorm:            y = x / sqrt(mean(x^2) + eps) * w
//   fused_add_rmsnorm:  residual = x + residual (in place), then y = rmsnorm(residual) * w
//
// Rounding convention (kernels and reference follow it): inputs are read from storage exactly,
// all arithmetic is fp32 (fp64 in the reference), and each stored result is rounded once to the
// storage type, round-to-nearest-even. For the fused op the norm is computed from the residual
// *as stored* (rounded), so y == rmsnorm(residual) holds for the stored tensors. With
// gemma_weight the weight is applied as (1 + w).
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

struct RmsNormProblem {
  int64_t tokens = 1;
  int64_t hidden = 4096;
  int64_t row_stride = 0;  // elements between consecutive rows of x, residual and y; 0 means hidden
  DType dtype = DType::bf16;
  bool gemma_weight = false;
  float eps = 1e-6f;
  int64_t stride() const { return row_stride ? row_stride : hidden; }
};

struct RmsNormArgs {
  const void* x = nullptr;   // [tokens, stride]
  void* residual = nullptr;  // [tokens, stride], fused op only, updated in place
  const void* weight = nullptr;  // [hidden]
  void* y = nullptr;         // [tokens, stride]
};

template <bool kFusedAdd>
struct RmsNormTraits {
  using Problem = RmsNormProblem;
  using Args = RmsNormArgs;
  static constexpr const char* kName = kFusedAdd ? "fused_add_rmsnorm" : "rmsnorm";

  static std::string describe(const Problem& p);
  static nlohmann::json to_json(const Problem& p);
  static DType dtype(const Problem& p) { return p.dtype; }
  static double bytes_moved(const Problem& p);
  static double flops(const Problem& p);
  static Ceiling ceiling(const Problem&) { return Ceiling::copy; }

  static std::vector<TensorSpec> tensors(const Problem& p);
  static void fill_inputs(const Problem& p, std::vector<HostTensor>& tensors, Rng& rng);
  static std::vector<Expected> reference(const Problem& p, const std::vector<HostTensor>& tensors);
  static Tolerance tolerance(const Problem&, const TensorSpec& spec) { return default_tolerance(spec.dtype); }
  static Args bind(const Problem& p, const std::vector<void*>& pointers);

  static std::vector<Problem> test_problems();
  static std::vector<BenchProblem<Problem>> bench_problems();
};

using RmsNormOp = RmsNormTraits<false>;
using FusedAddRmsNormOp = RmsNormTraits<true>;

}  // namespace llmkb
