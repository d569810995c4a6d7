// attention/mma_sm75: the Turing path of the FlashAttention-2 forward: fp16 only, m16n8k8
// mma.sync (two per k16 step), ldmatrix, synchronous 16-byte loads into one K/V buffer (Turing has
// no cp.async; the next tile is loaded into registers during the current one's math), shared memory
// within Turing's 64 KB per block. Runs on SM75 and newer.
#include "kernels/attention/flash_prefill.cuh"
#include "kernels/common/variant.h"

namespace llmkb {
namespace {

// Tile configurations (head dim, query rows, keys per tile, 0 = synchronous loads with the next
// tile prefetched into registers, 1 = synchronous loads between barriers); shared memory D 64: 27 KB,
// D 128: 34 KB, D 256: 49.5 KB (16-key tiles, no prefetch: O and S fill the registers).
using Sm75TileD64 = FlashTile<64, 64, 64, 0>;
using Sm75TileD128 = FlashTile<128, 64, 32, 0>;
using Sm75TileD256 = FlashTile<256, 64, 16, 1>;
static_assert(Sm75TileD128::kSmemBytes <= 64 * 1024 && Sm75TileD256::kSmemBytes <= 64 * 1024,
              "Turing: 64 KB per block");

Support supports(const AttentionProblem& p) {
  const std::string bad = attention_size_limit(p);
  if (!bad.empty()) return Support::no(bad);
  if (p.dtype != DType::f16) return Support::no("Turing tensor cores have no bf16");
  if (p.head_dim != 64 && p.head_dim != 128 && p.head_dim != 256) return Support::no("head_dim must be 64, 128 or 256");
  return Support::yes();
}

void launch(const AttentionProblem& problem, const AttentionArgs& args, cudaStream_t stream) {
  const Support s = supports(problem);
  if (!s.ok) throw std::invalid_argument("attention/mma_sm75: " + s.reason);
  const AttentionParams p = make_attention_params(problem, args);
  dispatch_head_dim(problem.head_dim, [&](auto d) {
    constexpr int D = decltype(d)::value;
    using Tile = std::conditional_t<D == 64, Sm75TileD64, std::conditional_t<D == 128, Sm75TileD128, Sm75TileD256>>;
    launch_flash_prefill<__half, Tile, MmaM16N8K8x2>(p, stream);
  });
}

}  // namespace

Variant<AttentionOp> attention_mma_sm75() {
  return {"attention/mma_sm75",
          "Turing path: m16n8k8 mma.sync, ldmatrix, synchronous 16-byte loads, one K/V buffer, fp16 only",
          75,
          false,
          supports,
          launch};
}

}  // namespace llmkb
