// Writes the gate's scenario files (tests/gate_scenarios.h) into a folder for gate_cli_test.sh,
// and prints the name of the case they change. Usage: write_gate_fixtures DIR
#include <fstream>
#include <iostream>

#include "tests/gate_scenarios.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_gate_fixtures DIR\n";
    return 2;
  }
  try {
    const nlohmann::json baseline = llmkb::gate_baseline();
    const std::string changed = llmkb::scenario_case(baseline);
    for (const auto& fixture : llmkb::gate_fixtures(baseline, changed)) {
      std::ofstream out(std::string(argv[1]) + "/" + fixture.file, std::ios::binary);
      out << (fixture.document.is_null() ? fixture.text : fixture.document.dump(1));
      if (!out) {
        std::cerr << "cannot write " << argv[1] << "/" << fixture.file << "\n";
        return 1;
      }
    }
    std::cout << changed << "\n";
    std::cerr << "fixtures from " << llmkb::gate_baseline_path() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "write_gate_fixtures: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
