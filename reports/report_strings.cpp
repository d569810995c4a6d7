#include "reports/report_strings.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <utility>

namespace llmkb::report {

namespace {

using Texts = std::map<std::string, std::pair<std::string, std::string>>;  // key -> (en, zh)

const Texts& texts() {
  static const Texts table = {
      {"title", {"llmkb performance report", "集成性能分析报告"}},
      {"generated", {"Generated", "生成时间"}},
      {"results_created", {"Results recorded", "结果记录时间"}},
      {"sec_env", {"1. Environment", "一、运行环境"}},
      {"sec_overview", {"2. Global overview", "二、全局性能概览"}},
      {"sec_variants", {"3. Variant comparison", "三、变体对比"}},
      {"sec_deep", {"4. Deep analysis", "四、深度分析结果"}},
      {"sec_roofline", {"5. Roofline", "五、Roofline 分析"}},
      {"sec_next", {"6. What to try next", "六、优化建议"}},
      {"missing_heading", {"What this report lacks", "缺失的数据"}},
      {"missing_no_counters",
       {"No hardware counters in this results file: the deep analysis, roofline and suggestions need "
        "`llmkb bench --profile`.",
        "结果文件中没有硬件计数器：深度分析、Roofline 与优化建议需要 `llmkb bench --profile`。"}},
      {"missing_some_counters",
       {"Counters for {0} of {1} cases ({2} with a profiling error).",
        "{1} 个用例中有 {0} 个带计数器（{2} 个采集出错）。"}},
      {"missing_no_trace",
       {"No kernel trace: the overview counts the benchmark's timed launches per variant instead.",
        "没有 kernel 追踪数据：概览改为按变体统计基准测试计时的启动。"}},
      {"missing_profiler_failed", {"The profiler did not run ({0}): {1}", "性能分析器未运行（{0}）：{1}"}},
      {"missing_dropped",
       {"The trace dropped {0} records: its totals are lower bounds.", "追踪丢失了 {0} 条记录：总数为下限。"}},
      {"missing_no_cases", {"The results file has no cases.", "结果文件中没有用例。"}},
      {"missing_trace_error", {"The trace's error: {0}", "追踪的错误：{0}"}},
      {"none", {"none", "无"}},
      {"na", {"n/a", "无数据"}},

      {"env_device", {"Device", "设备"}},
      {"env_cc", {"Compute capability", "计算能力"}},
      {"env_sms", {"SMs", "SM数量"}},
      {"env_sm_clock", {"SM clock", "SM时钟"}},
      {"env_mem_clock", {"Memory clock", "显存时钟"}},
      {"env_bus", {"Memory bus", "显存位宽"}},
      {"env_l2", {"L2 cache", "L2缓存"}},
      {"env_memory", {"Device memory", "显存容量"}},
      {"env_driver", {"Driver (CUDA version it supports)", "驱动（支持的CUDA版本）"}},
      {"env_runtime", {"CUDA runtime", "CUDA运行时"}},
      {"env_timing", {"Timing", "计时方式"}},
      {"env_timing_cold", {"cold L2 (flushed before each launch)", "冷 L2（每次启动前清空）"}},
      {"env_timing_warm", {"warm L2", "热 L2"}},
      {"env_repetitions", {"Repetitions", "重复次数"}},
      {"env_date", {"Date", "日期"}},
      {"env_generator", {"Generator", "生成程序"}},
      {"env_host", {"Host", "主机"}},
      {"env_command", {"Command", "命令"}},
      {"env_cases", {"Cases", "用例"}},
      {"env_cases_value",
       {"{0} ran ({1} failed), {2} combinations skipped", "运行 {0} 个（{1} 个失败），跳过 {2} 个组合"}},
      {"env_profiler", {"Profiler", "性能分析器"}},
      {"env_profiler_value", {"{0}, {1} counter passes", "{0}，{1} 遍计数器采集"}},
      {"ceilings_heading", {"Ceilings", "性能上限"}},
      {"ceilings_intro",
       {"Measured in the same run, except those marked theoretical.", "均在同一次运行中实测，标注“理论”的除外。"}},
      {"ceil_read", {"Read bandwidth (measured)", "只读带宽（实测）"}},
      {"ceil_read_curve", {"Read bandwidth by size (measured)", "不同读取量下的只读带宽（实测）"}},
      {"ceil_write", {"Write bandwidth (measured)", "只写带宽（实测）"}},
      {"ceil_copy", {"Copy bandwidth, read + write (measured)", "拷贝带宽，读+写（实测）"}},
      {"ceil_dram_peak",
       {"DRAM peak (theoretical: 2 x memory clock x bus width)", "DRAM峰值（理论：2 x 显存时钟 x 位宽）"}},
      {"ceil_launch", {"Empty-kernel launch time (measured)", "空kernel启动时间（实测）"}},
      {"ceil_tensor", {"fp16 tensor rate, cuBLAS GEMM (measured)", "fp16 张量核心速率，cuBLAS GEMM（实测）"}},
      {"ceil_fp32", {"fp32 peak (theoretical)", "fp32 峰值（理论）"}},
      {"ceil_fp16", {"fp16 non-tensor peak (theoretical)", "fp16 非张量核心峰值（理论）"}},

      {"ov_kernel_count", {"Kernels", "总kernels数量"}},
      {"ov_total_time", {"Total kernel time", "总kernel执行时间"}},
      {"ov_span", {"Trace span", "追踪时长"}},
      {"ov_source_trace",
       {"Source: the kernel trace of the timed loops and the calibration (like `nsys stats` cuda_gpu_kern_sum).",
        "来源：计时循环与校准的 kernel 追踪（同 `nsys stats` cuda_gpu_kern_sum）。"}},
      {"ov_source_samples",
       {"Source: the benchmark's timed launches per variant (iterations x mean time of each repetition).",
        "来源：基准测试按变体统计的计时启动（每次重复的迭代次数 x 平均时间）。"}},
      {"ov_trace_error", {"No kernel trace to count: {0}.", "没有可统计的 kernel 追踪：{0}。"}},
      {"ov_dropped",
       {"The trace dropped {0} records: the instances and times below are lower bounds.",
        "追踪丢失了 {0} 条记录：下表的调用次数与时间为下限。"}},
      {"ov_dropped_note", {"The count of dropped records may be short: {0}.", "丢失记录数可能偏少：{0}。"}},
      {"ov_untimed",
       {"{0} kernel records came without timestamps (CUPTI had no device memory to time them) and are left out "
        "of the table: its instances and times are lower bounds.",
        "{0} 条 kernel 记录没有时间戳（CUPTI 无设备内存为其计时），未计入下表：调用次数与时间为下限。"}},
      {"ov_benchmarked_time",
       {"Time in the benchmarked kernels (share of the total kernel time, not of the trace span)",
        "被测 kernel 执行时间（占总kernel执行时间的比例，而非占追踪时长）"}},
      {"ov_harness_note",
       {"† launched by no benchmarked case: the harness (L2 flush before each cold launch, stream hold before "
        "each warm one, calibration).",
        "† 不属于任何被测用例：测试框架自身的 kernel（冷启动前清空 L2、热启动前占住流、校准）。"}},
      {"col_rank", {"#", "#"}},
      {"col_kernel", {"Kernel", "Kernel"}},
      {"col_instances", {"Instances", "调用次数"}},
      {"col_time", {"Time", "执行时间"}},
      {"col_avg", {"Average", "平均时间"}},
      {"col_min", {"Min", "最短时间"}},
      {"col_max", {"Max", "最长时间"}},
      {"col_share", {"Share", "时间占比"}},
      {"chart_overview", {"Share of kernel time", "kernel 时间占比"}},

      {"var_intro",
       {"Per op and shape: the median of the repetitions' median launch times; the rate is the op's minimum bytes "
        "(or FLOPs) over that time, against the calibrated ceiling that applies; the speedup is over the op's "
        "baseline variant; ★ marks the fastest variant that passed its check; † marks a variant whose contract rounds "
        "an input more coarsely than the op's, checked against the op computed on that rounded input "
        "(`check.against` in the results file). § marks a variant that reads an input in a layout of its own, "
        "converted once before timing and not timed, as an engine does at model load (`prepared` in the results "
        "file).",
        "按算子与形状：各次重复中位启动时间的中位数；速率为算子的最小字节数（或 "
        "FLOPs）除以该时间，与适用的校准上限比较；"
        "加速比相对于该算子的基线变体；★ 表示通过校验的最快变体；† 表示其约定对某个输入做了比算子更粗的舍入的变体，"
        "其校验以在该舍入输入上计算的算子结果为准（见结果文件中的 `check.against`）。"
        "§ 表示以自有布局读取某个输入的变体，该输入在计时前转换一次且不计入时间，如同推理引擎加载模型时所做"
        "（见结果文件中的 `prepared`）。"}},
      {"var_op", {"Op `{0}`", "算子 `{0}`"}},
      {"col_shape", {"Shape", "形状"}},
      {"col_variant", {"Variant", "变体"}},
      {"col_median", {"Median", "中位时间"}},
      {"col_rate", {"Rate", "速率"}},
      {"col_pct_ceiling", {"% of ceiling", "占上限比例"}},
      {"col_pct_read_at_size", {"% of read at this size", "占同读取量只读带宽比例"}},
      {"var_read_at_size_note",
       {"% of read at this size (read-bound cases): the rate over the streaming-read rate calibrated at the case's "
        "own bytes (interpolated between the measured sizes). A small read cannot reach the large-buffer read "
        "ceiling: launch, ramp-up and drain take a fixed time.",
        "占同读取量只读带宽比例（以只读带宽为上限的用例）：速率除以在该用例字节数下校准的流式只读带宽"
        "（在实测的读取量之间插值）。小数据量的读取达不到大缓冲区的只读上限：启动、爬升与收尾耗时固定。"}},
      {"col_speedup", {"Speedup vs baseline", "相对基线加速比"}},
      {"var_failed", {"check failed", "校验失败"}},
      {"var_no_time", {"no valid time recorded", "未记录有效时间"}},
      {"var_error", {"error", "错误"}},
      {"chart_variants", {"% of the applicable ceiling, op {0}", "占适用上限的比例，算子 {0}"}},
      {"note_over_100",
       {"‡ over 100 % of the ceiling (or roof), shown as measured, never clamped. A case can pass the copy ceiling: "
        "when its timed launch ends, up to about an L2's worth of its output is still dirty in L2 and is written "
        "back outside the timed region (and outside the launch's DRAM counters), so the case does not pay for all "
        "of its writes. A kernel that reads more than it writes can also pass a 1:1 copy, since reads alone run "
        "faster than a copy.",
        "‡ 超过上限（或性能上限）的 100%，按实测显示、未截断。用例可以超过拷贝上限：计时启动结束时，最多约一个 L2 "
        "容量的输出仍是 L2 中的脏数据，在计时区间之外才写回（也不计入该次启动的 DRAM 计数器），因此用例并未为全部写入"
        "付出时间。读多写少的 kernel 也可以超过 1:1 的拷贝上限，因为纯读取比拷贝更快。"}},

      {"deep_intro",
       {"Per kernel, over its profiled launches (one per case). Bandwidth is DRAM bytes (read + write) over the "
        "kernel's duration. Severity follows the speedup left on the table: high at 2x or more, medium from "
        "1.18x (under 85 % of the roof), low otherwise; the speedup is bounded by the empty-kernel launch time "
        "(against the case's median for a one-kernel case, each launch's own duration otherwise). "
        "A kernel at 85 % of its roof or more, or with one speed-of-light figure at 80 % or more, gets nothing "
        "above low, except a memory speed of light reached in L1 or L2 while DRAM is well under its roof. A low "
        "cache hit rate is a finding only where the kernel re-reads data (DRAM bytes at least 1.25x the op's "
        "minimum).",
        "按 kernel 汇总其各次被分析的启动（每个用例一次）。带宽 = DRAM 字节数（读+写）/ kernel "
        "时长。严重程度取决于尚可获得的"
        "加速比：2 倍及以上为 high，1.18 倍起（低于上限的 85%）为 medium，其余为 low；加速比以空 kernel 启动时间为界"
        "（单 kernel 用例按用例中位时间，否则按各次启动自身的时长）。"
        "达到上限 85% 及以上、或某一 SOL 达到 80% 及以上的 kernel，不会高于 low；例外是内存 SOL 在 L1 或 L2 "
        "达到而 DRAM 远低于其上限的情形。仅当 kernel 重复读取数据（DRAM "
        "字节数至少为最小值的 1.25 倍）时，缓存命中率低才算瓶颈。"}},
      {"deep_launches", {"Profiled launches", "分析的启动次数"}},
      {"deep_bottleneck_count", {"Bottlenecks identified", "识别瓶颈数"}},
      {"deep_avg_sm", {"Average SM efficiency", "平均SM效率"}},
      {"deep_max_sm", {"Max SM efficiency", "最高SM效率"}},
      {"deep_min_sm", {"Min SM efficiency", "最低SM效率"}},
      {"deep_below50", {"Below 50 %", "低于50%数量"}},
      {"deep_avg_bw", {"Average bandwidth", "平均带宽"}},
      {"deep_max_bw", {"Max bandwidth", "最高带宽"}},
      {"deep_min_bw", {"Min bandwidth", "最低带宽"}},
      {"deep_avg_l2", {"Average L2 hit rate", "平均L2命中率"}},
      {"deep_low_l2", {"Launches with L2 hit rate < 50 %", "低L2命中率kernel数（命中率 < 50 % 的启动次数）"}},
      {"deep_avg_l1", {"Average L1 hit rate", "平均L1命中率"}},
      {"deep_low_l1", {"Launches with L1 hit rate < 50 %", "低L1命中率kernel数（命中率 < 50 % 的启动次数）"}},
      {"deep_occupancy", {"Achieved / theoretical occupancy (average)", "实际 / 理论占用率（平均）"}},
      {"deep_registers", {"Registers per thread", "每线程寄存器数"}},
      {"deep_bound", {"Bound (by time)", "受限类型（按时间）"}},
      {"deep_pct_roof", {"% of roof (time-weighted; min to max)", "占性能上限比例（按时间加权；最低至最高）"}},
      {"deep_main", {"Main bottlenecks", "主要瓶颈"}},
      {"deep_none", {"none: every launch is at or near its roof", "无：各次启动均已接近性能上限"}},
      {"deep_artefact",
       {"{0} launch(es) over 100 %: a measurement artefact of short kernels (stores count as hits), shown unclamped",
        "{0} 次超过 100%：短 kernel 的测量误差（写入计为命中），未截断显示"}},
      {"deep_launch_table", {"Launches", "各次启动"}},
      {"col_case", {"Case", "用例"}},
      {"col_duration", {"Duration", "时长"}},
      {"col_dram", {"DRAM traffic", "DRAM流量"}},
      {"col_excess", {"DRAM / minimum", "DRAM / 最小流量"}},
      {"col_bw", {"Bandwidth", "带宽"}},
      {"col_l2", {"L2 hit", "L2命中率"}},
      {"col_sol", {"SOL compute / memory", "SOL 计算 / 内存"}},
      {"col_waves", {"Waves", "波数"}},
      {"col_bound", {"Bound", "受限类型"}},
      {"col_pct_roof", {"% of roof", "占上限比例"}},
      {"col_severity", {"Severity", "严重程度"}},
      {"col_launches", {"Launches", "启动次数"}},
      {"col_finding", {"Finding", "瓶颈"}},
      {"bound_memory", {"memory", "内存"}},
      {"bound_compute", {"compute", "计算"}},
      {"bound_latency", {"latency", "延迟"}},
      {"bound_unknown", {"unknown", "未知"}},
      {"unit_memory", {"memory", "内存"}},
      {"unit_compute", {"compute", "计算"}},
      {"sev_high", {"high", "high"}},
      {"sev_medium", {"medium", "medium"}},
      {"sev_low", {"low", "low"}},
      {"sev_none", {"none", "无"}},
      {"limiter_registers", {"registers", "寄存器"}},
      {"limiter_shared_memory", {"shared memory", "共享内存"}},
      {"limiter_block_size", {"block size", "线程块大小"}},
      {"limiter_blocks_per_sm", {"the blocks-per-SM limit", "每SM线程块数上限"}},
      {"limiter_none", {"nothing", "无"}},
      {"limiter_unknown", {"an unrecorded limiter", "未记录的因素"}},

      {"find_latency_bound",
       {"Latency bound: compute {0} % and memory {1} % of speed of light, both < 60 %",
        "延迟受限：计算 SOL {0}%、内存 SOL {1}%，均低于 60%"}},
      {"find_small_grid", {"; small grid: {0} waves (< 1)", "；网格过小：{0} 波（< 1）"}},
      {"find_below_roof_memory",
       {"Memory bandwidth utilisation low: {0} % of the bandwidth roof (< 85 %)",
        "内存带宽利用率低：仅为带宽上限的 {0}%（< 85%）"}},
      {"find_below_roof_compute",
       {"Compute throughput low: {0} % of the compute roof (< 85 %)", "计算吞吐偏低：仅为计算上限的 {0}%（< 85%）"}},
      {"find_below_roof_unknown", {"Below its roof: {0} % of it (< 85 %)", "未达到性能上限：仅为上限的 {0}%（< 85%）"}},
      {"find_sol_busier_unit",
       {"{0} is the busier unit at {1} % of speed of light (the other {2} %), under 80 %",
        "{0}单元较忙：SOL {1}%（另一单元 {2}%），低于 80%"}},
      {"find_occupancy_gap",
       {"Occupancy low: achieved {0} % against {1} % theoretical (more than 10 points under)",
        "占用率效率低：实际 {0}%，理论 {1}%（相差超过 10 个百分点）"}},
      {"find_occupancy_limited",
       {"Theoretical occupancy {0} % (< 80 %), limited by {1}", "理论占用率 {0}%（< 80%），受限于{1}"}},
      {"find_excess_dram_traffic",
       {"DRAM traffic {0}x the minimum bytes (>= 1.25x): data is re-read",
        "DRAM 流量为最小值的 {0} 倍（>= 1.25）：数据被重复读取"}},
      {"find_case_excess_dram_traffic",
       {"The case's {1} kernels together move {0}x the op's minimum bytes (>= 1.25x): data is re-read or passed "
        "between the kernels through DRAM (a figure of the case, not of this kernel alone)",
        "该用例的 {1} 个 kernel 合计 DRAM 流量为算子最小值的 {0} 倍（>= 1.25）：数据被重复读取，或经 DRAM "
        "在 kernel 之间传递（此为整个用例的数值，并非仅本 kernel）"}},
      {"find_dram_below_minimum",
       {"DRAM traffic {0}x the op's minimum bytes ({1} measured for {2}, < 0.95x): part of the output stayed in L2 "
        "and was written back after the kernel; the % of roof uses the minimum bytes the kernel owes ({3})",
        "DRAM 流量为算子最小值的 {0} 倍（实测 {1}，最小 {2}，< 0.95）：部分输出在 kernel 结束时仍留在 L2，"
        "之后才写回；占上限比例按 kernel 应搬运的最小字节数计算（{3}）"}},
      {"find_memory_pipeline_saturated",
       {"Memory pipeline other than DRAM saturated: memory speed of light {0} % (>= 80 %) while DRAM is at {1} % "
        "of its roof (DRAM speed of light {2}, L1 hit rate {3}): the kernel is against the L1/load-store path or "
        "L2, not DRAM",
        "DRAM 以外的访存流水线饱和：内存 SOL {0}%（>= 80%），而 DRAM 仅为其上限的 {1}%（DRAM SOL {2}，"
        "L1 命中率 {3}）：kernel 受限于 L1/load-store 通路或 L2，而非 DRAM"}},
      {"find_padded_compute",
       {"Counted {1} FLOPs {0}x the op's (> 2x): padded tiles or redundant work; the useful rate is {2} against "
        "{3} counted, and the % of roof is of the useful FLOPs",
        "统计到的{1} FLOPs 为算子的 {0} 倍（> 2）：分块填充或冗余计算；有效速率为 {2}（按统计为 {3}），"
        "占上限比例按有效 FLOPs 计算"}},
      {"find_low_l2_hit",
       {"L2 hit rate low: {0} % (< 50 %) while the kernel re-reads data",
        "L2缓存命中率低：{0}%（< 50%），且数据被重复读取"}},
      {"find_low_l1_hit",
       {"L1 hit rate low: {0} % (< 50 %) while the kernel re-reads data",
        "L1缓存命中率低：{0}%（< 50%），且数据被重复读取"}},
      {"find_low_sm_efficiency", {"SM efficiency low: {0} % (< 50 %)", "SM效率过低：{0}%（< 50%）"}},
      {"find_where", {"{0} of {1} launches; worst on {2}", "{1} 次中 {0} 次；最严重：{2}"}},

      {"roof_intro",
       {"Each point is one profiled launch at (arithmetic intensity = FLOPs / DRAM bytes, achieved FLOP rate), "
        "both from the counters, with two exceptions: a launch whose DRAM counters saw fewer bytes than the op "
        "must move (output left in L2) is placed with the op's minimum bytes, and a tensor launch whose case "
        "counted more than 2x the op's FLOPs (padding) with the op's FLOPs. Lines: the measured bandwidth "
        "ceilings (solid), the theoretical DRAM peak (dashed), and the compute peak of the precision (solid when "
        "measured, dashed when theoretical). Below "
        "the ridge point a kernel is memory bound and its % of roof is achieved bandwidth over the ceiling that "
        "applies to its op; above it, achieved rate over the compute peak. Latency bound: both speed-of-light "
        "figures under 60 %.",
        "每个点是一次被分析的启动，横轴为算术强度（FLOPs / DRAM 字节），纵轴为实际 FLOP 速率，均来自计数器；"
        "两个例外：DRAM 计数少于算子最少字节数的启动（输出留在 L2 中）按最少字节数放置，用例统计 FLOPs "
        "超过算子 2 倍（填充）的张量核启动按算子 FLOPs 放置。"
        "实线为实测带宽上限，虚线为理论 DRAM 峰值；计算峰值实测时为实线、理论值为虚线。脊点左侧为内存受限，占上限比例 "
        "= "
        "实际带宽 / 该算子适用的带宽上限；右侧为实际速率 / 计算峰值。两个 SOL 均低于 60% 时为延迟受限。"}},
      {"roof_chart", {"Roofline, {0}: compute peak {1} ({2})", "Roofline，{0}：计算峰值 {1}（{2}）"}},
      {"roof_measured", {"measured", "实测"}},
      {"roof_theoretical", {"theoretical", "理论"}},
      {"roof_basis", {"Compute peak: {0}", "计算峰值：{0}"}},
      {"prec_tensor", {"tensor cores (fp16/bf16)", "张量核心（fp16/bf16）"}},
      {"prec_fp16", {"fp16, no tensor cores", "fp16（非张量核心）"}},
      {"prec_fp32", {"fp32", "fp32"}},
      {"roof_none",
       {"No launch has both FLOPs and DRAM bytes to place on a roofline.",
        "没有同时具有 FLOPs 与 DRAM 字节数的启动可绘制。"}},
      {"basis_measured_tensor",
       {"measured: cuBLAS fp16 GEMM, calibration.tensor_f16_tflops",
        "实测：cuBLAS fp16 GEMM，calibration.tensor_f16_tflops"}},
      {"basis_theoretical",
       {"theoretical: {0} SMs x {1} MHz x {2} {3} FMA instructions per clock per SM x 2 FLOP",
        "理论值：{0} 个 SM x {1} MHz x 每 SM 每时钟 {2} 条 {3} FMA 指令 x 2 FLOP"}},
      {"basis_theoretical_fp16",
       {"theoretical: {0} SMs x {1} MHz x {2} fp16 FMA instructions per clock per SM x 2 FLOP, counted as the "
        "SASS counters count them: a 2-wide HFMA2 is one instruction, so this is half the vendor's fp16 figure",
        "理论值：{0} 个 SM x {1} MHz x 每 SM 每时钟 {2} 条 fp16 FMA 指令 x 2 FLOP，按 SASS 计数器的计法："
        "一条 2 路的 HFMA2 记为一条指令，故为厂商 fp16 数值的一半"}},
      {"basis_unknown",
       {"unknown: compute capability {0} is not in the FMA table", "未知：计算能力 {0} 不在 FMA 表中"}},
      {"ceiling_read", {"read", "只读"}},
      {"ceiling_write", {"write", "只写"}},
      {"ceiling_copy", {"copy", "拷贝"}},
      {"ceiling_tensor_f16", {"fp16 tensor", "fp16 张量核心"}},
      {"ceiling_dram_peak", {"DRAM peak", "DRAM 峰值"}},
      {"roof_no_flops",
       {"Not on a chart (no FLOPs counted: measured against the bandwidth ceiling only): {0}.",
        "未绘制（未统计到 FLOPs：仅与带宽上限比较）：{0}。"}},
      {"roof_axis_x", {"arithmetic intensity (FLOP/byte)", "算术强度（FLOP/字节）"}},
      {"roof_axis_y", {"TFLOP/s", "TFLOP/s"}},

      {"next_intro",
       {"One suggestion per kernel with a high or medium finding, from the launch where that finding is worst.",
        "每个存在 high 或 medium 瓶颈的 kernel 给出一条建议，依据该瓶颈最严重的那次启动。"}},
      {"next_none", {"No kernel has a high or medium finding.", "没有 kernel 存在 high 或 medium 级别的瓶颈。"}},
      {"sugg_latency_small_grid",
       {"On {0} the grid fills {1} waves of the {2} SMs ({3} blocks of {4} threads) and compute / memory speed of "
        "light are {5} % / {6} %: split the work over more, smaller blocks (for example several blocks per row) "
        "so every SM has work, or fuse this kernel into its neighbour; the case takes {7} against a {8} "
        "empty-kernel launch.",
        "在 {0} 上，网格只填满 {2} 个 SM 的 {1} 波（{3} 个线程块 x {4} 线程），计算 / 内存 SOL 为 {5}% / {6}%："
        "把工作拆分到更多、更小的线程块（例如每行多个线程块）让每个 SM 都有任务，或与相邻 kernel 融合；该用例耗时 {7}，"
        "空 kernel 启动为 {8}。"}},
      {"sugg_latency",
       {"On {0} compute / memory speed of light are {1} % / {2} % with {3} waves: the kernel waits on memory "
        "latency; keep more loads in flight per thread (16-byte vector loads, several independent loads issued "
        "before the first use).",
        "在 {0} 上，计算 / 内存 SOL 为 {1}% / {2}%，{3} 波：kernel 在等待访存延迟；让每个线程同时发出更多访存"
        "（16 字节向量加载、在首次使用前发出多个独立加载）。"}},
      {"sugg_memory_rereads",
       {"On {0} it moves {1}x the op's minimum bytes ({2} of DRAM traffic for {3}): keep the re-read data on chip "
        "(registers or shared memory) so each byte comes from DRAM once.",
        "在 {0} 上，DRAM 流量为算子最小值的 {1} 倍（{2}，最小 {3}）：把被重复读取的数据留在片上（寄存器或共享内存），"
        "使每个字节只从 DRAM 读取一次。"}},
      {"sugg_case_rereads",
       {"On {0} the case's {1} kernels together move {2}x the op's minimum bytes ({3} of DRAM traffic for {4}): "
        "keep the intermediate results on chip (fuse the kernels, or reduce partial results in shared memory) so "
        "each byte comes from DRAM once.",
        "在 {0} 上，该用例的 {1} 个 kernel 合计 DRAM 流量为算子最小值的 {2} 倍（{3}，最小 {4}）："
        "把中间结果留在片上（融合 kernel，或在共享内存中归约部分结果），使每个字节只从 DRAM 读取一次。"}},
      {"sugg_memory_pipeline",
       {"On {0} the memory pipeline is at {1} % of speed of light while DRAM is at {2} % of its roof (L1 hit rate "
        "{3}): the loads hit on chip but issue too many requests (narrow or uncoalesced loads, the same data "
        "loaded again by many threads); load each byte once with wide (16-byte) coalesced loads and keep reused "
        "values (scales, the input vector) in registers or shared memory, so DRAM becomes the limit.",
        "在 {0} 上，访存流水线达到 SOL 的 {1}%，而 DRAM 仅为其上限的 {2}%（L1 命中率 {3}）：加载在片上命中，"
        "但请求过多（窄加载或未合并访问、多个线程重复加载同一数据）；用 16 字节合并的宽加载让每个字节只加载一次，"
        "并把复用的值（缩放因子、输入向量）留在寄存器或共享内存中，使 DRAM 成为瓶颈。"}},
      {"sugg_padded_compute",
       {"On {0} the case counts {1}x the op's FLOPs: the useful rate is {2} against {3} counted. Most of the work "
        "is padding (tiles larger than the shape, for example a prefill tile on one query row) or recomputation: "
        "use a variant shaped for this case, or tiles that fit its small dimension.",
        "在 {0} 上，该用例统计到的 FLOPs 为算子的 {1} 倍：有效速率为 {2}（按统计为 {3}）。大部分计算是填充"
        "（分块大于形状，例如 prefill "
        "分块用于单个查询行）或重复计算：改用适合该形状的变体，或使分块适合其较小的维度。"}},
      {"sugg_padded_note",
       {" Its counted FLOPs are {0}x the op's (useful rate {1}): part of its compute is padding or redundant work.",
        "另：其统计到的 FLOPs 为算子的 {0} 倍（有效速率 {1}）：部分计算是填充或冗余工作。"}},
      {"sugg_memory_issue_bound",
       {"On {0} it reaches {1}, {2} % of the {3} ceiling ({4}), but the SM is the busier unit: compute / memory "
        "speed of light {5} % / {6} %. More bytes in flight would not help; the instructions issued per byte "
        "are the limit: cut them (index arithmetic, type conversions, sin/cos or powers computed per element: "
        "precompute or hoist them, use packed half2 math).",
        "在 {0} 上达到 {1}，为{3}上限（{4}）的 {2}%，但 SM 才是较忙的单元：计算 / 内存 SOL 为 {5}% / {6}%。"
        "增加在途字节数无济于事，瓶颈在每字节发出的指令数：减少指令（索引运算、类型转换、逐元素计算的 sin/cos "
        "或幂：预先计算或移出循环，使用 half2 打包运算）。"}},
      {"sugg_memory",
       {"On {0} it reaches {1}, {2} % of the {3} ceiling ({4}): put more bytes in flight: 16-byte vector loads, "
        "more independent loads per thread, or more resident warps (achieved occupancy {5}).",
        "在 {0} 上达到 {1}，为{3}上限（{4}）的 {2}%：增加在途字节数：16 字节向量加载、每线程更多独立加载，"
        "或更多驻留 warp（实际占用率 {5}）。"}},
      {"sugg_compute_tensor",
       {"On {0} it reaches {1}, {2} % of the measured tensor rate: larger tiles and a deeper load pipeline "
        "(more stages) keep the tensor cores fed.",
        "在 {0} 上达到 {1}，为实测张量核心速率的 {2}%：更大的分块与更深的加载流水线（更多级）可让张量核心保持忙碌。"}},
      {"sugg_compute",
       {"On {0} it reaches {1}, {2} % of the theoretical {3} peak: cut instructions per element (fused "
        "multiply-adds, packed half2 math, invariants hoisted out of loops) or move the work to tensor cores.",
        "在 {0} 上达到 {1}，为理论 {3} 峰值的 {2}%：减少每个元素的指令数（融合乘加、half2 打包运算、"
        "把不变量移出循环），或改用张量核心。"}},
      {"sugg_occupancy_registers",
       {"On {0} {1} registers per thread cap theoretical occupancy at {2} %: bound them with __launch_bounds__ "
        "or keep less state live per thread.",
        "在 {0} 上，每线程 {1} 个寄存器把理论占用率限制在 {2}%：用 __launch_bounds__ "
        "限制寄存器，或减少每线程的活跃状态。"}},
      {"sugg_occupancy_shared_memory",
       {"On {0} shared memory per block caps theoretical occupancy at {2} %: use smaller tiles or fewer "
        "pipeline stages.",
        "在 {0} 上，每线程块的共享内存把理论占用率限制在 {2}%：使用更小的分块或更少的流水线级数。"}},
      {"sugg_occupancy_other",
       {"On {0} theoretical occupancy is {2} %, limited by {3}: use blocks of 128 to 256 threads and let "
        "several blocks share an SM.",
        "在 {0} 上，理论占用率为 {2}%，受限于{3}：使用 128 到 256 线程的线程块，让多个线程块共享一个 SM。"}},
      {"sugg_occupancy_gap",
       {"On {0} achieved occupancy is {1} % against {2} % theoretical with {3} waves: the last wave is partial or "
        "blocks finish unevenly; size the grid to whole waves or balance the work per block.",
        "在 {0} 上，实际占用率 {1}%，理论 {2}%，{3} 波：最后一波不满或线程块完成时间不均；"
        "让网格为整数波，或均衡每个线程块的工作量。"}},
      {"sugg_low_sm_efficiency",
       {"On {0} the SMs are active only {1} % of the time ({2} blocks for {3} SMs): launch enough blocks to keep "
        "every SM busy.",
        "在 {0} 上，SM 仅有 {1}% 的时间处于活跃状态（{2} 个线程块，{3} 个 SM）：启动足够多的线程块让每个 SM "
        "保持忙碌。"}},
      {"sugg_evidence", {"Evidence: {0} ({1}).", "依据：{0}（{1}）。"}},
  };
  return table;
}

}  // namespace

std::optional<Lang> parse_lang(const std::string& text) {
  if (text == "en") return Lang::en;
  if (text == "zh") return Lang::zh;
  return std::nullopt;
}

const char* to_string(Lang lang) {
  return lang == Lang::zh ? "zh" : "en";
}

const std::string& tr(Lang lang, const std::string& key) {
  const auto it = texts().find(key);
  if (it == texts().end()) throw std::out_of_range("report string '" + key + "' is not in the table");
  return lang == Lang::zh ? it->second.second : it->second.first;
}

std::string trf(Lang lang, const std::string& key, const std::vector<std::string>& args) {
  std::string text = tr(lang, key);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string token = "{" + std::to_string(i) + "}";
    for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + args[i].size())) {
      text.replace(at, token.size(), args[i]);
    }
  }
  return text;
}

std::vector<std::string> string_keys() {
  std::vector<std::string> keys;
  for (const auto& [key, value] : texts()) keys.push_back(key);
  return keys;
}

// A value that is not finite is missing: "n/a" with no unit after it (the report prints the
// language's own n/a before it gets here).
std::string fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "n/a";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string format_number(double value, int decimals) {
  const double magnitude = std::fabs(value);
  if (std::isfinite(magnitude) && magnitude > 0) {
    const int two_significant = 1 - int(std::floor(std::log10(magnitude)));
    decimals = std::max(decimals, std::min(two_significant, 12));
  }
  return fixed(value, decimals);
}

std::string format_us(double us) {
  const double magnitude = std::fabs(us);
  if (!std::isfinite(us)) return fixed(us, 0);
  if (magnitude >= 1e6) return fixed(us / 1e6, 3) + " s";
  if (magnitude >= 1e3) return fixed(us / 1e3, 3) + " ms";
  return format_number(us, magnitude < 100 ? 2 : 1) + " us";
}
namespace {
// `value` with format_number's digits and its unit, or fixed()'s n/a with no unit where it is missing.
std::string number_with_unit(double value, int decimals, const char* unit) {
  return std::isfinite(value) ? format_number(value, decimals) + " " + unit : fixed(value, decimals);
}
}  // namespace

std::string format_gbps(double gbps) {
  return number_with_unit(gbps, 1, "GB/s");
}
std::string format_tflops(double tflops) {
  return number_with_unit(tflops, 2, "TFLOP/s");
}
std::string format_pct(double pct) {
  return number_with_unit(pct, 1, "%");
}
std::string format_count(double count) {
  return fixed(count, 0);
}

std::string format_bytes(double bytes) {
  if (!std::isfinite(bytes)) return fixed(bytes, 0);
  if (bytes >= 1e9) return fixed(bytes / 1e9, 3) + " GB";
  if (bytes >= 1e6) return fixed(bytes / 1e6, 2) + " MB";
  if (bytes >= 1e3) return fixed(bytes / 1e3, 1) + " KB";
  return fixed(bytes, 0) + " B";
}

}  // namespace llmkb::report
