"""Per-layer fits: clip's dims by scope (recorded in the file), corpus fits round-trip on disk,
fits on the evaluated sentences (Su et al.'s whitening) against an independent computation."""

import numpy as np
import pandas as pd
import pytest

from posart import fitting
from posart.geometry import cosine_rows
from posart.postprocess import fit_clip

CLIP = {"method": "clip", "corpus": "c", "dims": "detected", "scope": "per_layer", "symptoms": ["share"]}
CRITERION = {"share_threshold": 0.2, "z_threshold": 6.0, "combine": "any"}


def fake_stats(layers=3, d=6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(layers, 500, d))
    stats = {"token_n": np.full(layers, 500)}
    for level in ("token", "sentence"):
        stats[f"{level}_mean"] = x.mean(1)
        stats[f"{level}_cov"] = np.stack([np.cov(layer.T, bias=True) for layer in x])
        stats[f"{level}_argmin_share"] = np.stack([np.bincount(v.argmin(1), minlength=d) / len(v) for v in x])
        stats[f"{level}_argmax_share"] = np.stack([np.bincount(v.argmax(1), minlength=d) / len(v) for v in x])
    return stats, x


def shares(stats, layer, dim, lo, hi):
    stats["token_argmin_share"][layer, dim] = lo
    stats["token_argmax_share"][layer, dim] = hi


def test_clip_per_layer_and_global_dims():
    stats, _ = fake_stats()
    stats["token_argmin_share"][:] = stats["token_argmax_share"][:] = 0.0
    shares(stats, 0, 2, 0.9, 0.0)  # input layer only
    shares(stats, 1, 0, 0.5, 0.0)
    shares(stats, 2, 0, 0.0, 0.0)  # dim 0 pooled over layers 1-2: 0.25
    shares(stats, 2, 5, 0.0, 0.3)  # dim 5 pooled: 0.15
    ones = np.ones((1, 6))
    per_layer = fitting.fit_layers(CLIP, stats, CRITERION)
    assert per_layer.clipped == [[2], [0], [5]]
    assert [m.apply(ones).tolist() for m in per_layer.maps] == [
        [[1, 1, 0, 1, 1, 1]],
        [[0, 1, 1, 1, 1, 1]],
        [[1, 1, 1, 1, 1, 0]],
    ]
    glob = fitting.fit_layers({**CLIP, "scope": "global"}, stats, CRITERION)
    assert glob.clipped == [[0], [0], [0]]  # one set, in every layer including the input layer
    assert all(m.apply(ones).tolist() == [[0, 1, 1, 1, 1, 1]] for m in glob.maps)
    explicit = fitting.fit_layers({**CLIP, "dims": [4, 2, 4]}, stats)
    assert explicit.clipped == [[2, 4]] * 3
    with pytest.raises(ValueError, match="needs the outlier criterion"):
        fitting.fit_layers(CLIP, stats)


def test_whitening_fit_per_layer_and_round_trip(tmp_path):
    stats, x = fake_stats()
    fit = fitting.fit_layers({"method": "whiten", "corpus": "c", "level": "tokens"}, stats)
    for layer, affine in enumerate(fit.maps):
        np.testing.assert_allclose(np.cov(affine.apply(x[layer]).T, bias=True), np.eye(6), atol=1e-5)
    assert fit.clipped == [[], [], []]
    fitting.save(tmp_path / "w.npz", fit)
    transform = fitting.Transform([tmp_path / "w.npz"])
    np.testing.assert_array_equal(transform(1, x[1]), fit.maps[1].apply(x[1]))
    assert transform.n_clipped(1) == 0
    vectors = x[1]
    assert fitting.Transform([])(1, vectors) is vectors  # raw: untouched


def test_clipped_dims_are_saved_and_label_every_row(tmp_path):
    fit = fitting.Fit([fit_clip(dims, 6) for dims in ([1], [1], [])], [[1], [1], []])
    fitting.save(tmp_path / "c.npz", fit)
    loaded = fitting.load(tmp_path / "c.npz")
    assert loaded.clipped == [[1], [1], []]
    transform = fitting.Transform([tmp_path / "c.npz"])
    rows = transform.label(pd.DataFrame({"layer": [2, 0, 1], "accuracy": [1.0, 2.0, 3.0]}))
    assert rows.n_clipped.tolist() == [0, 1, 1]
    assert fitting.Transform([]).label(rows).n_clipped.tolist() == [0, 0, 0]


def su_whitening(vectors):
    """Su et al.'s compute_kernel_bias, written independently: mean, np.cov, SVD kernel u / sqrt(s)."""
    mu = vectors.mean(axis=0, keepdims=True)
    u, s, _ = np.linalg.svd(np.cov(vectors.T))
    return lambda v: (v - mu) @ (u / np.sqrt(s))


def test_fit_on_the_evaluated_sentences_matches_su_et_al():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(300, 8)) @ rng.normal(size=(8, 8)) + 3.0  # anisotropic, off-centre
    b = a + rng.normal(scale=0.5, size=a.shape)
    entry = {"method": "whiten", "fit": "eval", "level": "sentences", "n_components": None}
    transform = fitting.Transform([], entry)
    assert transform.fits_on_eval
    with pytest.raises(RuntimeError, match="must call Transform.fit"):
        transform(0, a, key="stsb")
    transform.fit(0, np.concatenate([a, b]), key="stsb")
    theirs = su_whitening(np.concatenate([a, b]))
    # np.cov divides by n - 1, posart's moments by n: a common scale, which cosines ignore.
    np.testing.assert_allclose(
        cosine_rows(transform(0, a, key="stsb"), transform(0, b, key="stsb")),
        cosine_rows(theirs(a), theirs(b)),
        atol=1e-6,
    )
    transform.fit(0, a, key="other")  # each key (an STS dataset) has its own fit
    assert not np.allclose(transform(0, a, key="other"), transform(0, a, key="stsb"))
    assert transform.n_clipped(0) == 0


def test_a_method_is_fitted_on_a_corpus_or_on_the_evaluated_sentences(tmp_path):
    stats, _ = fake_stats()
    fitting.save(tmp_path / "w.npz", fitting.fit_layers({"method": "standardize", "corpus": "c"}, stats))
    with pytest.raises(ValueError, match="either on a corpus"):
        fitting.Transform([tmp_path / "w.npz"], {"method": "whiten", "fit": "eval", "level": "sentences"})
    corpus = fitting.Transform([tmp_path / "w.npz"])
    corpus.fit(0, np.ones((3, 6)))  # a corpus fit ignores the evaluated sentences
    assert not corpus.fits_on_eval
