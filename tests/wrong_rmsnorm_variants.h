#pragma once
#include <vector>

#include "kernels/common/variant.h"
#include "kernels/rmsnorm/rmsnorm_op.h"

namespace llmkb {
std::vector<Variant<RmsNormOp>> wrong_rmsnorm_variants();
}
