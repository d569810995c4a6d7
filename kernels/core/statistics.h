// Order statistics used wherever timings are summarised (runner, calibration, results, gate).
#pragma once
#include <algorithm>
#include <vector>

namespace llmkb {

// The median (mean of the middle two for an even count); 0 for an empty sample.
inline double median_of(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

}  // namespace llmkb
