#include "kernels/core/dtype.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace llmkb {

const char* to_string(DType dtype) {
  switch (dtype) {
    case DType::f32: return "f32";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
    case DType::i32: return "i32";
    case DType::i64: return "i64";
    case DType::u8: return "u8";
  }
  return "?";
}

std::optional<DType> parse_dtype(std::string_view name) {
  for (DType d : {DType::f32, DType::f16, DType::bf16, DType::i32, DType::i64, DType::u8}) {
    if (name == to_string(d)) return d;
  }
  if (name == "fp32" || name == "float") return DType::f32;
  if (name == "fp16" || name == "half") return DType::f16;
  return std::nullopt;
}

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f32: case DType::i32: return 4;
    case DType::f16: case DType::bf16: return 2;
    case DType::i64: return 8;
    case DType::u8: return 1;
  }
  return 0;
}

bool is_float(DType dtype) { return dtype == DType::f32 || dtype == DType::f16 || dtype == DType::bf16; }

float half_bits_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {
    const float v = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -v : v;
  }
  uint32_t bits;
  if (exponent == 31) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t float_to_half_bits(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t magnitude = x & 0x7fffffffu;
  if (magnitude >= 0x7f800000u) {  // inf or NaN
    return sign | (magnitude > 0x7f800000u ? 0x7e00u : 0x7c00u);
  }
  if (magnitude < 0x38800000u) {  // below the smallest normal half: subnormal or zero
    float a;
    std::memcpy(&a, &magnitude, 4);
    return sign | static_cast<uint16_t>(std::nearbyint(a * 16777216.0f));  // exact scale by 2^24, RNE
  }
  if (magnitude >= 0x47800000u) return sign | 0x7c00u;  // >= 65536: overflow to inf
  const uint32_t exponent = (magnitude >> 23) - 127 + 15;
  const uint32_t mantissa = magnitude & 0x7fffffu;
  uint32_t h = (exponent << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // may carry into inf: correct RNE
  return static_cast<uint16_t>(sign | h);
}

float bf16_bits_to_float(uint16_t bits) {
  const uint32_t x = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

uint16_t float_to_bf16_bits(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>(((x >> 16) & 0x8000u) | 0x7fc0u);
  const uint32_t rounding = 0x7fffu + ((x >> 16) & 1u);
  return static_cast<uint16_t>((x + rounding) >> 16);
}

double round_to_storage(DType dtype, double value) {
  switch (dtype) {
    case DType::f32: return static_cast<float>(value);
    case DType::f16: return half_bits_to_float(float_to_half_bits(static_cast<float>(value)));
    case DType::bf16: return bf16_bits_to_float(float_to_bf16_bits(static_cast<float>(value)));
    default: throw std::invalid_argument(std::string("round_to_storage: not a float type: ") + to_string(dtype));
  }
}

double load_element(DType dtype, const void* base, size_t index) {
  const auto* p = static_cast<const unsigned char*>(base) + index * dtype_size(dtype);
  switch (dtype) {
    case DType::f32: { float v; std::memcpy(&v, p, 4); return v; }
    case DType::f16: { uint16_t v; std::memcpy(&v, p, 2); return half_bits_to_float(v); }
    case DType::bf16: { uint16_t v; std::memcpy(&v, p, 2); return bf16_bits_to_float(v); }
    case DType::i32: { int32_t v; std::memcpy(&v, p, 4); return v; }
    case DType::i64: { int64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
    case DType::u8: return *p;
  }
  return 0;
}

void store_element(DType dtype, void* base, size_t index, double value) {
  auto* p = static_cast<unsigned char*>(base) + index * dtype_size(dtype);
  switch (dtype) {
    case DType::f32: { float v = static_cast<float>(value); std::memcpy(p, &v, 4); return; }
    case DType::f16: { uint16_t v = float_to_half_bits(static_cast<float>(value)); std::memcpy(p, &v, 2); return; }
    case DType::bf16: { uint16_t v = float_to_bf16_bits(static_cast<float>(value)); std::memcpy(p, &v, 2); return; }
    case DType::i32: { int32_t v = static_cast<int32_t>(value); std::memcpy(p, &v, 4); return; }
    case DType::i64: { int64_t v = static_cast<int64_t>(value); std::memcpy(p, &v, 8); return; }
    case DType::u8: *p = static_cast<unsigned char>(value); return;
  }
}

}  // namespace llmkb
