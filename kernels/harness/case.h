// Type-erased problems, so tests, benchmarks and the CLI iterate every op and variant the same way.
//
//   OpSuite       one op: its variants, test problems and benchmark problems
//   ProblemCase   one problem of that op: bytes, FLOPs, host inputs and fp64 expectation (made once,
//                 shared by every variant), and a DeviceRun per variant
//   DeviceRun     one variant on the GPU: buffers, launch, restore in-place inputs, check
#pragma once
#include <cuda_runtime_api.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kernels/core/op.h"
#include "kernels/core/tensor.h"

namespace llmkb {

struct VariantInfo {
  std::string name;
  std::string op;
  std::string idea;
  int min_sm = 75;
  bool baseline = false;
  std::string checked_against;  // empty: the op's reference on the inputs as stored
  std::string prepared;         // empty: the variant reads its inputs as stored (Variant::prepared)
};

class DeviceRun {
 public:
  virtual ~DeviceRun() = default;
  // Puts the pristine inputs back into in-place tensors and poisons outputs with NaN.
  virtual void reset(cudaStream_t stream) = 0;
  // Puts the pristine inputs back into in-place tensors only (between timed launches).
  virtual void restore_inplace_inputs(cudaStream_t stream) = 0;
  virtual bool has_inplace_inputs() const = 0;
  virtual void launch(cudaStream_t stream) = 0;
  // Waits for `stream`, downloads every output and compares it with the fp64 reference.
  virtual CheckReport check(cudaStream_t stream) = 0;
};

class ProblemCase {
 public:
  virtual ~ProblemCase() = default;
  virtual const std::string& op() const = 0;
  virtual std::string label() const = 0;  // unique within the op: "bf16/llama3-8b/tokens:4096"
  virtual const std::string& model() const = 0;  // empty for test problems
  virtual std::string dtype() const = 0;
  virtual nlohmann::json problem_json() const = 0;
  virtual double bytes_moved() const = 0;
  virtual double flops() const = 0;
  virtual Ceiling ceiling() const = 0;
  virtual size_t host_bytes_estimate() const = 0;

  virtual const std::vector<VariantInfo>& variants() const = 0;
  virtual Support supports(size_t variant) const = 0;
  // Allocates and uploads; the host inputs and reference are made on first use (seeded by `seed`).
  virtual std::unique_ptr<DeviceRun> prepare(size_t variant, uint64_t seed) = 0;
  virtual void release_host_data() = 0;
};

class OpSuite {
 public:
  virtual ~OpSuite() = default;
  virtual const std::string& op() const = 0;
  virtual const std::vector<VariantInfo>& variants() const = 0;
  virtual std::vector<std::unique_ptr<ProblemCase>> test_cases() const = 0;
  virtual std::vector<std::unique_ptr<ProblemCase>> bench_cases() const = 0;
};

// Every op in kernels/ops.def with its registered variants.
const std::vector<std::unique_ptr<OpSuite>>& op_suites();

}  // namespace llmkb
