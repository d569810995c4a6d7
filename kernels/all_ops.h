// The op traits of every op (the headers ops.def and registry.def refer to).
#pragma once
#include "kernels/rmsnorm/rmsnorm_op.h"
#include "kernels/attention/attention_op.h"
