"""STS Spearman and the three named STS12-16 aggregates, hand-computed."""

import numpy as np
import pytest

from posart.tasks.sts import aggregate, spearman_x100

# Subset a (3 pairs): perfectly ordered, rho = 1. Subset b (5 pairs): reversed, rho = -1.
SUBSETS = {
    "a": (np.array([0.1, 0.2, 0.3]), np.array([1.0, 2.0, 3.0])),
    "b": (np.array([0.4, 0.5, 0.6, 0.7, 0.8]), np.array([5.0, 4.0, 3.0, 2.0, 1.0])),
}


def test_spearman_x100():
    assert spearman_x100([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(100.0)
    assert spearman_x100([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(80.0)  # 1 - 6*2/(4*15)


def test_spearman_refuses_undefined_input():
    with pytest.raises(ValueError, match="constant"):
        spearman_x100([0.5, 0.5, 0.5], [1, 2, 3])
    with pytest.raises(ValueError, match="equal-length"):
        spearman_x100([1, 2, 3], [1, 2])


def test_the_three_aggregates_differ_as_computed_by_hand():
    result = aggregate(SUBSETS)
    # mean: (100 + -100) / 2; wmean (SentEval, weights = sizes): (3*100 - 5*100) / 8.
    assert result["mean"] == pytest.approx(0.0)
    assert result["wmean"] == pytest.approx(-25.0)
    # all: pool 8 pairs. Pred ranks 1..8; gold [1,2,3,5,4,3,2,1] has tied ranks
    # [1.5,3.5,5.5,8,7,5.5,3.5,1.5]. Centred cross-product -0.5, sums of squares 42 and 40.5.
    assert result["all"] == pytest.approx(100 * -0.5 / np.sqrt(42 * 40.5))
    assert result["n_pairs"] == 8


def test_single_subset_aggregates_agree():
    result = aggregate({"a": SUBSETS["b"]})
    assert result["all"] == result["mean"] == result["wmean"] == pytest.approx(-100.0)
    assert result["n_pairs"] == 5
    with pytest.raises(ValueError):
        aggregate({})
