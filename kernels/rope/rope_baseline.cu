// rope/baseline: one thread per rotation pair of one head of one token, scalar accesses; the
// token's position and the pair's cos/sin are read again for every head.
#include "kernels/common/cuda_check.h"
#include "kernels/common/device_math.cuh"
#include "kernels/common/variant.h"
#include "kernels/rope/rope_op.h"

namespace llmkb {
namespace {

constexpr int kThreads = 256;

struct RopeBaselineParams {
  const int64_t* positions;
  const float* cos_sin;
  int64_t q_stride, k_stride;
  int q_heads, heads, head_dim, rotary_dim;
  int64_t pairs;  // tokens * heads * rotary_dim / 2
};

template <class T, RopeLayout kLayout>
__global__ void rope_baseline_kernel(RopeBaselineParams p, T* __restrict__ q, T* __restrict__ k) {
  const int64_t pair = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (pair >= p.pairs) return;
  const int half = p.rotary_dim / 2;
  const int i = static_cast<int>(pair % half);
  const int64_t token_head = pair / half;
  const int h = static_cast<int>(token_head % p.heads);
  const int64_t token = token_head / p.heads;
  T* head = h < p.q_heads ? q + token * p.q_stride + static_cast<int64_t>(h) * p.head_dim
                          : k + token * p.k_stride + static_cast<int64_t>(h - p.q_heads) * p.head_dim;

  const int64_t pos = p.positions[token];
  const float c = p.cos_sin[pos * p.rotary_dim + i];
  const float s = p.cos_sin[pos * p.rotary_dim + half + i];
  const int i1 = kLayout == RopeLayout::neox ? i : 2 * i;
  const int i2 = kLayout == RopeLayout::neox ? i + half : 2 * i + 1;
  const float x1 = to_float(head[i1]);
  const float x2 = to_float(head[i2]);
  head[i1] = from_float<T>(x1 * c - x2 * s);
  head[i2] = from_float<T>(x2 * c + x1 * s);
}

Support supports(const RopeProblem& p) {
  const Support valid = check_rope_problem(p);
  if (!valid.ok) return valid;
  const int64_t blocks = (p.tokens * p.rotated_heads() * (p.rotary_dim / 2) + kThreads - 1) / kThreads;
  if (blocks > 2147483647) return Support::no("more than 2^31-1 blocks of pairs");
  if (p.rotated_heads() > 2147483647 / p.head_dim) return Support::no("heads * head_dim exceeds 2^31-1");
  return Support::yes();
}

void launch(const RopeProblem& p, const RopeArgs& a, cudaStream_t stream) {
  const Support s = supports(p);
  if (!s.ok) throw std::invalid_argument("rope/baseline: " + s.reason);
  RopeBaselineParams params{a.positions,
                            a.cos_sin,
                            a.q_stride,
                            a.k_stride,
                            static_cast<int>(p.q_heads),
                            static_cast<int>(p.rotated_heads()),
                            static_cast<int>(p.head_dim),
                            static_cast<int>(p.rotary_dim),
                            p.tokens * p.rotated_heads() * (p.rotary_dim / 2)};
  const unsigned blocks = static_cast<unsigned>((params.pairs + kThreads - 1) / kThreads);
  dispatch_float_dtype(p.dtype, [&](auto tag) {
    using T = decltype(tag);
    auto kernel = p.layout == RopeLayout::neox ? rope_baseline_kernel<T, RopeLayout::neox>
                                               : rope_baseline_kernel<T, RopeLayout::gptj>;
    kernel<<<blocks, kThreads, 0, stream>>>(params, static_cast<T*>(a.q), static_cast<T*>(a.k));
  });
  LLMKB_CHECK_LAUNCH();
}

}  // namespace

Variant<RopeOp> rope_baseline() {
  return {"rope/baseline",
          "one thread per rotation pair, scalar accesses, cos/sin and position read per head",
          75,
          true,
          supports,
          launch};
}

}  // namespace llmkb
