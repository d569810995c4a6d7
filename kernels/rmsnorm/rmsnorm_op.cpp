#include "kernels/rmsnorm/rmsnorm_op.h"

#include <cmath>

#include "kernels/core/models.h"
#include "kernels/core/parallel.h"

namespace llmkb {

namespace {
enum Tensor { kX, kResidual, kWeight, kY };  // fused layout; the plain op has no residual
}

template <bool F>
std::string RmsNormTraits<F>::describe(const Problem& p) {
  std::string s = std::string(to_string(p.dtype)) + "/tokens:" + std::to_string(p.tokens) +
                  "/hidden:" + std::to_string(p.hidden);
  if (p.row_stride && p.row_stride != p.hidden) s += "/stride:" + std::to_string(p.row_stride);
  if (p.gemma_weight) s += "/gemma";
  return s;
}

template <bool F>
nlohmann::json RmsNormTraits<F>::to_json(const Problem& p) {
  return {{"tokens", p.tokens}, {"hidden", p.hidden}, {"row_stride", p.stride()}, {"dtype", to_string(p.dtype)},
          {"gemma_weight", p.gemma_weight}, {"eps", p.eps}};
}

template <bool F>
double RmsNormTraits<F>::bytes_moved(const Problem& p) {
  const double element = static_cast<double>(dtype_size(p.dtype));
  const double rows = static_cast<double>(p.tokens) * static_cast<double>(p.hidden);
  // read x, write y (fused: also read and write the residual), read the weight once
  return element * ((F ? 4.0 : 2.0) * rows + static_cast<double>(p.hidden));
}

template <bool F>
double RmsNormTraits<F>::flops(const Problem& p) {
  // per element: square and add, scale by 1/rms, scale by w (+1 add for the residual, +1 for gemma)
  const double per_element = 4.0 + (F ? 1.0 : 0.0) + (p.gemma_weight ? 1.0 : 0.0);
  return per_element * static_cast<double>(p.tokens) * static_cast<double>(p.hidden);
}

template <bool F>
std::vector<TensorSpec> RmsNormTraits<F>::tensors(const Problem& p) {
  const size_t rows = static_cast<size_t>(p.tokens * p.stride());
  std::vector<TensorSpec> specs = {{"x", p.dtype, rows, Role::input}};
  if (F) specs.push_back({"residual", p.dtype, rows, Role::inout});
  specs.push_back({"weight", p.dtype, static_cast<size_t>(p.hidden), Role::input});
  specs.push_back({"y", p.dtype, rows, Role::output});
  return specs;
}

template <bool F>
void RmsNormTraits<F>::fill_inputs(const Problem& p, std::vector<HostTensor>& t, Rng& rng) {
  // Offset and scaled: a row's mean square is far from both 0 and eps.
  t[0].fill_uniform(rng, -1.0, 3.0);
  if (F) t[1].fill_uniform(rng, -2.0, 1.5);
  HostTensor& weight = t[F ? 2 : 1];
  if (p.gemma_weight) {
    weight.fill_uniform(rng, -0.5, 0.5);
  } else {
    weight.fill_uniform(rng, 0.25, 1.75);
  }
}

template <bool F>
std::vector<Expected> RmsNormTraits<F>::reference(const Problem& p, const std::vector<HostTensor>& t) {
  const HostTensor& x = t[0];
  const HostTensor& weight = t[F ? 2 : 1];
  const size_t y_index = F ? 3 : 2;
  const size_t stride = static_cast<size_t>(p.stride());
  const size_t hidden = static_cast<size_t>(p.hidden);
  const size_t total = static_cast<size_t>(p.tokens) * stride;

  std::vector<Expected> expected(t.size());
  Expected& y = expected[y_index];
  y.value.assign(total, 0.0);
  y.untouched.assign(total, 0);
  Expected* residual = F ? &expected[1] : nullptr;
  if (residual) {
    residual->value.assign(total, 0.0);
    residual->untouched.assign(total, 0);
  }
  const double offset = p.gemma_weight ? 1.0 : 0.0;
  const double eps = static_cast<double>(p.eps);
  parallel_for(static_cast<size_t>(p.tokens), [&](size_t first, size_t last) {
    std::vector<double> row(hidden);
    for (size_t r = first; r < last; ++r) {
      double sum_squares = 0;
      for (size_t i = 0; i < hidden; ++i) {
        double v = x.get(r * stride + i);
        if (F) {
          v = round_to_storage(p.dtype, v + t[1].get(r * stride + i));  // the residual as stored
          residual->value[r * stride + i] = v;
        }
        row[i] = v;
        sum_squares += v * v;
      }
      const double inv_rms = 1.0 / std::sqrt(sum_squares / static_cast<double>(hidden) + eps);
      for (size_t i = 0; i < hidden; ++i) y.value[r * stride + i] = row[i] * inv_rms * (weight.get(i) + offset);
      for (size_t i = hidden; i < stride; ++i) {  // padding between rows: must be left as found
        y.untouched[r * stride + i] = 1;
        if (residual) residual->untouched[r * stride + i] = 1;
      }
    }
  }, 16);
  return expected;
}

template <bool F>
RmsNormArgs RmsNormTraits<F>::bind(const Problem&, const std::vector<void*>& ptr) {
  RmsNormArgs a;
  a.x = ptr[0];
  if (F) a.residual = ptr[1];
  a.weight = ptr[F ? 2 : 1];
  a.y = ptr[F ? 3 : 2];
  return a;
}

template <bool F>
std::vector<RmsNormProblem> RmsNormTraits<F>::test_problems() {
  std::vector<Problem> problems;
  for (DType dtype : {DType::f32, DType::f16, DType::bf16}) {
    for (int64_t hidden : {1, 7, 64, 1023, 1025, 2560, 4096, 5120, 8192, 11008, 16384}) {
      for (int64_t tokens : {1, 3, 128, 4097}) problems.push_back({tokens, hidden, 0, dtype, false, 1e-6f});
    }
    // Row stride larger than hidden: an odd pad (rows misaligned for 16-byte loads) and an aligned one.
    for (int64_t hidden : {7, 1025, 4096, 8192}) {
      for (int64_t pad : {13, 64}) {
        problems.push_back({3, hidden, hidden + pad, dtype, false, 1e-5f});
        problems.push_back({128, hidden, hidden + pad, dtype, false, 1e-5f});
      }
    }
    for (int64_t hidden : {2560, 4096}) {
      problems.push_back({3, hidden, 0, dtype, true, 1e-6f});
      problems.push_back({128, hidden, 0, dtype, true, 1e-6f});
    }
  }
  return problems;
}

template <bool F>
std::vector<BenchProblem<RmsNormProblem>> RmsNormTraits<F>::bench_problems() {
  std::vector<BenchProblem<Problem>> problems;
  for (const ModelPreset& model : model_presets()) {
    for (DType dtype : {DType::bf16, DType::f16, DType::f32}) {
      for (int64_t tokens : all_token_counts()) {
        Problem p{tokens, model.hidden, 0, dtype, model.gemma_norm, 1e-6f};
        problems.push_back({model.name, "tokens:" + std::to_string(tokens), p});
      }
    }
  }
  return problems;
}

template struct RmsNormTraits<false>;
template struct RmsNormTraits<true>;

}  // namespace llmkb
