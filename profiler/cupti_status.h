// What a CUPTI failure means for the user: a status word for the results file and one line that
// says how to fix it. Host only, so the CPU tests check every mapping.
#pragma once
#include <cupti_result.h>

#include <stdexcept>
#include <string>

namespace llmkb {

// profiler.status in the results file.
enum class ProfilerStatus { kOk, kInsufficientPrivileges, kProfilerBusy, kUnsupportedDevice, kError };

const char* to_string(ProfilerStatus status);

// The status a CUPTI result code falls under.
ProfilerStatus classify(CUptiResult code);

// One line: what failed (`what`, e.g. "cuptiRangeProfilerEnable"), CUPTI's code, and the fix.
std::string explain(CUptiResult code, const std::string& what);

// Thrown by LLMKB_CUPTI_CHECK; carries the code so callers can classify it.
class CuptiError : public std::runtime_error {
 public:
  CuptiError(CUptiResult code, const std::string& what) : std::runtime_error(explain(code, what)), code_(code) {}
  CUptiResult code() const { return code_; }
  ProfilerStatus status() const { return classify(code_); }

 private:
  CUptiResult code_;
};

}  // namespace llmkb

#define LLMKB_CUPTI_CHECK(call)                                                                      \
  do {                                                                                               \
    const CUptiResult llmkb_cupti_result_ = (call);                                                  \
    if (llmkb_cupti_result_ != CUPTI_SUCCESS) throw ::llmkb::CuptiError(llmkb_cupti_result_, #call); \
  } while (0)
