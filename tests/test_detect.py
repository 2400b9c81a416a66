"""The outlier detector finds planted outlier dims and nothing in isotropic vectors."""

import numpy as np
import pytest

from posart.detect import Criterion, clip_dims, outlier_mask, pooled, robust_z


def summary(x):
    d = x.shape[1]
    return (x.mean(0), np.bincount(x.argmin(1), minlength=d) / len(x), np.bincount(x.argmax(1), minlength=d) / len(x))


@pytest.mark.parametrize("d", [64, 384, 768])
def test_isotropic_vectors_have_no_outliers(d):
    x = np.random.default_rng(1).normal(size=(20000, d))
    assert not outlier_mask(*summary(x), Criterion()).any()


def test_planted_dims_are_found():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5000, 384))
    x[:, 308] -= 8.0  # BERT-like: a large negative dim, the minimum of most vectors
    x[:, 77] += 6.0  # RoBERTa-like: a large positive dim
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


def planted_stats():
    """Hand-made statistics of 3 layers x 6 dims; layer 2 has three times the tokens of layer 1.

    - layer 0 (input): dim 5 is the maximum of 90% of vectors;
    - dim 1 is the minimum of 60% (layer 1) and 10% (layer 2) of vectors: pooled over layers 1-2,
      (0.6 x 10 + 0.1 x 30) / 40 = 0.225;
    - dim 3 is the maximum of 35% (layer 1) and 10% (layer 2): pooled 0.1625 (the unweighted mean
      of the two shares would be 0.225);
    - dim 4's mean in layer 2 is 50, far out of a mean vector of small values.
    """
    n = np.array([10, 10, 30])
    lo, hi = np.zeros((3, 6)), np.zeros((3, 6))
    hi[0, 5] = 0.9
    lo[1, 1], lo[2, 1] = 0.6, 0.1
    hi[1, 3], hi[2, 3] = 0.35, 0.1
    mean = np.random.default_rng(0).normal(scale=0.1, size=(3, 6))
    mean[2, 4] = 50.0
    return {"token_n": n, "token_mean": mean, "token_argmin_share": lo, "token_argmax_share": hi}


def test_pooled_statistics_weigh_each_vector_once():
    stats = planted_stats()
    mean, lo, hi = pooled(stats, [1, 2])
    np.testing.assert_allclose(lo[1], 0.225)
    np.testing.assert_allclose(hi[3], 0.1625)
    np.testing.assert_allclose(mean, (10 * stats["token_mean"][1] + 30 * stats["token_mean"][2]) / 40)
    with pytest.raises(ValueError, match="no token vectors"):
        pooled({**stats, "token_n": np.zeros(3)}, [1, 2])


@pytest.mark.parametrize(
    "scope, symptoms, expected",
    [
        ("global", ["share"], [[1], [1], [1]]),  # dim 5 is extreme in the input layer only
        ("global", ["share", "magnitude"], [[1, 4], [1, 4], [1, 4]]),
        ("global", ["magnitude"], [[4], [4], [4]]),
        ("per_layer", ["share"], [[5], [1, 3], []]),
        ("per_layer", ["share", "magnitude"], [[5], [1, 3], [4]]),
    ],
)
def test_clip_dims_by_scope_and_symptoms(scope, symptoms, expected):
    assert clip_dims(planted_stats(), Criterion(), scope, symptoms) == expected


def test_clip_dims_errors():
    with pytest.raises(ValueError, match="scope must be one of"):
        clip_dims(planted_stats(), Criterion(), "some", ["share"])
    with pytest.raises(ValueError, match="symptoms must be"):
        clip_dims(planted_stats(), Criterion(), "per_layer", ["shape"])
    one = {key: value[:1] for key, value in planted_stats().items()}
    with pytest.raises(ValueError, match="only layer 0"):
        clip_dims(one, Criterion(), "global", ["share"])


def test_one_symptom_ignores_the_other():
    stats = planted_stats()
    layer = [stats[k][2] for k in ("token_mean", "token_argmin_share", "token_argmax_share")]
    assert np.flatnonzero(outlier_mask(*layer, Criterion(), ["magnitude"])).tolist() == [4]
    assert np.flatnonzero(outlier_mask(*layer, Criterion(), ["share"])).tolist() == []
    assert not outlier_mask(*layer, Criterion(combine="all")).any()  # no dim has both symptoms
