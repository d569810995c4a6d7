// The variants of each op, in registry order (kernels/registry.def).
#pragma once
#include <vector>

#include "kernels/all_ops.h"
#include "kernels/common/variant.h"

namespace llmkb {

#define LLMKB_VARIANT(OP, FACTORY) Variant<OP> FACTORY();
#include "kernels/registry.def"
#undef LLMKB_VARIANT

template <class Op>
std::vector<Variant<Op>> registered_variants() {
  std::vector<Variant<Op>> variants;
#define LLMKB_VARIANT(OP, FACTORY) \
  if constexpr (std::is_same_v<Op, OP>) variants.push_back(FACTORY());
#include "kernels/registry.def"
#undef LLMKB_VARIANT
  return variants;
}

}  // namespace llmkb
