#include "kernels/core/rng.h"

#include <cstdlib>
#include <random>
#include <string>

namespace llmkb {

uint64_t process_seed() {
  static const uint64_t seed = [] {
    if (const char* env = std::getenv("LLMKB_SEED")) return static_cast<uint64_t>(std::stoull(env));
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }();
  return seed;
}

}  // namespace llmkb
