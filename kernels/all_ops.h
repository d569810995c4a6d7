// The op traits of every op (the headers ops.def and registry.def refer to).
#pragma once
#include "kernels/rmsnorm/rmsnorm_op.h"
#include "kernels/rope/rope_op.h"
#include "kernels/activation/act_and_mul_op.h"
#include "kernels/gemv/mul_mat_vec_op.h"
#include "kernels/attention/attention_op.h"
