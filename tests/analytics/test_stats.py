"""The small statistics behind the dashboard's intervals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from deskpilot.analytics import _stats


@given(st.integers(min_value=1, max_value=5000))
def test_that_the_t_quantile_matches_scipy(df: int) -> None:
    assert _stats.t975(df) == pytest.approx(float(stats.t.ppf(0.975, df)), abs=0.004)


@given(st.integers(min_value=0, max_value=500), st.integers(min_value=1, max_value=500))
def test_that_a_wilson_interval_holds_the_rate_and_stays_in_0_1(count: int, extra: int) -> None:
    r = _stats.rate(count, count + extra)
    assert r.low is not None and r.high is not None and r.rate is not None
    assert 0.0 <= r.low <= r.rate <= r.high <= 1.0


def test_that_percentiles_interpolate_like_postgresql() -> None:
    assert _stats.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert _stats.percentile([10.0], 0.9) == 10.0
    assert _stats.percentile([], 0.5) is None
