#include "profiler/kernel_trace.h"

#include <cupti.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <unordered_set>

#include "profiler/cupti_status.h"

namespace llmkb {
namespace {

constexpr size_t kBufferBytes = 8u << 20;  // per activity buffer
constexpr size_t kBufferAlign = 8;

KernelTrace* g_trace = nullptr;  // the one live trace: CUPTI's buffer callbacks carry no user data

void CUPTIAPI buffer_requested(uint8_t** buffer, size_t* size, size_t* max_records) {
  *buffer = static_cast<uint8_t*>(std::aligned_alloc(kBufferAlign, kBufferBytes));
  *size = *buffer ? kBufferBytes : 0;
  *max_records = 0;  // as many as fit
}

void CUPTIAPI buffer_completed(CUcontext context, uint32_t stream_id, uint8_t* buffer, size_t /*size*/,
                               size_t valid_bytes) {
  if (g_trace && buffer) g_trace->consume(buffer, valid_bytes, stream_id, context);
  std::free(buffer);
}

uint64_t now_ns() {
  uint64_t t = 0;
  LLMKB_CUPTI_CHECK(cuptiGetTimestamp(&t));
  return t;
}

void enable_kinds() {
  LLMKB_CUPTI_CHECK(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL));
  LLMKB_CUPTI_CHECK(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_RUNTIME));
}

void disable_kinds() {
  LLMKB_CUPTI_CHECK(cuptiActivityDisable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL));
  LLMKB_CUPTI_CHECK(cuptiActivityDisable(CUPTI_ACTIVITY_KIND_RUNTIME));
}

// Cleanup on an error path or in a destructor: nothing can be reported from there.
void disable_kinds_quietly() noexcept {
  (void)cuptiActivityDisable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
  (void)cuptiActivityDisable(CUPTI_ACTIVITY_KIND_RUNTIME);
}

}  // namespace

KernelTrace::KernelTrace() {
  if (g_trace) throw std::logic_error("KernelTrace: only one trace may be active");
  LLMKB_CUPTI_CHECK(cuptiActivityRegisterCallbacks(buffer_requested, buffer_completed));
  g_trace = this;
  try {
    enable_kinds();
  } catch (...) {
    disable_kinds_quietly();
    g_trace = nullptr;
    throw;
  }
  enabled_ = true;
  started_ns_ = now_ns();
}

KernelTrace::~KernelTrace() {
  if (enabled_) disable_kinds_quietly();
  (void)cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);  // destructor: nothing to report to
  g_trace = nullptr;
}

void KernelTrace::pause() {
  LLMKB_CUPTI_CHECK(cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED));
  disable_kinds();
  enabled_ = false;
  std::lock_guard<std::mutex> lock(mutex_);
  paused_.push_back({now_ns(), UINT64_MAX});
}

void KernelTrace::resume() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!paused_.empty() && paused_.back().end_ns == UINT64_MAX) paused_.back().end_ns = now_ns();
  }
  enable_kinds();
  enabled_ = true;
}

void KernelTrace::begin_capture() {
  LLMKB_CUPTI_CHECK(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL));
  std::lock_guard<std::mutex> lock(mutex_);
  captures_.push_back({now_ns(), UINT64_MAX});
}

std::vector<LaunchRecord> KernelTrace::end_capture() {
  LLMKB_CUPTI_CHECK(cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED));
  LLMKB_CUPTI_CHECK(cuptiActivityDisable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL));
  std::lock_guard<std::mutex> lock(mutex_);
  if (captures_.empty()) return {};
  Window& window = captures_.back();
  window.end_ns = now_ns();
  std::vector<const KernelRecord*> inside;
  std::unordered_set<uint32_t> seen;
  for (const KernelRecord& k : kernels_) {
    if (k.start_ns >= window.begin_ns && k.start_ns <= window.end_ns && seen.insert(k.correlation_id).second)
      inside.push_back(&k);
  }
  std::sort(inside.begin(), inside.end(),
            [](const KernelRecord* a, const KernelRecord* b) { return a->correlation_id < b->correlation_id; });
  std::vector<LaunchRecord> out;
  for (const KernelRecord* k : inside) out.push_back(k->launch);
  // Launch records are kept only for capture windows; the trace leaves them out.
  kernels_.erase(std::remove_if(kernels_.begin(), kernels_.end(),
                                [&](const KernelRecord& k) {
                                  return k.start_ns >= window.begin_ns && k.start_ns <= window.end_ns;
                                }),
                 kernels_.end());
  return out;
}

bool KernelTrace::in_window(const std::vector<Window>& windows, uint64_t t) const {
  for (const Window& w : windows)
    if (t >= w.begin_ns && t <= w.end_ns) return true;
  return false;
}

std::string KernelTrace::demangled(const char* name) {
  if (!name) return "(unknown)";
  for (const auto& [pointer, text] : names_)
    if (pointer == name) return text;
  names_.emplace_back(name, demangle(name));
  return names_.back().second;
}

void KernelTrace::consume(uint8_t* buffer, size_t valid_bytes, uint32_t stream_id, void* context) {
  std::lock_guard<std::mutex> lock(mutex_);
  CUpti_Activity* record = nullptr;
  CUptiResult status = CUPTI_SUCCESS;
  while ((status = cuptiActivityGetNextRecord(buffer, valid_bytes, &record)) == CUPTI_SUCCESS) {
    ++records_;
    if (record->kind == CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL || record->kind == CUPTI_ACTIVITY_KIND_KERNEL) {
      const auto* k = reinterpret_cast<const CUpti_ActivityKernel10*>(record);
      KernelRecord r{k->name, k->start, k->end, k->correlationId, {}};
      if (in_window(captures_, k->start)) {
        r.launch.name = demangled(k->name);
        r.launch.grid[0] = k->gridX, r.launch.grid[1] = k->gridY, r.launch.grid[2] = k->gridZ;
        r.launch.block[0] = k->blockX, r.launch.block[1] = k->blockY, r.launch.block[2] = k->blockZ;
        r.launch.registers_per_thread = k->registersPerThread;
        r.launch.static_shared_bytes = k->staticSharedMemory;
        r.launch.dynamic_shared_bytes = k->dynamicSharedMemory;
        r.launch.local_bytes_per_thread = k->localMemoryPerThread;
        r.launch.shared_config_bytes = k->sharedMemoryExecuted;
      }
      kernels_.push_back(r);
    } else if (record->kind == CUPTI_ACTIVITY_KIND_RUNTIME) {
      runtime_correlation_ids_.push_back(reinterpret_cast<const CUpti_ActivityAPI*>(record)->correlationId);
    }
  }
  // A callback of CUPTI's: it must not throw, so what cannot be read is noted for the summary.
  if (status != CUPTI_ERROR_MAX_LIMIT_REACHED && unread_note_.empty()) {
    unread_note_ =
        std::string("a trace buffer's records were not all read: ") + explain(status, "cuptiActivityGetNextRecord");
  }
  size_t dropped = 0;
  const CUptiResult dropped_status =
      cuptiActivityGetNumDroppedRecords(static_cast<CUcontext>(context), stream_id, &dropped);
  if (dropped_status == CUPTI_SUCCESS) {
    dropped_ += dropped;
  } else if (unread_note_.empty()) {
    unread_note_ = std::string("a trace buffer's dropped records not counted: ") +
                   explain(dropped_status, "cuptiActivityGetNumDroppedRecords");
  }
}

nlohmann::json KernelTrace::summary() {
  uint64_t end = 0;
  size_t dropped_without_buffer = 0;
  try {
    LLMKB_CUPTI_CHECK(cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED));
    end = now_ns();
  } catch (const CuptiError& e) {
    // Called while the results file is written: a trace that cannot be summarised must not cost the run.
    std::cerr << "llmkb bench: profiler: kernel trace not summarised: " << e.what() << "\n";
    return {{"error", std::string("kernel trace not summarised: ") + e.what()}};
  }
  // Records dropped while no buffer could be had are counted in the global queue (context NULL),
  // which the per-buffer reads may never reach; reading resets it, so nothing counts twice. Where the
  // query fails, the summary says the count may be short instead of losing the trace.
  std::string dropped_note;
  try {
    LLMKB_CUPTI_CHECK(cuptiActivityGetNumDroppedRecords(nullptr, 0, &dropped_without_buffer));
  } catch (const CuptiError& e) {
    dropped_note = std::string("records dropped outside the trace's buffers not counted: ") + e.what();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  dropped_ += dropped_without_buffer;
  uint64_t paused_ns = 0;
  for (const Window& w : paused_) paused_ns += std::min(w.end_ns, end) - std::min(w.begin_ns, end);
  std::vector<KernelInterval> traced;
  std::unordered_set<uint32_t> runtime_ids(runtime_correlation_ids_.begin(), runtime_correlation_ids_.end());
  uint64_t correlated = 0;
  for (const KernelRecord& k : kernels_) {
    if (in_window(paused_, k.start_ns)) continue;
    traced.push_back({demangled(k.name), k.start_ns, k.end_ns});
    correlated += runtime_ids.count(k.correlation_id);
  }
  TraceTotals totals;
  totals.span_us = (end - started_ns_ - std::min(paused_ns, end - started_ns_)) * 1e-3;
  totals.records = records_;
  totals.dropped = dropped_;
  nlohmann::json out = trace_summary_json(traced, totals);
  out["correlated_launches"] = correlated;  // kernels whose launching runtime call was traced too
  if (!unread_note_.empty()) dropped_note += (dropped_note.empty() ? "" : "; ") + unread_note_;
  if (!dropped_note.empty()) out["dropped_records_note"] = dropped_note;
  return out;
}

}  // namespace llmkb
