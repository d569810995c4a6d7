// The fp64 RoPE reference against values computed by hand, the cos/sin table, and the problem's
// bytes, FLOPs and shape lists.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>

#include "kernels/core/models.h"
#include "kernels/rope/rope_op.h"

namespace llmkb {
namespace {

std::vector<HostTensor> make_tensors(const RopeProblem& p) {
  std::vector<HostTensor> t;
  for (const TensorSpec& s : RopeOp::tensors(p)) t.emplace_back(s);
  return t;
}

// One token, one Q head and one K head of 4 dimensions (separate tensors), table of 2 rows; row 1
// rotates pair 0 by 90 degrees and pair 1 by 60 degrees.
struct SmallRope {
  RopeProblem problem{1, 1, 1, 4, 4, RopeLayout::neox, DType::f32, false, 2};
  std::vector<HostTensor> t;
  float cos60 = std::cos(static_cast<float>(std::acos(-1.0) / 3)),
        sin60 = std::sin(static_cast<float>(std::acos(-1.0) / 3));

  explicit SmallRope(RopeLayout layout, int64_t head_dim = 4) {
    problem.layout = layout;
    problem.head_dim = head_dim;
    t = make_tensors(problem);
    t[0].set(0, 1);                                  // position 1
    const double row1[] = {0.0, cos60, 1.0, sin60};  // cos(90), cos(60), sin(90), sin(60)
    for (int i = 0; i < 4; ++i) {
      t[1].set(i, 99.0);  // row 0: never read
      t[1].set(4 + i, row1[i]);
    }
    for (int64_t i = 0; i < head_dim; ++i) {
      t[2].set(i, static_cast<double>(i + 1));   // q = 1, 2, 3, ...
      t[3].set(i, -static_cast<double>(i + 1));  // k = -1, -2, -3, ...
    }
  }
};

}  // namespace

TEST(RopeReference, NeoxRotatesHalvesByTheTableAngle) {
  SmallRope r(RopeLayout::neox);
  const auto e = RopeOp::reference(r.problem, r.t);
  const double c = r.cos60, s = r.sin60;
  // Pairs (x0, x2) by 90 degrees: (1, 3) -> (-3, 1); (x1, x3) by 60 degrees: (2, 4).
  EXPECT_DOUBLE_EQ(e[2].value[0], -3.0);
  EXPECT_DOUBLE_EQ(e[2].value[2], 1.0);
  EXPECT_DOUBLE_EQ(e[2].value[1], 2 * c - 4 * s);
  EXPECT_DOUBLE_EQ(e[2].value[3], 4 * c + 2 * s);
  // K gets the same rotation.
  EXPECT_DOUBLE_EQ(e[3].value[0], 3.0);
  EXPECT_DOUBLE_EQ(e[3].value[2], -1.0);
  EXPECT_DOUBLE_EQ(e[3].value[1], -2 * c + 4 * s);
  EXPECT_TRUE(e[0].value.empty());  // positions and table are inputs
  EXPECT_TRUE(e[1].value.empty());
}

TEST(RopeReference, GptjRotatesAdjacentPairs) {
  SmallRope r(RopeLayout::gptj);
  const auto e = RopeOp::reference(r.problem, r.t);
  const double c = r.cos60, s = r.sin60;
  // Pairs (x0, x1) by 90 degrees: (1, 2) -> (-2, 1); (x2, x3) by 60 degrees: (3, 4).
  EXPECT_DOUBLE_EQ(e[2].value[0], -2.0);
  EXPECT_DOUBLE_EQ(e[2].value[1], 1.0);
  EXPECT_DOUBLE_EQ(e[2].value[2], 3 * c - 4 * s);
  EXPECT_DOUBLE_EQ(e[2].value[3], 4 * c + 3 * s);
}

TEST(RopeReference, RotationKeepsTheNormOfEveryPair) {
  RopeProblem p{5, 3, 2, 64, 64, RopeLayout::neox, DType::f32, false, 4096};
  auto t = make_tensors(p);
  Rng rng(7);
  RopeOp::fill_inputs(p, t, rng);
  const auto e = RopeOp::reference(p, t);
  for (int64_t h = 0; h < 3 * 5; ++h) {
    for (int64_t i = 0; i < 32; ++i) {
      const size_t a = static_cast<size_t>(h * 64 + i), b = a + 32;
      const double before = std::hypot(t[2].get(a), t[2].get(b));
      EXPECT_NEAR(std::hypot(e[2].value[a], e[2].value[b]), before, 1e-6 * before);
    }
  }
}

TEST(RopeReference, PassThroughDimensionsAreUntouched) {
  SmallRope r(RopeLayout::neox, 6);  // rotary_dim 4 of head_dim 6
  const auto e = RopeOp::reference(r.problem, r.t);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(e[2].is_untouched(i), i >= 4) << i;
    EXPECT_EQ(e[3].is_untouched(i), i >= 4) << i;
  }
  EXPECT_DOUBLE_EQ(e[2].value[0], -3.0);  // rotary pairs still split at rotary_dim / 2, not head_dim / 2
}

TEST(RopeReference, FusedQkvRotatesQAndKAndLeavesV) {
  // 2 tokens, Hq 2, Hkv 1, D 4: each token row is q0 q1 k v (16 elements).
  RopeProblem p{2, 2, 1, 4, 2, RopeLayout::gptj, DType::bf16, true, 8};
  auto t = make_tensors(p);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[2].count(), 32u);
  Rng rng(3);
  RopeOp::fill_inputs(p, t, rng);
  const auto e = RopeOp::reference(p, t);
  for (size_t i = 0; i < 32; ++i) {
    const size_t in_row = i % 16;
    const bool rotated = in_row < 12 && (in_row % 4) < 2;  // q0, q1, k: dims 0, 1 (rotary_dim 2)
    EXPECT_EQ(e[2].is_untouched(i), !rotated) << i;
  }
  const RopeArgs a = RopeOp::bind(p, {nullptr, nullptr, reinterpret_cast<void*>(0x1000)});
  EXPECT_EQ(a.q, reinterpret_cast<void*>(0x1000));
  EXPECT_EQ(a.k, reinterpret_cast<void*>(0x1000 + 2 * 4 * 2));  // after Hq * D bf16 elements
  EXPECT_EQ(a.q_stride, 16);
  EXPECT_EQ(a.k_stride, 16);
}

TEST(RopeReference, CheckerAcceptsTheRoundedReferenceAndRejectsWritesOutsideTheRotation) {
  // Partial rotary in a fused buffer: dims 32..63 and V must keep their bytes.
  RopeProblem p{3, 2, 1, 64, 32, RopeLayout::neox, DType::bf16, true, 64};
  auto t = make_tensors(p);
  Rng rng(13);
  RopeOp::fill_inputs(p, t, rng);
  const auto e = RopeOp::reference(p, t);
  const HostTensor& before = t[2];
  HostTensor got(before.spec());
  std::memcpy(got.data(), before.data(), before.size_bytes());
  for (size_t i = 0; i < got.count(); ++i) {
    if (!e[2].is_untouched(i)) got.set(i, e[2].value[i]);  // what a correct kernel stores
  }
  const Tolerance tol = RopeOp::tolerance(p, before.spec());
  EXPECT_TRUE(compare_tensor(got, before, e[2], tol).passed);

  const size_t row = static_cast<size_t>(p.q_token_stride());
  const size_t v_element = row + 4 * 64 - 1;    // token 1, last element of V
  const size_t pass_through = row + 64 + 40;    // token 1, Q head 1, dimension 40
  const size_t rotated = 2 * row + 2 * 64 + 3;  // token 2, K head, dimension 3
  for (size_t index : {v_element, pass_through, rotated}) {
    HostTensor wrong(before.spec());
    std::memcpy(wrong.data(), got.data(), got.size_bytes());
    wrong.set(index, wrong.get(index) + 0.25);
    EXPECT_FALSE(compare_tensor(wrong, before, e[2], tol).passed) << index;
  }
  EXPECT_TRUE(e[2].is_untouched(v_element));
  EXPECT_TRUE(e[2].is_untouched(pass_through));
  EXPECT_FALSE(e[2].is_untouched(rotated));
}

TEST(RopeReference, EachTokenUsesTheRowOfItsPosition) {
  RopeProblem p{2, 1, 1, 2, 2, RopeLayout::neox, DType::f32, false, 3};
  auto t = make_tensors(p);
  t[0].set(0, 2);
  t[0].set(1, 0);
  const double rows[3][2] = {{1, 0}, {0, 1}, {-1, 0}};  // 0, 90 and 180 degrees
  for (int r = 0; r < 3; ++r) {
    t[1].set(2 * r, rows[r][0]);
    t[1].set(2 * r + 1, rows[r][1]);
  }
  for (int i = 0; i < 4; ++i) t[2].set(i, i + 1);  // token 0: (1, 2), token 1: (3, 4)
  const auto e = RopeOp::reference(p, t);
  EXPECT_DOUBLE_EQ(e[2].value[0], -1.0);  // token 0, position 2: 180 degrees
  EXPECT_DOUBLE_EQ(e[2].value[1], -2.0);
  EXPECT_DOUBLE_EQ(e[2].value[2], 3.0);  // token 1, position 0: identity
  EXPECT_DOUBLE_EQ(e[2].value[3], 4.0);
}

TEST(RopeTable, RowsHoldCosThenSinOfPositionTimesFrequency) {
  const int64_t max_position = 131072, rotary_dim = 64, half = 32;
  std::vector<float> table(static_cast<size_t>(max_position * rotary_dim));
  fill_rope_cos_sin_table(max_position, rotary_dim, table.data());
  for (int64_t pos : {int64_t{0}, int64_t{1}, int64_t{1023}, int64_t{1025}, int64_t{77777}, max_position - 1}) {
    for (int64_t i : {int64_t{0}, int64_t{1}, int64_t{17}, half - 1}) {
      const double angle = static_cast<double>(pos) * std::pow(10000.0, -2.0 * static_cast<double>(i) / rotary_dim);
      EXPECT_NEAR(table[pos * rotary_dim + i], std::cos(angle), 1e-6) << pos << " " << i;
      EXPECT_NEAR(table[pos * rotary_dim + half + i], std::sin(angle), 1e-6) << pos << " " << i;
    }
  }
}

TEST(RopeInputs, PositionsCoverTheTableEnds) {
  RopeProblem p{1025, 2, 1, 64, 64, RopeLayout::neox, DType::f16, true, 131072};
  auto t = make_tensors(p);
  Rng rng(11);
  RopeOp::fill_inputs(p, t, rng);
  EXPECT_EQ(t[0].get(0), 131071.0);
  EXPECT_EQ(t[0].get(1), 0.0);
  std::set<double> distinct;
  for (size_t i = 0; i < 1025; ++i) {
    EXPECT_GE(t[0].get(i), 0.0);
    EXPECT_LT(t[0].get(i), 131072.0);
    distinct.insert(t[0].get(i));
  }
  EXPECT_GT(distinct.size(), 1000u);
}

TEST(RopeProblem, MinimumBytesAndFlops) {
  // Llama-3-8B prefill: 40 rotated heads of 128 in bf16, a 512-byte table row and a position per token.
  RopeProblem p{4096, 32, 8, 128, 128, RopeLayout::neox, DType::bf16, true, 131072};
  EXPECT_EQ(RopeOp::bytes_moved(p), 2.0 * 4096 * 40 * 128 * 2 + 4096 * 128 * 4.0 + 4096 * 8.0);
  EXPECT_EQ(RopeOp::flops(p), 6.0 * 4096 * 40 * 64);
  // Partial rotary: only the rotated dimensions count.
  RopeProblem partial{3, 6, 2, 128, 64, RopeLayout::gptj, DType::f32, false, 4096};
  EXPECT_EQ(RopeOp::bytes_moved(partial), 2.0 * 3 * 8 * 64 * 4 + 3 * 64 * 4.0 + 3 * 8.0);
  EXPECT_EQ(RopeOp::describe(partial), "f32/tokens:3/heads:6x2/dim:128/rot:64/gptj/separate/maxpos:4096");
}

TEST(RopeProblem, WellFormedProblemsOnly) {
  RopeProblem p;
  EXPECT_TRUE(check_rope_problem(p).ok);
  p.rotary_dim = 130;
  EXPECT_FALSE(check_rope_problem(p).ok);
  p.rotary_dim = 63;
  EXPECT_FALSE(check_rope_problem(p).ok);
  p.rotary_dim = 64;
  p.dtype = DType::i32;
  EXPECT_FALSE(check_rope_problem(p).ok);
}

TEST(RopeProblem, TestShapesCoverTheIssue) {
  const auto problems = RopeOp::test_problems();
  EXPECT_LE(problems.size(), 300u);
  std::set<int64_t> head_dims, tokens;
  std::set<DType> dtypes;
  bool partial = false, grouped = false, high_positions = false, neox = false, gptj = false, fused = false,
       separate = false;
  for (const RopeProblem& p : problems) {
    EXPECT_TRUE(check_rope_problem(p).ok) << RopeOp::describe(p);
    head_dims.insert(p.head_dim);
    tokens.insert(p.tokens);
    dtypes.insert(p.dtype);
    partial = partial || (p.head_dim == 128 && p.rotary_dim == 64);
    grouped = grouped || p.q_heads != p.kv_heads;
    high_positions = high_positions || p.max_position == 131072;
    neox = neox || p.layout == RopeLayout::neox;
    gptj = gptj || p.layout == RopeLayout::gptj;
    fused = fused || p.fused_qkv;
    separate = separate || !p.fused_qkv;
  }
  for (int64_t d : {64, 128, 256}) EXPECT_TRUE(head_dims.count(d)) << d;
  for (int64_t n : {1, 3, 1025}) EXPECT_TRUE(tokens.count(n)) << n;
  EXPECT_EQ(dtypes.size(), 3u);
  EXPECT_TRUE(partial && grouped && high_positions && neox && gptj && fused && separate);
}

TEST(RopeProblem, BenchmarksAreEveryModelAtEveryTokenCount) {
  const auto problems = RopeOp::bench_problems();
  EXPECT_EQ(problems.size(), model_presets().size() * 2 * all_token_counts().size());
  for (const auto& b : problems) {
    const ModelPreset* model = find_model(b.model);
    ASSERT_NE(model, nullptr);
    EXPECT_EQ(b.problem.q_heads, model->q_heads);
    EXPECT_EQ(b.problem.kv_heads, model->kv_heads);
    EXPECT_EQ(b.problem.head_dim, model->head_dim);
    EXPECT_EQ(b.problem.rotary_dim, model->head_dim);
    EXPECT_TRUE(b.problem.fused_qkv);
    EXPECT_EQ(b.problem.layout, RopeLayout::neox);
    EXPECT_EQ(b.problem.max_position, 131072);
    EXPECT_EQ(b.shape, "tokens:" + std::to_string(b.problem.tokens));
  }
}

}  // namespace llmkb
