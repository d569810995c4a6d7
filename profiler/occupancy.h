// Theoretical occupancy from a launch's resources and the SM's limits: the CUDA occupancy
// calculator's arithmetic, on what the activity record of the launch reports (registers, shared
// memory, block size), so no function pointer is needed. Host only.
#pragma once
#include <cstddef>
#include <string>

struct cudaDeviceProp;  // cuda_runtime_api.h

namespace llmkb {

struct SmLimits {
  int warp_size = 32;
  int max_threads_per_sm = 0;            // cudaDevAttrMaxThreadsPerMultiProcessor
  int max_blocks_per_sm = 0;             // cudaDevAttrMaxBlocksPerMultiprocessor
  int registers_per_sm = 0;              // cudaDevAttrMaxRegistersPerMultiprocessor
  int register_alloc_unit = 256;         // registers are allocated per warp in units of 256 (sm_75 .. sm_120)
  int sub_partitions = 4;                // the register file is split over the SM's 4 sub-partitions (sm_70+)
  size_t shared_memory_per_sm = 0;       // the carveout the launch ran with (or the maximum)
  size_t reserved_shared_per_block = 0;  // cudaDevAttrReservedSharedMemoryPerBlock (1 KiB on sm_80+)
  size_t shared_alloc_unit = 128;        // shared memory allocation granularity: shared_alloc_unit_for(major)
};

// Shared memory allocation granularity of a compute capability's major version, as
// cudaOccSMemAllocationGranularity: 256 bytes up to 7.x, 128 from 8.0.
size_t shared_alloc_unit_for(int compute_major);

// The limits of a device's SMs, from its properties (the largest shared-memory carveout).
SmLimits sm_limits_of(const cudaDeviceProp& prop);

struct LaunchResources {
  int threads_per_block = 0;
  int registers_per_thread = 0;
  size_t shared_bytes_per_block = 0;  // static + dynamic
};

struct Occupancy {
  int blocks_per_sm = 0;
  double theoretical_pct = 0;  // active warps per SM over the maximum, %
  // "none" (100 %), "registers", "shared_memory", "block_size" (warps per SM over warps per block),
  // or "blocks_per_sm" (the SM's block-slot limit)
  std::string limiter;
};

Occupancy theoretical_occupancy(const LaunchResources& launch, const SmLimits& sm);

// Blocks of the grid over the blocks all SMs hold at once (ncu's "Waves Per SM").
double waves_per_sm(long long grid_blocks, int blocks_per_sm, int sm_count);

}  // namespace llmkb
