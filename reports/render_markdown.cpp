// The report as Markdown: headings, field lists and tables; charts live in report.html.
#include <sstream>

#include "reports/report.h"

namespace llmkb::report {

namespace {

std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string render_markdown(const Document& doc) {
  std::ostringstream out;
  out << "# " << doc.title << "\n\n";
  bool chart_note_given = false;
  for (const Block& b : doc.blocks) {
    switch (b.kind) {
      case Block::Kind::heading:
        out << std::string(size_t(b.level), '#') << " " << b.text << "\n\n";
        break;
      case Block::Kind::paragraph:
        out << b.text << "\n\n";
        break;
      case Block::Kind::fields:
        for (const auto& [name, value] : b.fields) out << "- " << name << ": " << value << "\n";
        out << "\n";
        break;
      case Block::Kind::list:
        for (const std::string& item : b.items) out << "- " << item << "\n";
        out << "\n";
        break;
      case Block::Kind::table: {
        out << "|";
        for (const std::string& h : b.header) out << " " << cell(h) << " |";
        out << "\n|";
        for (size_t i = 0; i < b.header.size(); ++i) out << " --- |";
        out << "\n";
        for (const auto& row : b.rows) {
          out << "|";
          for (const std::string& c : row) out << " " << cell(c) << " |";
          out << "\n";
        }
        out << "\n";
        break;
      }
      case Block::Kind::chart:
        if (!chart_note_given) {
          out << (doc.lang == Lang::zh ? "（图表见 report.html。）" : "(Charts: see report.html.)") << "\n\n";
          chart_note_given = true;
        }
        break;
    }
  }
  return out.str();
}

}  // namespace llmkb::report
