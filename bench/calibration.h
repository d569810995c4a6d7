// The ceilings every case is reported against, measured in the same run: read-only, write-only and
// copy bandwidth over large cold buffers, the empty-kernel launch time, and the fp16 tensor-core
// rate of a cuBLAS GEMM. The theoretical DRAM peak comes from device attributes. Besides the read
// ceiling, the read rate at a ladder of smaller sizes (bench/read_curve.h).
#pragma once
#include <cuda_runtime_api.h>

#include <nlohmann/json.hpp>

#include "bench/device_context.h"
#include "bench/read_curve.h"
#include "kernels/core/op.h"

namespace llmkb {

struct Calibration {
  double read_gbps = 0;
  double write_gbps = 0;
  double copy_gbps = 0;        // bytes read + bytes written over time
  double launch_us = 0;        // an empty kernel, timed like every case
  double tensor_f16_tflops = 0;  // cuBLAS fp16 GEMM, fp32 accumulation
  double dram_peak_gbps = 0;   // theoretical, from device attributes
  size_t buffer_bytes = 0;
  int gemm_size = 0;
  ReadCurve read_curve;        // the read rate at 4 MiB ... 512 MiB and at buffer_bytes (= read_gbps)

  // The achievable rate for a ceiling: GB/s for bandwidth ceilings, TFLOP/s for tensor_f16.
  double ceiling_value(Ceiling c) const;
  nlohmann::json to_json() const;
};

struct CalibrationOptions {
  bool cold = true;
  size_t buffer_bytes = size_t{1} << 30;
  int repetitions = 15;
  int gemm_size = 8192;
};

Calibration calibrate(const DeviceContext& device, const CalibrationOptions& options, cudaStream_t stream);

}  // namespace llmkb
