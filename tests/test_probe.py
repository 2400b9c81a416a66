"""The position probe: c(i) by hand, synthetic learnability, streaming = in-memory, weights on disk."""

import logging
import tracemalloc

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from posart import probe, probe_weights
from posart.cache import ActivationCache
from posart.linear import train_linear
from synthetic import write_cache

D, P = 12, 8


def positional_cache(path, n_sentences=300, seed=0, d=D, max_len=P):
    """Layer 0: vector = A[position] + noise (position linearly decodable); layer 1: noise only."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, max_len + 1, size=n_sentences).tolist()
    position = np.concatenate([np.arange(n) for n in lengths])
    anchors = np.random.default_rng(99).normal(scale=3.0, size=(max_len, d))
    encoded = anchors[position] + rng.normal(scale=0.5, size=(len(position), d))
    noise = rng.normal(size=(len(position), d))
    write_cache(path, np.stack([encoded, noise]).astype(np.float32), lengths)
    return ActivationCache(path), position


def majority_share(position, max_position=P):
    return 100.0 * np.bincount(position[position < max_position]).max() / np.sum(position < max_position)


SETTINGS = probe.ProbeSettings(
    max_position=P, epochs=6, batch_size=64, lr=0.05, seed=0, block_tokens=256, buffer_blocks=3
)


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    root = tmp_path_factory.mktemp("probe")
    caches = {
        name: positional_cache(root / f"{name}.h5", n, seed)
        for name, n, seed in (("train", 400, 0), ("dev", 100, 1), ("test", 150, 2))
    }
    yield caches
    for cache, _ in caches.values():
        cache.close()


def test_contribution_by_hand(tmp_path):
    # two sentences: positions 0,1,2 and 0,1; one layer, d = 2, P = 3
    hidden = np.array([[[1.0, -2.0], [3.0, 0.5], [0.0, 4.0], [-1.0, 1.0], [2.0, 2.0]]], np.float32)
    write_cache(tmp_path / "c.h5", hidden, [3, 2])
    weights = torch.tensor([[[0.5, 1.0, -1.0], [2.0, -3.0, 0.25]]])  # (layers=1, d=2, P=3)
    settings = probe.ProbeSettings(max_position=3)
    with ActivationCache(tmp_path / "c.h5") as cache:
        sums, counts = probe.contributions(probe.Split(cache, "test", settings), weights, settings)
    # position 0: |[1,-2] * [0.5, 2]| = [0.5, 4]; |[-1, 1] * [0.5, 2]| = [0.5, 2]
    # position 1: |[3, .5] * [1, -3]| = [3, 1.5]; |[2, 2] * [1, -3]| = [2, 6]
    # position 2: |[0, 4] * [-1, .25]| = [0, 1]
    assert counts.tolist() == [2, 2, 1]
    np.testing.assert_allclose(sums[0], [[1.0, 6.0], [5.0, 7.5], [0.0, 1.0]])
    table = probe.contribution_table("m", sums, counts, min_count=2)
    assert list(table.columns) == probe.CONTRIBUTION_COLUMNS
    means = table.set_index(["position", "dim"]).contribution
    assert means[("all", 0)] == pytest.approx((1.0 + 5.0 + 0.0) / 5)
    assert means[("all", 1)] == pytest.approx((6.0 + 7.5 + 1.0) / 5)
    assert means[("0", 1)] == pytest.approx(3.0) and means[("1", 0)] == pytest.approx(2.5)
    assert "2" not in table.position.values  # one test vector < min_count: no per-position row


@pytest.fixture(scope="module")
def trained(splits):
    caches = {name: cache for name, (cache, _) in splits.items()}
    return probe.run("m", caches, SETTINGS, min_count=5)


def test_linear_positions_are_learned_and_noise_stays_at_chance(splits, trained):
    _, accuracy, contributions = trained
    test = accuracy[accuracy.split == "test"].set_index("layer").accuracy
    chance = majority_share(splits["test"][1])
    assert test[0] >= 97.0
    assert test[1] <= chance + 6.0, (test[1], chance)
    assert set(accuracy.split) == {"train", "dev", "test"} and list(accuracy.columns) == probe.ACCURACY_COLUMNS
    assert set(contributions.position) == {"all"} | {str(p) for p in range(P)}
    assert len(contributions) == 2 * (1 + P) * D


def test_dev_selection_keeps_each_layers_best_epoch(splits, trained):
    result, accuracy, _ = trained
    dev = accuracy[accuracy.split == "dev"].accuracy.to_numpy()
    history = np.stack(result.dev_accuracy)  # (epochs, layers)
    np.testing.assert_allclose(dev, history.max(axis=0))
    np.testing.assert_array_equal(result.selected_epoch, history.argmax(axis=0) + 1)


def test_streaming_never_reads_more_than_one_buffer(splits, monkeypatch):
    seen = []
    original = probe.Split.read

    def spy(self, block_ids):
        seen.append(len(block_ids))
        return original(self, block_ids)

    monkeypatch.setattr(probe.Split, "read", spy)
    split = probe.Split(splits["train"][0], "train", SETTINGS)
    assert len(split.blocks) > SETTINGS.buffer_blocks
    probe.train(split, None, probe.ProbeSettings(**{**SETTINGS.__dict__, "selection": "last", "epochs": 2}))
    assert max(seen) == SETTINGS.buffer_blocks and sum(seen) == 2 * len(split.blocks)


def test_one_buffer_equals_in_memory_training_per_layer(splits):
    cache, position = splits["train"]
    settings = probe.ProbeSettings(
        max_position=P, epochs=3, batch_size=32, lr=0.05, seed=4, selection="last", block_tokens=100_000
    )
    result = probe.train(probe.Split(cache, "train", settings), None, settings)
    for layer in range(cache.n_layers):
        X = cache.token_range(0, cache.n_tokens)[layer]
        reference = train_linear(X, position, P, epochs=3, batch_size=32, lr=0.05, seed=4, bias=False)
        np.testing.assert_allclose(result.weights[layer].numpy(), reference.weight, atol=2e-5)


def test_same_seed_same_probe_other_seed_other_probe(splits):
    settings = probe.ProbeSettings(**{**SETTINGS.__dict__, "selection": "last", "epochs": 2})
    split = probe.Split(splits["train"][0], "train", settings)
    a, b = probe.train(split, None, settings), probe.train(split, None, settings)
    c = probe.train(split, None, probe.ProbeSettings(**{**settings.__dict__, "seed": 1}))
    torch.testing.assert_close(a.weights, b.weights, rtol=0, atol=0)
    assert not torch.equal(a.weights, c.weights)


def test_positions_beyond_max_position_are_excluded_and_logged(splits, caplog):
    cache, position = splits["dev"]
    settings = probe.ProbeSettings(max_position=3)
    with caplog.at_level(logging.INFO, logger="posart.probe"):
        split = probe.Split(cache, "dev", settings)
    far = int((position >= 3).sum())
    assert split.n == len(position) - far
    assert f"{far} of {len(position)} tokens" in caplog.text
    vectors, gold = split.read(range(len(split.blocks)))
    assert vectors.shape == (2, split.n, D) and int(gold.max()) == 2


def test_special_tokens_can_be_left_out(splits):
    cache, position = splits["dev"]
    split = probe.Split(cache, "dev", probe.ProbeSettings(max_position=P, special_tokens=False))
    assert split.n == int((~cache.field("special")).sum())


def test_weights_round_trip_as_linear_layers(tmp_path, trained, splits):
    result, accuracy, _ = trained
    probe_weights.save(result.weights.numpy(), tmp_path / "all.safetensors", probe.metadata("m", result, SETTINGS))
    paths = [tmp_path / f"layer{layer}.safetensors" for layer in range(2)]
    for layer, path in enumerate(paths):
        probe_weights.extract_layer(tmp_path / "all.safetensors", layer, path)
    cache, position = splits["test"]
    X = cache.token_range(0, cache.n_tokens)[0]
    linear = torch.nn.Linear(D, P, bias=False)
    linear.load_state_dict(load_file(str(paths[0])))
    predicted = linear(torch.from_numpy(X)).argmax(dim=1).numpy()
    keep = position < P
    expected = accuracy[(accuracy.split == "test") & (accuracy.layer == 0)].accuracy.item()
    assert 100.0 * np.mean(predicted[keep] == position[keep]) == pytest.approx(expected)
    np.testing.assert_array_equal(probe_weights.load_layer(paths[1]), result.weights[1].numpy())
    with safe_open(str(paths[1]), framework="pt") as handle:
        assert handle.metadata()["layer"] == "1" and handle.metadata()["model"] == "m"
        assert handle.metadata()["selected_epoch"] == " ".join(map(str, result.selected_epoch))
    with pytest.raises(ValueError, match="no probe for layer 2"):
        probe_weights.extract_layer(tmp_path / "all.safetensors", 2, tmp_path / "layer2.safetensors")


def test_bad_settings_and_inputs_are_named(splits, tmp_path):
    section = {**SETTINGS.__dict__, "dataset": "glue_sst2", "sample": {}, "enabled": True, "min_position_count": 3}
    assert probe.ProbeSettings.from_config(section, device="cpu") == SETTINGS
    with pytest.raises(ValueError, match="probe.selection"):
        probe.ProbeSettings(selection="best")
    with pytest.raises(ValueError, match="probe.epochs"):
        probe.ProbeSettings(epochs=0)
    with pytest.raises(ValueError, match="missing.*'test'"):
        probe.run("m", {"train": splits["train"][0], "dev": splits["dev"][0]}, SETTINGS)
    other, _ = positional_cache(tmp_path / "wide.h5", 20, d=D + 1)
    with pytest.raises(ValueError, match="same model"):
        probe.run("m", {"train": splits["train"][0], "dev": splits["dev"][0], "test": other}, SETTINGS)
    other.close()


def test_figure_5_is_drawn(trained, tmp_path):
    from posart import figures

    _, accuracy, contributions = trained
    figures.probe(accuracy, contributions, [0, 3], tmp_path / "fig5.png")
    assert (tmp_path / "fig5.png").read_bytes()[:4] == b"\x89PNG"


def test_a_buffer_is_read_into_one_array(splits):
    """Reading a shuffle buffer allocates it once (plus one block), not once per block and again to join them."""
    split = probe.Split(splits["train"][0], "train", SETTINGS)
    blocks = list(range(len(split.blocks)))
    tracemalloc.start()
    try:
        vectors, _ = split.read(blocks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    block = split.cache.n_layers * SETTINGS.block_tokens * split.cache.dim * vectors.element_size()
    assert vectors.nbytes > 6 * block  # a buffer of many blocks, so holding it twice would show
    assert peak < 1.5 * vectors.nbytes
