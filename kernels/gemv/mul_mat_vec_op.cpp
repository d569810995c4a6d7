#include "kernels/gemv/mul_mat_vec_op.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "kernels/core/models.h"
#include "kernels/gemv/activation_planes.h"
#include "kernels/gemv/quantize.h"

namespace llmkb {

namespace {

enum Tensor { kW, kX, kY };

// Runs f(chunk) for chunk < chunks on the machine's cores (benchmark weights reach 671M elements).
template <class F>
void for_each_chunk_in_parallel(int64_t chunks, F f) {
  const int64_t workers =
      std::max<int64_t>(1, std::min<int64_t>(chunks, std::min(16u, std::max(1u, std::thread::hardware_concurrency()))));
  if (workers == 1) {
    for (int64_t c = 0; c < chunks; ++c) f(c);
    return;
  }
  std::vector<std::thread> threads;
  for (int64_t t = 0; t < workers; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t c = t; c < chunks; c += workers) f(c);
    });
  }
  for (std::thread& thread : threads) thread.join();
}

// Rows per chunk of parallel work: about 1M weights each; the chunking (and so the random
// stream of each chunk) depends only on the problem, never on the number of threads.
int64_t rows_per_chunk(const MulMatVecProblem& p) {
  return std::max<int64_t>(1, (int64_t{1} << 20) / p.cols);
}

Rng chunk_rng(uint64_t base, int64_t chunk) {
  return Rng(base + 0x632be59bd9b4e019ull * static_cast<uint64_t>(chunk + 1));
}

constexpr int64_t kZeroBlockPeriod = 61;  // every 61st quantised block is all zero (scale 0)
constexpr int64_t kZeroActivationBlockPeriod = 41;  // every 41st block of 32 activations is zero

}  // namespace

const char* to_string(WeightFormat format) {
  switch (format) {
    case WeightFormat::f32:
      return "f32";
    case WeightFormat::f16:
      return "f16";
    case WeightFormat::bf16:
      return "bf16";
    case WeightFormat::q8_0:
      return "q8_0";
    case WeightFormat::q4_0:
      return "q4_0";
  }
  return "?";
}

bool is_quantized(WeightFormat format) {
  return format == WeightFormat::q8_0 || format == WeightFormat::q4_0;
}

DType storage_dtype(WeightFormat format) {
  switch (format) {
    case WeightFormat::f32:
      return DType::f32;
    case WeightFormat::f16:
      return DType::f16;
    case WeightFormat::bf16:
      return DType::bf16;
    default:
      return DType::u8;
  }
}

int64_t weight_row_bytes(WeightFormat format, int64_t cols) {
  switch (format) {
    case WeightFormat::q8_0:
      return cols / kQuantBlockWeights * static_cast<int64_t>(kQ8_0BlockBytes);
    case WeightFormat::q4_0:
      return cols / kQuantBlockWeights * static_cast<int64_t>(kQ4_0BlockBytes);
    default:
      return cols * static_cast<int64_t>(dtype_size(storage_dtype(format)));
  }
}

Support mul_mat_vec_valid(const MulMatVecProblem& p) {
  if (p.rows < 1 || p.cols < 1) return Support::no("empty problem");
  if (p.batch < 1 || p.batch > kMaxGemvBatch) {
    return Support::no("batch " + std::to_string(p.batch) + " outside 1.." + std::to_string(kMaxGemvBatch));
  }
  if (p.rows > (int64_t{1} << 31) - 1 || p.cols > (int64_t{1} << 31) - 1) return Support::no("dimension above 2^31-1");
  if (is_quantized(p.weight)) {
    if (p.cols % kQuantBlockWeights != 0) {
      return Support::no(std::string(to_string(p.weight)) + " needs cols a multiple of 32, got " +
                         std::to_string(p.cols));
    }
    if (p.activation != DType::f32 && p.activation != DType::f16) {
      return Support::no(std::string("activation ") + to_string(p.activation) + " with quantised weights (f32 or f16)");
    }
  } else if (p.activation != DType::f32 && p.activation != storage_dtype(p.weight)) {
    return Support::no(std::string("activation ") + to_string(p.activation) + " with " + to_string(p.weight) +
                       " weights (f32 or the weight's type)");
  }
  return Support::yes();
}

std::string MulMatVecOp::describe(const Problem& p) {
  return std::string("w:") + to_string(p.weight) + "/x:" + to_string(p.activation) + "/" + std::to_string(p.rows) +
         "x" + std::to_string(p.cols) + "/batch:" + std::to_string(p.batch);
}

nlohmann::json MulMatVecOp::to_json(const Problem& p) {
  return {{"rows", p.rows},
          {"cols", p.cols},
          {"batch", p.batch},
          {"weight", to_string(p.weight)},
          {"activation", to_string(p.activation)},
          {"output", "f32"}};
}

double MulMatVecOp::bytes_moved(const Problem& p) {
  const double weights = static_cast<double>(p.rows) * static_cast<double>(weight_row_bytes(p.weight, p.cols));
  const double x = static_cast<double>(p.batch) * static_cast<double>(p.cols) * dtype_size(p.activation);
  const double y = static_cast<double>(p.batch) * static_cast<double>(p.rows) * sizeof(float);
  return weights + x + y;
}

double MulMatVecOp::flops(const Problem& p) {
  return 2.0 * static_cast<double>(p.rows) * static_cast<double>(p.cols) * static_cast<double>(p.batch);
}

std::vector<TensorSpec> MulMatVecOp::tensors(const Problem& p) {
  const DType w_type = storage_dtype(p.weight);
  const size_t w_count = is_quantized(p.weight) ? static_cast<size_t>(p.rows * weight_row_bytes(p.weight, p.cols))
                                                : static_cast<size_t>(p.rows * p.cols);
  return {{"w", w_type, w_count, Role::input},
          {"x", p.activation, static_cast<size_t>(p.batch * p.cols), Role::input},
          {"y", DType::f32, static_cast<size_t>(p.batch * p.rows), Role::output}};
}

void MulMatVecOp::fill_inputs(const Problem& p, std::vector<HostTensor>& t, Rng& rng) {
  const uint64_t base = rng.next_u64();
  const int64_t chunk_rows = rows_per_chunk(p);
  const int64_t chunks = (p.rows + chunk_rows - 1) / chunk_rows;
  HostTensor& w = t[kW];
  if (is_quantized(p.weight)) {
    const int64_t row_bytes = weight_row_bytes(p.weight, p.cols);
    const int64_t blocks_per_row = p.cols / kQuantBlockWeights;
    auto* blob = static_cast<uint8_t*>(w.data());
    for_each_chunk_in_parallel(chunks, [&](int64_t c) {
      Rng r = chunk_rng(base, c);
      std::vector<float> row(static_cast<size_t>(p.cols));
      for (int64_t m = c * chunk_rows; m < std::min(p.rows, (c + 1) * chunk_rows); ++m) {
        for (int64_t k = 0; k < p.cols; ++k) {
          const int64_t block = m * blocks_per_row + k / kQuantBlockWeights;
          row[k] = block % kZeroBlockPeriod == 7 ? 0.0f : static_cast<float>(r.uniform(-1.0, 1.0));
        }
        uint8_t* out = blob + m * row_bytes;
        if (p.weight == WeightFormat::q8_0) {
          quantize_q8_0(row.data(), row.size(), out);
        } else {
          quantize_q4_0(row.data(), row.size(), out);
        }
      }
    });
  } else {
    for_each_chunk_in_parallel(chunks, [&](int64_t c) {
      Rng r = chunk_rng(base, c);
      const size_t begin = static_cast<size_t>(c * chunk_rows * p.cols);
      const size_t end = static_cast<size_t>(std::min(p.rows, (c + 1) * chunk_rows) * p.cols);
      for (size_t i = begin; i < end; ++i) w.set(i, r.uniform(-1.0, 1.0));
    });
  }
  HostTensor& x = t[kX];
  x.fill_uniform(rng, -1.0, 3.0);
  for (int64_t b = 0; b < p.batch; ++b) {
    for (int64_t k = 0; k < p.cols; ++k) {
      const int64_t block = k / kQuantBlockWeights;
      const double factor = block % kZeroActivationBlockPeriod == kZeroActivationBlockPeriod - 1
                                ? 0.0
                                : std::ldexp(1.0, -static_cast<int>((block + 2 * b) % 3));
      const size_t i = static_cast<size_t>(b * p.cols + k);
      if (factor != 1.0) x.set(i, x.get(i) * factor);
    }
  }
}

void decode_weight_row(const MulMatVecProblem& p, const HostTensor& w, int64_t row, double* out) {
  if (is_quantized(p.weight)) {
    std::vector<float> values(static_cast<size_t>(p.cols));
    const auto* blocks = static_cast<const uint8_t*>(w.data()) + row * weight_row_bytes(p.weight, p.cols);
    if (p.weight == WeightFormat::q8_0) {
      dequantize_q8_0(blocks, values.size(), values.data());
    } else {
      dequantize_q4_0(blocks, values.size(), values.data());
    }
    std::copy(values.begin(), values.end(), out);
  } else {
    for (int64_t k = 0; k < p.cols; ++k) out[k] = w.get(static_cast<size_t>(row * p.cols + k));
  }
}

namespace {

// y = W x in fp64 for the activations x ([batch, cols], as doubles).
std::vector<Expected> reference_from(const MulMatVecProblem& p, const std::vector<HostTensor>& t,
                                     const std::vector<double>& x) {
  std::vector<Expected> expected(t.size());
  std::vector<double>& y = expected[kY].value;
  y.assign(static_cast<size_t>(p.batch * p.rows), 0.0);
  const int64_t chunk_rows = rows_per_chunk(p);
  for_each_chunk_in_parallel((p.rows + chunk_rows - 1) / chunk_rows, [&](int64_t c) {
    std::vector<double> w(static_cast<size_t>(p.cols));
    for (int64_t m = c * chunk_rows; m < std::min(p.rows, (c + 1) * chunk_rows); ++m) {
      decode_weight_row(p, t[kW], m, w.data());
      for (int64_t b = 0; b < p.batch; ++b) {
        const double* xb = x.data() + b * p.cols;
        double sum = 0;
        for (int64_t k = 0; k < p.cols; ++k) sum += w[k] * xb[k];
        y[static_cast<size_t>(b * p.rows + m)] = sum;
      }
    }
  });
  return expected;
}

}  // namespace

std::vector<Expected> MulMatVecOp::reference(const Problem& p, const std::vector<HostTensor>& t) {
  std::vector<double> x(static_cast<size_t>(p.batch * p.cols));
  for (size_t i = 0; i < x.size(); ++i) x[i] = t[kX].get(i);
  return reference_from(p, t, x);
}

std::vector<double> round_activations_to_planes(const MulMatVecProblem& p, const HostTensor& x, int planes) {
  if (planes < 1 || planes > 3) throw std::invalid_argument("activation planes must be 1, 2 or 3");
  if (p.cols % kQuantBlockWeights != 0) throw std::invalid_argument("activation planes need cols % 32 == 0");
  std::vector<double> out(static_cast<size_t>(p.batch * p.cols));
  for (size_t i = 0; i < out.size(); ++i) out[i] = x.get(i);
  const double limit = activation_plane_limit(planes);
  for (size_t first = 0; first < out.size(); first += kQuantBlockWeights) {
    double* block = out.data() + first;
    double amax = 0;
    for (int e = 0; e < kQuantBlockWeights; ++e) amax = std::max(amax, std::fabs(block[e]));
    if (!std::isfinite(amax)) continue;  // the kernels make such rows NaN, as does x itself here
    // The exponent of amax as an fp32 number: -127 for zero and subnormals.
    int exponent = -127;
    if (amax >= std::ldexp(1.0, -126)) {
      std::frexp(amax, &exponent);  // amax = m * 2^exponent, m in [0.5, 1)
      exponent -= 1;
    }
    const int s = activation_plane_shift(planes, exponent);
    for (int e = 0; e < kQuantBlockWeights; ++e) {
      // x * 2^s is exact in fp32 as in fp64 (a power of two, no overflow); nearbyint rounds half to
      // even, as the kernels' __float2int_rn does.
      const double xi = std::clamp(std::nearbyint(std::ldexp(block[e], s)), -limit, limit);
      block[e] = std::ldexp(xi, -s);
    }
  }
  return out;
}

std::vector<Expected> mul_mat_vec_reference_x_planes(const MulMatVecProblem& p, const std::vector<HostTensor>& t,
                                                     int planes) {
  return reference_from(p, t, round_activations_to_planes(p, t[kX], planes));
}

Tolerance MulMatVecOp::tolerance(const Problem& p, const TensorSpec&) {
  const double largest_abs_sum = static_cast<double>(p.cols) * kWeightBound * kActivationBound;
  return {kErrorPerAbsSum * largest_abs_sum, 0.0};
}

MulMatVecArgs MulMatVecOp::bind(const Problem&, const std::vector<void*>& ptr) {
  MulMatVecArgs a;
  a.w = ptr[kW];
  a.x = ptr[kX];
  a.y = static_cast<float*>(ptr[kY]);
  return a;
}

std::vector<MulMatVecProblem> MulMatVecOp::test_problems() {
  using W = WeightFormat;
  struct Pairing {
    W weight;
    DType activation;
  };
  const Pairing pairings[] = {{W::f32, DType::f32},   {W::f16, DType::f16},  {W::f16, DType::f32},
                              {W::bf16, DType::bf16}, {W::bf16, DType::f32}, {W::q8_0, DType::f32},
                              {W::q8_0, DType::f16},  {W::q4_0, DType::f32}, {W::q4_0, DType::f16}};
  std::vector<Problem> problems;
  for (const Pairing& pair : pairings) {
    // Every batch on an odd M; cols 2304 = 9 * 256: whole 16-byte vectors, a ragged last quantised step.
    for (int64_t batch = 1; batch <= kMaxGemvBatch; ++batch)
      problems.push_back({67, 2304, batch, pair.weight, pair.activation});
    // One output row, long K (split over many blocks); an odd M with a K that is 256 * 33.
    problems.push_back({1, 8192, 1, pair.weight, pair.activation});
    problems.push_back({1, 16384, 3, pair.weight, pair.activation});
    problems.push_back({33, 8448, 8, pair.weight, pair.activation});
    if (is_quantized(pair.weight)) {
      problems.push_back({7, 4128, 2, pair.weight, pair.activation});  // cols % 32 == 0, % 256 != 0
      // Long rows: the quantised warp split's chunks of 32 steps per warp go in several rounds.
      problems.push_back({3, 65536, 2, pair.weight, pair.activation});
      // Chunks of exactly one round per warp (K = 16 steps: Q4_0's split in four commit groups), batch 2.
      problems.push_back({67, 4096, 2, pair.weight, pair.activation});
    } else {
      problems.push_back({5, 1000, 2, pair.weight, pair.activation});   // cols % 8 == 0, % 32 != 0
      problems.push_back({67, 1001, 5, pair.weight, pair.activation});  // odd cols: element-wise paths
      problems.push_back({3, 7, 8, pair.weight, pair.activation});
    }
  }
  // Real shapes (CPU reference cost: rows * cols * batch up to ~120M).
  problems.push_back({4096, 14336, 1, W::f16, DType::f16});
  problems.push_back({28672, 4096, 1, W::bf16, DType::bf16});
  problems.push_back({4096, 4096, 2, W::f32, DType::f32});
  problems.push_back({6144, 4096, 2, W::q8_0, DType::f32});
  // q8_0_dp4a's one-row-per-warp path (batch 1, rows >= 6144, K >= 3584): an odd M (a 7-row last
  // tile) and a ragged last stage (K = 3.5 stages of 1024).
  problems.push_back({6151, 3584, 1, W::q8_0, DType::f32});
  problems.push_back({1280, 8192, 8, W::q4_0, DType::f32});
  problems.push_back({2560, 10240, 1, W::q4_0, DType::f32});
  // fast's warp-split path with 8 warps per row (f16/bf16, batch 1-2): an odd M, and K chunks of 5
  // steps, of 2 steps and a partial one, and none for the last warp.
  problems.push_back({1281, 8200, 2, W::bf16, DType::bf16});
  problems.push_back({1281, 8200, 1, W::f16, DType::f16});
  return problems;
}

std::vector<BenchProblem<MulMatVecProblem>> MulMatVecOp::bench_problems() {
  struct Projection {
    std::string model;
    std::string name;  // "down", "down_tp8"
    int64_t rows, cols;
  };
  std::vector<Projection> projections;
  for (const ModelPreset& m : model_presets()) {
    // Llama-3-70B is benchmarked split 8 ways (tensor parallel), as it is served.
    const int64_t tp = m.name == "llama3-70b" ? 8 : 1;
    const std::string suffix = tp > 1 ? "_tp" + std::to_string(tp) : "";
    const int64_t q_dim = m.q_heads * m.head_dim;
    const int64_t qkv_rows = (m.q_heads + 2 * m.kv_heads) * m.head_dim;
    projections.push_back({m.name, "qkv" + suffix, qkv_rows / tp, m.hidden});
    projections.push_back({m.name, "o" + suffix, m.hidden, q_dim / tp});
    projections.push_back({m.name, "gate_up" + suffix, 2 * m.intermediate / tp, m.hidden});
    projections.push_back({m.name, "down" + suffix, m.hidden, m.intermediate / tp});
    if (m.name == "gemma-3-4b") projections.push_back({m.name, "output", m.vocab, m.hidden});
  }
  std::vector<BenchProblem<Problem>> problems;
  auto add = [&](const Projection& proj, WeightFormat weight, int64_t batch) {
    const DType activation = is_quantized(weight) ? DType::f32 : storage_dtype(weight);
    const std::string format = is_quantized(weight) ? std::string(to_string(weight)) + "/" : "";
    const std::string shape = format + proj.name + ":" + std::to_string(proj.rows) + "x" + std::to_string(proj.cols) +
                              "/batch:" + std::to_string(batch);
    problems.push_back({proj.model, shape, {proj.rows, proj.cols, batch, weight, activation}});
  };
  for (WeightFormat weight : {WeightFormat::f16, WeightFormat::bf16, WeightFormat::q8_0, WeightFormat::q4_0}) {
    for (int64_t batch : {1, 8}) {
      for (const Projection& proj : projections) add(proj, weight, batch);
    }
  }
  for (const Projection& proj : projections) {
    if (proj.model != "llama3-8b") continue;
    add(proj, WeightFormat::f32, 1);
    if (proj.name == "gate_up" || proj.name == "down") {
      add(proj, WeightFormat::f16, 2);
      add(proj, WeightFormat::f16, 4);
    }
  }
  return problems;
}

}  // namespace llmkb
