// The fp64 attention reference against values computed by hand, and the op's FLOP and byte counts.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/attention/attention_op.h"
#include "kernels/harness/case.h"

namespace llmkb {
namespace {

std::vector<HostTensor> make_tensors(const AttentionProblem& p) {
  std::vector<HostTensor> t;
  for (const TensorSpec& s : AttentionOp::tensors(p)) t.emplace_back(s);
  for (HostTensor& x : t) x.fill_bytes(0);
  return t;
}

AttentionProblem tiny(int64_t sq, int64_t skv, int64_t d, bool causal) {
  AttentionProblem p;
  p.seqlen_q = sq;
  p.seqlen_kv = skv;
  p.head_dim = d;
  p.causal = causal;
  p.return_lse = true;
  p.scale = 1.f;
  return p;
}

constexpr size_t kQ = 0, kK = 1, kV = 2, kO = 3, kLse = 4;  // dense layout with lse
const double kInf = std::numeric_limits<double>::infinity();

}  // namespace

TEST(AttentionReference, SoftmaxOfTwoKeys) {
  AttentionProblem p = tiny(1, 2, 2, false);
  auto t = make_tensors(p);
  t[kQ].set(0, 1.0);  // q = (1, 0)
  t[kK].set(2, 1.0);  // k0 = (0, 0), k1 = (1, 0): scores 0 and 1
  t[kV].set(0, 1.0);  // v0 = (1, 2), v1 = (3, -1)
  t[kV].set(1, 2.0);
  t[kV].set(2, 3.0);
  t[kV].set(3, -1.0);
  const auto e = AttentionOp::reference(p, t);
  const double w0 = 1 / (1 + std::exp(1.0)), w1 = 1 - w0;
  EXPECT_NEAR(e[kO].value[0], w0 * 1 + w1 * 3, 1e-12);
  EXPECT_NEAR(e[kO].value[1], w0 * 2 - w1 * 1, 1e-12);
  EXPECT_NEAR(e[kLse].value[0], std::log(1 + std::exp(1.0)), 1e-12);
  EXPECT_TRUE(e[kQ].value.empty());
}

TEST(AttentionReference, ScaleMultipliesTheScores) {
  AttentionProblem p = tiny(1, 2, 2, false);
  p.scale = 0.f;  // default: 1/sqrt(2)
  auto t = make_tensors(p);
  t[kQ].set(0, 1.0);
  t[kK].set(2, 1.0);
  t[kV].set(2, 1.0);
  const auto e = AttentionOp::reference(p, t);
  const double s = static_cast<float>(1 / std::sqrt(2.0));  // the scale is an fp32 parameter
  EXPECT_NEAR(e[kO].value[0], std::exp(s) / (1 + std::exp(s)), 1e-12);
  EXPECT_NEAR(e[kLse].value[0], std::log(1 + std::exp(s)), 1e-12);
}

TEST(AttentionReference, CausalMaskIsBottomRightAligned) {
  AttentionProblem p = tiny(2, 3, 1, true);  // q = 0: uniform weights over the visible keys
  auto t = make_tensors(p);
  t[kV].set(0, 1.0);
  t[kV].set(1, 2.0);
  t[kV].set(2, 6.0);
  const auto e = AttentionOp::reference(p, t);
  EXPECT_NEAR(e[kO].value[0], (1 + 2) / 2.0, 1e-12);      // row 0 sees keys 0..1
  EXPECT_NEAR(e[kO].value[1], (1 + 2 + 6) / 3.0, 1e-12);  // row 1 sees keys 0..2
  EXPECT_NEAR(e[kLse].value[0], std::log(2.0), 1e-12);
  EXPECT_NEAR(e[kLse].value[1], std::log(3.0), 1e-12);
}

TEST(AttentionReference, RowThatSeesNoKeyIsZeroWithMinusInfinityLse) {
  AttentionProblem p = tiny(3, 1, 1, true);  // rows 0 and 1 precede the only key
  auto t = make_tensors(p);
  t[kQ].set(2, 2.0);
  t[kK].set(0, 0.5);
  t[kV].set(0, 5.0);
  const auto e = AttentionOp::reference(p, t);
  EXPECT_EQ(e[kO].value[0], 0.0);
  EXPECT_EQ(e[kO].value[1], 0.0);
  EXPECT_EQ(e[kLse].value[0], -kInf);
  EXPECT_EQ(e[kLse].value[1], -kInf);
  EXPECT_NEAR(e[kO].value[2], 5.0, 1e-12);
  EXPECT_NEAR(e[kLse].value[2], 1.0, 1e-12);  // one key: lse is its score 2 * 0.5
}

TEST(AttentionReference, QueryHeadsShareKvHeadsInOrder) {
  AttentionProblem p = tiny(1, 1, 1, false);
  p.q_heads = 4;
  p.kv_heads = 2;
  auto t = make_tensors(p);
  t[kV].set(0, 1.0);  // KV head 0
  t[kV].set(1, 7.0);  // KV head 1
  const auto e = AttentionOp::reference(p, t);
  EXPECT_EQ(e[kO].value, (std::vector<double>{1, 1, 7, 7}));
}

TEST(AttentionReference, VarlenSequencesArePackedTokenMajor) {
  AttentionProblem p = tiny(0, 0, 1, false);
  p.batch = 2;
  p.q_heads = 2;
  p.kv_heads = 1;
  p.seq_lens_q = {1, 2};
  p.seq_lens_kv = {1, 2};
  auto t = make_tensors(p);  // q, k, v, cu_q, cu_kv, o, lse
  ASSERT_EQ(t.size(), 7u);
  EXPECT_EQ(t[3].spec().dtype, DType::i32);
  t[kV].set(0, 3.0);  // sequence 0's key
  t[kV].set(1, 4.0);  // sequence 1's keys (q = 0: uniform weights)
  t[kV].set(2, 8.0);
  const auto e = AttentionOp::reference(p, t);
  // o [total_q = 3, heads 2]: token 0 is sequence 0, tokens 1..2 sequence 1
  EXPECT_EQ(e[5].value, (std::vector<double>{3, 3, 6, 6, 6, 6}));
  // lse [heads, total_q]
  EXPECT_NEAR(e[6].value[0], 0.0, 1e-12);
  EXPECT_NEAR(e[6].value[1], std::log(2.0), 1e-12);
  EXPECT_NEAR(e[6].value[3], 0.0, 1e-12);
  Rng rng(1);
  AttentionOp::fill_inputs(p, t, rng);
  EXPECT_EQ(t[3].get(0), 0);
  EXPECT_EQ(t[3].get(1), 1);
  EXPECT_EQ(t[3].get(2), 3);
}

TEST(AttentionOp, FlopsFollowFlashAttentionsConvention) {
  AttentionProblem p;
  p.batch = 4;
  p.q_heads = 16;
  p.kv_heads = 16;
  p.seqlen_q = 8192;
  p.seqlen_kv = 8192;
  p.head_dim = 128;
  EXPECT_DOUBLE_EQ(AttentionOp::flops(p), 4.0 * 4 * 16 * 8192.0 * 8192 * 128);
  p.causal = true;
  EXPECT_DOUBLE_EQ(AttentionOp::flops(p), 2.0 * 4 * 16 * 8192.0 * 8192 * 128);
  EXPECT_EQ(AttentionOp::ceiling(p), Ceiling::tensor_f16);
  p.seqlen_q = 1;
  EXPECT_EQ(AttentionOp::ceiling(p), Ceiling::read);
  AttentionProblem v = tiny(0, 0, 64, false);
  v.batch = 2;
  v.seq_lens_q = {3, 5};
  v.seq_lens_kv = {7, 11};
  EXPECT_DOUBLE_EQ(AttentionOp::flops(v), 4.0 * (3 * 7 + 5 * 11) * 64);
  // fp16: Q and O 8 rows x 64 dims, K and V 18 x 64, lse 8 fp32, offsets 2 x 3 i32
  EXPECT_DOUBLE_EQ(AttentionOp::bytes_moved(v), 2.0 * (2 * 8 * 64 + 2 * 18 * 64) + 4 * 8 + 2 * 4 * 3);
}

TEST(AttentionOp, TestProblemsAreValidAndCheapToCheck) {
  const auto problems = AttentionOp::test_problems();
  EXPECT_GE(problems.size(), 60u);
  bool masked_row = false, varlen = false, kv_one = false, kv_100k = false;
  for (const auto& p : problems) {
    EXPECT_EQ(AttentionOp::invalid_reason(p), "") << AttentionOp::describe(p);
    const double cost = static_cast<double>(p.total_q()) * p.max_len_kv() * p.head_dim * p.q_heads;
    EXPECT_LE(cost, 1.2e9) << AttentionOp::describe(p);
    masked_row = masked_row || (p.causal && p.max_len_q() > p.max_len_kv());
    varlen = varlen || p.varlen();
    kv_one = kv_one || (!p.varlen() && p.seqlen_kv == 1);
    kv_100k = kv_100k || p.seqlen_kv >= 100000;
  }
  EXPECT_TRUE(masked_row && varlen && kv_one && kv_100k);
}

TEST(AttentionOp, RejectsMalformedProblems) {
  AttentionProblem p = tiny(1, 1, 64, false);
  p.q_heads = 3;
  p.kv_heads = 2;
  EXPECT_NE(AttentionOp::invalid_reason(p), "");
  EXPECT_THROW(AttentionOp::tensors(p), std::invalid_argument);
  p.kv_heads = 1;
  p.dtype = DType::f32;
  EXPECT_NE(AttentionOp::invalid_reason(p), "");
  p.dtype = DType::f16;
  p.seq_lens_q = {1};
  EXPECT_NE(AttentionOp::invalid_reason(p), "");  // kv lengths missing
}

}  // namespace llmkb

namespace llmkb {

// The problems written for a variant must reach it: every forced split count and every decode
// shape runs on the split-KV variants (attention/split_kv, its tuning candidates, and
// attention/split_kv_simt), every prefill shape on the tensor-core variants.
TEST(AttentionOp, TestProblemsReachTheVariantsTheyTarget) {
  for (const auto& suite : op_suites()) {
    if (suite->op() != "attention") continue;
    auto index = [&](const std::string& name) {
      for (size_t v = 0; v < suite->variants().size(); ++v) {
        if (suite->variants()[v].name == name) return v;
      }
      ADD_FAILURE() << name << " is not registered";
      return size_t{0};
    };
    const size_t sm80 = index("attention/mma_sm80"), sm75 = index("attention/mma_sm75");
    std::vector<size_t> split_variants;
    for (size_t v = 0; v < suite->variants().size(); ++v) {
      if (suite->variants()[v].name.rfind("attention/split_kv", 0) == 0) split_variants.push_back(v);
    }
    EXPECT_GE(split_variants.size(), 2u);
    index("attention/split_kv");
    index("attention/split_kv_simt");
    int split_cases = 0;
    for (const auto& c : suite->test_cases()) {
      const nlohmann::json p = c->problem_json();
      if (p["num_splits"].get<int>() > 0) {
        for (size_t v : split_variants) {
          EXPECT_TRUE(c->supports(v).ok) << suite->variants()[v].name << " " << c->label() << ": "
                                         << c->supports(v).reason;
        }
        ++split_cases;
      }
      EXPECT_TRUE(c->supports(sm80).ok) << c->label();
      EXPECT_EQ(c->supports(sm75).ok, c->dtype() == "f16") << c->label();
    }
    EXPECT_GE(split_cases, AttentionOp::kMaxSplits);
  }
}

}  // namespace llmkb
