#include "kernels/activation/act_and_mul_op.h"

#include "kernels/core/parallel.h"

#include <cmath>
#include <limits>

namespace llmkb {

const char* activation_name(Activation activation) {
  switch (activation) {
    case Activation::silu:
      return "silu";
    case Activation::gelu:
      return "gelu";
    case Activation::gelu_tanh:
      return "gelu_tanh";
  }
  return "?";
}

double activation_reference(Activation activation, double x) {
  switch (activation) {
    case Activation::silu:
      return x / (1.0 + std::exp(-x));
    case Activation::gelu:
      return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    case Activation::gelu_tanh: {
      const double sqrt_2_over_pi = std::sqrt(2.0 / 3.14159265358979323846);
      return 0.5 * x * (1.0 + std::tanh(sqrt_2_over_pi * (x + 0.044715 * x * x * x)));
    }
  }
  return std::numeric_limits<double>::quiet_NaN();
}

namespace {
enum Tensor { kX, kOut };

// Elementary operations (+, *, /, exp, erf, tanh) of each activation as written in the header.
double activation_flops(Activation activation) {
  switch (activation) {
    case Activation::silu:
      return 3.0;  // exp, add, divide
    case Activation::gelu:
      return 5.0;  // scale, erf, add, two multiplies
    case Activation::gelu_tanh:
      return 9.0;  // x^3 (2), scale, add, scale, tanh, add, two multiplies
  }
  return 0.0;
}
}  // namespace

std::string ActAndMulOp::describe(const Problem& p) {
  return std::string(to_string(p.dtype)) + "/" + activation_name(p.activation) + "/tokens:" + std::to_string(p.tokens) +
         "/d:" + std::to_string(p.d) + (p.extreme_inputs ? "/extreme" : "");
}

nlohmann::json ActAndMulOp::to_json(const Problem& p) {
  return {{"tokens", p.tokens},
          {"d", p.d},
          {"activation", activation_name(p.activation)},
          {"dtype", to_string(p.dtype)},
          {"extreme_inputs", p.extreme_inputs}};
}

double ActAndMulOp::bytes_moved(const Problem& p) {
  // Read 2d, write d per token.
  return 3.0 * static_cast<double>(p.tokens) * static_cast<double>(p.d) * static_cast<double>(dtype_size(p.dtype));
}

double ActAndMulOp::flops(const Problem& p) {
  return (activation_flops(p.activation) + 1.0) * static_cast<double>(p.tokens) * static_cast<double>(p.d);
}

std::vector<TensorSpec> ActAndMulOp::tensors(const Problem& p) {
  return {{"x", p.dtype, static_cast<size_t>(p.tokens * 2 * p.d), Role::input},
          {"out", p.dtype, static_cast<size_t>(p.tokens * p.d), Role::output}};
}

void ActAndMulOp::fill_inputs(const Problem& p, std::vector<HostTensor>& t, Rng& rng) {
  HostTensor& x = t[kX];
  // Offset and scaled; both halves cover the curved part of every activation (about -3..3).
  x.fill_uniform(rng, -3.5, 3.0);
  if (!p.extreme_inputs) return;
  const double inf = std::numeric_limits<double>::infinity();
  const double specials[] = {80.0, -80.0, inf, -inf, std::numeric_limits<double>::quiet_NaN()};
  const size_t d = static_cast<size_t>(p.d);
  for (size_t row = 0; row < static_cast<size_t>(p.tokens); ++row) {
    for (size_t i = 0; i < d; ++i) {
      for (size_t half : {size_t{0}, d}) {
        if (rng.uniform_int(0, 6) == 0) x.set(row * 2 * d + half + i, specials[rng.uniform_int(0, 5)]);
      }
    }
  }
  // Every special value in each half at least once (row 0), paired with different partners.
  for (size_t i = 0; i < 5 && i < d; ++i) {
    x.set(i, specials[i]);
    x.set(d + i, specials[(i + 2) % 5]);
  }
}

std::vector<Expected> ActAndMulOp::reference(const Problem& p, const std::vector<HostTensor>& t) {
  std::vector<Expected> expected(t.size());
  Expected& out = expected[kOut];
  const size_t d = static_cast<size_t>(p.d);
  out.value.resize(static_cast<size_t>(p.tokens) * d);
  parallel_for(static_cast<size_t>(p.tokens), [&](size_t first, size_t last) {
    for (size_t row = first; row < last; ++row) {
      for (size_t i = 0; i < d; ++i) {
        const double gate = t[kX].get(row * 2 * d + i);
        const double up = t[kX].get(row * 2 * d + d + i);
        out.value[row * d + i] = activation_reference(p.activation, gate) * up;
      }
    }
  }, 16);
  return expected;
}

ActAndMulArgs ActAndMulOp::bind(const Problem&, const std::vector<void*>& ptr) {
  return {ptr[kX], ptr[kOut]};
}

std::vector<ActAndMulProblem> ActAndMulOp::test_problems() {
  std::vector<Problem> problems;
  for (DType dtype : {DType::f32, DType::f16, DType::bf16}) {
    for (Activation activation : {Activation::silu, Activation::gelu, Activation::gelu_tanh}) {
      for (int64_t d : {1, 7, 1023, 5120, 11008, 14336}) {
        for (int64_t tokens : {1, 5, 130}) problems.push_back({tokens, d, activation, dtype, false});
      }
      for (int64_t d : {7, 1023, 5120}) problems.push_back({5, d, activation, dtype, true});
    }
  }
  return problems;
}

std::vector<BenchProblem<ActAndMulProblem>> ActAndMulOp::bench_problems() {
  std::vector<BenchProblem<Problem>> problems;
  for (const ModelPreset& model : model_presets()) {
    for (DType dtype : {DType::bf16, DType::f16}) {
      for (int64_t tokens : all_token_counts()) {
        Problem p{tokens, model.intermediate, model.activation, dtype, false};
        problems.push_back({model.name, "tokens:" + std::to_string(tokens), p});
      }
    }
  }
  return problems;
}

}  // namespace llmkb
