// Which counters `llmkb bench --profile` collects: GUIDE.md section 5's set, with the tensor-pipe
// metrics looked up per chip (their names differ between Turing and Hopper), plus --metrics.
#pragma once
#include <string>
#include <vector>

namespace llmkb {

class ChipCatalog;

// Perfworks names used by the FLOP derivation and the report.
namespace metric {
inline constexpr const char* kDuration = "gpu__time_duration.sum";
inline constexpr const char* kFadd = "sm__sass_thread_inst_executed_op_fadd_pred_on.sum";
inline constexpr const char* kFmul = "sm__sass_thread_inst_executed_op_fmul_pred_on.sum";
inline constexpr const char* kFfma = "sm__sass_thread_inst_executed_op_ffma_pred_on.sum";
inline constexpr const char* kHadd = "sm__sass_thread_inst_executed_op_hadd_pred_on.sum";
inline constexpr const char* kHmul = "sm__sass_thread_inst_executed_op_hmul_pred_on.sum";
inline constexpr const char* kHfma = "sm__sass_thread_inst_executed_op_hfma_pred_on.sum";
}  // namespace metric

// The chip-independent part of the default set (GUIDE.md section 5), in report order.
const std::vector<std::string>& common_default_metrics();

// The chip's tensor-pipe op counters: every `sm__ops_path_tensor_src_*` counter with fp16 or bf16
// sources and no sparsity split, as `.sum` (GH100: ..._src_fp16, ..._src_bf16_dst_fp32;
// TU102: ..._src_fp16_dst_fp16, ..._src_fp16_bf16_tf32_dst_fp32). Empty on chips without tensor
// cores (TU116, TU117).
std::vector<std::string> tensor_metrics(const ChipCatalog& catalog);

struct MetricSet {
  std::vector<std::string> metrics;         // what is collected, in order, without duplicates
  std::vector<std::string> tensor_metrics;  // the subset chosen for the tensor pipe
};

// Default set for the chip, then `extra` (user's --metrics) not already in it.
MetricSet default_metric_set(const ChipCatalog& catalog, const std::vector<std::string>& extra = {});

}  // namespace llmkb
