// llama.cpp's Q8_0 and Q4_0 block formats on the host: quantise fp32 to blocks and back.
//
//   Q8_0: 34 bytes per 32 weights: fp16 scale d, then 32 int8 q;          w[j] = q[j] * d
//   Q4_0: 18 bytes per 32 weights: fp16 scale d, then 16 bytes of nibbles; byte j holds element j
//         in its low nibble and element j + 16 in its high nibble;       w[j] = (nibble - 8) * d
//
// Quantisation follows ggml's reference functions (quantize_row_q8_0_ref, quantize_row_q4_0_ref):
// Q8_0 d = max|x| / 127, q = round(x / d); Q4_0 d = (the value of largest magnitude, with its sign)
// / -8, q = min(15, floor(x / d + 8.5)). A block of zeros gets d = 0. Scales are stored little-endian.
#pragma once
#include <cstddef>
#include <cstdint>

namespace llmkb {

constexpr int kQuantBlockWeights = 32;
constexpr size_t kQ8_0BlockBytes = 34;
constexpr size_t kQ4_0BlockBytes = 18;

// `count` is a multiple of 32; `blocks` holds count / 32 blocks.
void quantize_q8_0(const float* values, size_t count, uint8_t* blocks);
void quantize_q4_0(const float* values, size_t count, uint8_t* blocks);
// Exact: d * q is representable in fp32.
void dequantize_q8_0(const uint8_t* blocks, size_t count, float* values);
void dequantize_q4_0(const uint8_t* blocks, size_t count, float* values);

}  // namespace llmkb
