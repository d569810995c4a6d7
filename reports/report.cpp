#include "reports/report.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "reports/report_model.h"

namespace llmkb::report {

RenderedReport render_report(const nlohmann::json& results, Lang lang) {
  RenderedReport report;
  report.model = analyse_results(results);
  const Document doc = build_document(report.model, lang);
  report.markdown = render_markdown(doc);
  report.html = render_html(doc);
  // report.json carries the texts too, so a reader needs no strings table.
  report.model["lang"] = to_string(lang);
  for (auto& kernel : report.model["kernels"]) {
    for (auto& finding : kernel["findings"]) {
      finding["text"] = finding_text(finding, kernel["launch_details"][finding["launch_index"].get<size_t>()], lang);
    }
  }
  for (auto& suggestion : report.model["suggestions"])
    suggestion["text"] = suggestion_text(suggestion, report.model, lang);
  return report;
}

namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw std::runtime_error(path.string() + ": cannot write the file");
}

}  // namespace

void write_report(const RenderedReport& report, const std::string& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) throw std::runtime_error(directory + ": cannot create the output directory: " + error.message());
  const std::filesystem::path dir(directory);
  write_file(dir / "report.md", report.markdown);
  write_file(dir / "report.html", report.html);
  write_file(dir / "report.json", report.model.dump(2) + "\n");
}

}  // namespace llmkb::report
