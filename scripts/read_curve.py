"""The calibrated read rate at a given size, from a results file's calibration section.

Mirrors bench/read_curve.cpp: calibration.read_curve holds [bytes, GB/s] points; between two points
the rate is linear in log2(bytes), outside them it is the nearest point's. None when the file has no
curve (files written before it existed).
"""
import math


def read_gbps_at(calibration, size_bytes):
    curve = sorted((float(b), float(g)) for b, g in calibration.get("read_curve", []))
    if not curve:
        return None
    if size_bytes <= curve[0][0]:
        return curve[0][1]
    if size_bytes >= curve[-1][0]:
        return curve[-1][1]
    for (b0, g0), (b1, g1) in zip(curve, curve[1:]):
        if size_bytes <= b1:
            t = math.log2(size_bytes / b0) / math.log2(b1 / b0)
            return g0 + t * (g1 - g0)
    return curve[-1][1]


def pct_at_size(calibration, size_bytes, gbps):
    """`gbps` as % of the read rate at `size_bytes`, formatted; '-' without a curve."""
    rate = read_gbps_at(calibration, size_bytes)
    return f"{100.0 * gbps / rate:.1f}" if rate else "-"
