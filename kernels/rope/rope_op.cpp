#include "kernels/rope/rope_op.h"

#include <cmath>

#include "kernels/core/models.h"

namespace llmkb {

namespace {
enum Tensor { kPositions, kCosSin, kQkv, kQ = kQkv, kK };  // fused: qkv; separate: q, k

// The element offset of token t, head h (0..Hq-1 for Q, Hq.. for K) in its tensor (qkv, q or k).
size_t head_offset(const RopeProblem& p, int64_t t, int64_t h) {
  if (h < p.q_heads) return static_cast<size_t>(t * p.q_token_stride() + h * p.head_dim);
  const int64_t k_start = p.fused_qkv ? p.q_heads * p.head_dim : 0;
  return static_cast<size_t>(t * p.k_token_stride() + k_start + (h - p.q_heads) * p.head_dim);
}

size_t head_tensor(const RopeProblem& p, int64_t h) {
  if (p.fused_qkv) return kQkv;
  return h < p.q_heads ? kQ : kK;
}
}  // namespace

const char* to_string(RopeLayout layout) {
  return layout == RopeLayout::neox ? "neox" : "gptj";
}

Support check_rope_problem(const RopeProblem& p) {
  if (p.tokens < 1 || p.q_heads < 1 || p.kv_heads < 1 || p.head_dim < 1 || p.max_position < 1) {
    return Support::no("empty problem");
  }
  if (p.rotary_dim < 2 || p.rotary_dim % 2 != 0 || p.rotary_dim > p.head_dim) {
    return Support::no("rotary_dim " + std::to_string(p.rotary_dim) + " must be even, >= 2 and <= head_dim " +
                       std::to_string(p.head_dim));
  }
  if (!is_float(p.dtype)) return Support::no(std::string("dtype ") + to_string(p.dtype));
  return Support::yes();
}

std::string RopeOp::describe(const Problem& p) {
  return std::string(to_string(p.dtype)) + "/tokens:" + std::to_string(p.tokens) +
         "/heads:" + std::to_string(p.q_heads) + "x" + std::to_string(p.kv_heads) +
         "/dim:" + std::to_string(p.head_dim) + "/rot:" + std::to_string(p.rotary_dim) + "/" + to_string(p.layout) +
         (p.fused_qkv ? "/fused" : "/separate") + "/maxpos:" + std::to_string(p.max_position);
}

nlohmann::json RopeOp::to_json(const Problem& p) {
  return {{"tokens", p.tokens},          {"q_heads", p.q_heads},       {"kv_heads", p.kv_heads},
          {"head_dim", p.head_dim},      {"rotary_dim", p.rotary_dim}, {"layout", to_string(p.layout)},
          {"dtype", to_string(p.dtype)}, {"fused_qkv", p.fused_qkv},   {"max_position", p.max_position}};
}

double RopeOp::bytes_moved(const Problem& p) {
  const double tokens = static_cast<double>(p.tokens);
  const double rotated = tokens * static_cast<double>(p.rotated_heads() * p.rotary_dim);
  // Rotated elements of q and k read and written once (pass-through dimensions and V are not
  // touched), one cos/sin row (rotary_dim fp32) and one int64 position per token.
  return 2.0 * rotated * static_cast<double>(dtype_size(p.dtype)) + tokens * static_cast<double>(p.rotary_dim) * 4.0 +
         tokens * 8.0;
}

double RopeOp::flops(const Problem& p) {
  // Per pair: 4 multiplies, 1 add, 1 subtract.
  return 6.0 * static_cast<double>(p.tokens) * static_cast<double>(p.rotated_heads() * (p.rotary_dim / 2));
}

std::vector<TensorSpec> RopeOp::tensors(const Problem& p) {
  std::vector<TensorSpec> specs = {
      {"positions", DType::i64, static_cast<size_t>(p.tokens), Role::input},
      {"cos_sin", DType::f32, static_cast<size_t>(p.max_position * p.rotary_dim), Role::input},
  };
  if (p.fused_qkv) {
    specs.push_back({"qkv", p.dtype, static_cast<size_t>(p.tokens * p.q_token_stride()), Role::inout});
  } else {
    specs.push_back({"q", p.dtype, static_cast<size_t>(p.tokens * p.q_heads * p.head_dim), Role::inout});
    specs.push_back({"k", p.dtype, static_cast<size_t>(p.tokens * p.kv_heads * p.head_dim), Role::inout});
  }
  return specs;
}

void fill_rope_cos_sin_table(int64_t max_position, int64_t rotary_dim, float* cos_sin) {
  // Angles advance by a fixed step per position: rotate (cos, sin) by that step in fp64, and start
  // again from std::cos/std::sin every 1024 positions so rounding cannot drift.
  const int64_t half = rotary_dim / 2;
  constexpr double kTheta = 10000.0;
  constexpr int64_t kExactEvery = 1024;
  std::vector<double> step_cos(half), step_sin(half), c(half), s(half);
  for (int64_t i = 0; i < half; ++i) {
    const double frequency = std::pow(kTheta, -2.0 * static_cast<double>(i) / static_cast<double>(rotary_dim));
    step_cos[i] = std::cos(frequency);
    step_sin[i] = std::sin(frequency);
  }
  for (int64_t pos = 0; pos < max_position; ++pos) {
    float* row = cos_sin + pos * rotary_dim;
    for (int64_t i = 0; i < half; ++i) {
      if (pos % kExactEvery == 0) {
        const double angle = static_cast<double>(pos) *
                             std::pow(kTheta, -2.0 * static_cast<double>(i) / static_cast<double>(rotary_dim));
        c[i] = std::cos(angle);
        s[i] = std::sin(angle);
      } else {
        const double next_c = c[i] * step_cos[i] - s[i] * step_sin[i];
        s[i] = s[i] * step_cos[i] + c[i] * step_sin[i];
        c[i] = next_c;
      }
      row[i] = static_cast<float>(c[i]);
      row[half + i] = static_cast<float>(s[i]);
    }
  }
}

void RopeOp::fill_inputs(const Problem& p, std::vector<HostTensor>& t, Rng& rng) {
  HostTensor& positions = t[kPositions];
  for (int64_t i = 0; i < p.tokens; ++i) positions.set(i, static_cast<double>(rng.uniform_int(0, p.max_position)));
  positions.set(0, static_cast<double>(p.max_position - 1));  // the table's last row
  if (p.tokens > 1) positions.set(1, 0.0);                    // and its first
  fill_rope_cos_sin_table(p.max_position, p.rotary_dim, static_cast<float*>(t[kCosSin].data()));
  // Offset and scaled; V and the pass-through dimensions get values too, so a write there shows.
  for (size_t i = kQkv; i < t.size(); ++i) t[i].fill_uniform(rng, -2.0, 3.0);
}

std::vector<Expected> RopeOp::reference(const Problem& p, const std::vector<HostTensor>& t) {
  std::vector<Expected> expected(t.size());
  for (size_t i = kQkv; i < t.size(); ++i) {  // untouched unless rotated below
    expected[i].value.assign(t[i].count(), 0.0);
    expected[i].untouched.assign(t[i].count(), 1);
  }
  const HostTensor& positions = t[kPositions];
  const HostTensor& cos_sin = t[kCosSin];
  const int64_t half = p.rotary_dim / 2;
  for (int64_t token = 0; token < p.tokens; ++token) {
    const int64_t pos = static_cast<int64_t>(positions.get(static_cast<size_t>(token)));
    const size_t row = static_cast<size_t>(pos * p.rotary_dim);
    for (int64_t h = 0; h < p.rotated_heads(); ++h) {
      const size_t tensor = head_tensor(p, h);
      const HostTensor& x = t[tensor];
      Expected& e = expected[tensor];
      const size_t head = head_offset(p, token, h);
      for (int64_t i = 0; i < half; ++i) {
        const size_t i1 = head + static_cast<size_t>(p.layout == RopeLayout::neox ? i : 2 * i);
        const size_t i2 = head + static_cast<size_t>(p.layout == RopeLayout::neox ? i + half : 2 * i + 1);
        const double c = cos_sin.get(row + static_cast<size_t>(i));
        const double s = cos_sin.get(row + static_cast<size_t>(half + i));
        const double x1 = x.get(i1), x2 = x.get(i2);
        e.value[i1] = x1 * c - x2 * s;
        e.value[i2] = x2 * c + x1 * s;
        e.untouched[i1] = 0;
        e.untouched[i2] = 0;
      }
    }
  }
  return expected;
}

RopeArgs RopeOp::bind(const Problem& p, const std::vector<void*>& ptr) {
  RopeArgs a;
  a.positions = static_cast<const int64_t*>(ptr[kPositions]);
  a.cos_sin = static_cast<const float*>(ptr[kCosSin]);
  if (p.fused_qkv) {
    a.q = ptr[kQkv];
    a.k = static_cast<unsigned char*>(ptr[kQkv]) + static_cast<size_t>(p.q_heads * p.head_dim) * dtype_size(p.dtype);
  } else {
    a.q = ptr[kQ];
    a.k = ptr[kK];
  }
  a.q_stride = p.q_token_stride();
  a.k_stride = p.k_token_stride();
  return a;
}

std::vector<RopeProblem> RopeOp::test_problems() {
  struct Heads {
    int64_t q, kv, dim, rotary, max_position;
    std::vector<int64_t> tokens;
  };
  const std::vector<Heads> shapes = {
      {4, 2, 64, 64, 4096, {1, 3, 1025}},
      {8, 2, 128, 128, 4096, {1, 3, 1025}},
      {4, 1, 256, 256, 4096, {1, 3, 1025}},
      {6, 2, 128, 64, 131072, {1, 3, 1025}},  // partial rotary (pass-through 64..127), positions to 131071
      {3, 3, 96, 48, 8192, {3, 130}},         // Hq == Hkv, a head size that is not a power of two
      {2, 1, 64, 34, 4096, {3, 130}},         // rotary_dim / 2 odd: no vector width divides it
      {2, 1, 64, 64, 4096, {8195}},  // rope/vec walks 4 tokens a block from 8192 tokens: 3 in the last
  };
  std::vector<Problem> problems;
  for (DType dtype : {DType::f32, DType::f16, DType::bf16}) {
    for (const Heads& s : shapes) {
      for (RopeLayout layout : {RopeLayout::neox, RopeLayout::gptj}) {
        for (bool fused : {true, false}) {
          for (int64_t tokens : s.tokens) {
            problems.push_back({tokens, s.q, s.kv, s.dim, s.rotary, layout, dtype, fused, s.max_position});
          }
        }
      }
    }
  }
  return problems;
}

std::vector<BenchProblem<RopeProblem>> RopeOp::bench_problems() {
  // As vLLM calls it: NeoX layout, Q and K inside the fused QKV projection output, a 128k table.
  std::vector<BenchProblem<Problem>> problems;
  for (const ModelPreset& model : model_presets()) {
    for (DType dtype : {DType::bf16, DType::f16}) {
      for (int64_t tokens : all_token_counts()) {
        Problem p{tokens,           model.q_heads, model.kv_heads, model.head_dim, model.head_dim,
                  RopeLayout::neox, dtype,         true,           131072};
        problems.push_back({model.name, "tokens:" + std::to_string(tokens), p});
      }
    }
  }
  return problems;
}

}  // namespace llmkb
