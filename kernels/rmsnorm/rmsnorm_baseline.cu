// rmsnorm/baseline: one block per row, scalar loads, shared-memory tree reduction;
// x (or the residual) is read from global memory twice, once per pass.
#include "kernels/common/cuda_check.h"
#include "kernels/common/device_math.cuh"
#include "kernels/common/variant.h"
#include "kernels/rmsnorm/rmsnorm_op.h"

namespace llmkb {
namespace {

constexpr int kThreads = 256;

template <class T, bool kFusedAdd>
__global__ void rmsnorm_baseline_kernel(const T* __restrict__ x, T* __restrict__ residual, const T* __restrict__ weight,
                                        T* __restrict__ y, int hidden, int64_t stride, float eps, float weight_offset) {
  const int64_t row_start = static_cast<int64_t>(blockIdx.x) * stride;
  const T* x_row = x + row_start;
  T* residual_row = kFusedAdd ? residual + row_start : nullptr;

  float sum_squares = 0.f;
  for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
    float v = to_float(x_row[i]);
    if constexpr (kFusedAdd) {
      const T stored = from_float<T>(v + to_float(residual_row[i]));
      residual_row[i] = stored;
      v = to_float(stored);
    }
    sum_squares += v * v;
  }

  __shared__ float partial[kThreads];
  partial[threadIdx.x] = sum_squares;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half >>= 1) {
    if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  const float inv_rms = rsqrtf(partial[0] / static_cast<float>(hidden) + eps);

  // Second pass re-reads the row; each thread reads back only what it wrote itself.
  const T* source = kFusedAdd ? residual_row : x_row;
  for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
    y[row_start + i] = from_float<T>(to_float(source[i]) * inv_rms * (to_float(weight[i]) + weight_offset));
  }
}

Support supports(const RmsNormProblem& p) {
  if (p.hidden < 1 || p.tokens < 1) return Support::no("empty problem");
  if (p.stride() < p.hidden) return Support::no("row stride smaller than hidden");
  if (p.tokens > 2147483647) return Support::no("more than 2^31-1 rows");
  if (p.hidden > 2147483647) return Support::no("hidden larger than 2^31-1");
  if (!is_float(p.dtype)) return Support::no(std::string("dtype ") + to_string(p.dtype));
  return Support::yes();
}

template <bool kFusedAdd>
void launch(const RmsNormProblem& p, const RmsNormArgs& a, cudaStream_t stream) {
  dispatch_float_dtype(p.dtype, [&](auto tag) {
    using T = decltype(tag);
    rmsnorm_baseline_kernel<T, kFusedAdd><<<static_cast<unsigned>(p.tokens), kThreads, 0, stream>>>(
        static_cast<const T*>(a.x), static_cast<T*>(a.residual), static_cast<const T*>(a.weight), static_cast<T*>(a.y),
        static_cast<int>(p.hidden), p.stride(), p.eps, p.gemma_weight ? 1.f : 0.f);
  });
  LLMKB_CHECK_LAUNCH();
}

}  // namespace

Variant<RmsNormOp> rmsnorm_baseline() {
  return {"rmsnorm/baseline", "one block per row, scalar loads, x read twice", 75, true, supports, launch<false>};
}

Variant<FusedAddRmsNormOp> fused_add_rmsnorm_baseline() {
  return {"fused_add_rmsnorm/baseline", "one block per row, scalar loads, residual read twice", 75, true, supports,
          launch<true>};
}

}  // namespace llmkb
