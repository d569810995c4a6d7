// The one implementation of ProblemCase / DeviceRun / OpSuite, generic over an op's traits.
#pragma once
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kernels/common/cuda_check.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/variant.h"
#include "kernels/harness/case.h"

namespace llmkb {

template <class Op>
VariantInfo variant_info(const Variant<Op>& v) {
  return {v.name, Op::kName, v.idea, v.min_sm, v.baseline, v.checked_against, v.prepared};
}

// Host inputs and the fp64 expectation of one problem.
struct HostData {
  std::vector<HostTensor> tensors;  // in Op::tensors order
  std::vector<Expected> expected;   // same indexing; empty for pure inputs
};

template <class Op>
class OpRun final : public DeviceRun {
 public:
  using Problem = typename Op::Problem;
  // `expected`: the variant's own reference (Variant::reference), or null for host->expected.
  OpRun(const Problem& problem, const Variant<Op>& variant, std::shared_ptr<const HostData> host,
        std::shared_ptr<const std::vector<Expected>> expected)
      : problem_(problem),
        variant_(variant),
        host_holder_(std::move(host)),
        host_(*host_holder_),
        expected_holder_(std::move(expected)),
        expected_(expected_holder_ ? *expected_holder_ : host_.expected) {
    std::vector<void*> pointers;
    for (const HostTensor& t : host_.tensors) {
      buffers_.emplace_back(t.size_bytes());
      pointers.push_back(buffers_.back().get());
      if (t.spec().role != Role::output) {
        LLMKB_CUDA_CHECK(cudaMemcpy(buffers_.back().get(), t.data(), t.size_bytes(), cudaMemcpyHostToDevice));
      }
      if (t.spec().role == Role::inout) {
        pristine_.emplace_back(t.size_bytes());
        LLMKB_CUDA_CHECK(cudaMemcpy(pristine_.back().get(), t.data(), t.size_bytes(), cudaMemcpyHostToDevice));
      } else {
        pristine_.emplace_back();
      }
    }
    // A copy from pageable memory may return before its DMA has landed, and the runs' streams do
    // not synchronise with the legacy stream: wait here, before any kernel can read the inputs.
    LLMKB_CUDA_CHECK(cudaDeviceSynchronize());
    args_ = Op::bind(problem_, pointers);
    if (variant_.prepare_inputs) {
      CudaStream stream;
      prepared_ = variant_.prepare_inputs(problem_, args_, stream.get());
      LLMKB_CUDA_CHECK(cudaStreamSynchronize(stream.get()));
    }
  }

  void reset(cudaStream_t stream) override {
    restore_inplace_inputs(stream);
    for (size_t i = 0; i < buffers_.size(); ++i) {
      if (host_.tensors[i].spec().role == Role::output) {
        LLMKB_CUDA_CHECK(cudaMemsetAsync(buffers_[i].get(), 0xff, buffers_[i].size(), stream));  // NaN
      }
    }
  }

  void restore_inplace_inputs(cudaStream_t stream) override {
    for (size_t i = 0; i < buffers_.size(); ++i) {
      if (host_.tensors[i].spec().role == Role::inout) {
        LLMKB_CUDA_CHECK(cudaMemcpyAsync(buffers_[i].get(), pristine_[i].get(), buffers_[i].size(),
                                         cudaMemcpyDeviceToDevice, stream));
      }
    }
  }

  bool has_inplace_inputs() const override {
    for (const HostTensor& t : host_.tensors) {
      if (t.spec().role == Role::inout) return true;
    }
    return false;
  }

  void launch(cudaStream_t stream) override { variant_.launch(problem_, args_, stream); }

  CheckReport check(cudaStream_t stream) override {
    LLMKB_CUDA_CHECK(cudaStreamSynchronize(stream));
    CheckReport report;
    for (size_t i = 0; i < buffers_.size(); ++i) {
      const HostTensor& input = host_.tensors[i];
      if (input.spec().role == Role::input) continue;
      HostTensor got(input.spec());
      LLMKB_CUDA_CHECK(cudaMemcpy(got.data(), buffers_[i].get(), got.size_bytes(), cudaMemcpyDeviceToHost));
      HostTensor before(input.spec());
      if (input.spec().role == Role::output) {
        before.fill_bytes(0xff);
      } else {
        std::memcpy(before.data(), input.data(), input.size_bytes());
      }
      report.merge(compare_tensor(got, before, expected_[i], Op::tolerance(problem_, input.spec())));
    }
    return report;
  }

 private:
  Problem problem_;
  Variant<Op> variant_;
  std::shared_ptr<const HostData> host_holder_;  // keeps the inputs alive while the run exists
  const HostData& host_;
  std::shared_ptr<const std::vector<Expected>> expected_holder_;
  const std::vector<Expected>& expected_;
  std::vector<DeviceBuffer> buffers_;
  std::vector<DeviceBuffer> pristine_;  // device copy of each in-place tensor's inputs
  DeviceBuffer prepared_;               // the variant's converted inputs (Variant::prepare_inputs)
  typename Op::Args args_{};
};

template <class Op>
class OpCase final : public ProblemCase {
 public:
  using Problem = typename Op::Problem;
  using ReferenceFn = std::vector<Expected> (*)(const Problem&, const std::vector<HostTensor>&);
  OpCase(Problem problem, std::vector<Variant<Op>> variants, std::string model = {}, std::string shape = {})
      : problem_(std::move(problem)), variants_(std::move(variants)), model_(std::move(model)), shape_(std::move(shape)) {
    for (const Variant<Op>& v : variants_) infos_.push_back(variant_info(v));
    op_ = Op::kName;
  }

  const std::string& op() const override { return op_; }
  std::string label() const override {
    if (model_.empty()) return Op::describe(problem_);
    return std::string(to_string(Op::dtype(problem_))) + "/" + model_ + "/" + shape_;
  }
  const std::string& model() const override { return model_; }
  std::string dtype() const override { return to_string(Op::dtype(problem_)); }
  nlohmann::json problem_json() const override { return Op::to_json(problem_); }
  double bytes_moved() const override { return Op::bytes_moved(problem_); }
  double flops() const override { return Op::flops(problem_); }
  Ceiling ceiling() const override { return Op::ceiling(problem_); }
  size_t host_bytes_estimate() const override {
    std::set<ReferenceFn> references{nullptr};  // Op::reference, and each variant's own
    for (const Variant<Op>& v : variants_) references.insert(v.reference);
    size_t total = 0;
    for (const TensorSpec& spec : Op::tensors(problem_)) {
      total += spec.count * dtype_size(spec.dtype);
      if (spec.role != Role::input) total += references.size() * spec.count * sizeof(double);
    }
    return total;
  }

  const std::vector<VariantInfo>& variants() const override { return infos_; }
  Support supports(size_t variant) const override { return variants_.at(variant).supports(problem_); }

  std::unique_ptr<DeviceRun> prepare(size_t variant, uint64_t seed) override {
    if (!host_ || seed_ != seed) make_host_data(seed);
    const Variant<Op>& v = variants_.at(variant);
    return std::make_unique<OpRun<Op>>(problem_, v, host_, v.reference ? variant_expected(v.reference) : nullptr);
  }
  void release_host_data() override {
    host_.reset();
    variant_expected_.clear();
  }
  const Problem& problem() const { return problem_; }

 private:
  void make_host_data(uint64_t seed) {
    auto data = std::make_shared<HostData>();
    for (const TensorSpec& spec : Op::tensors(problem_)) data->tensors.emplace_back(spec);
    Rng rng(seed);
    Op::fill_inputs(problem_, data->tensors, rng);
    data->expected = Op::reference(problem_, data->tensors);
    data->expected.resize(data->tensors.size());
    host_ = std::move(data);
    seed_ = seed;
    variant_expected_.clear();
  }

  // A variant's own reference on the current inputs, computed once for all variants that share it.
  std::shared_ptr<const std::vector<Expected>> variant_expected(ReferenceFn reference) {
    auto& slot = variant_expected_[reference];
    if (!slot) {
      auto expected = std::make_shared<std::vector<Expected>>(reference(problem_, host_->tensors));
      expected->resize(host_->tensors.size());
      slot = std::move(expected);
    }
    return slot;
  }

  Problem problem_;
  std::vector<Variant<Op>> variants_;
  std::vector<VariantInfo> infos_;
  std::string op_, model_, shape_;
  std::shared_ptr<const HostData> host_;
  std::map<ReferenceFn, std::shared_ptr<const std::vector<Expected>>> variant_expected_;
  uint64_t seed_ = 0;
};

template <class Op>
class OpSuiteImpl final : public OpSuite {
 public:
  explicit OpSuiteImpl(std::vector<Variant<Op>> variants) : variants_(std::move(variants)), op_(Op::kName) {
    for (const Variant<Op>& v : variants_) infos_.push_back(variant_info(v));
  }
  const std::string& op() const override { return op_; }
  const std::vector<VariantInfo>& variants() const override { return infos_; }
  std::vector<std::unique_ptr<ProblemCase>> test_cases() const override {
    std::vector<std::unique_ptr<ProblemCase>> cases;
    for (const auto& problem : Op::test_problems()) cases.push_back(std::make_unique<OpCase<Op>>(problem, variants_));
    return cases;
  }
  std::vector<std::unique_ptr<ProblemCase>> bench_cases() const override {
    std::vector<std::unique_ptr<ProblemCase>> cases;
    for (const auto& b : Op::bench_problems()) {
      cases.push_back(std::make_unique<OpCase<Op>>(b.problem, variants_, b.model, b.shape));
    }
    return cases;
  }

 private:
  std::vector<Variant<Op>> variants_;
  std::vector<VariantInfo> infos_;
  std::string op_;
};

}  // namespace llmkb
