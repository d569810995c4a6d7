#include <iostream>

#include "bench/results_schema.h"
#include "cli/commands.h"
#include "reports/report.h"

namespace llmkb {

namespace {

constexpr int kReportOk = 0;
constexpr int kReportCannotWrite = 1;
constexpr int kReportBadInput = 2;

const char* kReportHelp = R"(usage: llmkb report --input RESULTS.json --out DIR [--lang en|zh]

Turns a results file (from `llmkb bench`, best with --profile) into DIR/report.md,
DIR/report.html (one self-contained page with inline SVG charts; opens offline) and
DIR/report.json (the analysed model the other two render).

  --input FILE   the results file (docs/results-schema.md)
  --out DIR      output directory (created if missing)
  --lang en|zh   language of the report (default en)

A results file without counters (no --profile) still gives a report: the sections that need
counters say what is missing.

Exit codes: 0 report written; 1 the output could not be written; 2 bad input (unknown option,
missing argument, or a results file that is missing, empty, not JSON, truncated, of another
schema version, or not matching the schema).
)";

}  // namespace

int cmd_report(const std::vector<std::string>& args) {
  std::string input, out_dir, lang_text = "en";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag, std::string& into) {
      if (i + 1 >= args.size()) {
        std::cerr << "llmkb report: " << flag << " needs a value\n\n" << kReportHelp;
        return false;
      }
      into = args[++i];
      return true;
    };
    if (a == "--help" || a == "-h") {
      std::cout << kReportHelp;
      return kReportOk;
    } else if (a == "--input") {
      if (!value("--input", input)) return kReportBadInput;
    } else if (a == "--out") {
      if (!value("--out", out_dir)) return kReportBadInput;
    } else if (a == "--lang") {
      if (!value("--lang", lang_text)) return kReportBadInput;
    } else {
      std::cerr << "llmkb report: unknown option '" << a << "'\n\n" << kReportHelp;
      return kReportBadInput;
    }
  }
  if (input.empty() || out_dir.empty()) {
    std::cerr << "llmkb report: --input and --out are required\n\n" << kReportHelp;
    return kReportBadInput;
  }
  const auto lang = report::parse_lang(lang_text);
  if (!lang) {
    std::cerr << "llmkb report: unknown language '" << lang_text << "' (en or zh)\n";
    return kReportBadInput;
  }
  nlohmann::json results;
  try {
    results = load_results_file(input);
  } catch (const ResultsFileError& e) {
    std::cerr << "llmkb report: " << e.what() << "\n";
    return kReportBadInput;
  }
  report::RenderedReport rendered;
  try {
    rendered = report::render_report(results, *lang);
  } catch (const nlohmann::json::exception& e) {  // the schema leaves profile and trace open: malformed ones land here
    std::cerr << "llmkb report: " << input << ": malformed profile or trace data: " << e.what() << "\n";
    return kReportBadInput;
  }
  try {
    report::write_report(rendered, out_dir);
  } catch (const std::exception& e) {
    std::cerr << "llmkb report: " << e.what() << "\n";
    return kReportCannotWrite;
  }
  for (const auto& missing : rendered.model["missing"]) {
    if (missing["what"] == "no_counters") {
      std::cerr << "llmkb report: note: " << input
                << " has no hardware counters; the deep analysis and roofline need `llmkb bench --profile`\n";
    }
  }
  std::cout << "report: " << out_dir << "/report.html (also report.md, report.json)\n";
  return kReportOk;
}

}  // namespace llmkb
