#include "kernels/attention/attention_op.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>

#include "kernels/core/models.h"

namespace llmkb {

float AttentionProblem::softmax_scale() const {
  return scale != 0.f ? scale : static_cast<float>(1.0 / std::sqrt(static_cast<double>(head_dim)));
}

int64_t AttentionProblem::max_len_q() const {
  if (!varlen()) return seqlen_q;
  return seq_lens_q.empty() ? 0 : *std::max_element(seq_lens_q.begin(), seq_lens_q.end());
}

int64_t AttentionProblem::max_len_kv() const {
  if (!varlen()) return seqlen_kv;
  return seq_lens_kv.empty() ? 0 : *std::max_element(seq_lens_kv.begin(), seq_lens_kv.end());
}

int64_t AttentionProblem::total_q() const {
  int64_t total = 0;
  for (int64_t b = 0; b < batch; ++b) total += len_q(b);
  return total;
}

int64_t AttentionProblem::total_kv() const {
  int64_t total = 0;
  for (int64_t b = 0; b < batch; ++b) total += len_kv(b);
  return total;
}

namespace {

// Where each tensor sits in AttentionOp::tensors order.
struct TensorIndex {
  size_t q = 0, k = 1, v = 2, cu_q = SIZE_MAX, cu_kv = SIZE_MAX, o = 3, lse = SIZE_MAX;
  explicit TensorIndex(const AttentionProblem& p) {
    size_t next = 3;
    if (p.varlen()) {
      cu_q = next++;
      cu_kv = next++;
    }
    o = next++;
    if (p.return_lse) lse = next++;
  }
};

// Element offsets of (sequence b, head h, row i, dim 0) in each layout.
struct Layout {
  const AttentionProblem& p;
  std::vector<int64_t> start_q, start_kv;  // first token of each sequence
  explicit Layout(const AttentionProblem& problem) : p(problem) {
    int64_t q = 0, kv = 0;
    for (int64_t b = 0; b < p.batch; ++b) {
      start_q.push_back(q);
      start_kv.push_back(kv);
      q += p.len_q(b);
      kv += p.len_kv(b);
    }
  }
  size_t q_row(int64_t b, int64_t h, int64_t i) const {
    if (p.varlen()) return static_cast<size_t>(((start_q[b] + i) * p.q_heads + h) * p.head_dim);
    return static_cast<size_t>(((b * p.q_heads + h) * p.seqlen_q + i) * p.head_dim);
  }
  size_t kv_row(int64_t b, int64_t h, int64_t j) const {
    if (p.varlen()) return static_cast<size_t>(((start_kv[b] + j) * p.kv_heads + h) * p.head_dim);
    return static_cast<size_t>(((b * p.kv_heads + h) * p.seqlen_kv + j) * p.head_dim);
  }
  size_t lse(int64_t b, int64_t h, int64_t i) const {
    if (p.varlen()) return static_cast<size_t>(h * p.total_q() + start_q[b] + i);
    return static_cast<size_t>((b * p.q_heads + h) * p.seqlen_q + i);
  }
};

std::string join(const std::vector<int64_t>& values) {
  std::string s;
  for (int64_t v : values) s += (s.empty() ? "" : ",") + std::to_string(v);
  return s;
}

// The fp64 attention of one (sequence, query head): every row's output and log-sum-exp.
// With sample_stride > 1 only every sample_stride-th block of query rows (and the last block) is
// computed; the other rows are marked not checked.
void reference_head(const AttentionProblem& p, const Layout& layout, const std::vector<HostTensor>& t,
                    const TensorIndex& ti, int64_t b, int64_t h, Expected& o, Expected* lse, int64_t sample_stride) {
  const int64_t d_count = p.head_dim;
  const int64_t lq = p.len_q(b), lkv = p.len_kv(b);
  const int64_t kv_head = h / p.group();
  const double scale = static_cast<double>(p.softmax_scale());
  std::vector<double> k(static_cast<size_t>(lkv * d_count)), v(k.size());
  for (int64_t j = 0; j < lkv; ++j) {
    const size_t row = layout.kv_row(b, kv_head, j);
    for (int64_t d = 0; d < d_count; ++d) {
      k[static_cast<size_t>(j * d_count + d)] = t[ti.k].get(row + static_cast<size_t>(d));
      v[static_cast<size_t>(j * d_count + d)] = t[ti.v].get(row + static_cast<size_t>(d));
    }
  }
  // Four query rows at a time: each K and V element loaded feeds four independent chains.
  constexpr int64_t kRows = 4;
  const size_t dn = static_cast<size_t>(d_count);
  std::vector<double> qb(kRows * dn), scores(static_cast<size_t>(kRows * lkv)), out(kRows * dn);
  for (int64_t i0 = 0; i0 < lq; i0 += kRows) {
    const int64_t rows = std::min(kRows, lq - i0);
    if (sample_stride > 1 && (i0 / kRows) % sample_stride != 0 && i0 + kRows < lq) {
      for (int64_t r = 0; r < rows; ++r) {
        const size_t q_row = layout.q_row(b, h, i0 + r);
        for (size_t d = 0; d < static_cast<size_t>(d_count); ++d) o.untouched[q_row + d] = Expected::kNotChecked;
        if (lse) lse->untouched[layout.lse(b, h, i0 + r)] = Expected::kNotChecked;
      }
      continue;
    }
    int64_t visible[kRows] = {0, 0, 0, 0};
    int64_t most_visible = 0;
    std::fill(qb.begin(), qb.end(), 0.0);
    for (int64_t r = 0; r < rows; ++r) {
      const size_t q_row = layout.q_row(b, h, i0 + r);
      for (size_t d = 0; d < dn; ++d) qb[static_cast<size_t>(r) * dn + d] = t[ti.q].get(q_row + d);
      visible[r] = p.causal ? std::max<int64_t>(0, std::min(lkv, i0 + r + lkv - lq + 1)) : lkv;
      most_visible = std::max(most_visible, visible[r]);
    }
    const double* q0 = &qb[0];
    const double* q1 = &qb[dn];
    const double* q2 = &qb[2 * dn];
    const double* q3 = &qb[3 * dn];
    for (int64_t j = 0; j < most_visible; ++j) {
      const double* kr = k.data() + static_cast<size_t>(j) * dn;
      double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (size_t d = 0; d < dn; ++d) {
        const double kd = kr[d];
        a0 += q0[d] * kd;
        a1 += q1[d] * kd;
        a2 += q2[d] * kd;
        a3 += q3[d] * kd;
      }
      const size_t js = static_cast<size_t>(j);
      const size_t n = static_cast<size_t>(lkv);
      scores[js] = a0 * scale;
      scores[n + js] = a1 * scale;
      scores[2 * n + js] = a2 * scale;
      scores[3 * n + js] = a3 * scale;
    }
    double max_score[kRows], sum[kRows];
    for (int64_t r = 0; r < kRows; ++r) {
      const double* sr = scores.data() + r * lkv;
      max_score[r] = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < visible[r]; ++j) max_score[r] = std::max(max_score[r], sr[j]);
    }
    // Weights, 0 for keys a row does not see.
    for (int64_t r = 0; r < kRows; ++r) {
      double* sr = scores.data() + r * lkv;
      sum[r] = 0;
      for (int64_t j = 0; j < most_visible; ++j) {
        sr[j] = j < visible[r] ? std::exp(sr[j] - max_score[r]) : 0.0;
        sum[r] += sr[j];
      }
    }
    std::fill(out.begin(), out.end(), 0.0);
    double* o0 = &out[0];
    double* o1 = &out[dn];
    double* o2 = &out[2 * dn];
    double* o3 = &out[3 * dn];
    for (int64_t j = 0; j < most_visible; ++j) {
      const size_t js = static_cast<size_t>(j);
      const size_t n = static_cast<size_t>(lkv);
      const double w0 = scores[js], w1 = scores[n + js], w2 = scores[2 * n + js], w3 = scores[3 * n + js];
      const double* vr = v.data() + js * dn;
      for (size_t d = 0; d < dn; ++d) {
        const double vd = vr[d];
        o0[d] += w0 * vd;
        o1[d] += w1 * vd;
        o2[d] += w2 * vd;
        o3[d] += w3 * vd;
      }
    }
    for (int64_t r = 0; r < rows; ++r) {
      const size_t q_row = layout.q_row(b, h, i0 + r);
      if (visible[r] <= 0) {  // every key masked: output 0, lse -inf
        for (size_t d = 0; d < dn; ++d) o.value[q_row + d] = 0.0;
        if (lse) lse->value[layout.lse(b, h, i0 + r)] = -std::numeric_limits<double>::infinity();
        continue;
      }
      for (size_t d = 0; d < dn; ++d) o.value[q_row + d] = out[static_cast<size_t>(r) * dn + d] / sum[r];
      if (lse) lse->value[layout.lse(b, h, i0 + r)] = max_score[r] + std::log(sum[r]);
    }
  }
}

}  // namespace

std::string AttentionOp::invalid_reason(const Problem& p) {
  if (p.batch < 1 || p.q_heads < 1 || p.kv_heads < 1 || p.head_dim < 1) return "empty problem";
  if (p.q_heads % p.kv_heads != 0) return "q_heads must be a multiple of kv_heads";
  if (p.varlen()) {
    if (static_cast<int64_t>(p.seq_lens_q.size()) != p.batch || static_cast<int64_t>(p.seq_lens_kv.size()) != p.batch) {
      return "varlen needs one q and one kv length per sequence";
    }
    for (int64_t b = 0; b < p.batch; ++b) {
      if (p.len_q(b) < 0 || p.len_kv(b) < 0) return "negative sequence length";
    }
    if (p.total_q() > 2147483647 || p.total_kv() > 2147483647) return "cumulative lengths exceed i32";
  } else if (p.seqlen_q < 1 || p.seqlen_kv < 1) {
    return "empty sequence";
  }
  if (p.num_splits < 0 || p.num_splits > kMaxSplits) return "num_splits outside 0.." + std::to_string(kMaxSplits);
  if (p.dtype != DType::f16 && p.dtype != DType::bf16) return std::string("dtype ") + to_string(p.dtype);
  return "";
}

std::string AttentionOp::describe(const Problem& p) {
  std::string s = std::string(to_string(p.dtype)) + "/b" + std::to_string(p.batch) + "/h" + std::to_string(p.q_heads) +
                  ":" + std::to_string(p.kv_heads);
  if (p.varlen()) {
    s += "/varlen/q" + join(p.seq_lens_q) + "/kv" + join(p.seq_lens_kv);
  } else {
    s += "/q" + std::to_string(p.seqlen_q) + "/kv" + std::to_string(p.seqlen_kv);
  }
  s += "/d" + std::to_string(p.head_dim);
  if (p.causal) s += "/causal";
  if (p.return_lse) s += "/lse";
  if (p.scale != 0.f) s += "/scale" + std::to_string(p.scale);
  if (p.num_splits) s += "/splits" + std::to_string(p.num_splits);
  return s;
}

nlohmann::json AttentionOp::to_json(const Problem& p) {
  nlohmann::json j = {{"batch", p.batch},           {"q_heads", p.q_heads},        {"kv_heads", p.kv_heads},
                      {"seqlen_q", p.max_len_q()},  {"seqlen_kv", p.max_len_kv()}, {"head_dim", p.head_dim},
                      {"causal", p.causal},         {"dtype", to_string(p.dtype)}, {"scale", p.softmax_scale()},
                      {"return_lse", p.return_lse}, {"num_splits", p.num_splits},  {"varlen", p.varlen()}};
  if (p.varlen()) {
    j["seq_lens_q"] = p.seq_lens_q;
    j["seq_lens_kv"] = p.seq_lens_kv;
  }
  return j;
}

double AttentionOp::bytes_moved(const Problem& p) {
  const double element = static_cast<double>(dtype_size(p.dtype));
  const double d = static_cast<double>(p.head_dim);
  const double q_and_o = 2.0 * static_cast<double>(p.total_q()) * static_cast<double>(p.q_heads) * d * element;
  const double k_and_v = 2.0 * static_cast<double>(p.total_kv()) * static_cast<double>(p.kv_heads) * d * element;
  const double lse = p.return_lse ? 4.0 * static_cast<double>(p.total_q() * p.q_heads) : 0.0;
  const double offsets = p.varlen() ? 2.0 * 4.0 * static_cast<double>(p.batch + 1) : 0.0;
  return q_and_o + k_and_v + lse + offsets;
}

double AttentionOp::flops(const Problem& p) {
  // FlashAttention's convention: 4 * Sq * Skv * D per head (two GEMMs), halved for causal.
  double pairs = 0;
  for (int64_t b = 0; b < p.batch; ++b) pairs += static_cast<double>(p.len_q(b)) * static_cast<double>(p.len_kv(b));
  const double total = 4.0 * pairs * static_cast<double>(p.q_heads) * static_cast<double>(p.head_dim);
  return p.causal ? total / 2 : total;
}

Ceiling AttentionOp::ceiling(const Problem& p) {
  return p.max_len_q() <= kDecodeMaxQueries ? Ceiling::read : Ceiling::tensor_f16;
}

std::vector<TensorSpec> AttentionOp::tensors(const Problem& p) {
  const std::string bad = invalid_reason(p);
  if (!bad.empty()) throw std::invalid_argument("attention problem " + describe(p) + ": " + bad);
  const size_t d = static_cast<size_t>(p.head_dim);
  const size_t q_count = static_cast<size_t>(p.total_q() * p.q_heads) * d;
  const size_t kv_count = static_cast<size_t>(p.total_kv() * p.kv_heads) * d;
  std::vector<TensorSpec> specs = {{"q", p.dtype, q_count, Role::input},
                                   {"k", p.dtype, kv_count, Role::input},
                                   {"v", p.dtype, kv_count, Role::input}};
  if (p.varlen()) {
    specs.push_back({"cu_seqlens_q", DType::i32, static_cast<size_t>(p.batch + 1), Role::input});
    specs.push_back({"cu_seqlens_kv", DType::i32, static_cast<size_t>(p.batch + 1), Role::input});
  }
  specs.push_back({"o", p.dtype, q_count, Role::output});
  if (p.return_lse) specs.push_back({"lse", DType::f32, static_cast<size_t>(p.total_q() * p.q_heads), Role::output});
  return specs;
}

void AttentionOp::fill_inputs(const Problem& p, std::vector<HostTensor>& t, Rng& rng) {
  const TensorIndex ti(p);
  // Offset and scaled: scores of standard deviation about 1 at the default scale, so the softmax is
  // neither flat nor one-hot, and outputs away from 0.
  t[ti.q].fill_uniform(rng, -1.5, 2.0);
  t[ti.k].fill_uniform(rng, -1.5, 1.5);
  t[ti.v].fill_uniform(rng, -1.0, 2.0);
  if (p.varlen()) {
    int64_t q = 0, kv = 0;
    for (int64_t b = 0; b <= p.batch; ++b) {
      t[ti.cu_q].set(static_cast<size_t>(b), static_cast<double>(q));
      t[ti.cu_kv].set(static_cast<size_t>(b), static_cast<double>(kv));
      if (b < p.batch) {
        q += p.len_q(b);
        kv += p.len_kv(b);
      }
    }
  }
}

std::vector<Expected> AttentionOp::reference(const Problem& p, const std::vector<HostTensor>& t) {
  const TensorIndex ti(p);
  const Layout layout(p);
  std::vector<Expected> expected(t.size());
  Expected& o = expected[ti.o];
  o.value.assign(t[ti.o].count(), 0.0);
  Expected* lse = nullptr;
  if (p.return_lse) {
    lse = &expected[ti.lse];
    lse->value.assign(t[ti.lse].count(), 0.0);
  }
  // One (sequence, query head) per task, spread over the host's cores: the benchmark shapes need
  // ~1e12 multiply-adds.
  const int64_t tasks = p.batch * p.q_heads;
  // Benchmark shapes reach ~1e12 multiply-adds: above kFullCheckBudget, a sample of query-row blocks
  // in every (sequence, head) is checked (every block of the test problems is).
  constexpr double kFullCheckBudget = 4e9;
  const double full_work = static_cast<double>(p.total_q()) * p.max_len_kv() * p.head_dim * p.q_heads;
  const int64_t sample_stride = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(full_work / kFullCheckBudget)));
  if (sample_stride > 1) {
    o.untouched.assign(o.value.size(), 0);
    if (lse) lse->untouched.assign(lse->value.size(), 0);
  }
  std::atomic<int64_t> next{0};
  auto worker = [&] {
    for (int64_t task = next++; task < tasks; task = next++) {
      reference_head(p, layout, t, ti, task / p.q_heads, task % p.q_heads, o, lse, sample_stride);
    }
  };
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const int64_t work = p.total_q() * p.max_len_kv() * p.head_dim * p.q_heads;
  const unsigned threads = work < (1 << 22) ? 1u : static_cast<unsigned>(std::min<int64_t>(hw, tasks));
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (std::thread& th : pool) th.join();
  return expected;
}

Tolerance AttentionOp::tolerance(const Problem&, const TensorSpec& spec) {
  if (spec.name == "lse") {
    // fp32 sums of up to ~1e5 exponentials and fp32 dot products of up to 256 terms: relative
    // error of the sum well under 1e-3, i.e. under 1e-3 absolute in the log.
    return {2e-3, 1e-4};
  }
  // With u the unit roundoff of the storage type (2^-11 fp16, 2^-8 bf16): tensor-core variants
  // round each probability to storage before P V, an error of at most u * max|v| = 2u on the
  // output (|v| < 2, weights sum to 1), and the output is rounded once more (u * |o|). fp32
  // accumulation adds ~1e-6. So fp16: 2u ~ 1e-3 absolute + 5e-4 relative; bf16: 2u ~ 8e-3
  // absolute + 4e-3 relative. The bounds below are about twice that.
  if (spec.dtype == DType::bf16) return {1.6e-2, 2e-2};
  return {2e-3, 1e-2};
}

AttentionArgs AttentionOp::bind(const Problem& p, const std::vector<void*>& ptr) {
  const TensorIndex ti(p);
  AttentionArgs a;
  a.q = ptr[ti.q];
  a.k = ptr[ti.k];
  a.v = ptr[ti.v];
  if (p.varlen()) {
    a.cu_seqlens_q = static_cast<const int32_t*>(ptr[ti.cu_q]);
    a.cu_seqlens_kv = static_cast<const int32_t*>(ptr[ti.cu_kv]);
  }
  a.o = ptr[ti.o];
  if (p.return_lse) a.lse = static_cast<float*>(ptr[ti.lse]);
  return a;
}

namespace {

AttentionProblem dense(int64_t b, int64_t hq, int64_t hkv, int64_t sq, int64_t skv, int64_t d, bool causal, DType dtype,
                       bool lse = false) {
  AttentionProblem p;
  p.batch = b;
  p.q_heads = hq;
  p.kv_heads = hkv;
  p.seqlen_q = sq;
  p.seqlen_kv = skv;
  p.head_dim = d;
  p.causal = causal;
  p.dtype = dtype;
  p.return_lse = lse;
  return p;
}

AttentionProblem varlen(std::vector<int64_t> lens_q, std::vector<int64_t> lens_kv, int64_t hq, int64_t hkv, int64_t d,
                        bool causal, DType dtype, bool lse) {
  AttentionProblem p = dense(static_cast<int64_t>(lens_q.size()), hq, hkv, 0, 0, d, causal, dtype, lse);
  p.seq_lens_q = std::move(lens_q);
  p.seq_lens_kv = std::move(lens_kv);
  return p;
}

}  // namespace

std::vector<AttentionProblem> AttentionOp::test_problems() {
  // Each problem's fp64 reference costs B * Hq * Sq * Skv * D multiply-adds (twice): kept <= ~1e9.
  std::vector<Problem> problems;
  for (DType dt : {DType::f16, DType::bf16}) {
    // Prefill-like: lengths from {1, 17, 128, 1000, 4096}, head dims 64/128/256, GQA 1/4/8.
    problems.push_back(dense(1, 1, 1, 1, 1, 64, false, dt, true));
    problems.push_back(dense(2, 4, 1, 17, 17, 64, true, dt, true));
    problems.push_back(dense(1, 4, 4, 128, 128, 128, false, dt));
    problems.push_back(dense(2, 8, 1, 128, 1000, 128, true, dt, true));  // causal, Sq < Skv
    problems.push_back(dense(1, 8, 2, 1000, 128, 64, true, dt, true));   // causal, Sq > Skv: rows 0..871 see no key
    problems.push_back(dense(3, 4, 4, 128, 17, 256, true, dt, true));    // D 256, rows 0..110 see no key
    problems.push_back(dense(1, 2, 2, 1000, 1000, 256, false, dt));
    problems.push_back(dense(1, 2, 2, 1000, 1000, 128, true, dt));
    problems.push_back(dense(1, 1, 1, 4096, 4096, 64, true, dt, true));
    problems.push_back(dense(1, 2, 2, 4096, 128, 128, false, dt));
    problems.push_back(dense(1, 4, 1, 17, 4096, 128, false, dt, true));
    problems.push_back(dense(2, 4, 4, 1000, 1, 64, false, dt));
    problems.push_back(dense(2, 4, 4, 1000, 1, 128, true, dt, true));  // one key: only the last row sees it
    problems.push_back(dense(1, 8, 8, 17, 1000, 256, true, dt));
    AttentionProblem peaked = dense(1, 4, 2, 300, 700, 64, true, dt, true);
    peaked.scale = 0.5f;  // scores of std ~4: the running max moves, online rescaling matters
    problems.push_back(peaked);
    // Varlen batches: empty, 1-token and Sq > Skv sequences among them.
    problems.push_back(varlen({1, 17, 128, 300, 0}, {1, 40, 128, 1000, 5}, 8, 2, 128, true, dt, true));
    problems.push_back(varlen({17, 5, 1, 128}, {17, 1, 1000, 64}, 4, 4, 64, false, dt, true));
    problems.push_back(varlen({200, 3}, {100, 260}, 2, 1, 256, true, dt, true));
    // Decode-like: a few queries against long KV, GQA.
    problems.push_back(dense(1, 8, 1, 1, 4096, 256, false, dt));
    problems.push_back(dense(4, 32, 8, 1, 1000, 128, false, dt, true));
    problems.push_back(dense(3, 8, 4, 8, 4096, 256, true, dt, true));
    problems.push_back(dense(2, 16, 2, 4, 1000, 64, true, dt, true));
    problems.push_back(dense(2, 32, 8, 1, 1, 128, false, dt, true));  // KV length 1
    problems.push_back(dense(2, 8, 2, 8, 3, 128, true, dt, true));    // decode rows 0..4 see no key
    problems.push_back(dense(1, 8, 1, 1, 100000, 128, false, dt, true));
    problems.push_back(dense(1, 8, 2, 2, 100000, 64, true, dt));
    problems.push_back(varlen({1, 4, 2}, {3000, 1, 17}, 8, 2, 128, true, dt, true));
  }
  // Every split count 1..kMaxSplits gives the same result (splits beyond the key tiles are empty).
  for (int splits = 1; splits <= kMaxSplits; ++splits) {
    AttentionProblem p = dense(2, 8, 2, 2, 1000, 128, true, DType::f16, true);
    p.num_splits = splits;
    problems.push_back(p);
  }
  for (int splits : {1, 2, 3, 7, 16, kMaxSplits}) {
    AttentionProblem p = dense(1, 16, 4, 4, 3001, 256, false, DType::bf16, true);
    p.num_splits = splits;
    problems.push_back(p);
  }
  return problems;
}

std::vector<BenchProblem<AttentionProblem>> AttentionOp::bench_problems() {
  std::vector<BenchProblem<Problem>> out;
  // FlashAttention-2's benchmark: batch 4, 16 heads, no GQA (preset "fa2-bench").
  for (int64_t d : {64, 128, 256}) {
    for (int64_t s : {1024, 4096, 8192}) {
      for (bool causal : {false, true}) {
        const std::string shape =
            "prefill/b4/s" + std::to_string(s) + "/d" + std::to_string(d) + (causal ? "/causal" : "");
        out.push_back({"fa2-bench", shape, dense(4, 16, 16, s, s, d, causal, DType::f16)});
        if (d == 128 && s == 8192) out.push_back({"fa2-bench", shape, dense(4, 16, 16, s, s, d, causal, DType::bf16)});
      }
    }
  }
  for (const char* name : {"llama3-8b", "gemma-3-4b"}) {
    const ModelPreset* m = find_model(name);
    if (!m) throw std::logic_error(std::string("attention bench: no model preset ") + name);
    for (int64_t s : {512, 4096, 16384}) {
      out.push_back({m->name, "prefill/b1/s" + std::to_string(s) + "/causal",
                     dense(1, m->q_heads, m->kv_heads, s, s, m->head_dim, true, DType::bf16)});
    }
    const std::pair<int64_t, int64_t> decode[] = {{1, 1024},  {1, 32768}, {1, 131072}, {8, 4096},
                                                  {8, 32768}, {64, 1024}, {64, 4096}};
    for (const auto& [batch, kv] : decode) {
      const std::string shape = "decode/b" + std::to_string(batch) + "/kv" + std::to_string(kv);
      out.push_back({m->name, shape, dense(batch, m->q_heads, m->kv_heads, 1, kv, m->head_dim, false, DType::bf16)});
      if (batch == 1 && kv == 32768) {
        out.push_back({m->name, shape, dense(batch, m->q_heads, m->kv_heads, 1, kv, m->head_dim, false, DType::f16)});
      }
    }
  }
  return out;
}

}  // namespace llmkb
