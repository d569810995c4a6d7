#include "profiler/name_suggest.h"

#include <algorithm>
#include <utility>

namespace llmkb {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

std::vector<std::string> closest_names(const std::string& name, const std::vector<std::string>& known, size_t count) {
  std::vector<std::pair<size_t, std::string>> scored;
  scored.reserve(known.size());
  for (const std::string& k : known) scored.emplace_back(edit_distance(name, k), k);
  const size_t keep = std::min(count, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + keep, scored.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < keep; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace llmkb
