// Probe: does Nsight Compute leave dirty L2 lines between the kernels it profiles? (docs/profiler.md,
// "What is still beyond tolerance": DRAM writes.)
//
// Three times: a read of twice the L2 (llmkb's flush), then `noops` empty kernels, then a read of
// 256 MB that stores nothing; the program writes no device memory after its setup. Under
// `ncu --cache-control none`, DRAM bytes written in a kernel's range are the write-backs of lines
// that were dirty when it started, so whatever either read is charged was written between ranges by
// something other than the program. Build and run (one metric pass):
//   nvcc -arch=sm_90a -O2 -o /tmp/ncu_dirty_lines scripts/probes/ncu_dirty_lines.cu
//   ncu --cache-control none --clock-control none --replay-mode application --csv --page raw \
//     --metrics dram__bytes_write.sum,lts__t_sectors_srcunit_tex_op_write.sum,lts__t_sectors_op_write.sum \
//     /tmp/ncu_dirty_lines [NOOPS [SYNC_BEFORE_READ]]
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>
#define CK(x)                                                                                 \
  do {                                                                                        \
    cudaError_t e = (x);                                                                      \
    if (e != cudaSuccess) {                                                                   \
      fprintf(stderr, "%s failed: %s (is a CUDA GPU visible?)\n", #x, cudaGetErrorString(e)); \
      exit(1);                                                                                \
    }                                                                                         \
  } while (0)

// Reads every 16-byte word; the XOR is stored only if it hits a value the zeroed buffer cannot give.
__device__ void read_words(const uint4* d, size_t n, unsigned* sink) {
  unsigned acc = 0;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    const uint4 v = d[i];
    acc ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (acc == 0x5bd1e995u) *sink = acc;
}
// Two names, so that ncu's table (and its -k filter) tells the flush from the measured read.
__global__ void flush_read(const uint4* d, size_t n, unsigned* sink) {
  read_words(d, n, sink);
}
__global__ void read_big(const uint4* d, size_t n, unsigned* sink) {
  read_words(d, n, sink);
}
__global__ void noop_kernel() {}

int main(int argc, char** argv) {
  const int noops = argc > 1 ? atoi(argv[1]) : 0;
  const int sync_between = argc > 2 ? atoi(argv[2]) : 0;
  cudaDeviceProp p;
  CK(cudaGetDeviceProperties(&p, 0));
  const size_t flush_bytes = 2 * (size_t)p.l2CacheSize, big = size_t{256} << 20;
  uint4 *f, *b;
  unsigned* sink;
  CK(cudaMalloc(&f, flush_bytes));
  CK(cudaMalloc(&b, big));
  CK(cudaMalloc(&sink, 4));
  CK(cudaMemset(f, 0, flush_bytes));
  CK(cudaMemset(b, 0, big));
  CK(cudaDeviceSynchronize());
  const int blocks = 4 * p.multiProcessorCount;
  for (int it = 0; it < 3; ++it) {
    flush_read<<<blocks, 256>>>(f, flush_bytes / 16, sink);
    for (int k = 0; k < noops; ++k) noop_kernel<<<1, 32>>>();
    if (sync_between) CK(cudaDeviceSynchronize());
    read_big<<<blocks, 256>>>(b, big / 16, sink);
    CK(cudaDeviceSynchronize());
  }
  CK(cudaGetLastError());
  printf("ok noops=%d sync=%d\n", noops, sync_between);
  return 0;
}
