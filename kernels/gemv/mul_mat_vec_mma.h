// The tensor-core GEMV of mul_mat_vec/mma (f16/bf16 weights and activations, sm_80+), also what
// mul_mat_vec/fast runs for batches of three vectors or more.
#pragma once
#include <cuda_runtime.h>

#include "kernels/gemv/mul_mat_vec_op.h"

namespace llmkb {

// Shapes and types the kernel takes (not the device or pointer alignment: launch checks those).
Support mul_mat_vec_mma_supports(const MulMatVecProblem& p);
// Whether it can run this launch: supported, 16-byte aligned W and x, an sm_80+ device.
bool mul_mat_vec_mma_runs(const MulMatVecProblem& p, const MulMatVecArgs& a);
// Throws std::invalid_argument where mul_mat_vec_mma_runs is false.
void launch_mul_mat_vec_mma(const MulMatVecProblem& p, const MulMatVecArgs& a, cudaStream_t stream);

}  // namespace llmkb
