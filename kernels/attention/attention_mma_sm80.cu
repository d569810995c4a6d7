// attention/mma_sm80: FlashAttention-2 forward on m16n8k16 mma.sync (fp16 and bf16), fragments by
// ldmatrix from padded shared memory, K/V tiles through a 2-3 stage cp.async pipeline, online
// softmax on the accumulators in registers. 128-row blocks of 4 warps, 32 rows each (64 rows of 16
// for D 256).
#include "kernels/attention/flash_prefill.cuh"
#include "kernels/common/variant.h"

namespace llmkb {
namespace {

// Tile configurations (head dim, query rows, keys per tile, cp.async stages, 16-row tiles per warp):
// 4 warps per block; shared memory D 64: 72 KB (3 blocks per H100 SM), D 128: 85 KB (2 blocks),
// D 256: 99 KB (2 blocks).
using Sm80TileD64 = FlashTile<64, 128, 64, 3, 2>;
using Sm80TileD128 = FlashTile<128, 128, 32, 3, 2>;
using Sm80TileD256 = FlashTile<256, 64, 32, 2, 1>;

Support supports(const AttentionProblem& p) {
  const std::string bad = attention_size_limit(p);
  if (!bad.empty()) return Support::no(bad);
  if (p.head_dim != 64 && p.head_dim != 128 && p.head_dim != 256) return Support::no("head_dim must be 64, 128 or 256");
  return Support::yes();
}

template <class T>
void launch_typed(const AttentionProblem& problem, const AttentionParams& p, cudaStream_t stream) {
  dispatch_head_dim(problem.head_dim, [&](auto d) {
    constexpr int D = decltype(d)::value;
    using Tile = std::conditional_t<D == 64, Sm80TileD64, std::conditional_t<D == 128, Sm80TileD128, Sm80TileD256>>;
    launch_flash_prefill<T, Tile, MmaM16N8K16<T>>(p, stream);
  });
}

void launch(const AttentionProblem& problem, const AttentionArgs& args, cudaStream_t stream) {
  const Support s = supports(problem);
  if (!s.ok) throw std::invalid_argument("attention/mma_sm80: " + s.reason);
  const AttentionParams p = make_attention_params(problem, args);
  if (problem.dtype == DType::f16) {
    launch_typed<__half>(problem, p, stream);
  } else {
    launch_typed<__nv_bfloat16>(problem, p, stream);
  }
}

}  // namespace

Variant<AttentionOp> attention_mma_sm80() {
  return {"attention/mma_sm80",
          "FlashAttention-2: m16n8k16 mma.sync, ldmatrix, multi-stage cp.async K/V pipeline, softmax in registers",
          80,
          false,
          supports,
          launch};
}

}  // namespace llmkb
