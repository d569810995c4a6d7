// `llmkb report`: a results file -> report.md, report.html (self-contained: inline CSS and SVG, no
// network) and report.json (the analysed model the other two render), in English or Chinese.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "reports/report_document.h"
#include "reports/report_strings.h"

namespace llmkb::report {

struct RenderedReport {
  std::string markdown;
  std::string html;
  nlohmann::json model;  // report.json: the analysed model, with the language and the texts added
};

std::string render_markdown(const Document& doc);
std::string render_html(const Document& doc);

// Analyses a loaded, validated results file and renders it.
RenderedReport render_report(const nlohmann::json& results, Lang lang);

// Writes DIR/report.md, DIR/report.html and DIR/report.json, creating DIR. Throws
// std::runtime_error naming the path that could not be written.
void write_report(const RenderedReport& report, const std::string& directory);

}  // namespace llmkb::report
