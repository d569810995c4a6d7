// Host tensors in storage format, the fp64 expectation a reference produces, and the checker
// that compares a kernel's output with it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/core/dtype.h"
#include "kernels/core/rng.h"

namespace llmkb {

enum class Role { input, inout, output };

struct TensorSpec {
  std::string name;
  DType dtype = DType::f32;
  size_t count = 0;  // elements (bytes for DType::u8 blobs such as quantised blocks)
  Role role = Role::input;
};

class HostTensor {
 public:
  HostTensor() = default;
  explicit HostTensor(TensorSpec spec);
  const TensorSpec& spec() const { return spec_; }
  size_t count() const { return spec_.count; }
  size_t size_bytes() const { return bytes_.size(); }
  void* data() { return bytes_.data(); }
  const void* data() const { return bytes_.data(); }
  double get(size_t i) const { return load_element(spec_.dtype, bytes_.data(), i); }
  void set(size_t i, double v) { store_element(spec_.dtype, bytes_.data(), i, v); }
  void fill_bytes(unsigned char byte);
  // Uniform values in [lo, hi), rounded to the storage type.
  void fill_uniform(Rng& rng, double lo, double hi);

 private:
  TensorSpec spec_;
  std::vector<unsigned char> bytes_;
};

// What a reference says about one output tensor: a fp64 value per element, or "untouched"
// (the kernel must leave the bytes it found there, e.g. padding between rows), or "not checked"
// (a reference too costly to compute everywhere checks a sample; the tests use problems small
// enough to check every element).
struct Expected {
  static constexpr uint8_t kUntouched = 1;
  static constexpr uint8_t kNotChecked = 2;
  std::vector<double> value;
  std::vector<uint8_t> untouched;  // per element: 0 checked against value, kUntouched, kNotChecked; empty: all 0
  bool is_untouched(size_t i) const { return !untouched.empty() && untouched[i] == kUntouched; }
  bool is_not_checked(size_t i) const { return !untouched.empty() && untouched[i] == kNotChecked; }
};

// |got - expected| <= atol + rtol * |expected|; NaN matches only NaN, inf only the same inf. An output
// element expected to be NaN must not still hold the bytes it had before the launch (the NaN poison).
struct Tolerance {
  double atol = 0;
  double rtol = 0;
};
Tolerance default_tolerance(DType dtype);

struct Mismatch {
  size_t index = 0;
  double expected = 0;
  double got = 0;
  bool untouched = false;  // the element should have kept its previous bytes
  bool unwritten = false;  // an output element that still holds the NaN poison written before the launch
};

struct CheckReport {
  bool passed = true;
  std::string tensor;  // the first failing tensor (or the last checked when all pass)
  size_t checked = 0;
  size_t mismatches = 0;
  double max_abs_error = 0;
  double max_rel_error = 0;
  std::vector<Mismatch> first_mismatches;  // up to 8
  std::string summary() const;
  void merge(const CheckReport& other);
};

// `before` holds the bytes the tensor had before the launch (the poison for outputs).
CheckReport compare_tensor(const HostTensor& got, const HostTensor& before, const Expected& expected,
                           Tolerance tolerance);

}  // namespace llmkb
