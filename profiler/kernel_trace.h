// The kernel trace of a run through the CUPTI activity API: CONCURRENT_KERNEL records (and RUNTIME
// records for their correlation ids), collected in buffers CUPTI fills and hands back, with dropped
// records counted. Profiling windows are cut out of the trace; a capture window instead returns the
// launch records of the kernels run inside it (their grid, block, registers, shared memory).
//
// The activity API delivers buffers to process-wide callbacks, so at most one KernelTrace may exist.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "profiler/profile_json.h"

namespace llmkb {

class KernelTrace {
 public:
  KernelTrace();  // enables the activity kinds; throws CuptiError
  ~KernelTrace();
  KernelTrace(const KernelTrace&) = delete;
  KernelTrace& operator=(const KernelTrace&) = delete;

  // Kernels launched between these two calls are left out of the trace (profiling replays).
  void pause();
  void resume();

  // While paused: records the kernels launched until end_capture() and returns their launch
  // records in launch order (the caller synchronises the stream before end_capture()).
  void begin_capture();
  std::vector<LaunchRecord> end_capture();

  // Flushes and summarises everything traced so far ("trace" section of the results file). Does not
  // throw on a CUPTI failure: returns {"error": ...} instead.
  nlohmann::json summary();

  // Called from CUPTI's buffer-completed callback.
  void consume(uint8_t* buffer, size_t valid_bytes, uint32_t stream_id, void* context);

 private:
  struct KernelRecord {
    const char* name;  // owned by CUPTI, shared by every record of the kernel
    uint64_t start_ns, end_ns;
    uint32_t correlation_id;
    LaunchRecord launch;  // filled only for records inside a capture window
  };
  struct Window {
    uint64_t begin_ns, end_ns;
  };
  bool in_window(const std::vector<Window>& windows, uint64_t t) const;
  std::string demangled(const char* name);

  std::mutex mutex_;
  std::vector<KernelRecord> kernels_;
  std::vector<uint32_t> runtime_correlation_ids_;
  std::vector<Window> paused_;
  std::vector<Window> captures_;
  uint64_t records_ = 0;
  uint64_t dropped_ = 0;
  std::string unread_note_;  // the first buffer whose records or dropped count could not be read, and why
  uint64_t started_ns_ = 0;
  bool enabled_ = false;
  std::vector<std::pair<const char*, std::string>> names_;  // demangling cache
};

}  // namespace llmkb
