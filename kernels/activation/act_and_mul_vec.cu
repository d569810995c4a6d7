// act_and_mul/vec: 16-byte loads and stores; a thread loads all of its kVectorsPerThread vectors of
// both halves before computing any (decode sizes: one vector per thread, more blocks). The flat
// vector index is split into (token, column) with 32-bit division. d not a multiple of the 16-byte
// width: 1-element accesses, because with such a d the up half and the output rows start at
// addresses no 16-byte access can reach (a per-row scalar tail cannot fix that).
#include "kernels/activation/act_and_mul_op.h"
#include "kernels/activation/activation_functions.cuh"
#include "kernels/common/cuda_check.h"
#include "kernels/common/device_math.cuh"
#include "kernels/common/variant.h"

namespace llmkb {
namespace {

constexpr int kPrefillThreads = 256;
constexpr int kPrefillVectorsPerThread = 2;
constexpr int kDecodeThreads = 128;
// Below this many vectors, 2 per thread in blocks of 256 would leave under two blocks per SM (H100).
constexpr int64_t kDecodeBelowVectors = int64_t{1} << 17;

template <class T, int kWidth, int kVectorsPerThread, class Act>
__global__ void __launch_bounds__(kPrefillThreads)
    act_and_mul_vec_kernel(const T* __restrict__ x, T* __restrict__ out, int64_t d, uint32_t vectors_per_row,
                           uint32_t total_vectors) {
  using V = Vec<T, kWidth>;
  const uint32_t first = blockIdx.x * blockDim.x * kVectorsPerThread + threadIdx.x;
  V gate[kVectorsPerThread], up[kVectorsPerThread];
  int64_t out_offset[kVectorsPerThread];
#pragma unroll
  for (int j = 0; j < kVectorsPerThread; ++j) {
    const uint32_t vector = first + j * blockDim.x;
    if (vector < total_vectors) {
      const uint32_t token = vector / vectors_per_row;
      const int64_t column = static_cast<int64_t>(vector - token * vectors_per_row) * kWidth;
      const T* row = x + static_cast<int64_t>(token) * 2 * d;
      gate[j] = *reinterpret_cast<const V*>(row + column);
      up[j] = *reinterpret_cast<const V*>(row + d + column);
      out_offset[j] = static_cast<int64_t>(token) * d + column;
    }
  }
  const Act act;
#pragma unroll
  for (int j = 0; j < kVectorsPerThread; ++j) {
    if (first + j * blockDim.x < total_vectors) {
      V result;
#pragma unroll
      for (int m = 0; m < kWidth; ++m) result.v[m] = from_float<T>(act(to_float(gate[j].v[m])) * to_float(up[j].v[m]));
      *reinterpret_cast<V*>(out + out_offset[j]) = result;
    }
  }
}

Support supports(const ActAndMulProblem& p) {
  if (p.tokens < 1 || p.d < 1) return Support::no("empty problem");
  if (!is_float(p.dtype)) return Support::no(std::string("dtype ") + to_string(p.dtype));
  if (p.d > 2147483647 / 2 || p.tokens > 2147483647 / p.d) return Support::no("tokens * d exceeds 2^31-1");
  return Support::yes();
}

// 16 bytes when d is a multiple of it and the pointers are aligned, else one element.
template <class T>
bool use_16_byte_vectors(const ActAndMulProblem& p, const ActAndMulArgs& a) {
  return p.d % kVec16<T> == 0 && aligned16(a.x) && aligned16(a.out);
}

template <class T, int kWidth, class Act>
void launch_with(const ActAndMulProblem& p, const ActAndMulArgs& a, cudaStream_t stream) {
  const int64_t vectors_per_row = p.d / kWidth;
  const int64_t total = p.tokens * vectors_per_row;
  const bool decode = total < kDecodeBelowVectors;
  const int threads = decode ? kDecodeThreads : kPrefillThreads;
  const int per_thread = decode ? 1 : kPrefillVectorsPerThread;
  const unsigned blocks = static_cast<unsigned>((total + threads * per_thread - 1) / (threads * per_thread));
  auto kernel = decode ? act_and_mul_vec_kernel<T, kWidth, 1, Act>
                       : act_and_mul_vec_kernel<T, kWidth, kPrefillVectorsPerThread, Act>;
  kernel<<<blocks, threads, 0, stream>>>(static_cast<const T*>(a.x), static_cast<T*>(a.out), p.d,
                                         static_cast<uint32_t>(vectors_per_row), static_cast<uint32_t>(total));
  LLMKB_CHECK_LAUNCH();
}

void launch(const ActAndMulProblem& p, const ActAndMulArgs& a, cudaStream_t stream) {
  const Support s = supports(p);
  if (!s.ok) throw std::invalid_argument("act_and_mul/vec: " + s.reason);
  dispatch_float_dtype(p.dtype, [&](auto tag) {
    using T = decltype(tag);
    dispatch_activation(p.activation, [&](auto act) {
      using Act = decltype(act);
      if (use_16_byte_vectors<T>(p, a)) {
        launch_with<T, kVec16<T>, Act>(p, a, stream);
      } else {
        launch_with<T, 1, Act>(p, a, stream);
      }
    });
  });
}

}  // namespace

Variant<ActAndMulOp> act_and_mul_vec() {
  return {"act_and_mul/vec",
          "16-byte accesses, all of a thread's loads issued before any math, 32-bit index math",
          75,
          false,
          supports,
          launch};
}

}  // namespace llmkb
