// Deliberately wrong mul_mat_vec variants (never registered for users): the checker must reject
// each. One thread per output, so each mistake is the only difference from a correct GEMV.
#include <cuda_fp16.h>

#include "kernels/common/cuda_check.h"
#include "kernels/gemv/mul_mat_vec_quant_repacked.cuh"
#include "tests/wrong_gemv_variants.h"

namespace llmkb {
namespace {

enum class Mistake { skip_last_block, fp16_accumulation, interleaved_nibbles };

template <Mistake kMistake>
__global__ void wrong_f16_kernel(const __half* w, const float* x, float* y, int rows, int cols, int batch) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= rows * batch) return;
  const int m = i % rows, b = i / rows;
  const int k_end = kMistake == Mistake::skip_last_block ? cols - 32 : cols;
  float acc = 0.f;
  __half acc16 = __float2half(0.f);
  for (int k = 0; k < k_end; ++k) {
    const float product = __half2float(w[static_cast<int64_t>(m) * cols + k]) * x[b * cols + k];
    if (kMistake == Mistake::fp16_accumulation) {
      acc16 = __hadd(acc16, __float2half(product));
    } else {
      acc += product;
    }
  }
  y[b * rows + m] = kMistake == Mistake::fp16_accumulation ? __half2float(acc16) : acc;
}

// Reads Q4_0 nibbles as if element j were nibble j of the 16 bytes (low, high, low, ...).
__global__ void wrong_q4_0_kernel(const uint8_t* w, const float* x, float* y, int rows, int cols, int batch) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= rows * batch) return;
  const int m = i % rows, b = i / rows;
  float acc = 0.f;
  for (int blk = 0; blk < cols / 32; ++blk) {
    const uint8_t* block = w + (static_cast<int64_t>(m) * (cols / 32) + blk) * 18;
    const float d = __half2float(__ushort_as_half(static_cast<unsigned short>(block[0] | (block[1] << 8))));
    for (int j = 0; j < 32; ++j) {
      const uint8_t byte = block[2 + j / 2];
      const int q = (j % 2 == 0 ? byte & 0x0f : byte >> 4) - 8;
      acc += q * d * x[b * cols + blk * 32 + j];
    }
  }
  y[b * rows + m] = acc;
}

Support f16_only(const MulMatVecProblem& p) {
  return p.weight == WeightFormat::f16 && p.activation == DType::f32 && p.cols > 32 ? Support::yes()
                                                                                    : Support::no("f16 weights only");
}
Support q4_0_only(const MulMatVecProblem& p) {
  return p.weight == WeightFormat::q4_0 && p.activation == DType::f32 ? Support::yes() : Support::no("q4_0 only");
}

unsigned blocks_for(const MulMatVecProblem& p) {
  return static_cast<unsigned>((p.rows * p.batch + 127) / 128);
}

void launch_noop(const MulMatVecProblem&, const MulMatVecArgs&, cudaStream_t) {}

template <Mistake kMistake>
void launch_f16(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  wrong_f16_kernel<kMistake><<<blocks_for(p), 128, 0, stream>>>(
      static_cast<const __half*>(a.w), static_cast<const float*>(a.x), a.y, static_cast<int>(p.rows),
      static_cast<int>(p.cols), static_cast<int>(p.batch));
  LLMKB_CHECK_LAUNCH();
}

void launch_q4_0(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  wrong_q4_0_kernel<<<blocks_for(p), 128, 0, stream>>>(static_cast<const uint8_t*>(a.w), static_cast<const float*>(a.x),
                                                       a.y, static_cast<int>(p.rows), static_cast<int>(p.cols),
                                                       static_cast<int>(p.batch));
  LLMKB_CHECK_LAUNCH();
}

// Repacks W as mul_mat_vec/q4_0_repacked does but leaves the arguments on the blocks as stored, so the
// repacked kernel reads llama.cpp's blocks as if they were its planes: the check must run on what the
// launch reads, after prepare_inputs.
DeviceBuffer repack_but_keep_blocks(const MulMatVecProblem& p, MulMatVecArgs& a, cudaStream_t stream) {
  MulMatVecArgs repacked = a;
  return gemv::repack_quant_weights<WeightFormat::q4_0>(p, repacked, stream);
}

void launch_repacked_q4_0(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  gemv::launch_quant_repacked<WeightFormat::q4_0, 3>("mul_mat_vec/wrong_repacked_reads_blocks", p, a, stream);
}

}  // namespace

std::vector<Variant<MulMatVecOp>> wrong_gemv_variants_f16() {
  return {
      {"mul_mat_vec/wrong_noop", "writes nothing", 75, false, f16_only, launch_noop},
      {"mul_mat_vec/wrong_skips_last_block", "drops the last 32 columns of K", 75, false, f16_only,
       launch_f16<Mistake::skip_last_block>},
      {"mul_mat_vec/wrong_fp16_accumulation", "accumulates in fp16", 75, false, f16_only,
       launch_f16<Mistake::fp16_accumulation>},
  };
}

std::vector<Variant<MulMatVecOp>> wrong_gemv_variants_q4_0() {
  return {
      {"mul_mat_vec/wrong_noop_q4_0", "writes nothing", 75, false, q4_0_only, launch_noop},
      {"mul_mat_vec/wrong_interleaved_nibbles", "reads Q4_0 nibbles as consecutive elements", 75, false, q4_0_only,
       launch_q4_0},
      {"mul_mat_vec/wrong_repacked_reads_blocks",
       "repacks W in prepare_inputs but launches the repacked kernel on the blocks as stored", 75, false, q4_0_only,
       launch_repacked_q4_0, nullptr, "", repack_but_keep_blocks, "W repacked, then not used"},
  };
}

}  // namespace llmkb
