// mul_mat_vec/cublas: cuBLAS cublasGemmEx as the vendor reference, run in the same benchmark:
// y^T (M x batch, column-major) = W^T^T x^T, i.e. the row-major W [M, K] is cuBLAS's column-major
// K x M matrix taken transposed (lda = K); fp32 output and CUBLAS_COMPUTE_32F accumulation, as the
// op's contract. Float weights with activations of the same type only (cuBLAS needs A and B alike).
#include "kernels/common/variant.h"
#include "kernels/gemv/cublas_handle.h"
#include "kernels/gemv/mul_mat_vec_op.h"

namespace llmkb {
namespace {

cudaDataType_t cuda_type(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return CUDA_R_32F;
    case DType::f16:
      return CUDA_R_16F;
    case DType::bf16:
      return CUDA_R_16BF;
    default:
      throw std::invalid_argument(std::string("mul_mat_vec/cublas: dtype ") + to_string(dtype));
  }
}

Support supports(const MulMatVecProblem& p) {
  const Support valid = mul_mat_vec_valid(p);
  if (!valid.ok) return valid;
  if (is_quantized(p.weight))
    return Support::no(std::string(to_string(p.weight)) + " weights (cuBLAS has no block formats)");
  if (p.activation != storage_dtype(p.weight)) {
    return Support::no(std::string("activation ") + to_string(p.activation) + " differs from the " +
                       to_string(p.weight) + " weights (cublasGemmEx needs A and B of one type)");
  }
  return Support::yes();
}

void launch(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream) {
  const Support s = supports(p);
  if (!s.ok) throw std::invalid_argument("mul_mat_vec/cublas: " + s.reason);
  const cudaDataType_t type = cuda_type(p.activation);
  const float alpha = 1.0f, beta = 0.0f;
  const int m = static_cast<int>(p.rows), n = static_cast<int>(p.batch), k = static_cast<int>(p.cols);
  LLMKB_CUBLAS_CHECK(cublasGemmEx(cublas_handle_for(stream), CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, &alpha, a.w, type,
                                  /*lda=*/k, a.x, type, /*ldb=*/k, &beta, a.y, CUDA_R_32F, /*ldc=*/m,
                                  CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

}  // namespace

Variant<MulMatVecOp> mul_mat_vec_cublas() {
  return {"mul_mat_vec/cublas",
          "cuBLAS cublasGemmEx (W transposed, fp32 output, COMPUTE_32F): the vendor reference",
          75,
          false,
          supports,
          launch};
}

}  // namespace llmkb
