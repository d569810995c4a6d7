// The streaming-read rate as a function of the bytes read. Launch, ramp-up and drain cost a fixed
// time, so a small read reaches less than the read ceiling of a large buffer (on an H200, 32 MiB
// reaches about 64 % of the 1 GiB rate). Calibration measures the rate at a ladder of sizes; each
// read-bound case is also reported against the rate at its own size. Host-only.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

namespace llmkb {

struct ReadRate {
  double bytes = 0;
  double gbps = 0;
};
using ReadCurve = std::vector<ReadRate>;  // by ascending bytes

// The read rate at `bytes`: linear in log2(bytes) between the curve's points, the first point's
// rate below it and the last point's above it; 0 for an empty curve.
double read_gbps_at(const ReadCurve& curve, double bytes);

// `gbps` as a percentage of the read rate at `bytes` (pct_of_read_at_size); none for an empty curve.
std::optional<double> pct_of_read_at(const ReadCurve& curve, double bytes, double gbps);

// As llmkb.calibration.read_curve stores it: [[bytes, GB/s], ...].
nlohmann::json read_curve_json(const ReadCurve& curve);
// A calibration's read_curve; empty when it has none (files written before it existed).
ReadCurve read_curve_of(const nlohmann::json& calibration);

}  // namespace llmkb
