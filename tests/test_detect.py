"""The outlier detector finds planted outlier dims and nothing in isotropic vectors."""

import numpy as np
import pytest

from posart.detect import Criterion, outlier_mask, robust_z


def summary(x):
    d = x.shape[1]
    return (x.mean(0), np.bincount(x.argmin(1), minlength=d) / len(x),
            np.bincount(x.argmax(1), minlength=d) / len(x))


@pytest.mark.parametrize("d", [64, 384, 768])
def test_isotropic_vectors_have_no_outliers(d):
    x = np.random.default_rng(1).normal(size=(20000, d))
    assert not outlier_mask(*summary(x), Criterion()).any()


def test_planted_dims_are_found():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5000, 384))
    x[:, 308] -= 8.0           # BERT-like: a large negative dim, the minimum of most vectors
    x[:, 77] += 6.0            # RoBERTa-like: a large positive dim
    mask = outlier_mask(*summary(x), Criterion())
    assert np.flatnonzero(mask).tolist() == [77, 308]


def test_share_only_and_magnitude_only_symptoms():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5000, 128))
    x[:, 10] = np.abs(x[:, 10]) * 0.01 - 5 * (rng.random(5000) < 0.4)  # minimum in ~40% of vectors
    mean, lo, hi = summary(x)
    assert lo[10] > 0.3
    assert outlier_mask(mean, lo, hi, Criterion(z_threshold=1e9))[10]
    assert not outlier_mask(mean, lo, hi, Criterion(share_threshold=1.1, z_threshold=1e9)).any()
    both = Criterion(combine="all")
    assert outlier_mask(mean, lo, hi, both).sum() <= outlier_mask(mean, lo, hi, Criterion()).sum()


def test_robust_z_hand_computed():
    values = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    # median 3, MAD = median(|[-2,-1,0,1,97]|) = 1 -> z = |x-3| / 1.4826
    np.testing.assert_allclose(robust_z(values), np.abs(values - 3) / 1.4826)


def test_unknown_combine_is_an_error():
    with pytest.raises(ValueError, match="combine"):
        outlier_mask(np.zeros(4), np.zeros(4), np.zeros(4), Criterion(combine="some"))


def test_zero_mad_does_not_flag_everything(caplog):
    values = np.zeros(100)
    values[:10] = np.random.default_rng(4).normal(size=10) * 0.1
    values[50] = 9.0
    z = robust_z(values)
    assert np.isfinite(z).all() and np.argmax(z) == 50 and (z >= 6).sum() == 1
    assert "median absolute deviation is 0" in caplog.text
