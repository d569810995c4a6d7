// Gated activation of an MLP: out[t, i] = act(x[t, i]) * x[t, d + i] for x [tokens, 2d], out
// [tokens, d] (the gate projection in the first half of each row, the up projection in the second,
// as vLLM's and flashinfer's act_and_mul). act is one of
//   silu       x / (1 + exp(-x))
//   gelu       0.5 x (1 + erf(x / sqrt(2)))
//   gelu_tanh  0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
//
// Rounding convention (kernels and reference follow it): x is read from storage exactly, the
// activation and the product are fp32 arithmetic (fp64 in the reference), and each stored result is
// rounded once to the storage type, round-to-nearest-even. The kernels evaluate the same functions
// in forms that keep fp32 accurate where 1 + erf and 1 + tanh cancel: gelu as 0.5 x erfc(-x/sqrt 2),
// gelu_tanh as x / (1 + exp(-2u)), u the tanh argument.
//
// Special values (IEEE evaluation of the formulas above, in the reference and the kernels):
//   act(+inf) = +inf; act(-inf) = NaN (the formulas give -inf * 0); act(NaN) = NaN;
//   for large finite |x| act(x) tends to x (x > 0) and to -0 (x < 0), with no NaN;
//   the product follows IEEE: inf * 0 = NaN, inf * finite nonzero = +-inf, NaN * anything = NaN.
// Where act underflows to zero in fp32 but not in fp64 (x below about -13 for gelu) and the other
// factor is infinite, kernel and reference can disagree (NaN against -inf); the test inputs keep
// infinities away from those values.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kernels/core/dtype.h"
#include "kernels/core/models.h"
#include "kernels/core/op.h"
#include "kernels/core/rng.h"
#include "kernels/core/tensor.h"

namespace llmkb {

const char* activation_name(Activation activation);  // "silu", "gelu", "gelu_tanh"

// The fp64 activation of the reference (the formulas above, evaluated as written).
double activation_reference(Activation activation, double x);

struct ActAndMulProblem {
  int64_t tokens = 1;
  int64_t d = 14336;  // output columns; x rows hold 2d
  Activation activation = Activation::silu;
  DType dtype = DType::bf16;
  bool extreme_inputs = false;  // mix +-80, +-inf and NaN into the random inputs
};

struct ActAndMulArgs {
  const void* x = nullptr;  // [tokens, 2d]
  void* out = nullptr;      // [tokens, d]
};

struct ActAndMulOp {
  using Problem = ActAndMulProblem;
  using Args = ActAndMulArgs;
  static constexpr const char* kName = "act_and_mul";

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

}  // namespace llmkb
