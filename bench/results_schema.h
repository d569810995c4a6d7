// The results file: its schema (docs/results.schema.json, compiled in), validation, and loading
// with clear errors. Host-only: the report and the gate use it on machines with no GPU.
#pragma once
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace llmkb {

constexpr int kResultsSchemaVersion = 1;

const nlohmann::json& results_schema();

// Errors as "path: problem", empty when the document conforms. Supports the subset of JSON Schema
// that docs/results.schema.json uses: type, required, properties, additionalProperties, items,
// enum, minimum.
std::vector<std::string> validate_against_schema(const nlohmann::json& document, const nlohmann::json& schema);
std::vector<std::string> validate_results(const nlohmann::json& document);

// Thrown for a results file that cannot be used; the message says which file and why.
class ResultsFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads and validates a results file (missing, unreadable, not JSON, truncated, wrong schema
// version, or not matching the schema: ResultsFileError).
nlohmann::json load_results_file(const std::string& path);

}  // namespace llmkb
