// What every op shares: support answers, the ceiling a case is measured against, and the
// description of one benchmark shape. Each op (kernels/<op>/<op>_op.h) defines, as static
// members of a traits struct, its Problem and Args, tensors, inputs, fp64 reference,
// tolerances, minimum bytes and FLOPs, and its test and benchmark problems.
#pragma once
#include <string>
#include <utility>

namespace llmkb {

struct Support {
  bool ok = true;
  std::string reason;  // why not, when !ok
  static Support yes() { return {}; }
  static Support no(std::string why) { return {false, std::move(why)}; }
};

// The calibrated ceiling a case is reported against (bench/calibration measures each).
enum class Ceiling {
  copy,        // streams read and write: read+write bytes over the copy bandwidth
  read,        // mostly reads (GEMV, decode attention): bytes over the read-only bandwidth
  write,       // mostly writes
  tensor_f16,  // FLOP-bound on tensor cores: FLOPs over the cuBLAS fp16 GEMM rate
};
const char* to_string(Ceiling ceiling);
bool is_bandwidth_ceiling(Ceiling ceiling);

// One benchmark shape of an op: the model it comes from and a label for the shape.
template <class Problem>
struct BenchProblem {
  std::string model;  // "llama3-8b"
  std::string shape;  // "tokens:4096"
  Problem problem;
};

}  // namespace llmkb
