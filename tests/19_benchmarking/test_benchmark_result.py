"""BenchmarkResult: statistics against numpy and a hand-worked t interval, JSON form, bad input."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.bench import BenchmarkResult, t_critical

# Student's t, two-sided 95%, from printed tables (independent of the module's own table).
T_TABLE = {1: 12.706, 2: 4.303, 4: 2.776, 9: 2.262, 19: 2.093, 29: 2.045}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=40))
def test_statistics_match_numpy(values):
    result = BenchmarkResult("latency_ms", values)
    array = np.asarray(values, dtype=np.float64)
    assert result.mean == pytest.approx(array.mean(), rel=1e-12, abs=1e-9)
    assert result.std == pytest.approx(array.std(ddof=1), rel=1e-9, abs=1e-9)
    assert result.median == pytest.approx(np.median(array), rel=1e-12, abs=1e-12)
    assert (result.min, result.max) == (array.min(), array.max())
    assert result.ci_lower <= result.mean <= result.ci_upper
    assert result.values == array.tolist()


def test_confidence_interval_worked_by_hand():
    # values 1..5: mean 3, sample variance (4+1+0+1+4)/4 = 2.5, n = 5, t(4) = 2.776
    result = BenchmarkResult("ms", [1, 2, 3, 4, 5])
    half = 2.776 * math.sqrt(2.5) / math.sqrt(5)
    assert result.ci_lower == pytest.approx(3 - half) and result.ci_upper == pytest.approx(3 + half)


@pytest.mark.parametrize("df, expected", sorted(T_TABLE.items()))
def test_t_critical_matches_printed_tables(df, expected):
    assert t_critical(df) == pytest.approx(expected, abs=1e-3)


def test_t_critical_beyond_the_table_approaches_the_normal_value():
    # printed values: t(40) = 2.021, t(60) = 2.000, t(120) = 1.980
    assert t_critical(40) == pytest.approx(2.021, abs=1e-3)
    assert t_critical(60) == pytest.approx(2.000, abs=1e-3)
    assert t_critical(120) == pytest.approx(1.980, abs=1e-3)


def test_more_runs_narrow_the_interval_for_the_same_spread():
    few = BenchmarkResult("ms", [1.0, 2.0] * 2)
    many = BenchmarkResult("ms", [1.0, 2.0] * 32)
    assert (many.ci_upper - many.ci_lower) < (few.ci_upper - few.ci_lower) / 4


def test_single_value_has_no_spread():
    result = BenchmarkResult("bytes", [4096])
    assert result.std == 0.0 and result.ci_lower == result.ci_upper == result.mean == 4096.0


def test_to_dict_is_json_serialisable_and_complete():
    metadata = {"unit": np.str_("ms"), "runs": np.int64(3), "shape": np.array([2, 3]), "nested": {"x": np.float32(0.5)}}
    result = BenchmarkResult("latency_ms", np.array([0.5, 0.25, 0.75], dtype=np.float32), metadata)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["metric"] == "latency_ms" and data["n"] == 3 and data["values"] == [0.5, 0.25, 0.75]
    assert data["mean"] == pytest.approx(0.5) and data["median"] == pytest.approx(0.5)
    assert data["metadata"] == {"unit": "ms", "runs": 3, "shape": [2, 3], "nested": {"x": 0.5}}
    assert data["confidence"] == 0.95 and data["ci_lower"] < 0.5 < data["ci_upper"]


def test_metadata_is_copied_not_shared():
    metadata = {"unit": "ms"}
    result = BenchmarkResult("x", [1.0], metadata)
    metadata["unit"] = "s"
    assert result.metadata == {"unit": "ms"}


def test_unserialisable_metadata_is_named():
    result = BenchmarkResult("x", [1.0], {"model": object()})
    with pytest.raises(TypeError, match="object"):
        result.to_dict()


@pytest.mark.parametrize("values, error", [
    ([], ValueError), ([1.0, float("nan")], ValueError), ([1.0, float("inf")], ValueError),
    ([[1.0, 2.0]], ValueError), (["fast"], TypeError), (None, ValueError),
])
def test_bad_values_are_rejected(values, error):
    with pytest.raises(error, match="values"):
        BenchmarkResult("latency_ms", values)


@pytest.mark.parametrize("name", ["", None, 3])
def test_bad_metric_name_is_rejected(name):
    with pytest.raises(ValueError, match="metric_name"):
        BenchmarkResult(name, [1.0])


def test_t_critical_needs_a_degree_of_freedom():
    with pytest.raises(ValueError, match="degrees_of_freedom"):
        t_critical(0)
