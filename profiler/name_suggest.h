// "Did you mean": the known names closest to a mistyped one, by edit distance.
#pragma once
#include <string>
#include <vector>

namespace llmkb {

// Levenshtein distance (insert, delete, substitute: each costs 1).
size_t edit_distance(const std::string& a, const std::string& b);

// Up to `count` names of `known` nearest to `name`, nearest first (ties: alphabetical).
std::vector<std::string> closest_names(const std::string& name, const std::vector<std::string>& known,
                                       size_t count = 3);

}  // namespace llmkb
