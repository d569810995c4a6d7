// The analysis step: a results file (already loaded and validated) -> the report model, a JSON
// document that report.json stores as is and that the Markdown and HTML renderers only format.
// Every number in it comes from the results file or is computed from it here.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace llmkb::report {

constexpr const char* kReportModelVersion = "llmkb-report 1";

// Sections of the model, in report order: environment, overview, variants, kernels (deep
// analysis), roofline, suggestions; plus "missing": what the results file lacks (no counters,
// no trace, a profiler error) so the renderers say so.
nlohmann::json analyse_results(const nlohmann::json& results);

// "void ns::(anonymous namespace)::kern<T, 8>(T*, int)" -> "kern<T, 8>".
std::string short_kernel_name(const std::string& demangled);

}  // namespace llmkb::report
