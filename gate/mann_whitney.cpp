#include "gate/mann_whitney.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace llmkb {

namespace {

struct Ranked {
  double rank_sum_first = 0;
  double tie_term = 0;  // sum over groups of equal values of t^3 - t
  bool ties = false;
  std::vector<int> doubled_ranks;  // twice the mid-rank of each pooled value (whole numbers)
};

// Mid-ranks of the pooled sample (1-based); equal values share the mean of their ranks. Both samples
// must be non-empty.
Ranked rank(const std::vector<double>& first, const std::vector<double>& second) {
  if (first.empty() || second.empty()) throw std::invalid_argument("Mann-Whitney U test: a sample is empty");
  std::vector<std::pair<double, bool>> pooled;  // value, from the first sample
  pooled.reserve(first.size() + second.size());
  for (double v : first) pooled.emplace_back(v, true);
  for (double v : second) pooled.emplace_back(v, false);
  std::sort(pooled.begin(), pooled.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Ranked r;
  for (size_t begin = 0; begin < pooled.size();) {
    size_t end = begin + 1;
    while (end < pooled.size() && pooled[end].first == pooled[begin].first) ++end;
    const double t = static_cast<double>(end - begin);
    const double mid_rank = 0.5 * static_cast<double>(begin + 1 + end);  // mean of ranks begin+1 .. end
    for (size_t i = begin; i < end; ++i) {
      if (pooled[i].second) r.rank_sum_first += mid_rank;
      r.doubled_ranks.push_back(static_cast<int>(begin + 1 + end));
    }
    if (t > 1) {
      r.ties = true;
      r.tie_term += t * t * t - t;
    }
    begin = end;
  }
  return r;
}

// P(U >= u) under the null hypothesis for samples of m and n without ties. Built up one element at
// a time: the largest of m + n values is from the first sample with probability m / (m + n), and
// then beats all n values of the second: P_{m,n}(u) = m/(m+n) P_{m-1,n}(u-n) + n/(m+n) P_{m,n-1}(u).
double exact_upper_tail(int m, int n, double u) {
  const int max_u = m * n;
  // row[j][u] = P_{i,j}(U = u) for the current i.
  std::vector<std::vector<double>> row(static_cast<size_t>(n) + 1);
  for (int j = 0; j <= n; ++j) row[j].assign(1, 1.0);  // i = 0: U = 0 surely
  for (int i = 1; i <= m; ++i) {
    std::vector<std::vector<double>> next(static_cast<size_t>(n) + 1);
    next[0].assign(1, 1.0);  // j = 0: U = 0 surely
    for (int j = 1; j <= n; ++j) {
      std::vector<double>& p = next[j];
      p.assign(static_cast<size_t>(i * j) + 1, 0.0);
      const double from_first = static_cast<double>(i) / (i + j);
      const double from_second = static_cast<double>(j) / (i + j);
      for (size_t u = 0; u < row[j].size(); ++u) p[u + j] += from_first * row[j][u];
      for (size_t u = 0; u < next[j - 1].size(); ++u) p[u] += from_second * next[j - 1][u];
    }
    row = std::move(next);
  }
  const std::vector<double>& p = row[n];
  const int from = static_cast<int>(std::ceil(u - 1e-9));
  double tail = 0;
  for (int k = std::max(from, 0); k <= max_u; ++k) tail += p[k];
  return tail;
}

// The two-sided p-value from the exact distribution of the first sample's rank sum given the pooled
// mid-ranks: every choice of n1 of the n values equally likely (with no ties, the distribution above).
// ways[k][s]: the number of k-value subsets whose doubled ranks sum to s, built one value at a time.
// Twice the smaller tail, as the distribution need not be symmetric when there are ties.
double exact_conditional_p(const std::vector<int>& doubled_ranks, int n1, double rank_sum_first) {
  int max_sum = 0;
  for (int r : doubled_ranks) max_sum += r;
  std::vector<std::vector<double>> ways(static_cast<size_t>(n1) + 1, std::vector<double>(max_sum + 1, 0.0));
  ways[0][0] = 1;
  int reached = 0;  // the largest sum so far
  for (int r : doubled_ranks) {
    reached += r;
    for (int k = n1; k >= 1; --k) {
      for (int s = reached; s >= r; --s) ways[k][s] += ways[k - 1][s - r];
    }
  }
  const int observed = static_cast<int>(std::lround(2 * rank_sum_first));
  double total = 0, at_or_below = 0, at_or_above = 0;
  for (int s = 0; s <= max_sum; ++s) {
    const double w = ways[n1][s];
    total += w;
    if (s <= observed) at_or_below += w;
    if (s >= observed) at_or_above += w;
  }
  return 2 * std::min(at_or_below, at_or_above) / total;
}

double binomial(int n, int k) {
  double c = 1;
  for (int i = 1; i <= k; ++i) c = c * (n - k + i) / i;
  return c;
}

// The test on ranked samples of sizes first_size and second_size, by the method given.
UTestResult test_ranked(const Ranked& ranked, size_t first_size, size_t second_size, UTestMethod method) {
  const double n1 = static_cast<double>(first_size);
  const double n2 = static_cast<double>(second_size);
  UTestResult r;
  r.u_first = ranked.rank_sum_first - n1 * (n1 + 1) / 2;
  r.u_second = n1 * n2 - r.u_first;
  r.ties = ranked.ties;
  const double u_max = std::max(r.u_first, r.u_second);
  r.method = method;
  if (method == UTestMethod::exact && !ranked.ties) {
    // The null distribution is symmetric about n1 n2 / 2: twice the tail beyond the larger U.
    r.p_value = 2 * exact_upper_tail(static_cast<int>(first_size), static_cast<int>(second_size), u_max);
  } else if (method == UTestMethod::exact) {
    r.p_value = exact_conditional_p(ranked.doubled_ranks, static_cast<int>(first_size), ranked.rank_sum_first);
  } else {
    const double n = n1 + n2;
    const double variance = n1 * n2 / 12 * ((n + 1) - ranked.tie_term / (n * (n - 1)));
    if (variance <= 0) {
      r.p_value = 1;  // every value is the same: nothing to tell the samples apart
    } else {
      const double z = (u_max - n1 * n2 / 2 - 0.5) / std::sqrt(variance);
      r.p_value = std::erfc(z / std::sqrt(2.0));  // 2 * P(Z > z)
    }
  }
  r.p_value = std::min(1.0, std::max(0.0, r.p_value));
  return r;
}

}  // namespace

UTestResult mann_whitney_u(const std::vector<double>& first, const std::vector<double>& second) {
  const Ranked ranked = rank(first, second);
  const size_t limit = static_cast<size_t>(ranked.ties ? kExactTiedUTestMaxSize : kExactUTestMaxSize);
  const bool small = first.size() <= limit && second.size() <= limit;
  return test_ranked(ranked, first.size(), second.size(), small ? UTestMethod::exact : UTestMethod::normal);
}

UTestResult mann_whitney_u(const std::vector<double>& first, const std::vector<double>& second, UTestMethod method) {
  return test_ranked(rank(first, second), first.size(), second.size(), method);
}

double smallest_two_sided_p(int n_first, int n_second) {
  if (n_first <= 0 || n_second <= 0) return 1;
  return std::min(1.0, 2 / binomial(n_first + n_second, std::min(n_first, n_second)));
}

bool can_reach_significance(int n_first, int n_second, double alpha) {
  // p < alpha is significant, so a smallest p equal to alpha (2 / C(6, 3) = 0.1) is not enough; the
  // margin keeps the rounding of the binomial from deciding that case.
  return smallest_two_sided_p(n_first, n_second) < alpha * (1 - 1e-12);
}

int repetitions_needed(int n_first, int n_second, double alpha) {
  for (int k = 1; k < 1000; ++k) {
    if (can_reach_significance(std::max(n_first, k), std::max(n_second, k), alpha)) return k;
  }
  return 1000;
}

}  // namespace llmkb
