"""The activation cache: documented layout, round trip, sharding, and refusal of bad files."""

import h5py
import numpy as np
import pytest
import torch

from posart import cache as cache_module
from posart import encode
from posart.cache import ActivationCache, CacheError

SENTENCES = [
    "The film was great .",
    "",
    "   ",
    "Is this the capital of France ?",
    "An unexpectedly moving story about a small town .",
    "Word " * 700,
] * 6


@pytest.fixture(scope="module")
def token_cache(minilm, tmp_path_factory):
    path = tmp_path_factory.mktemp("cache") / "c.h5"
    encode.encode(minilm, SENTENCES, path, dtype="float16", window_sentences=8, attrs={"config_hash": "abc"})
    return path


def test_layout(token_cache, minilm):
    with h5py.File(token_cache, "r") as h5:
        n_tokens = h5["offsets"][-1]
        assert h5["hidden"].shape == (7, n_tokens, 384) and h5["hidden"].dtype == np.float16
        assert h5["hidden"].chunks[0] == 1  # layer-major: one layer streams without the others
        for name in ("input_ids", "position", "word_index", "special"):
            assert h5[name].shape == (n_tokens,)
        assert len(h5["text"]) == len(h5["offsets"]) - 1 == 24  # 12 empty skipped
        assert h5.attrs["complete"] and h5.attrs["n_empty"] == 12 and h5.attrs["n_truncated"] == 6
        assert h5.attrs["weight_hash"] == minilm.weight_hash and h5.attrs["config_hash"] == "abc"
        special = h5["special"][:]
        assert (h5["word_index"][:][special] == -1).all() and (h5["word_index"][:][~special] >= 0).all()
        assert 0 < h5.attrs["float16_max_abs_error"] < 0.05


def test_round_trip_matches_the_model(token_cache, minilm):
    with ActivationCache(token_cache) as cache:
        row = cache.texts().index("Is this the capital of France ?")
        lo, hi = cache.offsets[row], cache.offsets[row + 1]
        with torch.inference_mode():
            inputs = minilm.tokenizer(cache.texts()[row], return_tensors="pt")
            direct = minilm.model(**inputs, output_hidden_states=True).hidden_states
        for layer in range(7):
            np.testing.assert_allclose(cache.file["hidden"][layer, lo:hi], direct[layer][0], atol=0.02, rtol=2e-3)
        words = cache.field("word_index")[lo:hi]
        assert words.max() == len("Is this the capital of France ?".split()) - 1


def test_sentence_means_stream_in_blocks(token_cache):
    with ActivationCache(token_cache) as cache:
        hidden = cache.file["hidden"][3].astype(np.float32)
        special = cache.field("special")
        expected = np.stack([hidden[a:b][~special[a:b]].mean(0) for a, b in zip(cache.offsets[:-1], cache.offsets[1:])])
        np.testing.assert_allclose(cache.sentence_means(3, special_tokens=False), expected, atol=1e-5)


def test_a_streaming_pass_reads_every_block_into_the_same_buffer(token_cache):
    """Blocks are exactly the stored vectors, but in reused memory: fresh blocks of varying sizes
    fragmented the heap, and a pass's peak grew with the cache (benchmarks/bench_stats.py)."""
    with ActivationCache(token_cache) as cache:
        hidden = cache.file["hidden"][2]
        blocks = []
        for sentences, block, offsets in cache.sentence_chunks(2, max_tokens=100):
            lo = cache.offsets[sentences.start]
            assert block.dtype == np.float32 and np.array_equal(block, hidden[lo : lo + offsets[-1]].astype(np.float32))
            blocks.append(block)
        assert len(blocks) > 3 and all(np.shares_memory(blocks[0], block) for block in blocks)


def test_a_scratch_is_reused_grows_and_is_exact():
    wide, kept = cache_module.Scratch(), cache_module.Scratch(np.float32)
    rng = np.random.default_rng(0)
    small, large = rng.normal(size=(5, 4)).astype(np.float32), rng.normal(size=(30, 4)).astype(np.float32)
    keep = np.array([True, False, True, True, True])
    offsets = np.array([0, 2, 5])
    first = wide.copy_of(small)
    assert np.array_equal(first, small.astype(np.float64))
    assert np.array_equal(wide.copy_of(large), large.astype(np.float64))  # grown to the larger block
    again = wide.copy_of(small)
    assert np.array_equal(again, small.astype(np.float64)) and np.shares_memory(again, wide.buffer)
    rows = kept.rows(small, keep)
    assert rows.dtype == np.float32 and np.array_equal(rows, small[keep]) and np.shares_memory(rows, kept.buffer)
    assert np.array_equal(
        cache_module.segment_means(small, offsets, keep, wide), cache_module.segment_means(small, offsets, keep)
    )


def test_sharded_encoding_is_identical(minilm, tmp_path, token_cache):
    shards = [tmp_path / f"s{k}.h5" for k in range(3)]
    for k, path in enumerate(shards):
        encode.encode(minilm, SENTENCES, path, dtype="float16", window_sentences=8, shard=k, n_shards=3)
    cache_module.join(shards, tmp_path / "joined.h5", attrs={})
    with ActivationCache(token_cache) as whole, ActivationCache(tmp_path / "joined.h5") as joined:
        assert joined.file["hidden"].is_virtual
        assert chunk_cache_bytes(joined) == 0  # plain shards: read straight into the array
        np.testing.assert_array_equal(whole.file["hidden"][:], joined.file["hidden"][:])
        for name in ("offsets", "input_ids", "word_index", "special", "position", "source_index"):
            np.testing.assert_array_equal(whole.field(name), joined.field(name))
        assert whole.texts() == joined.texts()
        for layer in (0, 6):  # streamed through the virtual dataset, block by block
            np.testing.assert_array_equal(whole.sentence_means(layer, False), joined.sentence_means(layer, False))
        for key in ("n_empty", "n_truncated", "n_sentences", "n_tokens", "max_abs_value", "float16_max_abs_error"):
            assert joined.attrs[key] == whole.attrs[key], key
    # A shard cut short (in the workflow: e.g. a copy that kept its timestamp, so nothing is
    # re-run): the joined cache is refused when opened, naming the shard, not at its first read.
    with h5py.File(shards[2], "w") as replaced:  # a shard file of something else
        replaced.attrs["complete"] = True
    with pytest.raises(CacheError, match=r"shard .*s2.h5, which holds no 'hidden'; delete it and rerun"):
        ActivationCache(tmp_path / "joined.h5")
    shards[1].write_bytes(shards[1].read_bytes()[:20000])
    with pytest.raises(CacheError, match=r"shard .*s1.h5, which is truncated or corrupt .*delete it and rerun"):
        ActivationCache(tmp_path / "joined.h5")
    shards[1].unlink()
    with pytest.raises(CacheError, match=r"shard .*s1.h5, which is missing"):
        ActivationCache(tmp_path / "joined.h5")


def chunk_cache_bytes(cache: ActivationCache) -> int:
    return cache.file.id.get_access_plist().get_cache()[2]


def layer_chunks_bytes(cache: ActivationCache) -> int:
    """One chunk of every layer: what a block of all layers (the probe's) leaves part-read."""
    vectors = cache.file["hidden"]
    return cache.n_layers * int(np.prod(vectors.chunks[1:])) * vectors.dtype.itemsize


@pytest.fixture(scope="module")
def gzip_cache(minilm, tmp_path_factory):
    path = tmp_path_factory.mktemp("gzip") / "z.h5"
    encode.encode(minilm, SENTENCES, path, dtype="float16", window_sentences=8, compression="gzip")
    return path


def test_a_compressed_cache_holds_the_same_vectors(token_cache, gzip_cache):
    """Windows end inside chunks: without a chunk cache, HDF5 reads the part-written chunk back,
    decompresses, completes and recompresses it."""
    with ActivationCache(token_cache) as plain, ActivationCache(gzip_cache) as packed:
        assert packed.file["hidden"].compression == "gzip"
        np.testing.assert_array_equal(plain.file["hidden"][:], packed.file["hidden"][:])


def test_only_compressed_vectors_are_read_through_a_chunk_cache(minilm, tmp_path, token_cache, gzip_cache):
    """Plain vectors are read straight into the array; compressed ones through a chunk cache
    holding a chunk of every layer, so a chunk read twice is decompressed once. A joined cache
    reads each shard through its own cache: they share one budget."""
    encode.encode(minilm, SENTENCES, tmp_path / "p.h5", granularity="sentences", compression="gzip")
    shards = [tmp_path / f"z{k}.h5" for k in range(2)]
    for k, path in enumerate(shards):
        encode.encode(minilm, SENTENCES, path, window_sentences=8, compression="gzip", shard=k, n_shards=2)
    cache_module.join(shards, tmp_path / "joined.h5", attrs={})
    budget = cache_module.COMPRESSED_CHUNK_CACHE_BYTES
    with (
        ActivationCache(token_cache) as plain,
        ActivationCache(gzip_cache) as packed,
        ActivationCache(tmp_path / "p.h5") as pooled,
        ActivationCache(tmp_path / "joined.h5") as joined,
    ):
        assert chunk_cache_bytes(plain) == 0
        assert chunk_cache_bytes(packed) == budget >= layer_chunks_bytes(packed)
        assert chunk_cache_bytes(pooled) == budget
        assert chunk_cache_bytes(joined) * len(shards) == budget
        assert chunk_cache_bytes(joined) >= layer_chunks_bytes(packed)  # shards' chunks are no larger


def test_sentence_cache_pools_with_and_without_specials(minilm, tmp_path, token_cache):
    encode.encode(minilm, SENTENCES, tmp_path / "p.h5", granularity="sentences", window_sentences=8)
    with ActivationCache(tmp_path / "p.h5") as pooled, ActivationCache(token_cache) as tokens:
        for special in (True, False):
            np.testing.assert_allclose(pooled.sentence_means(5, special), tokens.sentence_means(5, special), atol=0.01)


def test_truncated_file_is_refused_with_its_name(token_cache, tmp_path):
    broken = tmp_path / "broken.h5"
    broken.write_bytes(token_cache.read_bytes()[:5000])
    with pytest.raises(CacheError, match="broken.h5.*truncated or corrupt"):
        ActivationCache(broken)


def test_unfinished_file_is_refused(token_cache, tmp_path):
    unfinished = tmp_path / "unfinished.h5"
    unfinished.write_bytes(token_cache.read_bytes())
    with h5py.File(unfinished, "a") as h5:
        del h5.attrs["complete"]
    with pytest.raises(CacheError, match="unfinished"):
        ActivationCache(unfinished)


def test_failed_encode_leaves_existing_cache_untouched(minilm, token_cache, tmp_path):
    target = tmp_path / "keep.h5"
    target.write_bytes(token_cache.read_bytes())
    before = target.read_bytes()
    with pytest.raises(ValueError, match="no non-empty sentence"):
        encode.encode(minilm, ["", "  "], target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.h5"]


def test_float16_overflow_is_an_error_not_inf(minilm, tmp_path, monkeypatch):
    real_states = encode.hidden_states
    monkeypatch.setattr(encode, "hidden_states", lambda *a: tuple(s * 1e5 for s in real_states(*a)))
    with pytest.raises(OverflowError, match="float32"):
        encode.encode(minilm, ["a sentence"], tmp_path / "o.h5", dtype="float16")
    assert not (tmp_path / "o.h5").exists()
