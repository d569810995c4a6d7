#include "profiler/occupancy.h"

#include <algorithm>
#include <climits>

namespace llmkb {
namespace {

size_t round_up(size_t value, size_t unit) {
  return unit ? (value + unit - 1) / unit * unit : value;
}

}  // namespace

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
    by_registers = static_cast<int>(sm.registers_per_sm / per_warp) / warps_per_block;
  }
  int by_shared = INT_MAX;
  const size_t shared = launch.shared_bytes_per_block + sm.reserved_shared_per_block;
  if (launch.shared_bytes_per_block > 0 && sm.shared_memory_per_sm > 0) {
    by_shared = static_cast<int>(sm.shared_memory_per_sm / round_up(shared, sm.shared_alloc_unit));
  }

  out.blocks_per_sm = std::min({by_slots, by_warps, by_registers, by_shared});
  out.theoretical_pct = max_warps ? 100.0 * out.blocks_per_sm * warps_per_block / max_warps : 0.0;
  if (out.blocks_per_sm * warps_per_block >= max_warps) {
    out.limiter = "none";
  } else if (out.blocks_per_sm == by_registers) {
    out.limiter = "registers";
  } else if (out.blocks_per_sm == by_shared) {
    out.limiter = "shared_memory";
  } else if (out.blocks_per_sm == by_warps) {
    out.limiter = "block_size";
  } else {
    out.limiter = "blocks_per_sm";
  }
  return out;
}

double waves_per_sm(long long grid_blocks, int blocks_per_sm, int sm_count) {
  if (blocks_per_sm <= 0 || sm_count <= 0) return 0.0;
  return static_cast<double>(grid_blocks) / (static_cast<double>(blocks_per_sm) * sm_count);
}

}  // namespace llmkb
