// The report as one self-contained HTML page: inline CSS, inline SVG charts, no network. A short
// inline script checks on load that every chart drew marks and records the result on <body>
// (data-charts-total, data-charts-ok, data-js-errors) for the headless-browser test.
#include <sstream>

#include "reports/report.h"
#include "reports/svg_charts.h"

namespace llmkb::report {

namespace {

// Escapes text and turns `code` spans into <code> elements.
std::string inline_html(const std::string& text) {
  std::string out;
  bool in_code = false;
  for (char c : text) {
    if (c == '`') {
      out += in_code ? "</code>" : "<code>";
      in_code = !in_code;
      continue;
    }
    out += escape_xml(std::string(1, c));
  }
  if (in_code) out += "</code>";
  return out;
}

constexpr const char* kStyle = R"css(
body { font-family: -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC", sans-serif;
       margin: 24px auto; max-width: 1300px; padding: 0 16px; color: #1b1f24; line-height: 1.45; }
h1 { font-size: 26px; border-bottom: 2px solid #d0d7de; padding-bottom: 6px; }
h2 { font-size: 21px; margin-top: 36px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 17px; margin-top: 24px; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; background: #f3f5f7;
       padding: 1px 4px; border-radius: 3px; word-break: break-all; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
dl.fields { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; font-size: 14px; }
dl.fields dt { font-weight: 600; } dl.fields dd { margin: 0; }
svg.chart { display: block; margin: 8px 0 20px; max-width: 100%; height: auto; }
svg.chart text { font-family: inherit; fill: #1b1f24; }
ul.toc { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 14px; }
a { color: #0969da; text-decoration: none; }
)css";

constexpr const char* kSelfCheck = R"js(
(function () {
  var errors = 0;
  function count_error() {
    errors += 1;
    if (document.body) document.body.setAttribute('data-js-errors', String(errors));
  }
  window.addEventListener('error', count_error, true);  // script errors and resources that fail to load
  var console_error = console.error;
  console.error = function () { count_error(); return console_error.apply(console, arguments); };
  window.addEventListener('load', function () {
    var charts = document.querySelectorAll('svg.chart');
    var ok = 0;
    for (var i = 0; i < charts.length; i++) {
      var marks = charts[i].querySelectorAll('.mark');
      var box = charts[i].getBBox();
      if (marks.length > 0 && box.width > 0 && box.height > 0) ok += 1;
    }
    document.body.setAttribute('data-charts-total', String(charts.length));
    document.body.setAttribute('data-charts-ok', String(ok));
    document.body.setAttribute('data-js-errors', String(errors));
  });
})();
)js";

}  // namespace

std::string render_html(const Document& doc) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"" << (doc.lang == Lang::zh ? "zh-CN" : "en") << "\">\n<head>\n"
      << "<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>" << escape_xml(doc.title) << "</title>\n<style>" << kStyle << "</style>\n"
      << "<script>" << kSelfCheck << "</script>\n</head>\n<body data-charts-total=\"0\" data-charts-ok=\"0\">\n"
      << "<h1>" << inline_html(doc.title) << "</h1>\n<nav><ul class=\"toc\">";
  for (const Block& b : doc.blocks) {
    if (b.kind == Block::Kind::heading && b.level == 2 && !b.id.empty()) {
      out << "<li><a href=\"#" << escape_xml(b.id) << "\">" << inline_html(b.text) << "</a></li>";
    }
  }
  out << "</ul></nav>\n";
  bool in_section = false;
  for (const Block& b : doc.blocks) {
    switch (b.kind) {
      case Block::Kind::heading:
        if (b.level == 2) {
          if (in_section) out << "</section>\n";
          out << "<section id=\"" << escape_xml(b.id) << "\">\n";
          in_section = true;
        }
        out << "<h" << b.level << (b.id.empty() || b.level == 2 ? "" : " id=\"" + escape_xml(b.id) + "\"") << ">"
            << inline_html(b.text) << "</h" << b.level << ">\n";
        break;
      case Block::Kind::paragraph:
        out << "<p>" << inline_html(b.text) << "</p>\n";
        break;
      case Block::Kind::fields:
        out << "<dl class=\"fields\">\n";
        for (const auto& [name, value] : b.fields)
          out << "<dt>" << inline_html(name) << "</dt><dd>" << inline_html(value) << "</dd>\n";
        out << "</dl>\n";
        break;
      case Block::Kind::list:
        out << "<ul>\n";
        for (const std::string& item : b.items) out << "<li>" << inline_html(item) << "</li>\n";
        out << "</ul>\n";
        break;
      case Block::Kind::table:
        out << "<table>\n<thead><tr>";
        for (const std::string& h : b.header) out << "<th>" << inline_html(h) << "</th>";
        out << "</tr></thead>\n<tbody>\n";
        for (const auto& row : b.rows) {
          out << "<tr>";
          for (const std::string& c : row) out << "<td>" << inline_html(c) << "</td>";
          out << "</tr>\n";
        }
        out << "</tbody>\n</table>\n";
        break;
      case Block::Kind::chart:
        out << b.svg << "\n";
        break;
    }
  }
  if (in_section) out << "</section>\n";
  out << "</body>\n</html>\n";
  return out.str();
}

}  // namespace llmkb::report
