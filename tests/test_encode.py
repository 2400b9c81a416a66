"""Encoding: windows and batches by hand, and caches that hold exactly the model's forward pass.

The reference runs the model the plain way (the tokenizer pads each planned batch, the
hidden states are converted by numpy), so a faster hot loop cannot drift from it unseen.
"""

import h5py
import numpy as np
import pytest
import torch

from posart import cache as cache_module
from posart import encode, forward, plan
from posart.cache import segment_means
from posart.corpora.glue import read_glue_sst2
from posart.tokenize import tokenise

SETTINGS = dict(batch_tokens=256, max_batch=16, buffer_mb=64, window_sentences=40)  # 3 windows, 20 batches


def test_window_plan_by_hand():
    # float16 tokens of 2 layers x 4 dims: 16 bytes each; two windows of 1 MiB / 2 / 16 = 32,768 tokens
    assert plan.window_plan(np.full(7, 10_000), "tokens", "float16", 2, 4, 1, 100) == [
        range(0, 3),
        range(3, 6),
        range(6, 7),
    ]
    assert plan.window_plan(np.full(3, 10_000), "tokens", "float32", 2, 4, 1, 100) == [
        range(0, 1),
        range(1, 2),
        range(2, 3),
    ]
    assert plan.window_plan(np.full(5, 10_000), "tokens", "float16", 2, 4, 1, 2) == [
        range(0, 2),
        range(2, 4),
        range(4, 5),
    ]
    # sentences: 2 pooled float32 vectors = 64 bytes each, whatever the length: 8,192 per window
    assert plan.window_plan(np.full(9000, 500), "sentences", "float16", 2, 4, 1, 10_000) == [
        range(0, 8192),
        range(8192, 9000),
    ]
    assert plan.plan_windows([5, 50, 5], budget=10, max_sentences=9) == [range(0, 1), range(1, 2), range(2, 3)]


def test_plan_batches_by_hand():
    assert plan.plan_batches([3, 9, 5, 9, 2], batch_tokens=20, max_batch=3) == [[1, 3], [2, 0, 4]]


def test_make_batch_by_hand(minilm):
    tokens, _ = tokenise(minilm.tokenizer, ["a b c", "d", "e f"], 512)  # 5, 3 and 4 tokens
    batch = forward.make_batch(tokens, [2, 1], pad_id=0)
    ids = tokens.input_ids
    np.testing.assert_array_equal(batch.input_ids, [ids[8:12], [*ids[5:8], 0]])
    np.testing.assert_array_equal(batch.attention_mask, [[1, 1, 1, 1], [1, 1, 1, 0]])
    np.testing.assert_array_equal(batch.flat, [0, 1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(batch.tokens, [8, 9, 10, 11, 5, 6, 7])
    np.testing.assert_array_equal(batch.keep[:, 1], [[0, 1, 1, 0], [0, 1, 0, 0]])


@pytest.fixture(scope="module")
def texts(repo):
    return read_glue_sst2(repo / "demo" / "data" / "SST-2" / "train.tsv")["sentence"].tolist()[:100]


@pytest.fixture(scope="module")
def reference(minilm, texts):
    """Float32 hidden states of every sentence, each from its own planned batch, run the plain way."""
    lengths = tokenise(minilm.tokenizer, texts, 512)[0].lengths
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    states = np.empty((minilm.n_layers, offsets[-1], minilm.dim), np.float32)
    windows = plan.window_plan(
        lengths, "tokens", "float16", minilm.n_layers, minilm.dim, SETTINGS["buffer_mb"], SETTINGS["window_sentences"]
    )
    assert len(windows) == 3
    with torch.inference_mode():
        for window in windows:
            for rows in plan.plan_batches(lengths[window].tolist(), SETTINGS["batch_tokens"], SETTINGS["max_batch"]):
                rows = [window.start + row for row in rows]
                inputs = minilm.tokenizer([texts[row] for row in rows], padding=True, return_tensors="pt")
                hidden = minilm.model(**inputs, output_hidden_states=True).hidden_states
                for i, row in enumerate(rows):
                    states[:, offsets[row] : offsets[row + 1]] = [h[i, : lengths[row]].numpy() for h in hidden]
    return states, offsets


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_token_cache_is_the_forward_pass_bit_for_bit(minilm, texts, reference, tmp_path, dtype):
    states, _ = reference
    summary = encode.encode(minilm, texts, tmp_path / "c.h5", dtype=dtype, **SETTINGS)
    with h5py.File(tmp_path / "c.h5") as h5:
        np.testing.assert_array_equal(h5["hidden"][:], states.astype(dtype))
    assert summary["max_abs_value"] == np.abs(states).max()
    stored = states.astype(np.float16).astype(np.float32) if dtype == "float16" else states
    assert summary["float16_max_abs_error"] == np.abs(stored - states).max()


def test_sentence_cache_is_the_mean_of_the_forward_pass(minilm, texts, reference, tmp_path):
    states, offsets = reference
    encode.encode(minilm, texts, tmp_path / "s.h5", granularity="sentences", **SETTINGS)
    special = tokenise(minilm.tokenizer, texts, 512)[0].special
    with h5py.File(tmp_path / "s.h5") as h5:
        for name, keep in (("pooled", np.ones_like(special)), ("pooled_nospecial", ~special)):
            expected = np.stack([segment_means(layer, offsets, keep) for layer in states])
            np.testing.assert_array_equal(h5[name][:], expected)


def test_threads_writer_and_shards_change_no_number(minilm, texts, tmp_path):
    whole = tmp_path / "whole.h5"
    encode.encode(minilm, texts, whole, dtype="float32", **SETTINGS)
    variants = [tmp_path / "serial.h5"]
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        encode.encode(minilm, texts, variants[0], dtype="float32", writer_thread=False, **SETTINGS)
    finally:
        torch.set_num_threads(before)
    shards = [tmp_path / f"s{k}.h5" for k in range(5)]  # 3 windows: shards 1 and 3 are empty
    for k, path in enumerate(shards):
        encode.encode(minilm, texts, path, dtype="float32", shard=k, n_shards=5, **SETTINGS)
    with h5py.File(shards[1]) as empty:
        assert empty["hidden"].shape == (7, 0, 384) and empty.attrs["n_sentences"] == 0
    cache_module.join(shards, tmp_path / "joined.h5", attrs={})
    variants.append(tmp_path / "joined.h5")
    with h5py.File(whole) as reference:
        for path in variants:
            with h5py.File(path) as h5:
                np.testing.assert_array_equal(h5["hidden"][:], reference["hidden"][:], err_msg=path.name)
                assert h5.attrs["max_abs_value"] == reference.attrs["max_abs_value"]


def test_window_write_error_reaches_the_caller(minilm, texts, tmp_path, monkeypatch):
    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(encode, "_write_window", broken)
    with pytest.raises(OSError, match="disk full"):
        encode.encode(minilm, texts, tmp_path / "w.h5", **SETTINGS)
    assert list(tmp_path.iterdir()) == []


def test_settings_per_device():
    assert plan.for_device(4096, "cuda:1", "batch_tokens") == 4096
    assert plan.for_device({"cpu": 8192, "cuda": 65536}, "cuda:1", "batch_tokens") == 65536
    assert plan.for_device({"cpu": 8192, "cuda": 65536}, "cpu", "batch_tokens") == 8192
    with pytest.raises(ValueError, match="batch_tokens.*'mps'.*cpu"):
        plan.for_device({"cpu": 8192}, "mps", "batch_tokens")


@pytest.mark.parametrize("granularity", ["tokens", "sentences"])
def test_two_buffer_staging_files_every_batch_right(minilm, texts, tmp_path, monkeypatch, granularity):
    """The CUDA pipeline (batch k+1 reduced before batch k is filed) run on the CPU: same cache."""
    encode.encode(minilm, texts, tmp_path / "direct.h5", granularity=granularity, **SETTINGS)

    class Rotating(forward.Staging):
        def __init__(self, device, shape, dtype):
            super().__init__(device, shape, dtype, rotate=True)

    monkeypatch.setattr(encode, "Staging", Rotating)
    encode.encode(minilm, texts, tmp_path / "rotated.h5", granularity=granularity, **SETTINGS)
    name = "hidden" if granularity == "tokens" else "pooled_nospecial"
    with h5py.File(tmp_path / "direct.h5") as direct, h5py.File(tmp_path / "rotated.h5") as rotated:
        np.testing.assert_array_equal(rotated[name][:], direct[name][:])


def test_a_job_holds_at_most_two_windows(minilm, texts, tmp_path, monkeypatch):
    """Growing windows (sentences sorted by length) refill the two buffers instead of allocating a third."""
    buffers = []
    original = encode.Window.__init__

    def spy(self, granularity, shape, memory):
        if not any(memory is seen for seen in buffers):
            buffers.append(memory)  # kept alive, so a new buffer cannot reuse a freed one's address
        original(self, granularity, shape, memory)

    monkeypatch.setattr(encode.Window, "__init__", spy)
    ascending = sorted(texts, key=len)
    settings = {**SETTINGS, "window_sentences": 30}
    encode.encode(minilm, ascending, tmp_path / "c.h5", **settings)
    lengths = tokenise(minilm.tokenizer, ascending, 512)[0].lengths
    windows = [int(lengths[w].sum()) for w in plan.plan_windows(np.ones_like(lengths), 10**9, 30)]
    assert len(windows) == 4 and windows[2] > windows[0]  # the third window outgrows the first's buffer
    assert len(buffers) == 2
    assert all(b.size == max(windows) * minilm.n_layers * minilm.dim for b in buffers)
