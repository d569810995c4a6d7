// Warp-level building blocks of the tiled tensor-core kernels (attention, mul_mat_vec): 16-byte
// global->shared copies (cp.async where the architecture has it), the SM90 tensor copy engine with
// its mbarrier handshake, ldmatrix, mma.sync, and 16-bit packing.
//
// Fragment layouts (PTX ISA, "Matrix fragments for mma.m16n8k16" and "m16n8k8"); lane = 4*g + t:
//   A 16x16 (row-major): a0 = (row g,   k 2t..2t+1)   a1 = (row g+8, k 2t..2t+1)
//                        a2 = (row g,   k 2t+8..+9)   a3 = (row g+8, k 2t+8..+9)
//   B 16x8  (k x n):     b0 = (k 2t..2t+1, col g)     b1 = (k 2t+8..+9, col g)
//   C 16x8  (fp32):      c0,c1 = (row g, cols 2t, 2t+1)   c2,c3 = (row g+8, cols 2t, 2t+1)
// m16n8k8 (Turing) takes A's first half {a0, a1} and b0; a k16 step is two k8 steps, the second
// with {a2, a3} and b1, so one fragment layout serves both.
// ldmatrix.x4: lanes 8i..8i+7 give the row addresses of 8x8 matrix i; register i receives, per
// lane, matrix i's (row g, cols 2t..2t+1); with .trans, (rows 2t..2t+1, col g).
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

namespace llmkb {

// True in device code compiled for an architecture with cp.async and bf16 mma (SM80+).
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
#define LLMKB_SM80 1
#else
#define LLMKB_SM80 0
#endif

// True in device code compiled for SM90+ (mbarrier transaction counts, the tensor copy engine).
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define LLMKB_SM90 1
#else
#define LLMKB_SM90 0
#endif

__device__ __forceinline__ uint32_t shared_address(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// 16 bytes global -> shared, zero-filled when !valid (src must still be a mapped address).
// kAsync: cp.async (SM80+; completes at cp_async_wait), otherwise a synchronous load and store.
template <bool kAsync>
__device__ __forceinline__ void copy16(void* dst_shared, const void* src_global, bool valid) {
  if constexpr (kAsync) {
#if LLMKB_SM80
    const int src_bytes = valid ? 16 : 0;
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared_address(dst_shared)), "l"(src_global),
                 "r"(src_bytes));
#else
    __trap();  // an SM80 path reached on an older GPU: supports()/min_sm keep this from launching
#endif
  } else {
    const uint4 value = valid ? *static_cast<const uint4*>(src_global) : make_uint4(0, 0, 0, 0);
    *static_cast<uint4*>(dst_shared) = value;
  }
}

template <bool kAsync>
__device__ __forceinline__ void cp_async_commit() {
#if LLMKB_SM80
  if constexpr (kAsync) asm volatile("cp.async.commit_group;\n" ::);
#endif
}

// Waits until at most kPending committed groups are still in flight (this thread's copies only:
// follow with __syncthreads before reading what other threads copied).
template <bool kAsync, int kPending>
__device__ __forceinline__ void cp_async_wait() {
#if LLMKB_SM80
  if constexpr (kAsync) asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending));
#endif
}

// cp_async_wait<kAsync, pending>() for a pending count of 0-3 that is a constant only once the
// caller's loop is unrolled. Uniform in the warp.
template <bool kAsync>
__device__ __forceinline__ void cp_async_wait_pending(int pending) {
  switch (pending) {
    case 0: cp_async_wait<kAsync, 0>(); break;
    case 1: cp_async_wait<kAsync, 1>(); break;
    case 2: cp_async_wait<kAsync, 2>(); break;
    default: cp_async_wait<kAsync, 3>(); break;
  }
}

// A warp's ring of kStages shared-memory stages filled with copy16<kAsync>: kStages - 1 stages stay in
// flight while the warp computes on the oldest. issue(q) copies stage q into its slot (q % kStages),
// or nothing past the last stage; each issue is one commit group, empty or not, so the waits count right.
template <bool kAsync, int kStages>
struct CpAsyncRing {
  static_assert(kStages >= 2, "a ring of at least two stages");
  // Stages 0 .. kStages - 2 in flight.
  template <class Issue>
  __device__ __forceinline__ static void prologue(Issue&& issue) {
#pragma unroll
    for (int q = 0; q < kStages - 1; ++q) {
      issue(q);
      cp_async_commit<kAsync>();
    }
  }
  // Before computing on stage q: waits until every lane's copies of it have landed, then refills the
  // slot of stage q - 1 (which every lane is done with) with stage q + kStages - 1.
  template <class Issue>
  __device__ __forceinline__ static void advance(int q, Issue&& issue) {
    cp_async_wait<kAsync, kStages - 2>();
    __syncwarp();
    issue(q + kStages - 1);
    cp_async_commit<kAsync>();
  }
};

// SM90 stage handshake for the tensor copy engine. Each pipeline stage has a "full" mbarrier (the
// producer's arrive.expect_tx, then the copies' bytes complete the phase) and an "empty" one (one
// arrival per consumer warp once it is done reading the stage). Phases alternate: the n-th use of a
// stage waits for parity n & 1.
__device__ __forceinline__ void mbarrier_init(uint64_t* bar, unsigned arrivals) {
#if LLMKB_SM90
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(shared_address(bar)), "r"(arrivals) : "memory");
#else
  __trap();
#endif
}

// Makes the initialised barriers visible to the copy engine; follow with a block barrier.
__device__ __forceinline__ void mbarrier_init_fence() {
#if LLMKB_SM90
  asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
#else
  __trap();
#endif
}

__device__ __forceinline__ void mbarrier_arrive_expect_tx(uint64_t* bar, unsigned bytes) {
#if LLMKB_SM90
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(shared_address(bar)), "r"(bytes)
               : "memory");
#else
  __trap();
#endif
}

// Release: this thread's earlier shared-memory reads and writes happen before the arrival.
__device__ __forceinline__ void mbarrier_arrive(uint64_t* bar) {
#if LLMKB_SM90
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(shared_address(bar)) : "memory");
#else
  __trap();
#endif
}

// Acquire: returns once the barrier's phase of this parity has completed.
__device__ __forceinline__ void mbarrier_wait(uint64_t* bar, unsigned parity) {
#if LLMKB_SM90
  unsigned done = 0;
  do {
    asm volatile("{\n.reg .pred p;\nmbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\nselp.u32 %0, 1, 0, p;\n}\n"
                 : "=r"(done)
                 : "r"(shared_address(bar)), "r"(parity)
                 : "memory");
  } while (!done);
#else
  __trap();
#endif
}

// One box of a 3-D tensor map (the address of a __grid_constant__ kernel parameter) into shared
// memory at the box coordinates (c0 innermost); its bytes count towards `bar`'s transactions.
// Elements outside the tensor arrive as zeros.
__device__ __forceinline__ void tma_load_3d(void* dst_shared, const void* tensor_map, int c0, int c1, int c2,
                                            uint64_t* bar) {
#if LLMKB_SM90
  asm volatile(
      "cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3, %4}], "
      "[%5];\n" ::"r"(shared_address(dst_shared)),
      "l"(reinterpret_cast<uint64_t>(tensor_map)), "r"(c0), "r"(c1), "r"(c2), "r"(shared_address(bar))
      : "memory");
#else
  __trap();
#endif
}

__device__ __forceinline__ void tma_prefetch_descriptor(const void* tensor_map) {
#if LLMKB_SM90
  asm volatile("prefetch.tensormap [%0];\n" ::"l"(reinterpret_cast<uint64_t>(tensor_map)) : "memory");
#else
  __trap();
#endif
}

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], const void* smem_row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(shared_address(smem_row)));
}

__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], const void* smem_row) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(shared_address(smem_row)));
}

// d = A(16x16) * B(16x8) + c with fp32 accumulation, as one m16n8k16 (SM80+): run() accumulates into
// d, product() starts from zero (nothing to clear first).
template <class T>
struct MmaM16N8K16 {
  static constexpr int kMinSm = 80;
  __device__ __forceinline__ static void run(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    mma(d, a, b0, b1, d[0], d[1], d[2], d[3]);
  }
  __device__ __forceinline__ static void product(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    mma(d, a, b0, b1, 0.f, 0.f, 0.f, 0.f);
  }

 private:
  __device__ __forceinline__ static void mma(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1, float c0,
                                             float c1, float c2, float c3) {
#if LLMKB_SM80
    if constexpr (std::is_same_v<T, __half>) {
      asm volatile(
          "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
          "{%10, %11, %12, %13};\n"
          : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
          : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1), "f"(c0), "f"(c1), "f"(c2), "f"(c3));
    } else {
      asm volatile(
          "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
          "{%10, %11, %12, %13};\n"
          : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
          : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1), "f"(c0), "f"(c1), "f"(c2), "f"(c3));
    }
#else
    __trap();
#endif
  }
};

// The same product as two m16n8k8 (what Turing's tensor cores have; fp16 only).
struct MmaM16N8K8x2 {
  static constexpr int kMinSm = 75;
  __device__ __forceinline__ static void run(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5}, {%6}, {%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(b0));
    asm volatile(
        "mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5}, {%6}, {%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[2]), "r"(a[3]), "r"(b1));
  }
};

// 2^x on the SFU alone (ex2.approx.ftz: relative error ~2^-22, results below 2^-126 flush to 0,
// 2^-inf = 0), what exp2f becomes under --use_fast_math; the plain exp2f adds a range check and two
// scaling multiplies per call, a sixth of the softmax tile's instructions.
__device__ __forceinline__ float fast_exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

// Two floats rounded to the 16-bit type, the first in the low half (the lower column index).
template <class T>
__device__ __forceinline__ uint32_t pack2(float lo, float hi);
template <>
__device__ __forceinline__ uint32_t pack2<__half>(float lo, float hi) {
  const __half2 h = __floats2half2_rn(lo, hi);
  return *reinterpret_cast<const uint32_t*>(&h);
}
template <>
__device__ __forceinline__ uint32_t pack2<__nv_bfloat16>(float lo, float hi) {
  const __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<const uint32_t*>(&h);
}

// Eight 16-bit values (one 16-byte chunk) as floats.
template <class T>
__device__ __forceinline__ void unpack8(const uint4& chunk, float (&out)[8]) {
  const T* e = reinterpret_cast<const T*>(&chunk);
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    if constexpr (std::is_same_v<T, __half>) {
      out[i] = __half2float(e[i]);
    } else {
      out[i] = __bfloat162float(e[i]);
    }
  }
}

}  // namespace llmkb
