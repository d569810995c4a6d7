// mul_mat_vec/baseline: one warp per output row, element loads of W and x from global memory,
// the batch looped inside; quantised rows are read one 32-weight block per lane, byte by byte.
// Supports every shape and format of the contract.
#include "kernels/common/cuda_check.h"
#include "kernels/common/device_math.cuh"
#include "kernels/common/variant.h"
#include "kernels/gemv/mul_mat_vec_op.h"
#include "kernels/gemv/quantize.h"

namespace llmkb {
namespace {

constexpr int kWarpsPerBlock = 8;

template <class TX>
__device__ __forceinline__ void accumulate(float w, const TX* x, int64_t cols, int64_t k, int batch,
                                           float (&acc)[kMaxGemvBatch]) {
#pragma unroll
  for (int b = 0; b < kMaxGemvBatch; ++b) {
    if (b < batch) acc[b] += w * to_float(x[b * cols + k]);
  }
}

template <class TW, class TX>
__global__ void baseline_float_kernel(const TW* w, const TX* x, float* y, int64_t rows, int64_t cols, int batch) {
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;
  float acc[kMaxGemvBatch] = {};
  for (int64_t k = lane; k < cols; k += 32) accumulate(to_float(w[row * cols + k]), x, cols, k, batch, acc);
  for (int b = 0; b < batch; ++b) {
    const float sum = warp_sum(acc[b]);
    if (lane == 0) y[b * rows + row] = sum;
  }
}

// Value of element j (0..31) of a quantised block.
template <WeightFormat F>
__device__ __forceinline__ float block_element(const uint8_t* block, float scale, int j) {
  if constexpr (F == WeightFormat::q8_0) {
    return static_cast<float>(static_cast<int8_t>(block[2 + j])) * scale;
  } else {
    const uint8_t byte = block[2 + (j & 15)];
    return static_cast<float>((j < 16 ? byte & 0x0f : byte >> 4) - 8) * scale;
  }
}

template <WeightFormat F, class TX>
__global__ void baseline_quant_kernel(const uint8_t* w, const TX* x, float* y, int64_t rows, int64_t cols,
                                      int64_t row_bytes, int batch) {
  constexpr int kBlockBytes = F == WeightFormat::q8_0 ? 34 : 18;
  const int64_t row = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= rows) return;
  float acc[kMaxGemvBatch] = {};
  for (int64_t blk = lane; blk < cols / kQuantBlockWeights; blk += 32) {
    const uint8_t* block = w + row * row_bytes + blk * kBlockBytes;
    const float scale = __half2float(__ushort_as_half(static_cast<unsigned short>(block[0] | (block[1] << 8))));
    for (int j = 0; j < kQuantBlockWeights; ++j) {
      accumulate(block_element<F>(block, scale, j), x, cols, blk * kQuantBlockWeights + j, batch, acc);
    }
  }
  for (int b = 0; b < batch; ++b) {
    const float sum = warp_sum(acc[b]);
    if (lane == 0) y[b * rows + row] = sum;
  }
}

Support supports(const MulMatVecProblem& p) {
  return mul_mat_vec_valid(p);
}

template <class TX>
void launch_with_activation(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  const unsigned blocks = static_cast<unsigned>((p.rows + kWarpsPerBlock - 1) / kWarpsPerBlock);
  const int threads = 32 * kWarpsPerBlock;
  const TX* x = static_cast<const TX*>(a.x);
  const int batch = static_cast<int>(p.batch);
  const auto* blob = static_cast<const uint8_t*>(a.w);
  const int64_t row_bytes = weight_row_bytes(p.weight, p.cols);
  switch (p.weight) {
    case WeightFormat::q8_0:
      baseline_quant_kernel<WeightFormat::q8_0, TX>
          <<<blocks, threads, 0, stream>>>(blob, x, a.y, p.rows, p.cols, row_bytes, batch);
      break;
    case WeightFormat::q4_0:
      baseline_quant_kernel<WeightFormat::q4_0, TX>
          <<<blocks, threads, 0, stream>>>(blob, x, a.y, p.rows, p.cols, row_bytes, batch);
      break;
    default:
      dispatch_float_dtype(storage_dtype(p.weight), [&](auto tag) {
        using TW = decltype(tag);
        baseline_float_kernel<TW, TX>
            <<<blocks, threads, 0, stream>>>(static_cast<const TW*>(a.w), x, a.y, p.rows, p.cols, batch);
      });
  }
  LLMKB_CHECK_LAUNCH();
}

void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  const Support s = supports(p);
  if (!s.ok) throw std::invalid_argument("mul_mat_vec/baseline: " + s.reason);
  dispatch_float_dtype(p.activation, [&](auto tag) { launch_with_activation<decltype(tag)>(p, a, stream); });
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_baseline() {
  return {"mul_mat_vec/baseline",
          "one warp per row, element loads, batch looped inside; all formats",
          75,
          true,
          supports,
          launch};
}

}  // namespace llmkb
