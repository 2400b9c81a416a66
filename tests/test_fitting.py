"""Per-layer fits from statistics: clip uses each layer's detected dims; maps round-trip on disk."""

import numpy as np
import pandas as pd

from posart import fitting


def fake_stats(layers=3, d=6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(layers, 500, d))
    stats = {}
    for level in ("token", "sentence"):
        stats[f"{level}_mean"] = x.mean(1)
        stats[f"{level}_cov"] = np.stack([np.cov(layer.T, bias=True) for layer in x])
    return stats, x


def test_clip_detected_uses_each_layers_own_dims():
    stats, _ = fake_stats()
    table = pd.DataFrame({"layer": np.repeat([0, 1, 2], 6), "dim": np.tile(np.arange(6), 3),
                          "is_outlier": [False] * 6 + [True, False, False, False, False, True] + [False] * 6})
    maps = fitting.fit_layers({"method": "clip", "corpus": "c"}, stats, table)
    ones = np.ones((1, 6))
    assert maps[0].apply(ones).tolist() == [[1, 1, 1, 1, 1, 1]]
    assert maps[1].apply(ones).tolist() == [[0, 1, 1, 1, 1, 0]]
    explicit = fitting.fit_layers({"method": "clip", "corpus": "c", "dims": [2]}, stats)
    assert all(m.apply(ones)[0, 2] == 0 and m.apply(ones).sum() == 5 for m in explicit)


def test_whitening_fit_per_layer_and_round_trip(tmp_path):
    stats, x = fake_stats()
    maps = fitting.fit_layers({"method": "whiten", "corpus": "c", "level": "tokens"}, stats)
    for layer, affine in enumerate(maps):
        np.testing.assert_allclose(np.cov(affine.apply(x[layer]).T, bias=True), np.eye(6), atol=1e-5)
    fitting.save(tmp_path / "w.npz", maps)
    transform = fitting.Transform([tmp_path / "w.npz"])
    np.testing.assert_array_equal(transform(1, x[1]), maps[1].apply(x[1]))
    vectors = x[1]
    assert fitting.Transform([])(1, vectors) is vectors  # raw: untouched
