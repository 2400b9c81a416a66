"""Streaming statistics equal an in-memory computation, with bounded blocks."""

import numpy as np
import pytest

from posart import stats
from posart.cache import ActivationCache
from synthetic import write_cache


@pytest.fixture
def random_cache(tmp_path):
    rng = np.random.default_rng(0)
    lengths = list(rng.integers(3, 40, size=120))
    hidden = rng.normal(size=(3, sum(lengths), 16)).astype(np.float32)
    hidden[1, :, 5] += 4.0  # a planted mean offset
    path = tmp_path / "c.h5"
    write_cache(path, hidden, lengths)
    return path, hidden, lengths


@pytest.mark.parametrize("special_tokens", [True, False])
def test_streaming_equals_in_memory(random_cache, special_tokens, monkeypatch):
    path, hidden, lengths = random_cache
    with ActivationCache(path) as cache:
        special = cache.field("special")
        # force many small blocks so that block boundaries are exercised
        original = cache.sentence_chunks
        monkeypatch.setattr(cache, "sentence_chunks", lambda layer: original(layer, max_tokens=50))
        result = stats.compute(cache, special_tokens=special_tokens)
    keep = np.ones(len(special), bool) if special_tokens else ~special
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    for layer in range(3):
        x = hidden[layer][keep].astype(np.float64)
        np.testing.assert_allclose(result["token_mean"][layer], x.mean(0), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(result["token_cov"][layer], np.cov(x.T, bias=True), atol=1e-9)
        np.testing.assert_array_equal(
            np.rint(result["token_argmin_share"][layer] * len(x)), np.bincount(x.argmin(1), minlength=16)
        )
        np.testing.assert_array_equal(
            np.rint(result["token_argmax_share"][layer] * len(x)), np.bincount(x.argmax(1), minlength=16)
        )
        sentences = np.stack([hidden[layer][a:b][keep[a:b]].mean(0) for a, b in zip(offsets[:-1], offsets[1:])])
        np.testing.assert_allclose(result["sentence_mean"][layer], sentences.mean(0), atol=1e-6)
        assert result["token_n"][layer] == keep.sum()


def test_moments_through_a_scratch_equal_moments_of_fresh_copies():
    from posart.cache import Scratch

    rng = np.random.default_rng(1)
    blocks = [rng.normal(size=(n, 8)).astype(np.float32) for n in (50, 7, 120, 3)]
    fresh, lent, scratch = stats.Moments(8), stats.Moments(8), Scratch()
    for block in blocks:
        fresh.update(block)
        lent.update(block, scratch)
    for name in ("n", "total", "outer", "argmin", "argmax"):
        np.testing.assert_array_equal(getattr(fresh, name), getattr(lent, name))
