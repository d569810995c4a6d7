// How the integer GEMVs (mul_mat_vec_dp4a.cuh) round activations, shared by their kernels and by the
// CPU reference of the variants that round x more coarsely than fp32 does.
//
// Each block of 32 activations becomes integers xi = round(x * 2^s) (round half to even), with one
// power of two 2^s per block, held in `planes` byte planes: 3 planes (24 bits, |xi| <= 2^22: within
// 2 fp32 ulps of the block's largest element, checked against x as stored), 2 planes (16 bits) or 1
// plane (8 bits, as llama.cpp's q8_1 activations, whose scale is amax / 127 rather than a power of two).
#pragma once

namespace llmkb {

// |x| * 2^s < 2^activation_plane_bits(planes) for every x of the block.
constexpr int activation_plane_bits(int planes) { return planes == 3 ? 22 : 8 * planes - 1; }

// The largest |xi| kept: 2 and 1 planes clamp to it (a round-up of the largest element to 2^bits).
constexpr int activation_plane_limit(int planes) { return planes == 3 ? 1 << 22 : (1 << (8 * planes - 1)) - 1; }

// s for a block whose largest |x| lies in [2^exponent, 2^(exponent + 1)): -127 for zero and subnormal
// blocks, 128 for Inf and NaN. Clamped so that 2^s and 2^-s are normal floats (a block of tiny values
// keeps s = 125 and rounds them to multiples of 2^-125).
constexpr int activation_plane_shift(int planes, int exponent) {
  const int s = activation_plane_bits(planes) - 1 - exponent;
  const int lowest = activation_plane_bits(planes) - 1 - 127;
  return s > 125 ? 125 : (s < lowest ? lowest : s);
}

}  // namespace llmkb
