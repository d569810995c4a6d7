#include "kernels/gemv/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "kernels/core/dtype.h"

namespace llmkb {
namespace {

void require_whole_blocks(size_t count, const char* what) {
  if (count % kQuantBlockWeights != 0) {
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(count) + " values is not a multiple of 32");
  }
}

void store_scale(uint8_t* block, float d) {
  const uint16_t bits = float_to_half_bits(d);
  block[0] = static_cast<uint8_t>(bits & 0xff);
  block[1] = static_cast<uint8_t>(bits >> 8);
}

float load_scale(const uint8_t* block) {
  return half_bits_to_float(static_cast<uint16_t>(block[0] | (block[1] << 8)));
}

}  // namespace

void quantize_q8_0(const float* values, size_t count, uint8_t* blocks) {
  require_whole_blocks(count, "quantize_q8_0");
  for (size_t i = 0; i < count / kQuantBlockWeights; ++i) {
    const float* x = values + i * kQuantBlockWeights;
    uint8_t* block = blocks + i * kQ8_0BlockBytes;
    float amax = 0.0f;
    for (int j = 0; j < kQuantBlockWeights; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    store_scale(block, d);
    for (int j = 0; j < kQuantBlockWeights; ++j) {
      const auto q = static_cast<int8_t>(std::round(x[j] * inverse));
      std::memcpy(block + 2 + j, &q, 1);
    }
  }
}

void quantize_q4_0(const float* values, size_t count, uint8_t* blocks) {
  require_whole_blocks(count, "quantize_q4_0");
  constexpr int kHalf = kQuantBlockWeights / 2;
  for (size_t i = 0; i < count / kQuantBlockWeights; ++i) {
    const float* x = values + i * kQuantBlockWeights;
    uint8_t* block = blocks + i * kQ4_0BlockBytes;
    float amax = 0.0f, max = 0.0f;  // largest magnitude, and that value with its sign
    for (int j = 0; j < kQuantBlockWeights; ++j) {
      if (amax < std::fabs(x[j])) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -8.0f;
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    store_scale(block, d);
    for (int j = 0; j < kHalf; ++j) {
      // ggml truncates x/d + 8.5 (always >= 0.5 here, so truncation is floor) and clamps at 15.
      const int low = std::min(15, static_cast<int>(static_cast<int8_t>(x[j] * inverse + 8.5f)));
      const int high = std::min(15, static_cast<int>(static_cast<int8_t>(x[j + kHalf] * inverse + 8.5f)));
      block[2 + j] = static_cast<uint8_t>(low | (high << 4));
    }
  }
}

void dequantize_q8_0(const uint8_t* blocks, size_t count, float* values) {
  require_whole_blocks(count, "dequantize_q8_0");
  for (size_t i = 0; i < count / kQuantBlockWeights; ++i) {
    const uint8_t* block = blocks + i * kQ8_0BlockBytes;
    const float d = load_scale(block);
    for (int j = 0; j < kQuantBlockWeights; ++j) {
      int8_t q;
      std::memcpy(&q, block + 2 + j, 1);
      values[i * kQuantBlockWeights + j] = static_cast<float>(q) * d;
    }
  }
}

void dequantize_q4_0(const uint8_t* blocks, size_t count, float* values) {
  require_whole_blocks(count, "dequantize_q4_0");
  constexpr int kHalf = kQuantBlockWeights / 2;
  for (size_t i = 0; i < count / kQuantBlockWeights; ++i) {
    const uint8_t* block = blocks + i * kQ4_0BlockBytes;
    const float d = load_scale(block);
    float* out = values + i * kQuantBlockWeights;
    for (int j = 0; j < kHalf; ++j) {
      out[j] = static_cast<float>((block[2 + j] & 0x0f) - 8) * d;
      out[j + kHalf] = static_cast<float>((block[2 + j] >> 4) - 8) * d;
    }
  }
}

}  // namespace llmkb
