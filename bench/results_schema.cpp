#include "bench/results_schema.h"

#include <fstream>
#include <sstream>

#include "bench/results_schema_text.h"

namespace llmkb {

const nlohmann::json& results_schema() {
  static const nlohmann::json schema = nlohmann::json::parse(kResultsSchemaText);
  return schema;
}

namespace {

bool has_type(const nlohmann::json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  return false;
}

void validate(const nlohmann::json& value, const nlohmann::json& schema, const std::string& path,
              std::vector<std::string>& errors) {
  if (errors.size() >= 50) return;
  const std::string where = path.empty() ? "/" : path;
  if (auto it = schema.find("type"); it != schema.end()) {
    bool ok = false;
    if (it->is_array()) {
      for (const auto& t : *it) ok = ok || has_type(value, t.get<std::string>());
    } else {
      ok = has_type(value, it->get<std::string>());
    }
    if (!ok) {
      errors.push_back(where + ": expected " + it->dump() + ", found " + std::string(value.type_name()));
      return;
    }
  }
  if (auto it = schema.find("enum"); it != schema.end()) {
    bool found = false;
    for (const auto& option : *it) found = found || option == value;
    if (!found) errors.push_back(where + ": " + value.dump() + " is not one of " + it->dump());
  }
  if (auto it = schema.find("minimum"); it != schema.end() && value.is_number()) {
    if (value.get<double>() < it->get<double>()) errors.push_back(where + ": " + value.dump() + " is below " + it->dump());
  }
  if (value.is_object()) {
    if (auto it = schema.find("required"); it != schema.end()) {
      for (const auto& key : *it) {
        if (!value.contains(key.get<std::string>())) errors.push_back(where + ": missing \"" + key.get<std::string>() + "\"");
      }
    }
    const auto properties = schema.find("properties");
    const auto additional = schema.find("additionalProperties");
    for (const auto& [key, child] : value.items()) {
      if (properties != schema.end() && properties->contains(key)) {
        validate(child, (*properties)[key], path + "/" + key, errors);
      } else if (additional != schema.end()) {
        if (additional->is_boolean() && !additional->get<bool>()) {
          errors.push_back(where + ": unexpected \"" + key + "\"");
        } else if (additional->is_object()) {
          validate(child, *additional, path + "/" + key, errors);
        }
      }
    }
  }
  if (value.is_array()) {
    if (auto it = schema.find("items"); it != schema.end()) {
      for (size_t i = 0; i < value.size(); ++i) validate(value[i], *it, path + "/" + std::to_string(i), errors);
    }
  }
}

}  // namespace

std::vector<std::string> validate_against_schema(const nlohmann::json& document, const nlohmann::json& schema) {
  std::vector<std::string> errors;
  validate(document, schema, "", errors);
  return errors;
}

std::vector<std::string> validate_results(const nlohmann::json& document) {
  return validate_against_schema(document, results_schema());
}

nlohmann::json load_results_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ResultsFileError(path + ": cannot open the results file (does it exist?)");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  if (text.empty()) throw ResultsFileError(path + ": the results file is empty");
  nlohmann::json document;
  // Results files nest a dozen levels at most; far deeper nesting is no results file, and copying or
  // printing it would recurse past the stack.
  constexpr int kMaxDepth = 64;
  const auto depth_limit = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMaxDepth) {
      throw ResultsFileError(path + ": values nested more than " + std::to_string(kMaxDepth) +
                             " levels deep: not an llmkb results file");
    }
    return true;
  };
  try {
    document = nlohmann::json::parse(text, depth_limit);
  } catch (const nlohmann::json::parse_error& e) {
    const bool truncated = e.byte >= text.size();
    throw ResultsFileError(path + ": not valid JSON" + (truncated ? " (the file ends early: truncated?)" : "") +
                           " at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const nlohmann::json::exception& e) {  // e.g. a number too large for a double
    throw ResultsFileError(path + ": not a usable results file: " + e.what());
  }
  if (!document.is_object() || !document.contains("llmkb")) {
    throw ResultsFileError(path + ": no \"llmkb\" section: not an llmkb results file (plain Google Benchmark output?)");
  }
  if (!document["llmkb"].is_object()) {
    throw ResultsFileError(path + ": the \"llmkb\" section is " + std::string(document["llmkb"].type_name()) +
                           ", not an object: not an llmkb results file, or a damaged one");
  }
  const auto& version = document["llmkb"].value("schema_version", nlohmann::json());
  if (!version.is_number_integer() || version.get<int>() != kResultsSchemaVersion) {
    throw ResultsFileError(path + ": schema_version " + version.dump() + " is not supported (this llmkb reads version " +
                           std::to_string(kResultsSchemaVersion) + ")");
  }
  const std::vector<std::string> errors = validate_results(document);
  if (!errors.empty()) {
    std::string message = path + ": does not match the results schema (docs/results-schema.md):";
    for (size_t i = 0; i < errors.size() && i < 10; ++i) message += "\n  " + errors[i];
    if (errors.size() > 10) message += "\n  ... and " + std::to_string(errors.size() - 10) + " more";
    throw ResultsFileError(message);
  }
  return document;
}

}  // namespace llmkb
