// The report laid out once, in one language, as blocks (headings, fields, tables, charts) that the
// Markdown and HTML renderers print. Text may hold `code` spans; the renderers format them.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "reports/report_strings.h"

namespace llmkb::report {

struct Block {
  enum class Kind { heading, paragraph, fields, table, chart, list };
  Kind kind = Kind::paragraph;
  int level = 2;     // heading level
  std::string id;    // heading anchor (section ids: environment, overview, variants, deep, roofline, next)
  std::string text;  // heading or paragraph text
  std::vector<std::pair<std::string, std::string>> fields;  // name, value
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> items;  // list
  std::string svg;                 // chart (HTML only; Markdown points to report.html)
};

struct Document {
  std::string title;
  Lang lang = Lang::en;
  std::vector<Block> blocks;
};

// The section ids, in report order (tests look for each in every format).
const std::vector<std::string>& section_ids();

Document build_document(const nlohmann::json& model, Lang lang);

// The text of a finding (model.kernels[i].findings[j], with the launch it was seen on) and of a
// suggestion (model.suggestions[i]), in the language.
std::string finding_text(const nlohmann::json& finding, const nlohmann::json& launch, Lang lang);
std::string suggestion_text(const nlohmann::json& suggestion, const nlohmann::json& model, Lang lang);

}  // namespace llmkb::report
