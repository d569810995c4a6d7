// The two-sided Mann-Whitney U test (Wilcoxon rank-sum): do two samples come from distributions
// where neither tends to be larger? Rank-based, so it assumes nothing about the shape of the timing
// noise and is unchanged by any monotone transform of the values (microseconds or GB/s alike).
#pragma once
#include <vector>

namespace llmkb {

enum class UTestMethod {
  exact,   // the exact null distribution of U given the pooled values (every split of them equally
           // likely): both samples at most kExactUTestMaxSize, or kExactTiedUTestMaxSize with ties
  normal,  // the normal approximation with tie and continuity corrections (like scipy's 'asymptotic')
};

struct UTestResult {
  double u_first = 0;   // U of the first sample: pairs (x, y) with x > y, ties counting one half
  double u_second = 0;  // n_first * n_second - u_first
  double p_value = 1;   // two-sided; 1 when every value is the same
  UTestMethod method = UTestMethod::exact;
  bool ties = false;  // some value occurs more than once in the pooled sample
};

// Samples up to this size (each) get the exact p-value: without ties, and with ties (timings rounded
// to the event timer's resolution tie often) up to the second size, where the normal approximation
// is off most (1, 1, 1 against 2, 2, 2: 0.047 where every split of the six values gives 0.1).
constexpr int kExactUTestMaxSize = 50;
constexpr int kExactTiedUTestMaxSize = 25;

// Both samples must be non-empty (std::invalid_argument otherwise). The method as above.
UTestResult mann_whitney_u(const std::vector<double>& first, const std::vector<double>& second);
// The same with the method chosen by the caller (the exact one at any size; with ties its cost grows
// as n1 * (n1 + n2)^3).
UTestResult mann_whitney_u(const std::vector<double>& first, const std::vector<double>& second, UTestMethod method);

// The smallest two-sided p-value the test can give for these sample sizes: 2 / C(n1 + n2, n1),
// reached when the samples do not overlap at all (the exact p is at least that, ties or none, as the
// observed split is one of the C(n1 + n2, n1)). At alpha or above, no data can show a difference.
double smallest_two_sided_p(int n_first, int n_second);

// Whether samples of these sizes can give p < alpha (the gate's test for a significant change).
bool can_reach_significance(int n_first, int n_second, double alpha);

// The fewest repetitions k such that samples of max(n_first, k) and max(n_second, k) can reach
// p < alpha (each run given at least k repetitions).
int repetitions_needed(int n_first, int n_second, double alpha);

}  // namespace llmkb
