#include "kernels/harness/op_case.h"
#include "kernels/registry.h"

namespace llmkb {

const std::vector<std::unique_ptr<OpSuite>>& op_suites() {
  static const std::vector<std::unique_ptr<OpSuite>> suites = [] {
    std::vector<std::unique_ptr<OpSuite>> all;
#define LLMKB_OP(OP) all.push_back(std::make_unique<OpSuiteImpl<OP>>(registered_variants<OP>()));
#include "kernels/ops.def"
#undef LLMKB_OP
    return all;
  }();
  return suites;
}

}  // namespace llmkb
