// The activations of act_and_mul as device function objects, passed to the kernels as a template
// parameter so every activation shares one kernel (flashinfer's act_and_mul<silu> style).
// fp32 in, fp32 out; each is the formula of act_and_mul_op.h in a form without cancellation, with
// the same special values (act(+inf) = +inf, act(-inf) = NaN, act(NaN) = NaN). Host-callable too,
// so the CPU tests hold the fp32 forms against the fp64 reference.
#pragma once
#include <cmath>
#include <stdexcept>

#include "kernels/core/models.h"

#ifdef __CUDACC__
#define LLMKB_ACTIVATION_FN __host__ __device__ __forceinline__
#else
#define LLMKB_ACTIVATION_FN inline
#endif

namespace llmkb {

struct SiluActivation {
  LLMKB_ACTIVATION_FN float operator()(float x) const { return x / (1.f + expf(-x)); }
};

// 0.5 x (1 + erf(x / sqrt 2)) == 0.5 x erfc(-x / sqrt 2): no cancellation for negative x.
struct GeluActivation {
  LLMKB_ACTIVATION_FN float operator()(float x) const { return 0.5f * x * erfcf(-x * 0.70710678118654752f); }
};

// 0.5 x (1 + tanh(u)) == x / (1 + exp(-2u)), u = sqrt(2/pi) (x + 0.044715 x^3).
struct GeluTanhActivation {
  LLMKB_ACTIVATION_FN float operator()(float x) const {
    const float u = 0.79788456080286536f * (x + 0.044715f * x * x * x);
    return x / (1.f + expf(-2.f * u));
  }
};

// Calls f(Act{}) with the function object of a run-time Activation.
template <class F>
void dispatch_activation(Activation activation, F&& f) {
  switch (activation) {
    case Activation::silu:
      f(SiluActivation{});
      return;
    case Activation::gelu:
      f(GeluActivation{});
      return;
    case Activation::gelu_tanh:
      f(GeluTanhActivation{});
      return;
  }
  throw std::invalid_argument("unknown activation");
}

}  // namespace llmkb
