#include "profiler/cupti_status.h"

#include <string>

namespace llmkb {

const char* to_string(ProfilerStatus status) {
  switch (status) {
    case ProfilerStatus::kOk:
      return "ok";
    case ProfilerStatus::kInsufficientPrivileges:
      return "insufficient_privileges";
    case ProfilerStatus::kProfilerBusy:
      return "profiler_busy";
    case ProfilerStatus::kUnsupportedDevice:
      return "unsupported_device";
    case ProfilerStatus::kError:
      return "error";
  }
  return "error";
}

ProfilerStatus classify(CUptiResult code) {
  switch (code) {
    case CUPTI_SUCCESS:
      return ProfilerStatus::kOk;
    case CUPTI_ERROR_INSUFFICIENT_PRIVILEGES:
    case CUPTI_ERROR_VIRTUALIZED_DEVICE_INSUFFICIENT_PRIVILEGES:
      return ProfilerStatus::kInsufficientPrivileges;
    case CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED:
    case CUPTI_ERROR_HARDWARE_BUSY:
    case CUPTI_ERROR_OLD_PROFILER_API_INITIALIZED:
      return ProfilerStatus::kProfilerBusy;
    case CUPTI_ERROR_NOT_SUPPORTED:
    case CUPTI_ERROR_INVALID_DEVICE:
    case CUPTI_ERROR_INVALID_CHIP_NAME:
    case CUPTI_ERROR_VIRTUALIZED_DEVICE_NOT_SUPPORTED:
    case CUPTI_ERROR_CONFIDENTIAL_COMPUTING_NOT_SUPPORTED:
    case CUPTI_ERROR_CMP_DEVICE_NOT_SUPPORTED:
    case CUPTI_ERROR_MIG_DEVICE_NOT_SUPPORTED:
    case CUPTI_ERROR_SLI_DEVICE_NOT_SUPPORTED:
    case CUPTI_ERROR_WSL_DEVICE_NOT_SUPPORTED:
    case CUPTI_ERROR_LEGACY_PROFILER_NOT_SUPPORTED:
      return ProfilerStatus::kUnsupportedDevice;
    default:
      return ProfilerStatus::kError;
  }
}

namespace {

// CUPTI's own name for the code, without needing the library (the CPU tests run without a GPU).
std::string code_name(CUptiResult code) {
  switch (code) {
    case CUPTI_ERROR_INSUFFICIENT_PRIVILEGES:
      return "CUPTI_ERROR_INSUFFICIENT_PRIVILEGES";
    case CUPTI_ERROR_VIRTUALIZED_DEVICE_INSUFFICIENT_PRIVILEGES:
      return "CUPTI_ERROR_VIRTUALIZED_DEVICE_INSUFFICIENT_PRIVILEGES";
    case CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED:
      return "CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED";
    case CUPTI_ERROR_HARDWARE_BUSY:
      return "CUPTI_ERROR_HARDWARE_BUSY";
    case CUPTI_ERROR_OLD_PROFILER_API_INITIALIZED:
      return "CUPTI_ERROR_OLD_PROFILER_API_INITIALIZED";
    case CUPTI_ERROR_NOT_SUPPORTED:
      return "CUPTI_ERROR_NOT_SUPPORTED";
    case CUPTI_ERROR_INVALID_DEVICE:
      return "CUPTI_ERROR_INVALID_DEVICE";
    case CUPTI_ERROR_INVALID_CHIP_NAME:
      return "CUPTI_ERROR_INVALID_CHIP_NAME";
    case CUPTI_ERROR_VIRTUALIZED_DEVICE_NOT_SUPPORTED:
      return "CUPTI_ERROR_VIRTUALIZED_DEVICE_NOT_SUPPORTED";
    case CUPTI_ERROR_CONFIDENTIAL_COMPUTING_NOT_SUPPORTED:
      return "CUPTI_ERROR_CONFIDENTIAL_COMPUTING_NOT_SUPPORTED";
    case CUPTI_ERROR_CMP_DEVICE_NOT_SUPPORTED:
      return "CUPTI_ERROR_CMP_DEVICE_NOT_SUPPORTED";
    case CUPTI_ERROR_MIG_DEVICE_NOT_SUPPORTED:
      return "CUPTI_ERROR_MIG_DEVICE_NOT_SUPPORTED";
    case CUPTI_ERROR_SLI_DEVICE_NOT_SUPPORTED:
      return "CUPTI_ERROR_SLI_DEVICE_NOT_SUPPORTED";
    case CUPTI_ERROR_WSL_DEVICE_NOT_SUPPORTED:
      return "CUPTI_ERROR_WSL_DEVICE_NOT_SUPPORTED";
    case CUPTI_ERROR_LEGACY_PROFILER_NOT_SUPPORTED:
      return "CUPTI_ERROR_LEGACY_PROFILER_NOT_SUPPORTED";
    case CUPTI_ERROR_INVALID_PARAMETER:
      return "CUPTI_ERROR_INVALID_PARAMETER";
    case CUPTI_ERROR_NOT_INITIALIZED:
      return "CUPTI_ERROR_NOT_INITIALIZED";
    case CUPTI_ERROR_OUT_OF_MEMORY:
      return "CUPTI_ERROR_OUT_OF_MEMORY";
    case CUPTI_ERROR_UNKNOWN:
      return "CUPTI_ERROR_UNKNOWN";
    default:
      return "CUPTI error " + std::to_string(static_cast<int>(code));
  }
}

}  // namespace

std::string explain(CUptiResult code, const std::string& what) {
  const std::string head = what + " failed (" + code_name(code) + "): ";
  switch (classify(code)) {
    case ProfilerStatus::kOk:
      return what + " succeeded";
    case ProfilerStatus::kInsufficientPrivileges:
      return head +
             "no permission to read GPU performance counters; load the NVIDIA driver with "
             "NVreg_RestrictProfilingToAdminUsers=0 (e.g. `options nvidia NVreg_RestrictProfilingToAdminUsers=0` in "
             "/etc/modprobe.d, then reload the driver) or run llmkb as root/admin";
    case ProfilerStatus::kProfilerBusy:
      return head +
             "another profiler is attached (running under ncu, nsys or cuda-gdb?); run `llmkb bench --profile` "
             "outside other profilers, or drop --profile when profiling llmkb with ncu/nsys";
    case ProfilerStatus::kUnsupportedDevice:
      return head +
             "this GPU or configuration does not support the CUPTI range profiler (it needs sm_75 or newer, not MIG, "
             "vGPU without profiling, WSL or confidential computing)";
    case ProfilerStatus::kError:
      break;
  }
  return head + "unexpected CUPTI failure";
}

}  // namespace llmkb
