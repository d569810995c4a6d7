#include "kernels/core/op.h"

namespace llmkb {

const char* to_string(Ceiling ceiling) {
  switch (ceiling) {
    case Ceiling::copy: return "copy";
    case Ceiling::read: return "read";
    case Ceiling::write: return "write";
    case Ceiling::tensor_f16: return "tensor_f16";
  }
  return "?";
}

bool is_bandwidth_ceiling(Ceiling ceiling) { return ceiling != Ceiling::tensor_f16; }

}  // namespace llmkb
