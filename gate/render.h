// The gate's output: a console table, a pull-request comment (Markdown) and JSON for tools.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "gate/compare.h"

namespace llmkb {

enum class CompareFormat { text, md, json };

bool parse_compare_format(const std::string& text, CompareFormat& out);  // "text", "md", "json"

// Regressions and failures first, then improvements, inconclusive rows with their reasons, the
// unchanged, cases on one side only, and the gate's result.
std::string render_text(const Comparison& comparison);

// A pull-request comment: the result in the title, regressions and failed cases, improvements,
// then the rest and both runs' environments in collapsed <details> blocks.
std::string render_markdown(const Comparison& comparison);

// Everything the other two show, for tools: settings, both runs, every row, one-sided cases,
// counts and the exit code.
nlohmann::json render_json(const Comparison& comparison);

std::string render(const Comparison& comparison, CompareFormat format);

}  // namespace llmkb
