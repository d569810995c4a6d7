// llmkb: one program, subcommands in a table.
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>&);
};

const Command kCommands[] = {
    {"list", "ops, variants (with the architecture each needs) and shape presets", llmkb::cmd_list},
    {"bench", "check and time every variant on real model shapes; writes a results file", llmkb::cmd_bench},
    {"compare", "the regression gate: compare two results files, exit 1 on a real slowdown", llmkb::cmd_compare},
    {"metrics", "the hardware counters `bench --profile` collects on a chip (no GPU needed)", llmkb::cmd_metrics},
    {"report", "turn a results file into a report (Markdown, HTML with charts, JSON; en or zh)", llmkb::cmd_report},
};

void usage(std::ostream& out) {
  out << "usage: llmkb <command> [options]\n\ncommands:\n";
  for (const Command& c : kCommands) out << "  " << c.name << std::string(10 - std::strlen(c.name), ' ') << c.summary << "\n";
  out << "\n`llmkb <command> --help` describes a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    usage(argc < 2 ? std::cerr : std::cout);
    return argc < 2 ? 2 : 0;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const Command& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      return c.run(args);
    } catch (const std::exception& e) {
      std::cerr << "llmkb " << c.name << ": " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "llmkb: unknown command '" << argv[1] << "'\n\n";
  usage(std::cerr);
  return 2;
}
