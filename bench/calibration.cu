#include <cublas_v2.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/calibration.h"
#include "bench/l2_flush.h"
#include "kernels/common/cuda_check.h"
#include "kernels/common/device_buffer.h"
#include "kernels/core/statistics.h"

namespace llmkb {
namespace {

// Read-only stream: 16-byte loads, four in flight per thread; the sum is stored only if it hits an
// impossible value, so the loads cannot be removed.
__global__ void read_kernel(const uint4* __restrict__ in, size_t n, unsigned* __restrict__ sink) {
  unsigned acc = 0;
  const size_t step = static_cast<size_t>(gridDim.x) * blockDim.x;
  size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (; i + 3 * step < n; i += 4 * step) {
    const uint4 a = in[i], b = in[i + step], c = in[i + 2 * step], d = in[i + 3 * step];
    acc ^= a.x ^ a.y ^ a.z ^ a.w ^ b.x ^ b.y ^ b.z ^ b.w ^ c.x ^ c.y ^ c.z ^ c.w ^ d.x ^ d.y ^ d.z ^ d.w;
  }
  for (; i < n; i += step) {
    const uint4 a = in[i];
    acc ^= a.x ^ a.y ^ a.z ^ a.w;
  }
  if (acc == 0x9e3779b9u) *sink = acc;
}

__global__ void write_kernel(uint4* __restrict__ out, size_t n) {
  const size_t step = static_cast<size_t>(gridDim.x) * blockDim.x;
  const uint4 value = make_uint4(threadIdx.x, blockIdx.x, 1u, 2u);
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) out[i] = value;
}

__global__ void copy_kernel(const uint4* __restrict__ in, uint4* __restrict__ out, size_t n) {
  const size_t step = static_cast<size_t>(gridDim.x) * blockDim.x;
  size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (; i + step < n; i += 2 * step) {
    const uint4 a = in[i], b = in[i + step];
    out[i] = a;
    out[i + step] = b;
  }
  for (; i < n; i += step) out[i] = in[i];
}

__global__ void empty_kernel() {}

__global__ void fill_half_kernel(__half* p, size_t n, unsigned seed) {
  for (size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    unsigned h = static_cast<unsigned>(i) * 2654435761u ^ seed;
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    p[i] = __float2half((static_cast<float>(h & 0xffff) / 65536.0f - 0.5f));
  }
}

// Median milliseconds of `launch` over `repetitions`, after two warm-ups, flushing L2 first when cold
// (holding the stream instead when warm, so that no timing includes the host's launch latency).
template <class Launch>
double time_median_ms(Launch&& launch, int repetitions, L2Flusher* flusher, cudaStream_t stream) {
  CudaEvent start, stop;
  for (int i = 0; i < 2; ++i) launch();
  std::vector<double> ms;
  for (int i = 0; i < repetitions; ++i) {
    before_timed_launch(flusher, stream);
    LLMKB_CUDA_CHECK(cudaEventRecord(start.get(), stream));
    launch();
    LLMKB_CUDA_CHECK(cudaEventRecord(stop.get(), stream));
    ms.push_back(elapsed_ms(start, stop));
  }
  return median_of(ms);
}

void cublas_check(cublasStatus_t status, const char* call) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error(std::string("cuBLAS error ") + cublasGetStatusName(status) + " in " + call +
                             " (calibrating the tensor-core rate; check the CUDA installation and free memory)");
  }
}

double gemm_tflops(int n, int repetitions, cudaStream_t stream) {
  const size_t elements = static_cast<size_t>(n) * n;
  DeviceBuffer a(elements * 2), b(elements * 2), c(elements * 2);
  fill_half_kernel<<<1024, 256, 0, stream>>>(a.as<__half>(), elements, 1u);
  fill_half_kernel<<<1024, 256, 0, stream>>>(b.as<__half>(), elements, 2u);
  LLMKB_CHECK_LAUNCH();
  cublasHandle_t handle = nullptr;
  cublas_check(cublasCreate(&handle), "cublasCreate");
  struct HandleGuard {
    cublasHandle_t h;
    ~HandleGuard() { cublasDestroy(h); }
  } guard{handle};
  cublas_check(cublasSetStream(handle, stream), "cublasSetStream");
  const float alpha = 1.f, beta = 0.f;
  auto launch = [&] {
    cublas_check(cublasGemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &alpha, a.get(), CUDA_R_16F, n, b.get(),
                              CUDA_R_16F, n, &beta, c.get(), CUDA_R_16F, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                 "cublasGemmEx");
  };
  const double ms = time_median_ms(launch, repetitions, nullptr, stream);
  return 2.0 * n * static_cast<double>(n) * n / (ms * 1e-3) / 1e12;
}

}  // namespace

double Calibration::ceiling_value(Ceiling c) const {
  switch (c) {
    case Ceiling::copy: return copy_gbps;
    case Ceiling::read: return read_gbps;
    case Ceiling::write: return write_gbps;
    case Ceiling::tensor_f16: return tensor_f16_tflops;
  }
  return 0;
}

nlohmann::json Calibration::to_json() const {
  return {{"read_gbps", read_gbps},         {"write_gbps", write_gbps},
          {"copy_gbps", copy_gbps},         {"launch_us", launch_us},
          {"tensor_f16_tflops", tensor_f16_tflops}, {"dram_peak_gbps", dram_peak_gbps},
          {"buffer_bytes", buffer_bytes},   {"gemm_size", gemm_size},
          {"read_curve", read_curve_json(read_curve)}};
}

Calibration calibrate(const DeviceContext& device, const CalibrationOptions& options, cudaStream_t stream) {
  Calibration cal;
  cal.dram_peak_gbps = device.dram_peak_gbps();
  cal.buffer_bytes = options.buffer_bytes;
  cal.gemm_size = options.gemm_size;
  L2Flusher flusher(device.l2_bytes, device.persisting_l2_bytes, device.sm_count);
  L2Flusher* flush = options.cold ? &flusher : nullptr;

  const size_t n = options.buffer_bytes / sizeof(uint4);
  DeviceBuffer src(options.buffer_bytes), dst(options.buffer_bytes), sink(sizeof(unsigned));
  LLMKB_CUDA_CHECK(cudaMemsetAsync(src.get(), 1, src.size(), stream));
  const unsigned blocks = static_cast<unsigned>(device.sm_count) * (device.max_threads_per_sm / 256);
  const double bytes = static_cast<double>(n * sizeof(uint4));

  auto time_read_ms = [&](size_t words) {
    auto launch = [&] {
      read_kernel<<<blocks, 256, 0, stream>>>(src.as<uint4>(), words, sink.as<unsigned>());
      LLMKB_CHECK_LAUNCH();
    };
    return time_median_ms(launch, options.repetitions, flush, stream);
  };
  const double read_ms = time_read_ms(n);
  // The read rate by size, on a prefix of the buffer: 4 MiB to 512 MiB, then the whole buffer (the ceiling).
  for (size_t prefix = size_t{4} << 20; prefix <= (size_t{512} << 20) && prefix < options.buffer_bytes; prefix *= 2) {
    const double ms = time_read_ms(prefix / sizeof(uint4));
    cal.read_curve.push_back({static_cast<double>(prefix), static_cast<double>(prefix) / (ms * 1e-3) / 1e9});
  }
  const double write_ms = time_median_ms(
      [&] { write_kernel<<<blocks, 256, 0, stream>>>(dst.as<uint4>(), n); LLMKB_CHECK_LAUNCH(); },
      options.repetitions, flush, stream);
  const double copy_ms = time_median_ms(
      [&] { copy_kernel<<<blocks, 256, 0, stream>>>(src.as<uint4>(), dst.as<uint4>(), n); LLMKB_CHECK_LAUNCH(); },
      options.repetitions, flush, stream);
  cal.read_gbps = bytes / (read_ms * 1e-3) / 1e9;
  cal.read_curve.push_back({bytes, cal.read_gbps});
  cal.write_gbps = bytes / (write_ms * 1e-3) / 1e9;
  cal.copy_gbps = 2 * bytes / (copy_ms * 1e-3) / 1e9;

  cal.launch_us = 1e3 * time_median_ms([&] { empty_kernel<<<1, 32, 0, stream>>>(); LLMKB_CHECK_LAUNCH(); },
                                       4 * options.repetitions, flush, stream);
  if (options.gemm_size > 0) cal.tensor_f16_tflops = gemm_tflops(options.gemm_size, options.repetitions, stream);
  return cal;
}

}  // namespace llmkb
