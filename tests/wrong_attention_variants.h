#pragma once
#include <vector>

#include "kernels/attention/attention_op.h"
#include "kernels/common/variant.h"

namespace llmkb {
// Known-wrong attention variants (a registered kernel run on a subtly wrong problem) that the
// checker must reject.
std::vector<Variant<AttentionOp>> wrong_attention_variants();
}  // namespace llmkb
