// The Perfworks metrics of one chip, through the CUPTI profiler host API. Host only: works with no
// GPU (`llmkb metrics --chip GH100`), and on the GPU with the device's chip and counter availability.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct CUpti_Profiler_Host_Object;

namespace llmkb {

struct MetricInfo {
  std::string name;
  std::string unit;     // "byte", "percent", "nanosecond", "byte/second", ...
  std::string hw_unit;  // "dram", "sm", "lts", ...
  std::string description;
  std::string type;  // "counter", "ratio", "throughput"
};

// A CUPTI host object for one chip (RAII). Throws CuptiError (INVALID_CHIP_NAME for an unknown chip).
class ChipCatalog {
 public:
  explicit ChipCatalog(const std::string& chip, std::vector<uint8_t> counter_availability = {});
  ~ChipCatalog();
  ChipCatalog(const ChipCatalog&) = delete;
  ChipCatalog& operator=(const ChipCatalog&) = delete;

  const std::string& chip() const { return chip_; }
  CUpti_Profiler_Host_Object* host_object() const { return host_; }

  // Full metric name (base plus rollup/submetric, "dram__bytes_read.sum"); false when unknown or a
  // bare base ("dram__bytes_read": CUPTI describes it but cannot collect it).
  bool resolves(const std::string& metric) const;
  // A base metric of the chip without rollup ("dram__bytes_read").
  bool is_base_metric(const std::string& metric) const;
  // Unit and description; throws std::invalid_argument for an unknown name.
  MetricInfo describe(const std::string& metric) const;
  // Every base metric of the chip (counters, ratios, throughputs), sorted.
  const std::vector<std::string>& base_metrics() const;
  // The known names nearest to a mistyped one: the base's submetrics when the base is right,
  // otherwise the nearest bases (with the same suffix where that resolves).
  std::vector<std::string> suggest(const std::string& metric, size_t count = 3) const;

  // Adds `metrics` to this host object's configuration (do it once per object) and returns the
  // configuration image; `passes` receives the replay passes it needs. Throws CuptiError.
  std::vector<uint8_t> configure(const std::vector<std::string>& metrics, size_t& passes);

 private:
  std::string chip_;
  std::vector<uint8_t> counter_availability_;
  CUpti_Profiler_Host_Object* host_ = nullptr;
  mutable std::vector<std::string> base_metrics_;  // filled on first use
  bool configured_ = false;
};

// Chips the installed CUPTI supports ("GH100", "TU102", ...).
std::vector<std::string> supported_chips();

// Replay passes `metrics` need on `chip` (a fresh host object). Throws CuptiError.
size_t passes_for(const std::string& chip, const std::vector<std::string>& metrics);

// Names in `metrics` that do not resolve on the catalogue's chip, each as one line with the
// closest known names: "unknown metric 'x' on GH100 (closest: a, b, c)". Empty: all resolve.
std::vector<std::string> unknown_metric_errors(const ChipCatalog& catalog, const std::vector<std::string>& metrics);

}  // namespace llmkb
