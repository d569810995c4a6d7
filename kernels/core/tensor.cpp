#include "kernels/core/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "kernels/core/parallel.h"

namespace llmkb {

HostTensor::HostTensor(TensorSpec spec) : spec_(std::move(spec)), bytes_(spec_.count * dtype_size(spec_.dtype)) {}

void HostTensor::fill_bytes(unsigned char byte) { std::fill(bytes_.begin(), bytes_.end(), byte); }

void HostTensor::fill_uniform(Rng& rng, double lo, double hi) {
  // Blocks of elements, each with its own generator seeded from `rng`: the same seed gives the
  // same tensor whatever the number of threads.
  constexpr size_t kBlock = size_t{1} << 16;
  const uint64_t base = rng.next_u64();
  parallel_for((spec_.count + kBlock - 1) / kBlock, [&](size_t first, size_t last) {
    for (size_t block = first; block < last; ++block) {
      Rng local(base ^ (0x9e3779b97f4a7c15ull * (block + 1)));
      const size_t end = std::min(spec_.count, (block + 1) * kBlock);
      for (size_t i = block * kBlock; i < end; ++i) set(i, local.uniform(lo, hi));
    }
  }, 1);
}

Tolerance default_tolerance(DType dtype) {
  switch (dtype) {
    // One unit in the last place of the storage type, relative, plus a small absolute floor for
    // results near zero. The kernels round once, at the end, so they land within half of this.
    case DType::f32: return {1e-6, 1e-5};
    case DType::f16: return {1e-4, 1.0 / 1024};
    case DType::bf16: return {1e-3, 1.0 / 256};
    default: return {0, 0};                      // integers: exact
  }
}

std::string CheckReport::summary() const {
  std::ostringstream out;
  out << (passed ? "ok" : "MISMATCH") << " tensor=" << tensor << " checked=" << checked
      << " mismatches=" << mismatches << " max_abs_error=" << max_abs_error << " max_rel_error=" << max_rel_error;
  for (const Mismatch& m : first_mismatches) {
    out << "\n    [" << m.index << "] expected=" << m.expected << " got=" << m.got
        << (m.untouched ? " (must be left untouched)" : "") << (m.unwritten ? " (never written: still the poison)" : "");
  }
  return out.str();
}

void CheckReport::merge(const CheckReport& other) {
  if (passed && !other.passed) {
    tensor = other.tensor;
    first_mismatches = other.first_mismatches;
  } else if (passed) {
    tensor = other.tensor;
  }
  passed = passed && other.passed;
  checked += other.checked;
  mismatches += other.mismatches;
  max_abs_error = std::max(max_abs_error, other.max_abs_error);
  max_rel_error = std::max(max_rel_error, other.max_rel_error);
}

CheckReport compare_tensor(const HostTensor& got, const HostTensor& before, const Expected& expected,
                           Tolerance tolerance) {
  CheckReport report;
  report.tensor = got.spec().name;
  const size_t element_bytes = dtype_size(got.spec().dtype);
  const auto* got_bytes = static_cast<const unsigned char*>(got.data());
  const auto* before_bytes = static_cast<const unsigned char*>(before.data());
  auto record = [&](size_t i, double want, double have, bool untouched, bool unwritten = false) {
    ++report.mismatches;
    report.passed = false;
    if (report.first_mismatches.size() < 8) report.first_mismatches.push_back({i, want, have, untouched, unwritten});
  };
  auto same_bytes = [&](size_t i) {
    return std::memcmp(got_bytes + i * element_bytes, before_bytes + i * element_bytes, element_bytes) == 0;
  };
  // An output's elements are poisoned (NaN bytes) before the launch: where NaN is the right answer,
  // the poison itself would otherwise pass for it. Kernels produce canonical NaNs, not the poison's bytes.
  const bool poisoned_output = got.spec().role == Role::output;
  for (size_t i = 0; i < got.count(); ++i) {
    if (expected.is_not_checked(i)) continue;
    if (expected.is_untouched(i)) {
      if (!same_bytes(i)) record(i, before.get(i), got.get(i), true);
      continue;
    }
    ++report.checked;
    const double want = expected.value[i];
    const double have = got.get(i);
    if (std::isnan(want) || std::isnan(have)) {
      if (!(std::isnan(want) && std::isnan(have))) {
        record(i, want, have, false);
      } else if (poisoned_output && same_bytes(i)) {
        record(i, want, have, false, true);
      }
      continue;
    }
    if (std::isinf(want) || std::isinf(have)) {
      if (want != have) record(i, want, have, false);
      continue;
    }
    const double error = std::fabs(have - want);
    report.max_abs_error = std::max(report.max_abs_error, error);
    if (want != 0) report.max_rel_error = std::max(report.max_rel_error, error / std::fabs(want));
    if (error > tolerance.atol + tolerance.rtol * std::fabs(want)) record(i, want, have, false);
  }
  return report;
}

}  // namespace llmkb
