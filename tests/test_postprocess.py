"""Post-processing maps against hand-computed values and the known peer bugs."""

import io

import numpy as np
import pytest
import yaml

from posart.postprocess import METHODS, Affine, fit_abtt, fit_clip, fit_standardize, fit_whitening

S2 = np.sqrt(2.0)


def moments(x):
    """What posart.stats streams: mean and population covariance, float64."""
    x = np.asarray(x, np.float64)
    return x.mean(axis=0), np.cov(x.T, bias=True)


@pytest.fixture
def correlated():
    rng = np.random.default_rng(0)
    mix = rng.normal(size=(4, 4)) + 2 * np.eye(4)
    return rng.normal(size=(5000, 4)) @ mix + np.array([5.0, -3.0, 0.5, 10.0])


# cov = [[2.5, 1.5], [1.5, 2.5]]: variance 4 along (1, 1)/sqrt2, 1 along (1, -1)/sqrt2.
COV2 = np.array([[2.5, 1.5], [1.5, 2.5]])
MEAN2 = np.array([1.0, -1.0])


def test_whitening_hand_computed():
    w = fit_whitening(MEAN2, COV2)
    np.testing.assert_allclose(w.shift, MEAN2)
    # W W^T = cov^-1 whatever the eigenvector signs; the inverted kernel gives cov itself.
    np.testing.assert_allclose(w.matrix @ w.matrix.T, np.linalg.inv(COV2), atol=1e-12)
    # x - mean = (2, 2): 2*sqrt2 along the top axis, whose std is 2 -> sqrt2; 0 along the other.
    np.testing.assert_allclose(np.abs(w.apply([3.0, 1.0])), [S2, 0.0], atol=1e-6)


def test_whitening_gives_identity_covariance(correlated):
    w = fit_whitening(*moments(correlated))
    out = w.apply(correlated)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(np.cov(out.T, bias=True), np.eye(4), atol=1e-5)


def test_whitening_keeps_top_k_components(correlated):
    mean, cov = moments(correlated)
    w = fit_whitening(mean, cov, n_components=2)
    out = w.apply(correlated)
    assert w.matrix.shape == (4, 2) and out.shape == (5000, 2)
    np.testing.assert_allclose(np.cov(out.T, bias=True), np.eye(2), atol=1e-5)
    # Column j is the j-th largest principal axis divided by its std.
    values, vectors = np.linalg.eigh(cov)
    for j, top in enumerate([-1, -2]):
        np.testing.assert_allclose(np.abs(w.matrix[:, j]), np.abs(vectors[:, top]) / np.sqrt(values[top]))
    # Hand case, k = 1: only the (1, 1) axis survives.
    np.testing.assert_allclose(np.abs(fit_whitening(MEAN2, COV2, 1).matrix[:, 0]), [1 / (2 * S2)] * 2)


def test_whitening_of_rank_deficient_covariance():
    cov = np.diag([3.0, 1.0, 0.0])
    assert fit_whitening(np.zeros(3), cov).matrix.shape == (3, 2)  # all = the rank
    assert fit_whitening(np.zeros(3), cov, n_components=2).matrix.shape == (3, 2)
    with pytest.raises(ValueError, match="rank 2"):
        fit_whitening(np.zeros(3), cov, n_components=3)
    with pytest.raises(ValueError, match="n_components"):
        fit_whitening(np.zeros(3), cov, n_components=4)


def test_abtt_uses_centred_data():
    # Variance 9 along e0, but a huge mean along e1: the uncentred second moment
    # (cov + mean mean^T) would put e1 on top and remove the mean instead of e0.
    mean, cov = np.array([0.0, 100.0, 0.0]), np.diag([9.0, 4.0, 1.0])
    a = fit_abtt(mean, cov, n_remove=1)
    np.testing.assert_allclose(a.shift, mean)
    np.testing.assert_allclose(a.matrix, np.diag([0.0, 1.0, 1.0]), atol=1e-12)
    np.testing.assert_allclose(a.apply([3.0, 102.0, -1.0]), [0.0, 2.0, -1.0], atol=1e-6)
    np.testing.assert_allclose(fit_abtt(mean, cov, n_remove=2).apply([3.0, 102.0, -1.0]), [0.0, 0.0, -1.0], atol=1e-6)


def test_abtt_output_orthogonal_to_removed_directions(correlated):
    mean, cov = moments(correlated)
    out = fit_abtt(mean, cov, n_remove=2).apply(correlated)
    top = np.linalg.eigh(cov)[1][:, [-1, -2]]
    scale = np.abs(correlated - mean).max()
    assert np.abs(out @ top).max() < 1e-6 * scale
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    # The remaining variance is exactly that of the two smaller principal directions.
    np.testing.assert_allclose(np.trace(np.cov(out.T, bias=True)), np.linalg.eigvalsh(cov)[:2].sum(), rtol=1e-5)


def test_abtt_zero_removed_only_centres():
    a = fit_abtt(MEAN2, COV2, n_remove=0)
    np.testing.assert_allclose(a.apply([3.0, 1.0]), [2.0, 2.0])
    with pytest.raises(ValueError, match="n_remove"):
        fit_abtt(MEAN2, COV2, n_remove=2)


def test_standardize_hand_computed_and_unit_variance(correlated):
    s = fit_standardize(np.array([1.0, 2.0]), np.array([[4.0, 1.0], [1.0, 0.25]]))
    np.testing.assert_allclose(s.apply([3.0, 2.5]), [1.0, 1.0])
    out = fit_standardize(*moments(correlated)).apply(correlated)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=0), 1, atol=1e-5)


def test_standardize_maps_zero_variance_dims_to_zero_and_names_them(caplog):
    s = fit_standardize(np.array([0.0, 5.0, 0.0]), np.diag([4.0, 0.0, 0.0]))
    np.testing.assert_allclose(s.apply(np.array([[2.0, 5.0, 0.0]])), [[1.0, 0.0, 0.0]])
    assert "dims [1, 2]" in caplog.text
    # A constant dim seen through running sums (E[x^2] - E[x]^2) leaves rounding noise, not 0:
    # it must still count as constant instead of being blown up by 1/sqrt(noise).
    x = np.column_stack([np.arange(10.0), np.full(10, 0.3)])
    n, total, outer = len(x), x.sum(axis=0), x.T @ x
    mean = total / n
    out = fit_standardize(mean, outer / n - np.outer(mean, mean)).apply(x)
    np.testing.assert_allclose(out[:, 1], 0.0)
    np.testing.assert_allclose(out[:, 0].std(), 1.0, rtol=1e-6)


def test_clip_zeroes_exactly_the_dims():
    c = fit_clip([3, 1, 3], d=5)
    x = np.arange(10, dtype=np.float32).reshape(2, 5) - 4.5
    expected = x.copy()
    expected[:, [1, 3]] = 0
    np.testing.assert_array_equal(c.apply(x), expected)
    np.testing.assert_array_equal(fit_clip([], d=5).apply(x), x)
    with pytest.raises(ValueError, match=r"\[5\]"):
        fit_clip([5], d=5)


def test_affine_round_trips_through_npz(correlated):
    w = fit_whitening(*moments(correlated), n_components=3)
    buffer = io.BytesIO()
    np.savez(buffer, **w.to_arrays())
    buffer.seek(0)
    with np.load(buffer) as arrays:
        back = Affine.from_arrays(arrays)
    np.testing.assert_array_equal(back.shift, w.shift)
    np.testing.assert_array_equal(back.matrix, w.matrix)
    np.testing.assert_array_equal(back.apply(correlated), w.apply(correlated))


def test_apply_works_on_any_leading_shape_and_checks_d():
    a = fit_abtt(MEAN2, COV2, n_remove=1)
    x = np.random.default_rng(1).normal(size=(3, 4, 2))
    out = a.apply(x)
    assert out.shape == (3, 4, 2) and out.dtype == np.float32
    np.testing.assert_array_equal(out[1, 2], a.apply(x[1, 2]))
    with pytest.raises(ValueError, match="3 dims"):
        a.apply(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"\(d, k\)"):
        Affine(shift=np.zeros(3), matrix=np.eye(2))


@pytest.mark.parametrize(
    "fit",
    [
        lambda m, c: fit_whitening(m, c),
        lambda m, c: fit_abtt(m, c, 2),
        lambda m, c: fit_standardize(m, c),
        lambda m, c: fit_clip([0, 2], 4),
    ],
)
def test_affine_map_commutes_with_mean_pooling(fit, correlated):
    """The workflow applies token-fitted maps to mean-pooled sentence vectors; that is exact."""
    f = fit(*moments(correlated))
    sentence = correlated[:7]
    np.testing.assert_allclose(f.apply(sentence).mean(axis=0), f.apply(sentence.mean(axis=0)), rtol=1e-5, atol=1e-5)


def test_methods_match_the_config_schema(repo):
    schema = yaml.safe_load((repo / "schemas" / "config.schema.yaml").read_text())
    enum = schema["properties"]["postprocess"]["additionalProperties"]["properties"]["method"]["enum"]
    assert set(METHODS) == set(enum)
    assert METHODS["whiten"] is fit_whitening and METHODS["abtt"] is fit_abtt
