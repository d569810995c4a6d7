#include "profiler/occupancy.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <climits>

namespace llmkb {
namespace {

size_t round_up(size_t value, size_t unit) {
  return unit ? (value + unit - 1) / unit * unit : value;
}

}  // namespace

size_t shared_alloc_unit_for(int compute_major) {
  return compute_major >= 8 ? 128 : 256;
}

SmLimits sm_limits_of(const cudaDeviceProp& prop) {
  SmLimits sm;
  sm.warp_size = prop.warpSize;
  sm.max_threads_per_sm = prop.maxThreadsPerMultiProcessor;
  sm.max_blocks_per_sm = prop.maxBlocksPerMultiProcessor;
  sm.registers_per_sm = prop.regsPerMultiprocessor;
  sm.shared_memory_per_sm = prop.sharedMemPerMultiprocessor;
  sm.reserved_shared_per_block = prop.reservedSharedMemPerBlock;
  sm.shared_alloc_unit = shared_alloc_unit_for(prop.major);
  return sm;
}

Occupancy theoretical_occupancy(const LaunchResources& launch, const SmLimits& sm) {
  Occupancy out;
  if (launch.threads_per_block <= 0 || sm.warp_size <= 0 || sm.max_threads_per_sm <= 0) {
    out.limiter = "block_size";
    return out;
  }
  const int warps_per_block = (launch.threads_per_block + sm.warp_size - 1) / sm.warp_size;
  const int max_warps = sm.max_threads_per_sm / sm.warp_size;

  const int by_slots = sm.max_blocks_per_sm > 0 ? sm.max_blocks_per_sm : INT_MAX;
  const int by_warps = max_warps / warps_per_block;
  int by_registers = INT_MAX;
  if (launch.registers_per_thread > 0 && sm.registers_per_sm > 0) {
    const size_t per_warp = round_up(static_cast<size_t>(launch.registers_per_thread) * sm.warp_size,
                                     static_cast<size_t>(sm.register_alloc_unit));
    // As cudaOccMaxBlocksPerSMRegsLimit: each sub-partition holds whole warps of its share of the
    // register file, so the registers left over in one cannot take a warp of another.
    const int sub_partitions = sm.sub_partitions > 0 ? sm.sub_partitions : 1;
    const int warps_per_sub_partition =
        static_cast<int>(static_cast<size_t>(sm.registers_per_sm / sub_partitions) / per_warp);
    by_registers = warps_per_sub_partition * sub_partitions / warps_per_block;
  }
  // The calculator adds the per-block reserve even to a block with no shared memory of its own, so
  // the shared-memory limit applies whenever the carveout is known.
  int by_shared = INT_MAX;
  const size_t shared = round_up(launch.shared_bytes_per_block + sm.reserved_shared_per_block, sm.shared_alloc_unit);
  if (shared > 0 && sm.shared_memory_per_sm > 0) by_shared = static_cast<int>(sm.shared_memory_per_sm / shared);

  out.blocks_per_sm = std::min({by_slots, by_warps, by_registers, by_shared});
  out.theoretical_pct = max_warps ? 100.0 * out.blocks_per_sm * warps_per_block / max_warps : 0.0;
  // Shared memory is named only where it alone binds: the driver sizes the carveout of a kernel with
  // little shared memory down to what its other limits allow (H100: 32 KiB for 1-warp blocks, which
  // fits the 32 block slots' 1 KiB reserves exactly), so a tie with another limit is that limit's.
  if (out.blocks_per_sm * warps_per_block >= max_warps) {
    out.limiter = "none";
  } else if (out.blocks_per_sm == by_registers) {
    out.limiter = "registers";
  } else if (out.blocks_per_sm == by_warps) {
    out.limiter = "block_size";
  } else if (out.blocks_per_sm == by_slots) {
    out.limiter = "blocks_per_sm";
  } else {
    out.limiter = "shared_memory";
  }
  return out;
}

double waves_per_sm(long long grid_blocks, int blocks_per_sm, int sm_count) {
  if (blocks_per_sm <= 0 || sm_count <= 0) return 0.0;
  return static_cast<double>(grid_blocks) / (static_cast<double>(blocks_per_sm) * sm_count);
}

}  // namespace llmkb
