// Storage data types and exact host-side conversions (fp16/bf16 <-> float, round to nearest even).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace llmkb {

enum class DType : uint8_t { f32, f16, bf16, i32, i64, u8 };

const char* to_string(DType dtype);
std::optional<DType> parse_dtype(std::string_view name);
size_t dtype_size(DType dtype);
bool is_float(DType dtype);

// Bit-exact conversions, the same rounding as __float2half_rn / __float2bfloat16_rn on the device.
float half_bits_to_float(uint16_t bits);
uint16_t float_to_half_bits(float value);
float bf16_bits_to_float(uint16_t bits);
uint16_t float_to_bf16_bits(float value);

// Round a value to what the storage type can hold, and read it back (float types only).
double round_to_storage(DType dtype, double value);

// Element access on raw storage.
double load_element(DType dtype, const void* base, size_t index);
void store_element(DType dtype, void* base, size_t index, double value);

}  // namespace llmkb
