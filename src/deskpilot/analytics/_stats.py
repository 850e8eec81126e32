"""Small statistics: Wilson intervals, mean intervals, percentiles like percentile_cont."""

from __future__ import annotations

import math
from collections.abc import Sequence

from deskpilot.analytics.schema import Quantiles, Rate

Z95 = 1.959963984540054


def rate(count: int, total: int) -> Rate:
    """``count`` of ``total`` with a 95 % Wilson score interval."""
    if total <= 0:
        return Rate(count=count, total=total, rate=None, low=None, high=None)
    p = count / total
    denom = 1 + Z95**2 / total
    centre = (p + Z95**2 / (2 * total)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / total + Z95**2 / (4 * total**2)) / denom
    return Rate(
        count=count,
        total=total,
        rate=round(p, 4),
        low=round(max(0.0, centre - half), 4),
        high=round(min(1.0, centre + half), 4),
    )


def mean_interval(
    n: int, total: float, squares: float, bounds: tuple[float, float] = (1.0, 5.0)
) -> tuple[float | None, ...]:
    """Mean and its 95 % t interval from the count, sum and sum of squares, kept inside
    the scale's ``bounds`` (a few ratings give wide intervals)."""
    if n <= 0:
        return None, None, None
    mean = total / n
    if n == 1:
        return round(mean, 3), None, None
    variance = max(0.0, (squares - n * mean * mean) / (n - 1))
    half = t975(n - 1) * math.sqrt(variance / n)
    low, high = max(bounds[0], mean - half), min(bounds[1], mean + half)
    return round(mean, 3), round(low, 3), round(high, 3)


# Student's t 0.975 quantiles for 1..30 degrees of freedom (scipy.stats.t.ppf, rounded);
# importing scipy.stats for them would cost the first dashboard half a second.
_T975 = (
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281,
    2.201, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.093, 2.086,
    2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
)  # fmt: skip


def t975(df: int) -> float:
    """The two-sided 95 % t quantile; above 30 degrees of freedom, from the series
    z + (z^3 + z) / (4 df) (within 0.004 of the exact value there)."""
    if df <= len(_T975):
        return _T975[df - 1]
    return Z95 + (Z95**3 + Z95) / (4 * df)


def percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def quantiles(n: int, median: float | None, p90: float | None, mean: float | None) -> Quantiles:
    def r(x: float | None) -> float | None:
        return None if x is None else round(float(x), 3)

    return Quantiles(n=n, median=r(median), p90=r(p90), mean=r(mean))


def two_proportion_z(a: int, n_a: int, b: int, n_b: int) -> float:
    """z of the difference a/n_a - b/n_b under the pooled null (0 when undefined)."""
    if n_a == 0 or n_b == 0:
        return 0.0
    pooled = (a + b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    return 0.0 if se == 0 else (a / n_a - b / n_b) / se


def welch_t(mean_a: float, var_a: float, n_a: int, mean_b: float, var_b: float, n_b: int) -> float:
    """Welch's t of mean_a - mean_b (0 when undefined, infinite without any spread)."""
    if n_a < 2 or n_b < 2:
        return 0.0
    se = math.sqrt(var_a / n_a + var_b / n_b)
    if se == 0:  # no spread on either side: any difference is certain
        return math.copysign(math.inf, mean_a - mean_b) if mean_a != mean_b else 0.0
    return (mean_a - mean_b) / se
