// Fast, seedable random numbers for test and benchmark inputs (splitmix64).
#pragma once
#include <cstdint>

namespace llmkb {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next_u64() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * (static_cast<double>(next_u64() >> 11) * 0x1.0p-53); }
  int64_t uniform_int(int64_t lo, int64_t hi_exclusive) {
    return lo + static_cast<int64_t>(next_u64() % static_cast<uint64_t>(hi_exclusive - lo));
  }

 private:
  uint64_t state_;
};

// The seed for this process: LLMKB_SEED if set (to reproduce a failure), else a fresh one.
uint64_t process_seed();

}  // namespace llmkb
