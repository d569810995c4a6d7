#include "bench/read_curve.h"

#include <algorithm>
#include <cmath>

namespace llmkb {

double read_gbps_at(const ReadCurve& curve, double bytes) {
  if (curve.empty()) return 0;
  if (bytes <= curve.front().bytes) return curve.front().gbps;
  if (bytes >= curve.back().bytes) return curve.back().gbps;
  size_t hi = 1;
  while (curve[hi].bytes < bytes) ++hi;
  const ReadRate& a = curve[hi - 1];
  const ReadRate& b = curve[hi];
  const double t = std::log2(bytes / a.bytes) / std::log2(b.bytes / a.bytes);
  return a.gbps + t * (b.gbps - a.gbps);
}

std::optional<double> pct_of_read_at(const ReadCurve& curve, double bytes, double gbps) {
  const double rate = read_gbps_at(curve, bytes);
  if (rate <= 0) return std::nullopt;
  return 100.0 * gbps / rate;
}

nlohmann::json read_curve_json(const ReadCurve& curve) {
  nlohmann::json out = nlohmann::json::array();
  for (const ReadRate& r : curve) out.push_back({r.bytes, r.gbps});
  return out;
}

ReadCurve read_curve_of(const nlohmann::json& calibration) {
  ReadCurve curve;
  if (!calibration.is_object() || !calibration.contains("read_curve")) return curve;
  for (const auto& point : calibration["read_curve"])
    curve.push_back({point.at(0).get<double>(), point.at(1).get<double>()});
  std::sort(curve.begin(), curve.end(), [](const ReadRate& a, const ReadRate& b) { return a.bytes < b.bytes; });
  return curve;
}

}  // namespace llmkb
