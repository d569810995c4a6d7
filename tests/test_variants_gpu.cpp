// Every registered variant on every test problem it supports, against the fp64 reference.
// Tests are registered from the registry at start-up: a new variant needs no edit here.
#include <gtest/gtest.h>

#include <memory>

#include "kernels/core/rng.h"
#include "kernels/harness/case.h"
#include "tests/gpu_test_env.h"

namespace llmkb {
namespace {

// The case whose host inputs are alive: one at a time, shared by its variants' tests.
ProblemCase* g_case_with_host_data = nullptr;

class VariantOnProblem : public ::testing::Test {
 public:
  VariantOnProblem(std::shared_ptr<ProblemCase> problem, size_t variant) : problem_(std::move(problem)), variant_(variant) {}

  void TestBody() override {
    LLMKB_REQUIRE_GPU();
    const VariantInfo& info = problem_->variants()[variant_];
    if (info.min_sm > testing_env::device_sm()) GTEST_SKIP() << "needs sm_" << info.min_sm;
    if (problem_->host_bytes_estimate() > testing_env::max_problem_bytes()) {
      GTEST_SKIP() << "problem larger than LLMKB_TEST_MAX_BYTES";
    }
    if (g_case_with_host_data && g_case_with_host_data != problem_.get()) g_case_with_host_data->release_host_data();
    g_case_with_host_data = problem_.get();

    const cudaStream_t stream = testing_env::stream();
    std::unique_ptr<DeviceRun> run = problem_->prepare(variant_, process_seed());
    run->reset(stream);  // outputs poisoned with NaN: an unwritten element fails
    run->launch(stream);
    const CheckReport report = run->check(stream);
    EXPECT_TRUE(report.passed) << info.name << " on " << problem_->label() << " (LLMKB_SEED=" << process_seed()
                               << ")\n  " << report.summary();
  }

 private:
  std::shared_ptr<ProblemCase> problem_;
  size_t variant_;
};

void register_variant_tests() {
  for (const auto& suite : op_suites()) {
    for (auto& owned : suite->test_cases()) {
      std::shared_ptr<ProblemCase> problem(std::move(owned));
      for (size_t v = 0; v < problem->variants().size(); ++v) {
        if (!problem->supports(v).ok) continue;
        const std::string& variant = problem->variants()[v].name;
        ::testing::RegisterTest(variant.c_str(), problem->label().c_str(), nullptr, nullptr, __FILE__, __LINE__,
                                [problem, v]() -> ::testing::Test* { return new VariantOnProblem(problem, v); });
      }
    }
  }
}

}  // namespace
}  // namespace llmkb

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  llmkb::register_variant_tests();
  return RUN_ALL_TESTS();
}
