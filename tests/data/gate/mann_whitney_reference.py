#!/usr/bin/env python3
"""The reference p-values of tests/test_gate.cpp (MannWhitney.MatchesScipy): scipy.stats.mannwhitneyu,
two-sided, with the method named per case. Run with scipy installed; the output was pasted into the test."""
import numpy as np, scipy, scipy.stats as st
print("scipy", scipy.__version__)
cases = {
 "disjoint_4v4": ([1,2,3,4],[5,6,7,8],"exact"),
 "small_5v6": ([19.1,20.3,18.7,21.0,19.9],[20.8,22.1,21.5,19.5,23.0,22.4],"exact"),
 "interleaved_10v10": ([24.1,24.6,23.9,25.2,24.4,24.0,24.8,25.5,23.7,24.3],[24.2,24.9,25.0,24.5,25.8,24.7,26.1,25.3,24.45,25.1],"exact"),
 "one_each": ([3.0],[4.0],"exact"),
 "ties_10v10": ([3.2,3.2,3.3,3.4,3.2,3.5,3.3,3.6,3.2,3.4],[3.3,3.5,3.5,3.6,3.7,3.5,3.8,3.6,3.5,3.9],"asymptotic"),
 "ties_3v4": ([2.0,2.0,3.0],[3.0,4.0,4.0,5.0],"asymptotic"),
}
rng = np.random.default_rng(7)
a = np.round(rng.normal(100,3,60),3).tolist(); b = np.round(rng.normal(101.5,3,55),3).tolist()
cases["large_60v55"] = (a,b,"asymptotic")
for k,(x,y,m) in cases.items():
    r = st.mannwhitneyu(x,y,alternative="two-sided",method=m)
    print(k, m, "U1=%r p=%.17g"%(float(r.statistic), float(r.pvalue)))
print("large a", a); print("large b", b)
