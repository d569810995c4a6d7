// act_and_mul/baseline: one thread per output element, scalar accesses, the flat index split into
// (token, column) with 64-bit division.
#include "kernels/activation/act_and_mul_op.h"
#include "kernels/activation/activation_functions.cuh"
#include "kernels/common/cuda_check.h"
#include "kernels/common/device_math.cuh"
#include "kernels/common/variant.h"

namespace llmkb {
namespace {

constexpr int kThreads = 256;

template <class T, class Act>
__global__ void act_and_mul_baseline_kernel(const T* __restrict__ x, T* __restrict__ out, int64_t d, int64_t total) {
  const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (index >= total) return;
  const int64_t token = index / d;
  const int64_t column = index - token * d;
  const T* row = x + token * 2 * d;
  out[index] = from_float<T>(Act{}(to_float(row[column])) * to_float(row[d + column]));
}

Support supports(const ActAndMulProblem& p) {
  if (p.tokens < 1 || p.d < 1) return Support::no("empty problem");
  if (!is_float(p.dtype)) return Support::no(std::string("dtype ") + to_string(p.dtype));
  if ((p.tokens * p.d + kThreads - 1) / kThreads > 2147483647) return Support::no("more than 2^31-1 blocks");
  return Support::yes();
}

void launch(const ActAndMulProblem& p, const ActAndMulArgs& a, cudaStream_t stream) {
  const Support s = supports(p);
  if (!s.ok) throw std::invalid_argument("act_and_mul/baseline: " + s.reason);
  const int64_t total = p.tokens * p.d;
  const unsigned blocks = static_cast<unsigned>((total + kThreads - 1) / kThreads);
  dispatch_float_dtype(p.dtype, [&](auto tag) {
    using T = decltype(tag);
    dispatch_activation(p.activation, [&](auto act) {
      act_and_mul_baseline_kernel<T, decltype(act)>
          <<<blocks, kThreads, 0, stream>>>(static_cast<const T*>(a.x), static_cast<T*>(a.out), p.d, total);
    });
  });
  LLMKB_CHECK_LAUNCH();
}

}  // namespace

Variant<ActAndMulOp> act_and_mul_baseline() {
  return {"act_and_mul/baseline", "one thread per output element, scalar accesses", 75, true, supports, launch};
}

}  // namespace llmkb
