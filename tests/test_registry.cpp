// Registry invariants and shape presets (no GPU needed).
#include <gtest/gtest.h>

#include <set>

#include "kernels/core/models.h"
#include "kernels/harness/case.h"
#include "kernels/registry.h"

namespace llmkb {

TEST(Registry, EveryOpHasVariantsWithOneBaselineAndWellFormedNames) {
  ASSERT_FALSE(op_suites().empty());
  std::set<std::string> names;
  for (const auto& suite : op_suites()) {
    int baselines = 0;
    ASSERT_FALSE(suite->variants().empty()) << suite->op();
    EXPECT_TRUE(suite->variants().front().baseline) << suite->op() << ": list the baseline first";
    for (const VariantInfo& v : suite->variants()) {
      EXPECT_EQ(v.op, suite->op());
      EXPECT_EQ(v.name.rfind(suite->op() + "/", 0), 0u) << v.name << " must start with " << suite->op() << "/";
      EXPECT_TRUE(names.insert(v.name).second) << "duplicate variant " << v.name;
      EXPECT_TRUE(v.min_sm == 75 || v.min_sm == 80 || v.min_sm == 90) << v.name << " min_sm " << v.min_sm;
      EXPECT_FALSE(v.idea.empty()) << v.name << " needs a one-line idea";
      baselines += v.baseline;
    }
    EXPECT_EQ(baselines, 1) << suite->op() << " needs exactly one baseline";
  }
}

template <class Op>
void expect_callable_variants() {
  for (const Variant<Op>& v : registered_variants<Op>()) {
    EXPECT_NE(v.supports, nullptr) << v.name;
    EXPECT_NE(v.launch, nullptr) << v.name;
    // A variant that converts an input before it is timed says what it does (the results file's
    // `prepared`), and only such a variant does.
    EXPECT_EQ(v.prepare_inputs != nullptr, !v.prepared.empty()) << v.name;
    EXPECT_EQ(v.reference != nullptr, !v.checked_against.empty()) << v.name;
  }
}

TEST(Registry, EveryVariantHasSupportsAndLaunch) {
#define LLMKB_OP(OP) expect_callable_variants<OP>();
#include "kernels/ops.def"
#undef LLMKB_OP
}

TEST(Registry, TestAndBenchmarkCasesAreUniqueAndSupportedBySomeVariant) {
  for (const auto& suite : op_suites()) {
    for (const bool bench : {false, true}) {
      std::set<std::string> labels;
      const auto cases = bench ? suite->bench_cases() : suite->test_cases();
      EXPECT_FALSE(cases.empty()) << suite->op();
      for (const auto& c : cases) {
        EXPECT_TRUE(labels.insert(c->label()).second) << suite->op() << " duplicate case " << c->label();
        bool any = false;
        for (size_t v = 0; v < c->variants().size(); ++v) any = any || c->supports(v).ok;
        EXPECT_TRUE(any) << suite->op() << " " << c->label() << ": no variant supports it";
        EXPECT_GT(c->bytes_moved(), 0) << c->label();
        if (bench) EXPECT_NE(find_model(c->model()), nullptr) << c->label();
      }
    }
  }
}

// The GPU tests run each variant on the test problems it supports: a variant that supports none
// would drop out of them (and of the profiler tests) without a failure.
TEST(Registry, EveryVariantSupportsSomeTestProblem) {
  for (const auto& suite : op_suites()) {
    const auto cases = suite->test_cases();
    ASSERT_FALSE(cases.empty()) << suite->op();
    for (size_t v = 0; v < cases.front()->variants().size(); ++v) {
      bool any = false;
      for (const auto& c : cases) any = any || c->supports(v).ok;
      EXPECT_TRUE(any) << suite->op() << " " << cases.front()->variants()[v].name << ": no test problem it supports";
    }
  }
}

TEST(Registry, BaselineSupportsEveryTestShapeAndMostBenchmarkShapes) {
  for (const auto& suite : op_suites()) {
    for (const bool bench : {false, true}) {
      size_t cases = 0, supported = 0;
      for (const auto& c : bench ? suite->bench_cases() : suite->test_cases()) {
        ++cases;
        for (size_t v = 0; v < c->variants().size(); ++v) {
          if (!c->variants()[v].baseline) continue;
          supported += c->supports(v).ok;
          // Every test problem runs on the baseline (it is the correctness reference point).
          if (!bench) EXPECT_TRUE(c->supports(v).ok) << c->variants()[v].name << " " << c->label();
        }
      }
      // Benchmarks: speedups need the baseline on most shapes; only the naive attention declines
      // some (the largest prefill shapes, where it would take seconds per launch).
      if (bench) EXPECT_GE(supported * 2, cases) << suite->op() << ": baseline supports " << supported << " of " << cases;
    }
  }
}

TEST(ShapePresets, ModelsMatchTheirConfigs) {
  const ModelPreset* llama = find_model("llama3-8b");
  ASSERT_NE(llama, nullptr);
  EXPECT_EQ(llama->hidden, 4096);
  EXPECT_EQ(llama->intermediate, 14336);
  EXPECT_EQ(llama->q_heads, 32);
  EXPECT_EQ(llama->kv_heads, 8);
  const ModelPreset* gemma = find_model("gemma-3-4b");
  ASSERT_NE(gemma, nullptr);
  EXPECT_EQ(gemma->hidden, 2560);
  EXPECT_EQ(gemma->head_dim, 256);
  EXPECT_TRUE(gemma->gemma_norm);
  EXPECT_EQ(find_model("llama3-70b")->hidden, 8192);
  EXPECT_EQ(find_model("qwen2.5-7b")->hidden, 3584);
  EXPECT_EQ(find_model("no-such-model"), nullptr);
  EXPECT_EQ(decode_tokens(), (std::vector<int64_t>{1, 8, 32, 64}));
  EXPECT_EQ(prefill_tokens(), (std::vector<int64_t>{512, 4096, 16384}));
}

TEST(ShapePresets, RmsNormBenchmarksCoverEveryModelAndTokenCount) {
  for (const auto& suite : op_suites()) {
    if (suite->op() != "rmsnorm") continue;
    std::set<std::string> labels;
    for (const auto& c : suite->bench_cases()) labels.insert(c->label());
    EXPECT_TRUE(labels.count("bf16/llama3-70b/tokens:16384"));
    EXPECT_TRUE(labels.count("bf16/llama3-8b/tokens:4096"));
    EXPECT_TRUE(labels.count("f32/gemma-3-4b/tokens:1"));
    EXPECT_EQ(labels.size(), model_presets().size() * 3 * all_token_counts().size());
  }
}

}  // namespace llmkb
